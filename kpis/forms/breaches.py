"""Forms of the breach and scorecard pages: list filters, and one small form per workflow step."""

from django import forms

from accounts import policy
from vendors.models import Vendor

from ..models import BreachKind, BreachSeverity, BreachStatus
from ..models.scoring import Rag
from ..selectors.scorecards import BREACH_SORTS

TEXT_LIMIT = 5000


def _text(label: str, *, required: bool = True, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class _ListFilterForm(forms.Form):
    """A list's filters from the query string; vendor users get no vendor choice."""

    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"), required=False, empty_label="All vendors"
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        if policy.sees_internal(user):
            policy.scope_form_choices(user, self)
        else:
            del self.fields["vendor"]

    def filters(self) -> dict:
        """The valid filters as selector keyword arguments (an invalid field is left out)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}


class BreachFilterForm(_ListFilterForm):
    status = forms.ChoiceField(
        choices=[
            ("open", "Open (awaiting an outcome)"),
            ("closed", "Closed"),
            ("all", "All statuses"),
            *BreachStatus.choices,
        ],
        required=False,
    )
    severity = forms.ChoiceField(choices=[("", "All severities"), *BreachSeverity.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "All kinds"), *BreachKind.choices], required=False)
    age = forms.ChoiceField(
        choices=[("", "Any age"), ("0-7", "0–7 days"), ("8-30", "8–30 days"), ("31+", "Over 30 days")],
        required=False,
    )
    period_from = forms.DateField(
        label="Period from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = forms.DateField(
        label="Period to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Set by the list's column headers (a hidden field of the form).
    sort = forms.ChoiceField(choices=[(key, key) for key in BREACH_SORTS], required=False)

    def filters(self) -> dict:
        filters = super().filters()
        filters.setdefault("status", "open")
        return filters


class ScorecardFilterForm(_ListFilterForm):
    rag = forms.ChoiceField(label="Standing", choices=[("", "All standings"), *Rag.choices], required=False)
    month = forms.DateField(
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


# ---- One form per workflow step (ids carry the step so several forms share a page) ------------------


class StepForm(forms.Form):
    def __init__(self, *args, step: str, **kwargs):
        kwargs.setdefault("auto_id", f"id_{step}_%s")
        super().__init__(*args, **kwargs)


class AcknowledgeForm(StepForm):
    note = _text("Note (optional)", required=False, rows=2)


class RespondForm(StepForm):
    root_cause = _text("Root cause", help_text="What caused the breach.")
    corrective_action = _text("Corrective action", help_text="What you will do so that it does not recur.")
    action_due_on = forms.DateField(
        label="Corrective action due on", widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence = forms.FileField(
        label="Evidence (optional)",
        required=False,
        help_text="A report, an extract or a screenshot backing the response.",
    )


class DisputeForm(StepForm):
    reason = _text("Why you dispute this breach")


class RequestMoreForm(StepForm):
    message = _text("What is missing from the response")


class AcceptResponseForm(StepForm):
    note = _text("Note (optional)", required=False, rows=2)


class WaiveForm(StepForm):
    reason = _text("Reason for waiving", help_text="Recorded in the thread and the audit trail.")


class CloseForm(StepForm):
    note = _text("Why the breach is closed")


class ResolveDisputeForm(StepForm):
    decision = forms.ChoiceField(
        choices=[("upheld", "Uphold: the vendor is right (the breach is waived)"), ("rejected", "Reject")],
        widget=forms.RadioSelect,
    )
    resolution = _text("Decision explained to the vendor")


class CommentForm(StepForm):
    body = _text("Comment", rows=3)
