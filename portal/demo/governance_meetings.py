"""Demo forums of the two demo vendors: a quarterly steering committee and a monthly operational review
with members from both sides. The operational review's last meeting has been held (agenda, minutes,
attendance, a vendor comment, decisions and action items, one of them now overdue); its next meeting is
scheduled with an agenda built from what is open. Idempotent: a forum that exists is left alone."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction

from accounts.models import User
from contracts.models import Contract
from governance.models import Cadence, Forum, ForumKind, Meeting, MeetingStatus, Side
from governance.services.actions import action_create, action_set_status, flag_overdue_actions
from governance.services.agenda import agenda_add, build_agenda
from governance.services.decisions import decision_acknowledge, decision_record
from governance.services.forums import forum_create
from governance.services.meetings import meeting_comment, meeting_mark_held, meeting_record, meeting_slot
from kpis.periods import local_today
from vendors.models import Vendor

from . import data
from .clock import shift_months


@dataclass(frozen=True)
class DemoRelationship:
    vendor: str
    contract: str
    vendor_lead: str  # vendor admin: sits in both forums
    vendor_analyst: str  # sits in the operational review
    minutes: str
    comment: str
    decisions: tuple[tuple[str, str, bool], ...]  # (title, rationale, acknowledged by the vendor)
    overdue_action: str
    open_action: str
    done_action: str


RELATIONSHIPS = (
    DemoRelationship(
        vendor=data.ACME,
        contract="ACME-SOW-01",
        vendor_lead="ops@acme.example.com",
        vendor_analyst="reporting@acme.example.com",
        minutes="1. Service performance: availability met target; two P1 incidents were first reported by "
        "client users before Acme's monitoring raised them.\n"
        "2. Acme confirmed synthetic checks were disabled during the March change freeze.\n"
        "3. Agreed: every disabled check is listed with a date for re-enabling; weekend on-call rota to be "
        "fully staffed from next month.\n"
        "4. Capacity plan for the summer peak to be presented at the next review.",
        comment="We have re-enabled 11 of the 14 checks; the list with dates for the last three follows.",
        decisions=(
            (
                "No monitoring check is disabled during a change freeze without the client's approval",
                "Two P1 incidents reached the client's users first because synthetic checks had been "
                "switched off for the March freeze. Disabling a check now needs a change record approved "
                "by the client's service owner.",
                True,
            ),
            (
                "Weekend on-call rota published four weeks ahead",
                "Unfilled weekend slots left the storage platform without cover. Acme publishes the rota "
                "four weeks ahead so the client can check it is staffed.",
                False,
            ),
        ),
        overdue_action="Send the list of disabled monitoring checks with a date for each",
        open_action="Approve the revised change-freeze procedure",
        done_action="Share the P1 incident timelines for March",
    ),
    DemoRelationship(
        vendor=data.GLOBEX,
        contract="GLOBEX-SOW-01",
        vendor_lead="ops@globex.example.com",
        vendor_analyst="reporting@globex.example.com",
        minutes="1. Cloud operations figures reviewed; change approval times are above the agreed two days.\n"
        "2. Globex proposed a fast track for pre-approved standard changes; the CAB chair agreed in "
        "principle.\n"
        "3. Agreed: Globex sends its standard change templates; the client's CAB pre-approves the "
        "low-risk ones.",
        comment="Templates prepared: 14 in total, all rehearsed in the staging landing zone.",
        decisions=(
            (
                "Pre-approve low-risk standard change templates",
                "Standard changes wait five working days at the CAB, putting the patching windows at risk. "
                "Templates that are low risk and rehearsed are pre-approved and skip the weekly CAB.",
                True,
            ),
        ),
        overdue_action="Send the standard change templates with their risk assessment",
        open_action="Schedule the CAB review of the pre-approved templates",
        done_action="Circulate the change approval figures for the last quarter",
    ),
)


def _forum_specs(spec: DemoRelationship, users: dict, today):
    manager, head = users[data.MARIA], users[data.MARCUS]
    lead, analyst = users[spec.vendor_lead], users[spec.vendor_analyst]
    return (
        {
            "name": "Steering committee",
            "kind": ForumKind.STEERING,
            "purpose": "Direction of the relationship: performance against the contract, commercial "
            "questions, risks and escalations that the operational review could not settle.",
            "cadence": Cadence.QUARTERLY,
            "first_meeting_on": shift_months(today, -4).replace(day=12),
            "meeting_time": time(14, 0),
            "duration_minutes": 90,
            "location": "Board room, HQ 7th floor",
            "chair": head,
            "members": [head, manager, lead],
        },
        {
            "name": "Operational service review",
            "kind": ForumKind.OPERATIONAL,
            "purpose": "Monthly review of the service levels, breaches, incidents, changes and open actions.",
            "cadence": Cadence.MONTHLY,
            "first_meeting_on": shift_months(today, -5) + timedelta(days=3),
            "meeting_time": time(10, 0),
            "duration_minutes": 60,
            "location": "Video call (link in the invitation)",
            "chair": manager,
            "members": [manager, lead, analyst],
        },
    )


def _last_slot_before(forum: Forum, now: datetime) -> datetime:
    n = 0
    while meeting_slot(forum, n + 1) < now:
        n += 1
    return meeting_slot(forum, n)


def _hold_past_meeting(forum: Forum, spec: DemoRelationship, users: dict, contract, now: datetime) -> None:
    """The operational review's last meeting, as it went, with what came out of it."""
    manager, lead, analyst = users[data.MARIA], users[spec.vendor_lead], users[spec.vendor_analyst]
    slot = _last_slot_before(forum, now - timedelta(days=7))
    prepared = slot - timedelta(days=3)
    meeting, _ = Meeting.objects.get_or_create(
        forum=forum, scheduled_for=slot, defaults={"location": forum.location, "created_at": prepared}
    )
    if meeting.status != MeetingStatus.SCHEDULED:
        return
    build_agenda(meeting, None, now=prepared)
    agenda_add(meeting=meeting, actor=manager, title="Actions from the last meeting", section="Opening")
    agenda_add(meeting=meeting, actor=manager, title="Any other business", section="Close")
    ended = slot + timedelta(minutes=forum.duration_minutes)
    meeting_record(meeting=meeting, actor=manager, minutes=spec.minutes, present=[manager, lead])
    meeting_mark_held(meeting=meeting, actor=manager, now=ended)
    meeting_comment(meeting=meeting, actor=lead, body=spec.comment, now=ended + timedelta(hours=20))
    for title, rationale, acknowledged in spec.decisions:
        decision = decision_record(
            actor=manager,
            vendor=forum.vendor,
            title=title,
            rationale=rationale,
            decided_on=local_today(slot),
            owner=lead,
            meeting=meeting,
            links=[contract] if contract else [],
            now=ended,
        )
        if acknowledged:
            decision_acknowledge(decision=decision, actor=lead, now=ended + timedelta(days=1))
    due_soon = local_today(ended) + timedelta(days=5)
    action_create(
        actor=manager,
        vendor=forum.vendor,
        title=spec.overdue_action,
        owner_side=Side.VENDOR,
        owner=analyst,
        due_on=due_soon,
        meeting=meeting,
        now=ended,
    )
    action_create(
        actor=manager,
        vendor=forum.vendor,
        title=spec.open_action,
        owner_side=Side.INTERNAL,
        owner=manager,
        due_on=local_today(now) + timedelta(days=10),
        meeting=meeting,
        now=ended,
    )
    done = action_create(
        actor=manager,
        vendor=forum.vendor,
        title=spec.done_action,
        owner_side=Side.VENDOR,
        owner=lead,
        due_on=due_soon,
        meeting=meeting,
        now=ended,
    )
    action_set_status(action=done, actor=lead, status="done", note="Sent to the service owner.", now=ended)


