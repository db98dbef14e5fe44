"""Writes to governance forums: creating one and changing its cadence, chair and members."""

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_create, audited_update, plain_value

from ..models import Forum, MeetingStatus
from .meetings import schedule_next_meeting
from .relationship import check_person, required_text

FORUM_FIELDS = (
    "name",
    "kind",
    "purpose",
    "cadence",
    "first_meeting_on",
    "meeting_time",
    "duration_minutes",
    "location",
    "chair",
    "active",
)


def _check_people(*, vendor_id: int, chair, members) -> list:
    check_person(chair, vendor_id, "chair")
    for member in members:
        check_person(member, vendor_id, "members")
    members = list(dict.fromkeys(members))
    if chair is not None and chair not in members:
        members.append(chair)  # the chair sits in the forum
    return members


def _duplicate_name(name: str) -> ValidationError:
    return ValidationError({"name": f"This vendor already has a forum called “{name}”."})


@transaction.atomic
def forum_create(
    *,
    actor,
    vendor,
    name: str,
    kind: str,
    cadence: str,
    first_meeting_on: date,
    meeting_time: time,
    duration_minutes: int = 60,
    location: str = "",
    purpose: str = "",
    chair=None,
    members=(),
    now: datetime | None = None,
) -> Forum:
    """A new forum of the relationship with ``vendor``; members come from both organisations. Its first
    meeting is scheduled from the cadence straight away."""
    if not policy.can(actor, policy.Action.CREATE, Forum):
        raise PermissionDenied("Only the client's managers may set up forums.")
    name = required_text(name, "name", "Give the forum a name.")
    members = _check_people(vendor_id=vendor.pk, chair=chair, members=members)
    if Forum.objects.filter(vendor=vendor, name=name).exists():
        raise _duplicate_name(name)
    try:
        with transaction.atomic():
            forum = audited_create(
                model=Forum,
                actor=actor,
                vendor=vendor,
                name=name,
                kind=kind,
                purpose=purpose.strip(),
                cadence=cadence,
                first_meeting_on=first_meeting_on,
                meeting_time=meeting_time,
                duration_minutes=duration_minutes,
                location=location.strip(),
                chair=chair,
            )
    except IntegrityError:
        raise _duplicate_name(name) from None
    forum.members.set(members)
    audit_record(
        actor=actor,
        action="governance.forum.members_changed",
        obj=forum,
        changes={"members": [[], plain_value(members)]},
    )
    schedule_next_meeting(forum, now=now or timezone.now())
    return forum


@transaction.atomic
def forum_update(*, forum: Forum, actor, members, **data) -> Forum:
    """Change a forum's details and members; the trail keeps the old values."""
    if not policy.can(actor, policy.Action.CHANGE, forum):
        raise PermissionDenied("Only the client's managers may change forums.")
    unknown = set(data) - set(FORUM_FIELDS)
    if unknown:
        raise ValueError(f"Unknown forum fields {sorted(unknown)}")
    if "name" in data:
        data["name"] = required_text(data["name"], "name", "Give the forum a name.")
    for text_field in ("purpose", "location"):
        if text_field in data:
            data[text_field] = (data[text_field] or "").strip()
    members = _check_people(vendor_id=forum.vendor_id, chair=data.get("chair", forum.chair), members=members)
    name = data.get("name", forum.name)
    if Forum.objects.filter(vendor_id=forum.vendor_id, name=name).exclude(pk=forum.pk).exists():
        raise _duplicate_name(name)
    forum, _changed = audited_update(instance=forum, actor=actor, data=data)
    before = sorted(forum.members.values_list("pk", flat=True))
    after = sorted(member.pk for member in members)
    if before != after:
        forum.members.set(members)
        audit_record(
            actor=actor,
            action="governance.forum.members_changed",
            obj=forum,
            changes={"members": [before, after]},
        )
    now = timezone.now()
    upcoming = forum.meetings.filter(status=MeetingStatus.SCHEDULED, scheduled_for__gte=now)
    if forum.active and not upcoming.exists():
        schedule_next_meeting(forum, now=now)
    return forum
