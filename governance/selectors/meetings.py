"""Reads of forums and their meetings for one user, scoped by the access policy, and the people a
relationship may name (forum members, decision and action owners)."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts import policy
from accounts.models import User
from vendors.models import Vendor

from ..models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Decision,
    Forum,
    Meeting,
    MeetingComment,
    MeetingStatus,
)


def relationship_people(vendor: Vendor | int) -> QuerySet:
    """Active people who may take part in a relationship: internal staff and the vendor's own users."""
    vendor_id = getattr(vendor, "pk", vendor)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(vendor__isnull=True) | Q(vendor_id=vendor_id))
        .select_related("vendor")
        .order_by("vendor_id", "full_name", "email")
    )


def person_label(user: User) -> str:
    side = user.vendor.name if user.vendor_id else "Client"
    return f"{user.get_full_name()} ({side})"


# ---- Forums ---------------------------------------------------------------------------------------


def forum_list_for_user(*, user, vendor=None, include_inactive: bool = False) -> QuerySet:
    """Forums the user may see, with their vendor, chair, member count and next meeting (one query)."""
    upcoming = Meeting.objects.filter(
        forum=OuterRef("pk"), status=MeetingStatus.SCHEDULED, scheduled_for__gte=timezone.now()
    ).order_by("scheduled_for")
    last_held = Meeting.objects.filter(forum=OuterRef("pk"), status=MeetingStatus.HELD).order_by(
        "-scheduled_for"
    )
    forums = policy.scope(user, Forum.objects.all())
    if vendor is not None:
        forums = forums.filter(vendor=vendor)
    if not include_inactive:
        forums = forums.filter(active=True)
    return (
        forums.select_related("vendor", "chair")
        .annotate(
            member_count=Count("members", distinct=True),
            next_meeting_at=Subquery(upcoming.values("scheduled_for")[:1]),
            next_meeting_pk=Subquery(upcoming.values("pk")[:1]),
            last_held_at=Subquery(last_held.values("scheduled_for")[:1]),
        )
        .order_by("vendor__name", "name")
    )


def forum_for_user(*, user, pk: int) -> Forum:
    return policy.get_visible_or_404(user, Forum.objects.select_related("vendor", "chair"), pk=pk)


def forum_members(forum: Forum) -> list[User]:
    """The forum's members, client side first; a stray member of another vendor is never shown."""
    return list(
        forum.members.filter(Q(vendor__isnull=True) | Q(vendor_id=forum.vendor_id))
        .select_related("vendor")
        .order_by("vendor_id", "full_name", "email")
    )


@dataclass(frozen=True)
class ForumPage:
    forum: Forum
    members: list
    upcoming: list
    past: list


def forum_page(*, user, forum: Forum, now=None, past_limit: int = 12) -> ForumPage:
    now = now or timezone.now()
    # The agenda count is of the items the reader may see (see ``agenda_for_user``).
    visible_items = policy.scope(user, AgendaItem.objects.filter(meeting=OuterRef("pk")))
    agenda_count = Subquery(
        visible_items.order_by().values("meeting").annotate(count=Count("pk")).values("count")[:1]
    )
    meetings = forum.meetings.annotate(agenda_count=Coalesce(agenda_count, 0)).order_by("scheduled_for")
    upcoming = meetings.filter(scheduled_for__gte=now, status=MeetingStatus.SCHEDULED)
    past = meetings.exclude(pk__in=upcoming.values("pk")).order_by("-scheduled_for")[:past_limit]
    return ForumPage(forum=forum, members=forum_members(forum), upcoming=list(upcoming), past=list(past))


# ---- Meetings --------------------------------------------------------------------------------------


def meeting_for_user(*, user, pk: int) -> Meeting:
    return policy.get_visible_or_404(
        user, Meeting.objects.select_related("forum", "forum__vendor", "forum__chair", "created_by"), pk=pk
    )


# The page an agenda item's object is shown on, by model.
SUBJECT_URLS = {
    "kpis.breach": lambda obj: reverse("breaches:detail", args=[obj.pk]),
    "kpis.dispute": lambda obj: (
        reverse("breaches:detail", args=[obj.breach_id])
        if obj.breach_id
        else reverse("measurements:detail", args=[obj.measurement_id])
    ),
    "governance.actionitem": lambda obj: reverse("actions:detail", args=[obj.pk]),
    "governance.issue": lambda obj: reverse("issues:detail", args=[obj.pk]),
    "governance.review": lambda obj: reverse("reviews:detail", args=[obj.pk]),
    "contracts.contract": lambda obj: reverse("contracts:detail", args=[obj.pk]),
    "contracts.deliverable": lambda obj: reverse("contracts:detail", args=[obj.contract_id]),
}


def subject_url(obj) -> str | None:
    """The page of an object an agenda item or decision concerns; None when there is no such page."""
    if obj is None:
        return None
    build = SUBJECT_URLS.get(obj._meta.label_lower)
    if build is None:
        return None
    try:
        return build(obj)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class AgendaEntry:
    item: AgendaItem
    url: str | None
    first: bool
    last: bool


@dataclass(frozen=True)
class MeetingPage:
    meeting: Meeting
    agenda: list[AgendaEntry]
    members: list
    roll: list  # (member, True present / False absent / None not recorded)
    comments: list
    decisions: list
    actions: list


def agenda_for_user(*, user, meeting: Meeting) -> QuerySet:
    """The meeting's agenda as ``user`` may see it: an item about an object hidden from them (an internal
    issue) is left out, as the object itself is."""
    return policy.scope(user, AgendaItem.objects.filter(meeting=meeting)).order_by("position", "id")


def _agenda_entries(*, user, meeting: Meeting) -> list[AgendaEntry]:
    items = list(
        agenda_for_user(user=user, meeting=meeting)
        .select_related("object_type", "added_by")
        .prefetch_related("subject")
    )
    return [
        AgendaEntry(item=item, url=subject_url(item.subject), first=i == 0, last=i == len(items) - 1)
        for i, item in enumerate(items)
    ]


def meeting_page(*, user, meeting: Meeting) -> MeetingPage:
    """Everything a meeting page shows, loaded in a fixed number of queries."""
    attendance = {a.person_id: a.present for a in Attendance.objects.filter(meeting=meeting)}
    decisions = policy.scope(user, Decision.objects.filter(meeting=meeting)).select_related("owner")
    actions = policy.scope(user, ActionItem.objects.filter(meeting=meeting)).select_related("owner")
    comments = MeetingComment.objects.filter(meeting=meeting).select_related("author", "author__vendor")
    members = forum_members(meeting.forum)
    return MeetingPage(
        meeting=meeting,
        agenda=_agenda_entries(user=user, meeting=meeting),
        members=members,
        roll=[(member, attendance.get(member.pk)) for member in members],
        comments=list(comments),
        decisions=list(decisions),
        actions=list(actions),
    )


def meetings_for_vendor_choice(*, user, vendor) -> QuerySet:
    """Meetings a decision or action of ``vendor`` may come from, latest first."""
    return (
        policy.scope(user, Meeting.objects.filter(forum__vendor=vendor))
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("forum")
        .order_by("-scheduled_for")
    )


def content_type_for(model) -> ContentType:
    return ContentType.objects.get_for_model(model)
