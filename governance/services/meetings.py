"""Writes to forum meetings: scheduling from the cadence (by hand or by the scheduler), minutes and
attendance, marking a meeting held or cancelled, and comments from both sides."""

import math
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record, audited_create, plain_value
from contracts.dates import add_months
from kpis import periods

from ..models import Attendance, Cadence, Forum, Meeting, MeetingComment, MeetingStatus
from .agenda import build_agenda
from .relationship import acts_for_client, acts_for_vendor, require_client, required_text

# How far apart meetings of each cadence are: (days, months).
CADENCE_STEPS = {
    Cadence.WEEKLY: (7, 0),
    Cadence.FORTNIGHTLY: (14, 0),
    Cadence.MONTHLY: (0, 1),
    Cadence.QUARTERLY: (0, 3),
    Cadence.SEMIANNUAL: (0, 6),
    Cadence.YEARLY: (0, 12),
}


def cadence_date(first: date, cadence: str, n: int) -> date:
    """The day of the ``n``-th meeting (0 = the first). Months are counted from the first meeting each
    time, so a forum that first met on the 31st keeps meeting on the month's last day, without drift."""
    days, months = CADENCE_STEPS[cadence]
    if days:
        return first + timedelta(days=days * n)
    return add_months(first, months * n)


def _start_time(forum: Forum) -> time:
    value = forum.meeting_time
    return time.fromisoformat(value) if isinstance(value, str) else value


def meeting_slot(forum: Forum, n: int) -> datetime:
    """When the ``n``-th meeting of the forum starts, as an aware datetime in the portal's time zone."""
    day = cadence_date(forum.first_meeting_on, forum.cadence, n)
    return datetime.combine(day, _start_time(forum), tzinfo=periods.local_zone())


def next_meeting_slot(forum: Forum, *, now: datetime) -> datetime:
    """The first meeting of the cadence that starts at or after ``now``."""
    today = periods.local_today(now)
    days, months = CADENCE_STEPS[forum.cadence]
    first = forum.first_meeting_on
    if today <= first:
        n = 0
    elif days:
        n = max(0, math.floor((today - first).days / days) - 1)
    else:
        elapsed = (today.year - first.year) * 12 + today.month - first.month
        n = max(0, elapsed // months - 1)
    while meeting_slot(forum, n) < now:
        n += 1
    return meeting_slot(forum, n)


def _scheduled(meeting: Meeting, *, actor, note: str) -> None:
    audit_record(
        actor=actor,
        action="governance.meeting.scheduled",
        obj=meeting,
        changes={
            "scheduled_for": [None, plain_value(meeting.scheduled_for)],
            "location": [None, meeting.location],
        },
        note=note,
    )


def schedule_next_meeting(forum: Forum, *, now: datetime) -> Meeting | None:
    """Create the forum's next meeting from its cadence, with its agenda; None when that slot is taken.

    The ``meeting_unique_slot`` constraint decides between concurrent runs: a slot another run has just
    taken is found rather than inserted again, and only the run that inserted the meeting records it
    and builds its agenda.
    """
    slot = next_meeting_slot(forum, now=now)
    with transaction.atomic():
        meeting, is_new = Meeting.objects.get_or_create(
            forum=forum,
            scheduled_for=slot,
            defaults={"location": forum.location, "created_at": now},
        )
        if not is_new:
            return None
        cadence = forum.get_cadence_display().lower()
        _scheduled(meeting, actor=None, note=f"Scheduled from the forum's cadence ({cadence})")
        build_agenda(meeting, None, now=now)
    return meeting


def schedule_meetings(*, now: datetime) -> int:
    """Schedule the next meeting of every active forum that has none coming up; returns how many.

    Safe to run twice or concurrently: see ``schedule_next_meeting``.
    """
    has_upcoming = Meeting.objects.filter(status=MeetingStatus.SCHEDULED, scheduled_for__gte=now).values(
        "forum_id"
    )
    forums = Forum.objects.filter(active=True).exclude(pk__in=has_upcoming).select_related("vendor")
    return sum(1 for forum in forums if schedule_next_meeting(forum, now=now) is not None)


def _slot_taken() -> ValidationError:
    return ValidationError({"scheduled_for": "This forum already has a meeting at that time."})


@transaction.atomic
def meeting_create(
    *, forum: Forum, actor, scheduled_for: datetime, location: str = "", now: datetime | None = None
) -> Meeting:
    """A meeting scheduled by hand (an extra one, or one the cadence does not give); its agenda is built."""
    now = now or timezone.now()
    require_client(actor, forum, "Only the client's managers may schedule meetings.")
    if not forum.active:
        raise ValidationError("This forum is inactive; reactivate it before scheduling meetings.")
    if scheduled_for < now:
        raise ValidationError({"scheduled_for": "Schedule the meeting in the future."})
    if Meeting.objects.filter(forum=forum, scheduled_for=scheduled_for).exists():
        raise _slot_taken()
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                forum=forum,
                scheduled_for=scheduled_for,
                location=(location or forum.location).strip(),
                created_by=actor,
                created_at=now,
            )
    except IntegrityError:
        raise _slot_taken() from None
    _scheduled(meeting, actor=actor, note="Scheduled by hand")
    build_agenda(meeting, actor, now=now)
    return meeting


