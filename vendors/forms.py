"""Forms of the vendor pages."""

from django import forms

from .models import VendorStatus, VendorTier


class VendorFilterForm(forms.Form):
    """Tier and status filters of the vendor lists, read from the query string."""

    tier = forms.ChoiceField(choices=[("", "All tiers"), *VendorTier.choices], required=False)
    status = forms.ChoiceField(choices=[("", "All statuses"), *VendorStatus.choices], required=False)

    def filters(self) -> dict:
        """The valid filters as selector keyword arguments; an invalid value filters nothing."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
