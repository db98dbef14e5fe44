"""Forms of the action item pages: creating and editing an action, its status, notes, and the list filters."""

from django import forms

from accounts import policy
from accounts.form_tokens import form_token_field
from vendors.models import Vendor

from ..models import ActionStatus, Decision, Side
from ..selectors.meetings import meetings_for_vendor_choice, relationship_people
from .decisions import MeetingChoiceField
from .meetings import PersonChoiceField

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.decided_on:%d %b %Y})"


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200, label="Action")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    owner_side = forms.ChoiceField(
        choices=Side.choices, widget=forms.RadioSelect, label="Owned by", initial=Side.VENDOR
    )
    owner = PersonChoiceField(
        queryset=None, required=False, help_text="Someone from the side that owns the action."
    )
    due_on = forms.DateField(label="Due on", widget=DATE_WIDGET)

    def __init__(self, *args, vendor: Vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.fields["owner"].queryset = relationship_people(vendor)
        self.fields["owner_side"].choices = [(Side.INTERNAL, "The client"), (Side.VENDOR, vendor.name)]

    def clean(self):
        data = super().clean()
        owner, side = data.get("owner"), data.get("owner_side")
        if owner is not None and side:
            if side == Side.INTERNAL and owner.vendor_id is not None:
                self.add_error("owner", "The client owns this action: choose someone from the client.")
            if side == Side.VENDOR and owner.vendor_id != self.vendor.pk:
                self.add_error("owner", f"{self.vendor.name} owns this action: choose one of its users.")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in ("title", "description", "owner_side", "owner", "due_on")}


class ActionCreateForm(ActionForm):
    form_token = form_token_field()
    meeting = MeetingChoiceField(
        queryset=None, required=False, empty_label="No meeting", label="From the meeting"
    )
    decision = DecisionChoiceField(
        queryset=None, required=False, empty_label="No decision", label="Follows the decision"
    )

    def __init__(self, *args, user, vendor: Vendor, **kwargs):
        super().__init__(*args, vendor=vendor, **kwargs)
        self.fields["meeting"].queryset = meetings_for_vendor_choice(user=user, vendor=vendor)
        self.fields["decision"].queryset = policy.scope(user, Decision.objects.filter(vendor=vendor))

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        kwargs.update(meeting=self.cleaned_data["meeting"], decision=self.cleaned_data["decision"])
        return kwargs


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, label="New status")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Note",
        help_text="Optional; added to the notes.",
    )

    def __init__(self, *args, statuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        if statuses is not None:
            labels = dict(ActionStatus.choices)
            self.fields["status"].choices = [(s, labels[s]) for s in statuses]


class ActionNoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Progress note")


OVERDUE = "overdue"
# "open" keeps everything not yet closed (open or in progress), as the links of other pages mean it.
STATUS_FILTERS = [
    ("", "Any status"),
    (ActionStatus.OPEN.value, "Open or in progress"),
    (ActionStatus.IN_PROGRESS.value, "In progress"),
    (OVERDUE, "Overdue"),
    (ActionStatus.DONE.value, "Done"),
    (ActionStatus.CANCELLED.value, "Cancelled"),
]


class ActionFilterForm(forms.Form):
    q = forms.CharField(
        required=False, label="Search", widget=forms.SearchInput(attrs={"placeholder": "Title"})
    )
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), required=False, empty_label="All vendors")
    side = forms.ChoiceField(
        choices=[("", "Either side"), (Side.INTERNAL, "The client"), (Side.VENDOR, "The vendor")],
        required=False,
        label="Owned by",
    )
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    mine = forms.BooleanField(required=False, label="Mine only")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = policy.scope(user, Vendor.objects.order_by("name"))
        if not user.is_internal:
            del self.fields["vendor"]
            self.fields["side"].choices = [
                ("", "Either side"),
                (Side.INTERNAL, "The client"),
                (Side.VENDOR, "Us"),
            ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "", False)}
