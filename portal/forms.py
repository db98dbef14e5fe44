"""The audit trail's filters: who, what, which object, which vendor, when."""

from django import forms

from accounts import policy
from accounts.models import User
from accounts.trail import object_type_choices
from vendors.models import Vendor


class AuditTrailFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        queryset=User.objects.order_by("full_name", "email"), required=False, empty_label="Anyone"
    )
    action = forms.CharField(
        label="Action",
        required=False,
        max_length=80,
        help_text="The start of an action code, e.g. governance.issue or kpis.breach.opened.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. governance.issue"}),
    )
    object_type = forms.ChoiceField(label="Object type", required=False)
    object_id = forms.CharField(label="Object id", required=False, max_length=40)
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.order_by("name"), required=False, empty_label="All vendors"
    )
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        policy.scope_form_choices(user, self)
        self.fields["object_type"].choices = [("", "Any object"), *object_type_choices(user)]
        if not policy.sees_internal(user):
            del self.fields["vendor"]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> dict:
        """The valid filters as ``trail_for_user`` arguments (an invalid field is left out)."""
        self.is_valid()
        data = {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}
        vendor = data.pop("vendor", None)
        if vendor is not None:
            data["vendor_id"] = vendor.pk
        return data
