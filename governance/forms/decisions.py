"""Forms of the decision log: recording a decision of one relationship, and searching the log."""

from django import forms
from django.utils import timezone

from accounts import policy
from accounts.form_tokens import form_token_field
from contracts.models import Contract
from kpis.models import Breach
from vendors.models import Vendor

from ..models import Issue, Review
from ..selectors.meetings import meetings_for_vendor_choice, relationship_people
from .meetings import PersonChoiceField


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.forum.name}, {timezone.localtime(obj.scheduled_for):%d %b %Y}"


class LinkChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, label_from, **kwargs):
        super().__init__(*args, **kwargs)
        self._label_from = label_from

    def label_from_instance(self, obj):
        return self._label_from(obj)


def _breach_label(breach) -> str:
    sl = breach.service_level
    period = f"{breach.period_start:%b %Y}"
    return f"{sl.metric.name} — {sl.contract.reference}, {period} ({breach.get_status_display()})"


class DecisionForm(forms.Form):
    form_token = form_token_field()
    title = forms.CharField(max_length=200, label="Decision")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), help_text="Why it was decided.")
    decided_on = forms.DateField(
        label="Decided on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    owner = PersonChoiceField(queryset=None, required=False, help_text="Who sees it through.")
    meeting = MeetingChoiceField(
        queryset=None, required=False, empty_label="Not taken in a meeting", label="Taken in the meeting"
    )
    contracts = LinkChoiceField(
        queryset=None, required=False, label_from=lambda c: f"{c.reference} {c.title}", label="Contracts"
    )
    breaches = LinkChoiceField(queryset=None, required=False, label_from=_breach_label, label="Breaches")
    issues = LinkChoiceField(
        queryset=None, required=False, label_from=lambda i: f"{i.title} ({i.get_status_display()})"
    )
    reviews = LinkChoiceField(
        queryset=None,
        required=False,
        label_from=lambda r: f"Review {r.period_start:%d %b %Y} – {r.period_end:%d %b %Y}",
    )

    def __init__(self, *args, user, vendor: Vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = relationship_people(vendor)
        self.fields["meeting"].queryset = meetings_for_vendor_choice(user=user, vendor=vendor)
        self.fields["contracts"].queryset = policy.scope(user, Contract.objects.filter(vendor=vendor))
        self.fields["breaches"].queryset = (
            policy.scope(user, Breach.objects.filter(service_level__contract__vendor=vendor))
            .select_related("service_level__metric", "service_level__contract")
            .order_by("-period_start", "pk")
        )
        self.fields["issues"].queryset = policy.scope(user, Issue.objects.filter(vendor=vendor))
        self.fields["reviews"].queryset = policy.scope(user, Review.objects.filter(vendor=vendor))
        for name in ("contracts", "breaches", "issues", "reviews"):
            self.fields[name].widget.attrs["size"] = 5
            self.fields[name].help_text = "Hold Ctrl (⌘ on a Mac) to choose several."

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        links = [*data["contracts"], *data["breaches"], *data["issues"], *data["reviews"]]
        return {
            "title": data["title"],
            "rationale": data["rationale"],
            "decided_on": data["decided_on"],
            "owner": data["owner"],
            "meeting": data["meeting"],
            "links": links,
        }


class DecisionFilterForm(forms.Form):
    q = forms.CharField(
        required=False, label="Search", widget=forms.SearchInput(attrs={"placeholder": "Title or rationale"})
    )
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), required=False, empty_label="All vendors")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    unacknowledged = forms.BooleanField(required=False, label="Not yet acknowledged")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = policy.scope(user, Vendor.objects.order_by("name"))
        if not user.is_internal:
            del self.fields["vendor"]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "", False)}
