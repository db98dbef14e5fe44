"""A meeting's agenda: built from what is open in the relationship, plus items added by hand.

``build_agenda`` adds one item per open object (open breaches, open disputes, overdue actions, open
issues, contracts near their notice deadline or end, reviews due) and drops automatic items whose object
is no longer open; items added by hand are kept where they are. The ``agendaitem_one_per_object``
constraint makes a rebuild, or two at once, add nothing twice.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record, audited_create, audited_delete
from contracts.dates import contract_key_dates
from contracts.models import Contract, ContractStatus, RenewalType
from kpis import periods
from kpis.models import Breach, Dispute, DisputeStatus
from kpis.models.results import OPEN_BREACH_STATUSES

from ..models import (
    ACTION_OPEN_STATUSES,
    ActionItem,
    AgendaItem,
    Issue,
    IssueStatus,
    Meeting,
    MeetingStatus,
    Review,
    ReviewStatus,
    Side,
)
from .relationship import require_client, required_text

NOTICE_HORIZON_DAYS = 90
REVIEW_HORIZON_DAYS = 45


class Section:
    BREACHES = "Open breaches"
    DISPUTES = "Disputed figures"
    ACTIONS = "Overdue actions"
    ISSUES = "Open issues"
    CONTRACTS = "Contracts near notice or end"
    REVIEWS = "Performance reviews due"


SECTION_ORDER = [
    Section.BREACHES,
    Section.DISPUTES,
    Section.ACTIONS,
    Section.ISSUES,
    Section.CONTRACTS,
    Section.REVIEWS,
]


@dataclass(frozen=True)
class Candidate:
    section: str
    obj: object
    title: str
    notes: str

    def key(self, types: dict) -> tuple[int, int]:
        return types[type(self.obj)].pk, self.obj.pk


@dataclass(frozen=True)
class AgendaBuild:
    added: int
    removed: int

    @property
    def summary(self) -> str:
        if not self.added and not self.removed:
            return "The agenda is up to date: nothing new is open."
        parts = []
        if self.added:
            parts.append(f"{self.added} item{'s' if self.added != 1 else ''} added")
        if self.removed:
            parts.append(f"{self.removed} no longer open removed")
        return "Agenda rebuilt: " + ", ".join(parts) + "."


def _side(side: str, vendor) -> str:
    return "the client" if side == Side.INTERNAL else vendor.name


def _clip(text: str, length: int = 300) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _breaches(vendor_id: int) -> list[Candidate]:
    rows = Breach.objects.filter(
        service_level__contract__vendor_id=vendor_id, status__in=OPEN_BREACH_STATUSES
    ).select_related("service_level__metric", "service_level__contract")
    severity_rank = {"high": 0, "medium": 1, "low": 2}
    rows = sorted(rows, key=lambda b: (severity_rank.get(b.severity, 9), b.period_start, b.pk))
    return [
        Candidate(
            Section.BREACHES,
            b,
            _clip(
                f"{b.service_level.metric.name} — {b.service_level.contract.reference}, "
                f"{b.period_start:%d %b} – {b.period_end:%d %b %Y}"
            ),
            f"{b.get_kind_display()}, {b.get_severity_display().lower()} severity, "
            f"{b.get_status_display().lower()}; response due "
            f"{timezone.localtime(b.response_due_at, periods.local_zone()):%d %b %Y}.",
        )
        for b in rows
    ]


def _disputes(vendor_id: int) -> list[Candidate]:
    rows = (
        Dispute.objects.filter(vendor_id=vendor_id, status=DisputeStatus.OPEN)
        .select_related(
            "measurement__service_level__metric",
            "measurement__service_level__contract",
            "breach__service_level__metric",
            "breach__service_level__contract",
        )
        .order_by("raised_at", "pk")
    )
    candidates = []
    for d in rows:
        if d.measurement_id:
            sl = d.measurement.service_level
            title = (
                f"Figure of {d.measurement.measured_on:%d %b %Y}: {sl.metric.name} — {sl.contract.reference}"
            )
        else:
            sl = d.breach.service_level
            title = f"Breach {d.breach.period_start:%b %Y}: {sl.metric.name} — {sl.contract.reference}"
        local_raised = timezone.localtime(d.raised_at, periods.local_zone())
        candidates.append(
            Candidate(
                Section.DISPUTES, d, _clip(title), _clip(f"Raised {local_raised:%d %b %Y}: {d.reason}", 500)
            )
        )
    return candidates


def _overdue_actions(vendor_id: int, today: date) -> list[Candidate]:
    rows = (
        ActionItem.objects.filter(vendor_id=vendor_id, status__in=ACTION_OPEN_STATUSES, due_on__lt=today)
        .select_related("owner", "vendor")
        .order_by("due_on", "pk")
    )
    return [
        Candidate(
            Section.ACTIONS,
            a,
            _clip(a.title),
            f"Owner: {a.owner.get_full_name() if a.owner else 'nobody yet'} "
            f"({_side(a.owner_side, a.vendor)}); "
            f"due {a.due_on:%d %b %Y}, {(today - a.due_on).days} days overdue.",
        )
        for a in rows
    ]


def _issues(vendor_id: int) -> list[Candidate]:
    rows = (
        Issue.objects.filter(vendor_id=vendor_id, status=IssueStatus.OPEN)
        .select_related("vendor")
        .order_by("raised_at", "pk")
    )
    return [
        Candidate(
            Section.ISSUES,
            i,
            _clip(i.title),
            f"{i.get_severity_display()} severity, escalation level {i.level}; raised "
            f"{timezone.localtime(i.raised_at, periods.local_zone()):%d %b %Y} "
            f"by {_side(i.raised_side, i.vendor)}.",
        )
        for i in rows
    ]


def _contracts(vendor_id: int, on: date) -> list[Candidate]:
    """Contracts in force whose notice deadline, or end without renewal, falls within the horizon."""
    horizon = on + timedelta(days=NOTICE_HORIZON_DAYS)
    candidates = []
    rows = Contract.objects.filter(vendor_id=vendor_id, status=ContractStatus.ACTIVE).order_by("reference")
    for contract in rows:
        dates = contract_key_dates(contract, on=on)
        notice = dates.upcoming_notice_deadline
        if notice is not None and on <= notice <= horizon:
            note = (
                f"Notice deadline {notice:%d %b %Y} ({(notice - on).days} days); "
                f"the term ends {dates.term_end:%d %b %Y}."
            )
        elif contract.renewal_type != RenewalType.TACIT and on <= dates.term_end <= horizon:
            note = (
                f"The contract ends {dates.term_end:%d %b %Y} ({(dates.term_end - on).days} days) "
                "and does not renew by itself."
            )
        else:
            continue
        candidates.append(
            Candidate(Section.CONTRACTS, contract, _clip(f"{contract.reference} {contract.title}"), note)
        )
    return candidates


def _reviews(vendor_id: int, on: date) -> list[Candidate]:
    rows = (
        Review.objects.filter(vendor_id=vendor_id, due_on__lte=on + timedelta(days=REVIEW_HORIZON_DAYS))
        .exclude(status=ReviewStatus.LOCKED)
        .order_by("due_on", "pk")
    )
    return [
        Candidate(
            Section.REVIEWS,
            r,
            _clip(f"Review {r.period_start:%d %b %Y} – {r.period_end:%d %b %Y}"),
            f"{r.get_status_display()}; to be signed by {r.due_on:%d %b %Y}.",
        )
        for r in rows
    ]


def agenda_candidates(meeting: Meeting, *, today: date) -> list[Candidate]:
    """What should be on the agenda today, section by section."""
    vendor_id = meeting.forum.vendor_id
    meeting_day = timezone.localtime(meeting.scheduled_for, periods.local_zone()).date()
    on = max(today, meeting_day)
    return [
        *_breaches(vendor_id),
        *_disputes(vendor_id),
        *_overdue_actions(vendor_id, today),
        *_issues(vendor_id),
        *_contracts(vendor_id, on),
        *_reviews(vendor_id, on),
    ]


def _insert_index(order: list[AgendaItem], section: str) -> int:
    """Where a new automatic item of ``section`` goes: after the last automatic item of its section or
    of an earlier one; else before the first automatic item; else at the end."""
    rank = SECTION_ORDER.index(section)
    ranks = [
        SECTION_ORDER.index(item.section)
        if item.source == AgendaItem.Source.AUTO and item.section in SECTION_ORDER
        else None
        for item in order
    ]
    after = [i for i, r in enumerate(ranks) if r is not None and r <= rank]
    if after:
        return after[-1] + 1
    later = [i for i, r in enumerate(ranks) if r is not None]
    return later[0] if later else len(order)


def _renumber(order: list[AgendaItem]) -> list[AgendaItem]:
    changed = []
    for position, item in enumerate(order, start=1):
        if item.position != position:
            item.position = position
            changed.append(item)
    return changed


@transaction.atomic
def build_agenda(meeting: Meeting, actor=None, *, now: datetime | None = None) -> AgendaBuild:
    """Bring a scheduled meeting's automatic agenda items up to date with the relationship."""
    now = now or timezone.now()
    if actor is not None:
        require_client(actor, meeting, "Only the client's managers may rebuild the agenda.")
    # One build at a time per meeting: the lock orders concurrent builds (PostgreSQL).
    meeting = Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(
            f"This meeting is {meeting.get_status_display().lower()}; its agenda is part of the record."
        )
    candidates = agenda_candidates(meeting, today=periods.local_today(now))
    types = {model: ContentType.objects.get_for_model(model) for model in {type(c.obj) for c in candidates}}
    wanted = {c.key(types): c for c in candidates}
    order = list(meeting.agenda_items.order_by("position", "id"))
    count_before = len(order)
    stale = [
        item
        for item in order
        if item.source == AgendaItem.Source.AUTO and (item.object_type_id, item.object_id) not in wanted
    ]
    present = {(item.object_type_id, item.object_id) for item in order if item.object_id is not None}
    order = [item for item in order if item not in stale]
    new_items = []
    for key, candidate in wanted.items():
        if key in present:
            continue
        item = AgendaItem(
            meeting=meeting,
            section=candidate.section,
            title=candidate.title,
            notes=candidate.notes,
            source=AgendaItem.Source.AUTO,
            object_type_id=key[0],
            object_id=key[1],
            added_by=actor,
        )
        order.insert(_insert_index(order, candidate.section), item)
        new_items.append(item)
    if stale:
        AgendaItem.objects.filter(pk__in=[item.pk for item in stale]).delete()
    changed = [item for item in _renumber(order) if item.pk is not None]
    AgendaItem.objects.bulk_update(changed, ["position"])
    AgendaItem.objects.bulk_create(new_items, ignore_conflicts=True)
    Meeting.objects.filter(pk=meeting.pk).update(agenda_built_at=now)
    result = AgendaBuild(added=len(new_items), removed=len(stale))
    if result.added or result.removed or actor is not None:
        audit_record(
            actor=actor,
            action="governance.meeting.agenda_built",
            obj=meeting,
            changes={"agenda_items": [count_before, len(order)]} if (result.added or result.removed) else {},
            note=result.summary,
        )
    return result


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("forum").get(pk=meeting.pk)


