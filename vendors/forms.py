"""Forms of the vendor pages."""

from django import forms
from django.contrib.auth import get_user_model

from . import identifiers
from .models import OnboardingCheck, ServiceCategory, Vendor, VendorContact, VendorStatus, VendorTier


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


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class VendorForm(forms.ModelForm):
    """The master record as a manager edits it. Identifiers may be typed with spaces, dots or dashes."""

    vat_number = forms.CharField(
        label="VAT no.", max_length=60, required=False, help_text="With the country prefix, e.g. DE123456789."
    )
    lei = forms.CharField(
        label="LEI", max_length=30, required=False, help_text="Legal Entity Identifier: 20 characters."
    )
    duns = forms.CharField(label="D-U-N-S no.", max_length=15, required=False, help_text="9 digits.")
    internal_owner = OwnerChoiceField(queryset=None, required=False, empty_label="No owner", label="Owner")
    new_categories = forms.CharField(
        max_length=300,
        required=False,
        label="New service categories",
        help_text="Categories not in the list yet, separated by commas; they are added for every vendor.",
    )

    class Meta:
        model = Vendor
        fields = (
            "name",
            "legal_name",
            "registration_number",
            "vat_number",
            "lei",
            "duns",
            "parent",
            "tier",
            "service_categories",
            "new_categories",
            "internal_owner",
            "website",
            "address",
            "description",
            "internal_notes",
        )
        widgets = {
            "service_categories": forms.CheckboxSelectMultiple,
            "address": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["internal_owner"].queryset = (
            get_user_model().objects.filter(vendor__isnull=True, is_active=True).order_by("full_name")
        )
        parents = Vendor.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "None"
        if not ServiceCategory.objects.exists():
            self.fields["service_categories"].help_text = "No categories yet: name them below."

    def _clean_identifier(self, name, validator):
        value = identifiers.normalise(self.cleaned_data.get(name, ""))
        validator(value)
        return value

    def clean_vat_number(self):
        return self._clean_identifier("vat_number", identifiers.validate_vat)

    def clean_lei(self):
        return self._clean_identifier("lei", identifiers.validate_lei)

    def clean_duns(self):
        return self._clean_identifier("duns", identifiers.validate_duns)

    def _post_clean(self):
        # The service validates and saves the row (with its audit event); the form only checks fields.
        pass

    def clean_new_categories(self):
        names = [name.strip() for name in self.cleaned_data["new_categories"].split(",")]
        names = list(dict.fromkeys(name for name in names if name))
        too_long = [name for name in names if len(name) > ServiceCategory._meta.get_field("name").max_length]
        if too_long:
            raise forms.ValidationError("A category name has at most 80 characters.")
        return names

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ContactForm(forms.ModelForm):
    class Meta:
        model = VendorContact
        fields = ("name", "job_title", "email", "phone", "is_primary", "is_escalation_contact", "notes")
        labels = {"is_primary": "Primary contact", "is_escalation_contact": "Escalation contact"}
        help_texts = {
            "is_primary": (
                "The vendor's one primary contact; ticking it here hands it over from the current one."
            ),
            "notes": "Internal only: never shown to the vendor.",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ContactRetireForm(forms.Form):
    successor = forms.ModelChoiceField(
        queryset=VendorContact.objects.none(),
        required=False,
        label="New primary contact",
        empty_label="Choose a contact",
    )

    def __init__(self, *args, contact: VendorContact, **kwargs):
        super().__init__(*args, **kwargs)
        others = VendorContact.objects.filter(vendor_id=contact.vendor_id, retired_on__isnull=True).exclude(
            pk=contact.pk
        )
        if contact.is_primary and others.exists():
            self.fields["successor"].queryset = others
            self.fields["successor"].required = True
        else:
            del self.fields["successor"]


class VendorAdminInviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail of the vendor's administrator",
        max_length=254,
        help_text="They receive a single-use link valid for 7 days, then invite their own colleagues.",
    )

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class OnboardingRequirementsForm(forms.Form):
    """The items that block activation, for one tier."""

    required_items = forms.MultipleChoiceField(
        choices=OnboardingCheck.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Required before the vendor can become active",
    )


class DetailsChangeRequestForm(forms.Form):
    """A vendor administrator's proposal for its company's details (prefilled with today's values)."""

    legal_name = forms.CharField(max_length=200, required=False)
    registration_number = forms.CharField(label="Company registration no.", max_length=60, required=False)
    vat_number = forms.CharField(label="VAT no.", max_length=60, required=False)
    lei = forms.CharField(label="LEI", max_length=30, required=False)
    duns = forms.CharField(label="D-U-N-S no.", max_length=15, required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="Why it changes (optional)."
    )

    def proposed(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "comment"}


class ContactChangeRequestForm(forms.Form):
    """A vendor administrator's proposal for a contact: a change to one, or a new one."""

    name = forms.CharField(max_length=150)
    job_title = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="Why it changes (optional)."
    )

    def proposed(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "comment"}


class DecisionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Reason",
        help_text="Required to reject; shown to the vendor.",
    )
