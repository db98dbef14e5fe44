"""Forms of the performance review pages: list filters, each workflow step, opening a review, cadences."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from accounts import policy
from kpis.models import MetricCategory
from vendors.models import Vendor, VendorStatus, VendorTier

from ..models import Meeting, ReviewCadence, ReviewStatus

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewFilterForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"), required=False, empty_label="All"
    )
    status = forms.ChoiceField(choices=[("", "All")] + list(ReviewStatus.choices), required=False)
    due = forms.BooleanField(label="Due within 30 days or overdue", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if policy.sees_internal(user):
            policy.scope_form_choices(user, self)
        else:
            del self.fields["vendor"]  # vendor users see their own reviews only

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "vendor": data.get("vendor"),
            "status": data.get("status") or "",
            "due": bool(data.get("due")),
        }


class ScoresForm(forms.Form):
    """A score from 0 to 100 for every scorecard category, an optional comment on each, and the text."""

    TEXT_LABELS = {
        "self_assess": ("Self-assessment", "How the relationship went this period, from your side."),
        "assess": (
            "Assessment",
            "The client's assessment of the period; the vendor reads it before signing.",
        ),
    }

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in MetricCategory.choices:
            self.fields[f"score_{value}"] = forms.DecimalField(
                label=f"{label} score",
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                help_text="0 to 100.",
                widget=forms.NumberInput(
                    attrs={"min": 0, "max": 100, "step": "0.01", "inputmode": "decimal"}
                ),
                error_messages={"required": f"Score {label.lower()} (0–100)."},
            )
            self.fields[f"comment_{value}"] = forms.CharField(
                label=f"{label}: comment",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        label, help_text = self.TEXT_LABELS[step]
        self.fields["text"] = forms.CharField(
            label=label, help_text=help_text, max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "scores": {value: data[f"score_{value}"] for value in MetricCategory.values},
            "comments": {value: data[f"comment_{value}"] for value in MetricCategory.values},
            "text": data["text"],
        }


class RequestSelfAssessmentForm(forms.Form):
    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class MeetingNotesForm(forms.Form):
    notes = forms.CharField(
        label="Meeting notes",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What both sides discussed and agreed; both sides sign the review with these notes.",
    )
    meeting = MeetingChoiceField(
        queryset=Meeting.objects.none(),
        required=False,
        empty_label="No forum meeting",
        help_text="Optional: the governance meeting where the review was held.",
    )

    def __init__(self, *args, step: str, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["meeting"].queryset = meetings.order_by("-scheduled_for")


class SignForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have read this review and sign it on behalf of my organisation.",
        error_messages={"required": "Tick the box to sign the review."},
    )

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)


STEP_FORMS = {
    "request_self_assessment": RequestSelfAssessmentForm,
    "self_assess": ScoresForm,
    "assess": ScoresForm,
    "record_meeting": MeetingNotesForm,
    "sign": SignForm,
}


class ReviewOpenForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.exclude(status=VendorStatus.EXITED).order_by("name"),
        empty_label="Choose the vendor",
    )
    period_start = forms.DateField(label="Period from", widget=DATE_INPUT)
    period_end = forms.DateField(label="Period to", widget=DATE_INPUT)
    due_on = forms.DateField(label="Sign-off due on", widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        policy.scope_form_choices(user, self)


class CadenceForm(forms.Form):
    """How often each tier is reviewed, and how many days before a period ends its review opens."""

    def __init__(self, *args, cadences, **kwargs):
        super().__init__(*args, **kwargs)
        months = ReviewCadence._meta.get_field("months")
        for tier, label in VendorTier.choices:
            cadence = cadences[tier]
            self.fields[f"months_{tier}"] = forms.IntegerField(
                label=f"{label}: every (months)",
                initial=cadence.months,
                validators=[MinValueValidator(1), MaxValueValidator(24)],
                help_text=months.help_text or "1 to 24; 3 = quarterly, 6 = half-yearly, 12 = yearly.",
                widget=forms.NumberInput(attrs={"min": 1, "max": 24}),
            )
            self.fields[f"lead_{tier}"] = forms.IntegerField(
                label=f"{label}: opens days before the period ends",
                initial=cadence.lead_days,
                validators=[MinValueValidator(0), MaxValueValidator(365)],
                widget=forms.NumberInput(attrs={"min": 0, "max": 365}),
            )

    def rows(self):
        return [(label, self[f"months_{tier}"], self[f"lead_{tier}"]) for tier, label in VendorTier.choices]

    def cadences(self) -> dict[str, tuple[int, int]]:
        data = self.cleaned_data
        return {tier: (data[f"months_{tier}"], data[f"lead_{tier}"]) for tier in VendorTier.values}
