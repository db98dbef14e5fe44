"""Escalation path forms: what the path applies to, and its levels as a formset. Field and model
validation (the scope rule, one path per vendor and per tier) is the model's own; the levels as a whole
are checked by ``escalation_path_create`` / ``escalation_path_update``."""

from django import forms

from accounts.models import User
from contracts.models import Contract
from vendors.models import Vendor, VendorContact

from ..models import EscalationLevel, EscalationPath


class EscalationPathForm(forms.ModelForm):
    class Meta:
        model = EscalationPath
        fields = ("name", "contract", "vendor", "tier")
        help_texts = {
            "contract": "For one contract's own path (its vendor is filled in).",
            "vendor": "For every contract of one vendor without a path of its own.",
            "tier": "The default for every vendor of a tier without a path of its own.",
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("contract", "vendor", "tier"):
                del self.fields[name]
            return
        self.fields["contract"].queryset = Contract.objects.select_related("vendor").order_by(
            "vendor__name", "reference"
        )
        self.fields["contract"].label_from_instance = lambda c: f"{c.vendor.name}: {c.reference} — {c.title}"
        self.fields["vendor"].queryset = Vendor.objects.order_by("name")

    def clean(self):
        data = super().clean()
        contract = data.get("contract")
        if contract is not None and data.get("vendor") is None:
            data["vendor"] = contract.vendor
        return data


class EscalationLevelForm(forms.ModelForm):
    class Meta:
        model = EscalationLevel
        fields = (
            "level",
            "name",
            "internal_person",
            "internal_role",
            "vendor_contact",
            "vendor_role",
            "time_limit_hours",
        )
        labels = {"time_limit_hours": "Escalates after (hours)"}

    def __init__(self, *args, vendor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["internal_person"].queryset = User.objects.filter(
            vendor__isnull=True, is_active=True
        ).order_by("full_name")
        contacts = VendorContact.objects.filter(vendor=vendor) if vendor else VendorContact.objects.none()
        self.fields["vendor_contact"].queryset = contacts.order_by("name")


class BaseLevelFormSet(forms.BaseFormSet):
    def levels(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and "level" in form.cleaned_data
        ]


LevelFormSet = forms.formset_factory(
    EscalationLevelForm, formset=BaseLevelFormSet, extra=1, can_delete=True, max_num=10, validate_max=True
)


def level_initial(path: EscalationPath) -> list[dict]:
    return [
        {
            "level": lvl.level,
            "name": lvl.name,
            "internal_person": lvl.internal_person_id,
            "internal_role": lvl.internal_role,
            "vendor_contact": lvl.vendor_contact_id,
            "vendor_role": lvl.vendor_role,
            "time_limit_hours": lvl.time_limit_hours,
        }
        for lvl in path.levels.order_by("level")
    ]
