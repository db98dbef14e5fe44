"""The service level form and its credit tiers. Field and model validation (levels in the metric's
direction, credit only for CSLs, ranges) is the model's own; saving goes through the services."""

from django import forms
from django.db.models import Q

from ..models import CreditTier, Metric, ServiceLevel
from ..services.service_levels import LOCKED_WITH_FIGURES, SERVICE_LEVEL_FIELDS

FIXED_HELP = "Fixed: figures have been reported. A new target applies from a period on, as a target change."
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceLevelForm(forms.ModelForm):
    class Meta:
        model = ServiceLevel
        fields = SERVICE_LEVEL_FIELDS
        widgets = {"effective_from": DATE_INPUT}

    def __init__(self, *args, contract, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.contract = contract
        # Service levels on metrics the portal computes are set up by the portal; they stay editable.
        if self.instance.pk:
            metrics = Metric.objects.filter(Q(computed_by_portal=False) | Q(pk=self.instance.metric_id))
        else:
            metrics = Metric.objects.filter(computed_by_portal=False, is_active=True).exclude(
                service_levels__contract=contract
            )
        self.fields["metric"].queryset = metrics.order_by("category", "name")
        self.fields["metric"].label_from_instance = lambda m: (
            f"{m.name} ({m.unit}, {m.get_direction_display().lower()}, {m.get_aggregation_display()})"
        )
        self.fields["credit_allocation_percent"].help_text = (
            "Share of the contract's at-risk amount this critical service level carries; a contract's CSLs "
            "usually add up to 100–250 %. KPIs carry none."
        )
        if locked:
            for name in LOCKED_WITH_FIGURES:
                self.fields[name].disabled = True
                self.fields[name].help_text = FIXED_HELP


class CreditTierForm(forms.ModelForm):
    class Meta:
        model = CreditTier
        fields = ("shortfall", "factor_percent")
        labels = {
            "shortfall": "Missed the minimum by at least",
            "factor_percent": "Share of the allocation (%)",
        }


class BaseCreditTierFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        shortfalls = [
            form.cleaned_data["shortfall"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and "shortfall" in form.cleaned_data
        ]
        if len(set(shortfalls)) != len(shortfalls):
            raise forms.ValidationError("Each credit tier needs its own shortfall.")

    def tiers(self) -> list[tuple]:
        return [
            (form.cleaned_data["shortfall"], form.cleaned_data["factor_percent"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


CreditTierFormSet = forms.formset_factory(
    CreditTierForm, formset=BaseCreditTierFormSet, extra=2, can_delete=True, max_num=10, validate_max=True
)


def credit_tier_initial(service_level: ServiceLevel) -> list[dict]:
    return [
        {"shortfall": t.shortfall, "factor_percent": t.factor_percent}
        for t in service_level.credit_tiers.all()
    ]


class RetireForm(forms.Form):
    effective_to = forms.DateField(
        label="Last day it applies", widget=DATE_INPUT, help_text="Periods up to this day are still judged."
    )
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
