"""Forms of the figure pages: submit, correct, evidence, upload, list filters and the review of figures."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from accounts import policy
from vendors.models import Vendor

from ..models import MeasurementStatus, ServiceLevel
from ..services.reviews import ReviewDecision

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceLevelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        period = obj.get_period_display().lower()
        return f"{obj.metric.name} — {obj.contract.reference} ({obj.metric.unit}, {period})"


class MeasurementForm(forms.Form):
    """One figure for one service level and day, with an optional evidence file."""

    service_level = ServiceLevelChoiceField(
        queryset=ServiceLevel.objects.filter(is_active=True, metric__computed_by_portal=False)
        .select_related("metric", "contract")
        .order_by("contract__reference", "metric__name"),
        empty_label="Choose a service level",
    )
    measured_on = forms.DateField(
        label="Day measured", widget=DATE_INPUT, help_text="The day the figure is for (YYYY-MM-DD)."
    )
    value = forms.DecimalField(
        max_digits=18,
        decimal_places=4,
        help_text="For ratio metrics: the numerator (e.g. calls answered in time).",
    )
    denominator = forms.DecimalField(
        max_digits=18,
        decimal_places=4,
        required=False,
        help_text="Ratio metrics only: the base count (e.g. all calls). Leave empty otherwise.",
    )
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(required=False)

    def __init__(self, *args, user, vendor_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = "Optional. " + evidence_help()
        policy.scope_form_choices(user, self)
        if vendor_id:
            field = self.fields["service_level"]
            field.queryset = field.queryset.filter(contract__vendor_id=vendor_id)


class CorrectionForm(forms.Form):
    """The corrected value (and base count, for ratio metrics) with the reason both sides will read."""

    value = forms.DecimalField(label="Corrected value", max_digits=18, decimal_places=4)
    denominator = forms.DecimalField(
        label="Corrected denominator", max_digits=18, decimal_places=4, help_text="The base count."
    )
    correction_reason = forms.CharField(
        label="Reason for the correction",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Both sides see it beside the old and the new figure.",
    )

    def __init__(self, *args, ratio: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not ratio:
            del self.fields["denominator"]


def evidence_help() -> str:
    return f"PDF, PNG, JPEG, CSV, TXT, XLSX or DOCX, up to {filesizeformat(settings.UPLOAD_MAX_BYTES)}."


class EvidenceForm(forms.Form):
    evidence = forms.FileField(label="Evidence file")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = evidence_help()


class UploadForm(forms.Form):
    """A CSV or XLSX file of figures; staff also say which vendor the figures are for."""

    file = forms.FileField(
        label="CSV or XLSX file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"})
    )
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.order_by("name"), empty_label="Choose the vendor")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if policy.sees_internal(user):
            policy.scope_form_choices(user, self)
        else:
            del self.fields["vendor"]


class _FilterForm(forms.Form):
    def filters(self) -> dict:
        """The valid filters as selector keyword arguments; an invalid value filters nothing."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}


class MeasurementFilterForm(_FilterForm):
    """Filters of the figure list; staff pick a vendor before its service levels are offered."""

    vendor_id = forms.TypedChoiceField(label="Vendor", coerce=int, required=False)
    service_level_id = forms.TypedChoiceField(label="Service level", coerce=int, required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *MeasurementStatus.choices], required=False)
    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT)
    late = forms.BooleanField(label="Late only", required=False)
    current = forms.BooleanField(label="Current figures only", required=False)

    def __init__(self, *args, user, service_levels, vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        if policy.sees_internal(user):
            self.fields["vendor_id"].choices = [("", "All vendors"), *((v.pk, v.name) for v in vendors)]
        else:
            del self.fields["vendor_id"]
        self.fields["service_level_id"].choices = [
            ("", "All service levels"),
            *((sl.pk, f"{sl.metric.name} — {sl.contract.reference}") for sl in service_levels),
        ]


class ValidationFilterForm(_FilterForm):
    vendor_id = forms.TypedChoiceField(label="Vendor", coerce=int, required=False)
    service_level_id = forms.TypedChoiceField(label="Service level", coerce=int, required=False)
    late = forms.BooleanField(label="Late only", required=False)

    def __init__(self, *args, vendors, service_levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor_id"].choices = [
            ("", "All vendors"),
            *((v["id"], f"{v['name']} ({v['waiting']})") for v in vendors),
        ]
        self.fields["service_level_id"].choices = [
            ("", "All service levels" if service_levels else "Choose a vendor first"),
            *((sl["id"], f"{sl['name']} ({sl['waiting']})") for sl in service_levels),
        ]


class ReviewForm(forms.Form):
    """Validate or dispute the ticked figures (or the one whose own button was pressed)."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    decision = forms.ChoiceField(
        choices=[(ReviewDecision.VALIDATE, "Validate"), (ReviewDecision.DISPUTE, "Dispute")], required=False
    )
    only = forms.IntegerField(required=False)
    reason = forms.CharField(
        label="Reason (required to dispute)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The vendor sees it on its list of figures.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id may be posted; the service only touches figures the user can see that are still waiting.
        self.fields["ids"].valid_value = lambda value: True

    def clean(self):
        data = super().clean()
        if data.get("only"):
            data["ids"], data["decision"] = [data["only"]], ReviewDecision.VALIDATE.value
        if not data.get("ids"):
            raise ValidationError("Tick at least one figure.")
        if not data.get("decision"):
            raise ValidationError("Choose to validate or to dispute.")
        return data


class FigureDisputeForm(forms.Form):
    """A vendor's reason for disputing a figure; a manager decides it."""

    reason = forms.CharField(
        label="Why you dispute this figure",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The client's managers read it and decide; the decision is shown here.",
    )


class DisputeResolveForm(forms.Form):
    """A manager's decision on a vendor's dispute of a figure, explained to the vendor."""

    decision = forms.ChoiceField(
        choices=[("upheld", "Uphold: the vendor is right"), ("rejected", "Reject")],
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label="Decision explained to the vendor", max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, dispute_id=None, **kwargs):
        # Several of these forms share the queue page; their ids must not collide.
        kwargs.setdefault("auto_id", f"id_dispute{dispute_id or ''}_%s")
        super().__init__(*args, **kwargs)


class CorrectionDecisionForm(forms.Form):
    """A manager's decision on a vendor's correction request; a rejection is explained to the vendor."""

    decision = forms.ChoiceField(
        choices=[("accept", "Accept: the corrected figure replaces the old one"), ("reject", "Reject")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason given to the vendor",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for a rejection.",
    )

    def __init__(self, *args, request_id=None, **kwargs):
        # Several of these forms share the queue page; their ids must not collide.
        kwargs.setdefault("auto_id", f"id_correction{request_id or ''}_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the correction is rejected; the vendor sees the reason.")
        return data