@transaction.atomic
def meeting_reschedule(
    *, meeting: Meeting, actor, scheduled_for: datetime, location: str, now: datetime | None = None
) -> Meeting:
    """Move a scheduled meeting or change where it takes place."""
    now = now or timezone.now()
    require_client(actor, meeting, "Only the client's managers may reschedule meetings.")
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(f"This meeting is {meeting.get_status_display().lower()}; it cannot be moved.")
    location = (location or "").strip()
    changes = {}
    if scheduled_for != meeting.scheduled_for:
        if scheduled_for < now:
            raise ValidationError({"scheduled_for": "Move the meeting to a time in the future."})
        if Meeting.objects.filter(forum_id=meeting.forum_id, scheduled_for=scheduled_for).exists():
            raise _slot_taken()
        changes["scheduled_for"] = [plain_value(meeting.scheduled_for), plain_value(scheduled_for)]
    if location != meeting.location:
        changes["location"] = [meeting.location, location]
    if not changes:
        return meeting
    meeting.scheduled_for, meeting.location = scheduled_for, location
    try:
        with transaction.atomic():
            meeting.save(update_fields=["scheduled_for", "location"])
    except IntegrityError:
        raise _slot_taken() from None
    audit_record(actor=actor, action="governance.meeting.rescheduled", obj=meeting, changes=changes)
    return meeting


@transaction.atomic
def meeting_record(*, meeting: Meeting, actor, minutes: str, present, now: datetime | None = None) -> Meeting:
    """Record the minutes and who was there: every forum member is marked present or absent."""
    require_client(actor, meeting, "Only the client's managers may record minutes.")
    # One recording at a time: two people saving the first minutes at once take turns.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError("This meeting was cancelled; there are no minutes to record.")
    existing = {a.person_id: a for a in Attendance.objects.filter(meeting=meeting)}
    people = {m.pk: m for m in meeting.forum.members.all()}
    present_ids = {getattr(p, "pk", p) for p in present}
    strangers = present_ids - set(people) - set(existing)
    if strangers:
        raise ValidationError({"present": "Only members of the forum can be marked present."})
    changes = {}
    minutes = (minutes or "").strip()
    if minutes != meeting.minutes:
        changes["minutes"] = [meeting.minutes, minutes]
        meeting.minutes = minutes
        meeting.save(update_fields=["minutes"])
    before = sorted(pid for pid, a in existing.items() if a.present)
    for person_id in set(people) | set(existing):
        is_present = person_id in present_ids
        row = existing.get(person_id)
        if row is None:
            Attendance.objects.create(meeting=meeting, person_id=person_id, present=is_present)
        elif row.present != is_present:
            row.present = is_present
            row.save(update_fields=["present"])
    after = sorted(present_ids)
    if before != after or not existing:
        changes["present"] = [before, after]
    if changes:
        audit_record(actor=actor, action="governance.meeting.recorded", obj=meeting, changes=changes)
    return meeting


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, actor, now: datetime | None = None) -> Meeting:
    """The meeting took place. Claimed with a conditional update, so a double submit applies once."""
    now = now or timezone.now()
    require_client(actor, meeting, "Only the client's managers may mark meetings held.")
    if periods.local_today(now) < timezone.localtime(meeting.scheduled_for, periods.local_zone()).date():
        raise ValidationError(
            f"This meeting is on {timezone.localtime(meeting.scheduled_for):%d %b %Y}; "
            "it can be marked held once it has taken place."
        )
    claimed = Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SCHEDULED).update(
        status=MeetingStatus.HELD, held_at=now
    )
    if not claimed:
        meeting.refresh_from_db()
        raise ValidationError(f"This meeting is {meeting.get_status_display().lower()} already.")
    meeting.status, meeting.held_at = MeetingStatus.HELD, now
    audit_record(
        actor=actor,
        action="governance.meeting.held",
        obj=meeting,
        changes={"status": [MeetingStatus.SCHEDULED.value, MeetingStatus.HELD.value]},
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor, reason: str) -> Meeting:
    require_client(actor, meeting, "Only the client's managers may cancel meetings.")
    reason = required_text(reason, "reason", "Say why the meeting is cancelled; members will see it.")
    claimed = Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SCHEDULED).update(
        status=MeetingStatus.CANCELLED
    )
    if not claimed:
        meeting.refresh_from_db()
        raise ValidationError(f"This meeting is {meeting.get_status_display().lower()} already.")
    meeting.status = MeetingStatus.CANCELLED
    audit_record(
        actor=actor,
        action="governance.meeting.cancelled",
        obj=meeting,
        changes={"status": [MeetingStatus.SCHEDULED.value, MeetingStatus.CANCELLED.value]},
        note=reason,
    )
    return meeting


def may_comment(actor, meeting: Meeting) -> bool:
    """Vendor members of the forum and the client's managers comment on its meetings."""
    return acts_for_vendor(actor, meeting) or acts_for_client(actor, meeting)


@transaction.atomic
def meeting_comment(*, meeting: Meeting, actor, body: str, now: datetime | None = None) -> MeetingComment:
    if not may_comment(actor, meeting):
        raise PermissionDenied("You may not comment on this meeting.")
    body = required_text(body, "body", "Write the comment.")
    return audited_create(
        model=MeetingComment,
        actor=actor,
        meeting=meeting,
        author=actor,
        body=body,
        created_at=now or timezone.now(),
    )
