"""Forms of the forum and meeting pages. Person choices are limited to the relationship: internal staff
and the users of the forum's own vendor."""

from django import forms
from django.db.models import Q

from accounts import policy
from accounts.form_tokens import form_token_field
from vendors.models import Vendor

from ..models import Forum
from ..selectors.meetings import person_label, relationship_people

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class VendorPickForm(forms.Form):
    """The first step of a form whose choices depend on the vendor (members, owners, links)."""

    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), empty_label="Choose a vendor")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = policy.scope(user, Vendor.objects.order_by("name"))


def vendor_from_query(request):
    """The vendor named by ``?vendor=`` if the user may see it, else None."""
    form = VendorPickForm(request.GET, user=request.user)
    return form.cleaned_data["vendor"] if form.is_valid() else None


class ForumForm(forms.ModelForm):
    members = PeopleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="People from both organisations who sit in the forum; vendor members can read its meetings "
        "and comment on them.",
    )
    chair = PersonChoiceField(queryset=None, required=False, help_text="The chair is a member too.")

    class Meta:
        model = Forum
        fields = (
            "name",
            "kind",
            "purpose",
            "cadence",
            "first_meeting_on",
            "meeting_time",
            "duration_minutes",
            "location",
            "chair",
            "members",
            "active",
        )
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "first_meeting_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "meeting_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        labels = {"duration_minutes": "Duration (minutes)", "first_meeting_on": "First meeting on"}
        help_texts = {"active": "Inactive forums get no new meetings from the scheduler."}

    def __init__(self, *args, vendor, **kwargs):
        super().__init__(*args, **kwargs)
        people = relationship_people(vendor)
        self.fields["members"].queryset = people
        self.fields["chair"].queryset = people

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class MeetingForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label="Date and time",
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    location = forms.CharField(
        max_length=200, required=False, help_text="Room or video-call link; the forum's usual place if empty."
    )


class MeetingRecordForm(forms.Form):
    minutes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text="What was discussed and agreed. Both sides' members read the minutes.",
    )
    present = PeopleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Present"
    )
    mark_held = forms.BooleanField(
        required=False, label="The meeting has taken place: mark it held", initial=True
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        forum = meeting.forum
        members = forum.members.filter(Q(vendor__isnull=True) | Q(vendor_id=forum.vendor_id))
        self.fields["present"].queryset = members.select_related("vendor").order_by("vendor_id", "full_name")
        self.fields["present"].help_text = "Members not ticked are recorded as absent."
        if meeting.status != "scheduled":
            del self.fields["mark_held"]


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=300)
    section = forms.CharField(max_length=60, required=False, help_text="e.g. Opening, Any other business")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AgendaMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Why is it cancelled?")


class CommentForm(forms.Form):
    form_token = form_token_field()
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment")