def _require_open_agenda(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError("This meeting was cancelled; its agenda can no longer change.")


@transaction.atomic
def agenda_add(*, meeting: Meeting, actor, title: str, notes: str = "", section: str = "") -> AgendaItem:
    """An item added by hand, at the end of the agenda."""
    require_client(actor, meeting, "Only the client's managers may change the agenda.")
    title = required_text(title, "title", "Give the agenda item a title.")
    # Every change of positions locks the meeting first, so two additions at once take turns and
    # never share a position.
    meeting = _locked_meeting(meeting)
    _require_open_agenda(meeting)
    last = meeting.agenda_items.order_by("-position").values_list("position", flat=True).first() or 0
    return audited_create(
        model=AgendaItem,
        actor=actor,
        meeting=meeting,
        position=last + 1,
        section=(section or "").strip(),
        title=title,
        notes=(notes or "").strip(),
        source=AgendaItem.Source.MANUAL,
        added_by=actor,
    )


@transaction.atomic
def agenda_remove(*, item: AgendaItem, actor) -> None:
    require_client(actor, item.meeting, "Only the client's managers may change the agenda.")
    _require_open_agenda(item.meeting)
    audited_delete(instance=item, actor=actor)


@transaction.atomic
def agenda_move(*, item: AgendaItem, actor, direction: str) -> AgendaItem:
    """Move an item one place up or down the agenda."""
    require_client(actor, item.meeting, "Only the client's managers may change the agenda.")
    _require_open_agenda(item.meeting)
    if direction not in ("up", "down"):
        raise ValidationError("Move an item up or down.")
    _locked_meeting(item.meeting)
    order = list(
        AgendaItem.objects.select_for_update().filter(meeting_id=item.meeting_id).order_by("position", "id")
    )
    index = next(i for i, row in enumerate(order) if row.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(order):
        return item
    old_position = index + 1
    order[index], order[target] = order[target], order[index]
    AgendaItem.objects.bulk_update(_renumber(order), ["position"])
    moved = order[target]
    audit_record(
        actor=actor,
        action="governance.agendaitem.moved",
        obj=moved,
        changes={"position": [old_position, target + 1]},
    )
    return moved
