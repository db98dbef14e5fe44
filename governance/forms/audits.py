"""Forms of the audit pages: list filters, the audit plan, findings, remediation, evidence, verification."""

from django import forms
from django.db.models import Q

from accounts import policy
from accounts.models import User
from kpis.forms.measurements import evidence_help
from vendors.models import Vendor

from ..models import Audit, AuditStatus, Finding, Side

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"), required=False, empty_label="All"
    )
    status = forms.ChoiceField(choices=[("", "All")] + list(AuditStatus.choices), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if policy.sees_internal(user):
            policy.scope_form_choices(user, self)
        else:
            del self.fields["vendor"]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {"vendor": self.cleaned_data.get("vendor"), "status": self.cleaned_data.get("status") or ""}


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        side = obj.vendor.name if obj.vendor_id else "Client"
        return f"{obj.get_full_name()} ({side})"


def _internal_staff():
    return User.objects.filter(is_active=True, vendor__isnull=True).order_by("full_name", "email")


class AuditForm(forms.ModelForm):
    """The audit plan; on an existing audit also its status and summary."""

    lead = PersonChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody yet")

    class Meta:
        model = Audit
        fields = ("vendor", "title", "scope", "planned_start", "planned_end", "lead", "status", "summary")
        widgets = {
            "planned_start": DATE_INPUT,
            "planned_end": DATE_INPUT,
            "scope": forms.Textarea(attrs={"rows": 4}),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "scope": "What the audit covers: services, controls, sites, the period examined.",
            "summary": "The audit's outcome, shown to the vendor.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _internal_staff().select_related("vendor")
        if self.instance.pk:
            del self.fields["vendor"]
        else:
            del self.fields["status"], self.fields["summary"]
            self.fields["vendor"].queryset = Vendor.objects.order_by("name")
        policy.scope_form_choices(user, self)

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "The audit must end on or after its first day.")
        return data


class FindingForm(forms.ModelForm):
    owner = PersonChoiceField(queryset=User.objects.none(), help_text="The person who owns the remediation.")

    class Meta:
        model = Finding
        fields = ("title", "description", "severity", "owner_side", "owner", "due_on", "internal_notes")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
            "due_on": DATE_INPUT,
        }
        labels = {"owner_side": "Owned by", "due_on": "Remediation due on"}
        help_texts = {"internal_notes": "Never shown to the vendor."}

    def __init__(self, *args, audit: Audit, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).filter(
            Q(vendor__isnull=True) | Q(vendor_id=audit.vendor_id)
        )
        self.fields["owner"].queryset = people.select_related("vendor").order_by(
            "vendor_id", "full_name", "email"
        )
        self.fields["owner_side"].choices = Side.choices


class RemediationForm(forms.Form):
    remediation = forms.CharField(
        label="What was done",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The remediation, for the auditor to verify.",
    )
    evidence = forms.FileField(label="Evidence file", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = "Optional. " + evidence_help()


class EvidenceForm(forms.Form):
    evidence = forms.FileField(label="Evidence file")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = evidence_help()


class VerifyForm(forms.Form):
    note = forms.CharField(
        label="Verification note",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: how the remediation was checked.",
    )


class ReopenForm(forms.Form):
    note = forms.CharField(
        label="Why the remediation is not accepted",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The owner reads this note.",
    )
