"""The RACI assignment form: an area, a role, who holds it (client staff, or the vendor's users and
contacts — the side follows from the choice) and the RACI letter."""

from django import forms
from django.db.models import Q

from accounts.models import User
from contracts.models import Contract
from vendors.models import Vendor, VendorContact

from ..models import Raci, RoleAssignment
from ..selectors.raci import STANDARD_AREAS


class RoleAssignmentForm(forms.Form):
    area = forms.CharField(max_length=100, help_text="Pick a listed area or type a new one.")
    role_title = forms.CharField(label="Role", max_length=100, help_text="e.g. Service delivery manager")
    holder = forms.ChoiceField(label="Held by")
    raci = forms.ChoiceField(label="RACI", choices=Raci.choices, widget=forms.RadioSelect)
    contract = forms.ModelChoiceField(
        queryset=Contract.objects.none(),
        required=False,
        empty_label="The whole relationship",
        help_text="Only when the role is specific to one contract.",
    )

    def __init__(self, *args, vendor: Vendor, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.area_suggestions = sorted(set(areas) | set(STANDARD_AREAS))
        self.fields["area"].widget.attrs["list"] = "raci-areas"
        self.fields["contract"].queryset = Contract.objects.filter(vendor=vendor).order_by("reference")
        self.fields["contract"].label_from_instance = lambda c: f"{c.reference} — {c.title}"
        people = User.objects.filter(is_active=True).filter(Q(vendor__isnull=True) | Q(vendor=vendor))
        self._people = {f"user:{u.pk}": u for u in people}
        self._contacts = {f"contact:{c.pk}": c for c in VendorContact.objects.filter(vendor=vendor)}

        def choices(rows, label):
            return sorted(((key, label(row)) for key, row in rows), key=lambda choice: choice[1].lower())

        self.fields["holder"].choices = [
            ("", "Choose a person"),
            ("Client staff (internal role)", choices(self._internal(), _person_label)),
            (f"{vendor.name} users (vendor role)", choices(self._vendor_users(), _person_label)),
            (f"{vendor.name} contacts (vendor role)", choices(self._contacts.items(), _contact_label)),
        ]

    def _internal(self):
        return [(k, u) for k, u in self._people.items() if u.vendor_id is None]

    def _vendor_users(self):
        return [(k, u) for k, u in self._people.items() if u.vendor_id is not None]

    @classmethod
    def initial_for(cls, assignment: RoleAssignment) -> dict:
        holder = (
            f"user:{assignment.person_id}" if assignment.person_id else f"contact:{assignment.contact_id}"
        )
        return {
            "area": assignment.area,
            "role_title": assignment.role_title,
            "holder": holder,
            "raci": assignment.raci,
            "contract": assignment.contract_id,
        }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        key = data["holder"]
        return {
            "area": data["area"],
            "role_title": data["role_title"],
            "raci": data["raci"],
            "person": self._people.get(key),
            "contact": self._contacts.get(key),
            "contract": data["contract"],
        }


def _person_label(user) -> str:
    title = f", {user.job_title}" if user.job_title else ""
    return f"{user.get_full_name()}{title}"


def _contact_label(contact) -> str:
    title = f", {contact.job_title}" if contact.job_title else ""
    return f"{contact.name}{title}"
