"""Forms of the contract pages: the contract itself, status moves, deliverable actions, documents,
renewal decisions, filters."""

from django import forms

from accounts.models import User
from vendors.models import Vendor

from .models import Contract, ContractStatus, ContractType, DeliverableStatus, RenewalChoice
from .services.contracts import CONTRACT_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DeliverForm(forms.Form):
    evidence = forms.FileField(
        label="The deliverable or evidence of it",
        help_text="PDF, Word, Excel, PNG, JPEG, CSV or text; checked by content, up to the upload limit.",
    )
    note = forms.CharField(
        label="Note to the approver",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why it is rejected",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The vendor sees the reason and delivers again.",
    )


class DocumentForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        help_text="Uploading under an existing title adds its next version.",
        widget=forms.TextInput(attrs={"list": "document-titles"}),
    )
    file = forms.FileField(help_text="PDF, Word or Excel; checked by content, up to the upload limit.")
    note = forms.CharField(label="What changed", max_length=500, required=False)
    shared_with_vendor = forms.BooleanField(
        label="Share this version with the vendor", required=False, help_text="Otherwise it stays internal."
    )


class RenewalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=RenewalChoice.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class SnoozeForm(forms.Form):
    until = forms.DateField(
        label="Hold reminders until",
        required=False,
        widget=DATE_INPUT,
        help_text="Leave empty to lift the snooze.",
    )


class DeliverableFilterForm(forms.Form):
    vendor_id = forms.TypedChoiceField(label="Vendor", coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(choices=[("", "Any status"), *DeliverableStatus.choices], required=False)
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args, vendors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if vendors is None:
            del self.fields["vendor_id"]
        else:
            self.fields["vendor_id"].choices = [("", "All vendors"), *((v.pk, v.name) for v in vendors)]

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


class ContractForm(forms.ModelForm):
    """A contract's terms. Validation is the model's own (``full_clean``: hierarchy rules, term dates,
    ranges, unique reference); saving goes through ``contract_create`` / ``contract_update``."""

    class Meta:
        model = Contract
        fields = ("vendor", "status", *CONTRACT_FIELDS)
        widgets = {
            "start_date": DATE_INPUT,
            "initial_term_end": DATE_INPUT,
            "scope_of_work": forms.Textarea(attrs={"rows": 5}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            del self.fields["vendor"]
            del self.fields["status"]
        else:
            self.fields["status"].choices = [
                (ContractStatus.DRAFT, ContractStatus.DRAFT.label),
                (ContractStatus.ACTIVE, ContractStatus.ACTIVE.label),
            ]
            self.fields["vendor"].queryset = Vendor.objects.order_by("name")
        parents = Contract.objects.exclude(contract_type=ContractType.ORDER).select_related("vendor")
        if editing and self.instance.pk:
            parents = parents.filter(vendor_id=self.instance.vendor_id).exclude(pk=self.instance.pk)
        elif not self.is_bound and self.initial.get("vendor"):
            # Opened from a vendor's page: offer that vendor's agreements only.
            parents = parents.filter(vendor_id=self.initial["vendor"])
        self.fields["parent"].queryset = parents.order_by("vendor__name", "reference")
        self.fields["parent"].label_from_instance = lambda c: f"{c.vendor.name}: {c.reference} — {c.title}"
        self.fields["parent"].help_text = "The MSA a SOW sits under, or the SOW an order calls off."
        self.fields["owner"].queryset = User.objects.filter(vendor__isnull=True, is_active=True).order_by(
            "full_name"
        )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("vendor", None)
        data.pop("status", None)
        return data


class ContractStatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=ContractStatus.choices)
    effective_on = forms.DateField(
        label="Effective on", required=False, widget=DATE_INPUT, help_text="Today when left empty."
    )
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the contract's history.",
    )


class DuplicateSowForm(forms.Form):
    reference = forms.CharField(max_length=40, help_text="The new statement of work's own reference.")
    title = forms.CharField(max_length=200)
