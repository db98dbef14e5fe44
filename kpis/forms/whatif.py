"""What-if proposal forms: one service level's levels, period and pool allocation, or every service
level of a contract at once. Empty fields keep today's value."""

from django import forms

from ..models import MeasurementPeriod, ServiceLevelKind
from ..services.whatif import DEFAULT_WINDOW_MONTHS
from .targets import window_choices


class WindowForm(forms.Form):
    months = forms.TypedChoiceField(
        label="Replay", coerce=int, choices=window_choices, initial=DEFAULT_WINDOW_MONTHS, required=False
    )

    def window(self) -> int:
        return (self.cleaned_data.get("months") if self.is_valid() else None) or DEFAULT_WINDOW_MONTHS


class ProposalForm(forms.Form):
    """A proposal for one service level, prefilled with today's values."""

    target = forms.DecimalField(label="Expected level", max_digits=18, decimal_places=4, required=False)
    minimum = forms.DecimalField(label="Minimum level", max_digits=18, decimal_places=4, required=False)
    period = forms.ChoiceField(label="Period", choices=MeasurementPeriod.choices, required=False)
    credit_allocation_percent = forms.DecimalField(
        label="Pool allocation (%)", max_digits=6, decimal_places=2, required=False
    )

    def __init__(self, *args, service_level, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_level = service_level
        if service_level.kind != ServiceLevelKind.CSL:
            del self.fields["credit_allocation_percent"]
        for name in self.fields:
            self.initial.setdefault(name, getattr(service_level, name))

    def proposal(self) -> dict:
        """The submitted values, empty ones left out."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


def contract_proposal_forms(data, *, service_levels) -> list[ProposalForm]:
    """One prefixed proposal form per service level of the contract."""
    return [ProposalForm(data, service_level=sl, prefix=f"sl{sl.pk}") for sl in service_levels]
