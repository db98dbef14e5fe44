"""Forms of the vendor pages."""

from django import forms
from django.contrib.auth import get_user_model

from .models import ServiceCategory, VendorStatus, VendorTier


class VendorFilterForm(forms.Form):
    """Tier and status filters of the vendor lists, read from the query string."""

    tier = forms.ChoiceField(choices=[("", "All tiers"), *VendorTier.choices], required=False)
    status = forms.ChoiceField(choices=[("", "All statuses"), *VendorStatus.choices], required=False)

    def filters(self) -> dict:
        """The valid filters as selector keyword arguments; an invalid value filters nothing."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    @property
    def is_filtered(self) -> bool:
        return bool(self.filters())


class PortfolioFilterForm(VendorFilterForm):
    """The portfolio dashboard's filters and sort order, read from the query string.

    Standings are the scorecard's RAG colours (kept as plain values here, since vendors sits below
    kpis in the house) plus "none" for vendors without a scorecard yet. Sort keys are whitelisted.
    """

    STANDING_CHOICES = [
        ("", "Any standing"),
        ("red", "Red"),
        ("amber", "Amber"),
        ("green", "Green"),
        ("none", "No scorecard yet"),
    ]
    SORT_CHOICES = [
        ("name", "Name A–Z"),
        ("-name", "Name Z–A"),
        ("score", "Lowest score"),
        ("-score", "Highest score"),
        ("-breaches", "Most breaches"),
        ("breaches", "Fewest breaches"),
        ("tier", "Most critical tier"),
        ("-tier", "Least critical tier"),
    ]

    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="All owners")
    category = forms.ModelChoiceField(
        queryset=ServiceCategory.objects.all(), required=False, empty_label="All categories"
    )
    standing = forms.ChoiceField(choices=STANDING_CHOICES, required=False)
    mine = forms.BooleanField(label="My vendors only", required=False)
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people who own a vendor are worth offering.
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(vendor__isnull=True, owned_vendors__isnull=False).distinct()
        )

    def filters(self) -> dict:
        """The valid filters, without the sort order."""
        return {name: value for name, value in super().filters().items() if name != "sort"}

    @property
    def sort_key(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("sort") or "name"