@transaction.atomic
def seed_governance_meetings(*, now: datetime) -> int:
    """Create the demo forums that are missing, with their meetings; returns how many forums were made."""
    today = local_today(now)
    emails = {data.MARIA, data.MARCUS} | {e for s in RELATIONSHIPS for e in (s.vendor_lead, s.vendor_analyst)}
    users = {u.email: u for u in User.objects.filter(email__in=emails, is_active=True)}
    vendors = {v.name: v for v in Vendor.objects.filter(name__in=[s.vendor for s in RELATIONSHIPS])}
    if not emails <= set(users):
        return 0
    created = 0
    for spec in RELATIONSHIPS:
        vendor = vendors.get(spec.vendor)
        if vendor is None:
            continue
        contract = Contract.objects.filter(reference=spec.contract, vendor=vendor).first()
        existing = set(Forum.objects.filter(vendor=vendor).values_list("name", flat=True))
        for forum_spec in _forum_specs(spec, users, today):
            if forum_spec["name"] in existing:
                continue
            forum = forum_create(actor=users[data.MARIA], vendor=vendor, now=now, **forum_spec)
            created += 1
            if forum.cadence == Cadence.MONTHLY:
                _hold_past_meeting(forum, spec, users, contract, now)
                flag_overdue_actions(today=today)
                upcoming = forum.meetings.filter(status=MeetingStatus.SCHEDULED, scheduled_for__gte=now)
                for meeting in upcoming:
                    build_agenda(meeting, None, now=now)  # now with the action that has gone overdue
    return created
