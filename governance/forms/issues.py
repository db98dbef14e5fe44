"""Forms of the issue pages: list filters, raising an issue, and one small form per step."""

from django import forms

from accounts import policy
from accounts.form_tokens import form_token_field
from contracts.models import Contract
from vendors.models import Vendor

from ..models import IssueOrigin, IssueSeverity, IssueStatus
from ..services.issues import TEXT_LIMIT


def _text(label: str, *, rows: int = 3, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class IssueFilterForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"), required=False, empty_label="All vendors"
    )
    status = forms.ChoiceField(
        choices=[("", "Open"), (IssueStatus.RESOLVED, "Resolved"), ("all", "All statuses")], required=False
    )
    severity = forms.ChoiceField(choices=[("", "All severities"), *IssueSeverity.choices], required=False)
    level = forms.TypedChoiceField(
        choices=[("", "Any level"), *[(n, f"Level {n}") for n in range(1, 6)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    escalated = forms.ChoiceField(
        choices=[("", "Escalated or not"), ("yes", "Escalated"), ("no", "Not escalated")], required=False
    )
    origin = forms.ChoiceField(choices=[("", "Any origin"), *IssueOrigin.choices], required=False)

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


class IssueRaiseForm(forms.Form):
    """Managers choose the vendor; vendor users raise issues on their own vendor."""

    form_token = form_token_field()

    vendor = forms.ModelChoiceField(queryset=Vendor.objects.order_by("name"), empty_label="Choose a vendor")
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.select_related("vendor").order_by("vendor__name", "reference"),
        required=False,
        empty_label="The relationship as a whole",
        help_text="The contract's own escalation path applies, when it has one.",
    )
    title = forms.CharField(max_length=200)
    description = _text("Description", rows=6, help_text="What happened, its impact, and what you need.")
    severity = forms.ChoiceField(choices=IssueSeverity.choices, initial=IssueSeverity.MEDIUM)

    def __init__(self, *args, user, vendor: Vendor | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        policy.scope_form_choices(user, self)
        if not policy.sees_internal(user):
            del self.fields["vendor"]
        elif vendor is not None:
            self.fields["vendor"].initial = vendor.pk
            self.fields["contract"].queryset = self.fields["contract"].queryset.filter(vendor=vendor)
        self.fields["contract"].label_from_instance = self._contract_label(
            internal=policy.sees_internal(user)
        )

    @staticmethod
    def _contract_label(*, internal: bool):
        def label(contract):
            text = f"{contract.reference} — {contract.title}"
            return f"{contract.vendor.name}: {text}" if internal else text

        return label

    def clean(self):
        data = super().clean()
        vendor, contract = data.get("vendor"), data.get("contract")
        if vendor is not None and contract is not None and contract.vendor_id != vendor.pk:
            self.add_error("contract", "This contract belongs to another vendor.")
        return data


class StepForm(forms.Form):
    def __init__(self, *args, step: str, **kwargs):
        kwargs.setdefault("auto_id", f"id_{step}_%s")
        super().__init__(*args, **kwargs)


class CommentForm(StepForm):
    form_token = form_token_field()
    body = _text("Comment", help_text="Both sides read the thread.")


class EscalateForm(StepForm):
    note = _text("Why escalate now (optional)", rows=2, required=False)
    # The level the person saw: a second click, or a colleague's escalation meanwhile, moves nothing.
    from_level = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": "Reload the issue and escalate from the level it shows."},
    )


class ResolveForm(StepForm):
    resolution = _text("Resolution", help_text="How the issue was resolved; both sides read it.")


STEP_FORMS = {"comment": CommentForm, "escalate": EscalateForm, "resolve": ResolveForm}
