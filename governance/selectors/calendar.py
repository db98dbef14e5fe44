"""What goes into a user's calendar feed: the dates of the relationships the user may see, each scoped
by the access policy for that user (a vendor user never gets another vendor's dates)."""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.urls import reverse

from accounts import policy
from contracts.dates import contract_key_dates
from contracts.models import Contract, ContractStatus, Deliverable, DeliverableStatus, RenewalType
from kpis import periods

from ..ical import Event
from ..models import (
    ACTION_OPEN_STATUSES,
    ActionItem,
    AgendaItem,
    Audit,
    AuditStatus,
    Meeting,
    MeetingStatus,
    Review,
    ReviewStatus,
)
from .meetings import subject_url

PAST_DAYS = 90
FUTURE_DAYS = 400


def _meetings(user, start: date, end: date, uid: Callable, absolute: Callable) -> list[Event]:
    zone = periods.local_zone()
    meetings = (
        policy.scope(
            user,
            Meeting.objects.filter(
                scheduled_for__gte=datetime.combine(start, datetime.min.time(), tzinfo=zone),
                scheduled_for__lt=datetime.combine(end, datetime.min.time(), tzinfo=zone),
            ),
        )
        .select_related("forum", "forum__vendor")
        .prefetch_related(
            # Only the items the reader may see: an internal issue never reaches a vendor's calendar.
            Prefetch(
                "agenda_items", queryset=policy.scope(user, AgendaItem.objects.order_by("position", "id"))
            )
        )
    )
    events = []
    for meeting in meetings:
        forum = meeting.forum
        agenda = [f"{n}. {item.title}" for n, item in enumerate(meeting.agenda_items.all(), start=1)]
        description = "\n".join(
            part for part in (forum.purpose, "Agenda:\n" + "\n".join(agenda) if agenda else "") if part
        )
        events.append(
            Event(
                uid=uid("meeting", meeting.pk),
                summary=f"{forum.name} — {forum.vendor.name}",
                start=meeting.scheduled_for,
                end=meeting.scheduled_for + timedelta(minutes=forum.duration_minutes),
                description=description,
                location=meeting.location or forum.location,
                url=absolute(reverse("forums:meeting_detail", args=[meeting.pk])),
                status="CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED",
                categories="Meeting",
            )
        )
    return events


def _all_day(day: date, last: date | None = None) -> tuple[date, date]:
    return day, (last or day) + timedelta(days=1)


def _reviews(user, start: date, end: date, uid: Callable, absolute: Callable) -> list[Event]:
    reviews = (
        policy.scope(user, Review.objects.filter(due_on__gte=start, due_on__lt=end))
        .exclude(status=ReviewStatus.LOCKED)
        .select_related("vendor")
    )
    events = []
    for review in reviews:
        first, after = _all_day(review.due_on)
        url = subject_url(review)
        events.append(
            Event(
                uid=uid("review", review.pk),
                summary=f"Performance review due: {review.vendor.name}",
                start=first,
                end=after,
                description=(
                    f"Review of {review.period_start:%d %b %Y} – {review.period_end:%d %b %Y}; "
                    f"{review.get_status_display().lower()}."
                ),
                url=absolute(url) if url else "",
                categories="Review",
            )
        )
    return events


def _audits(user, start: date, end: date, uid: Callable, absolute: Callable) -> list[Event]:
    audits = (
        policy.scope(user, Audit.objects.filter(planned_end__gte=start, planned_start__lt=end))
        .exclude(status=AuditStatus.CANCELLED)
        .select_related("vendor")
    )
    events = []
    for audit in audits:
        first, after = _all_day(audit.planned_start, audit.planned_end)
        events.append(
            Event(
                uid=uid("audit", audit.pk),
                summary=f"Audit: {audit.title} — {audit.vendor.name}",
                start=first,
                end=after,
                description=f"{audit.get_status_display()}. {audit.scope}".strip(),
                categories="Audit",
            )
        )
    return events


def _deliverables(user, start: date, end: date, uid: Callable, absolute: Callable) -> list[Event]:
    deliverables = (
        policy.scope(user, Deliverable.objects.filter(due_date__gte=start, due_date__lt=end))
        .exclude(status=DeliverableStatus.ACCEPTED)
        .select_related("contract", "contract__vendor")
    )
    events = []
    for item in deliverables:
        first, after = _all_day(item.due_date)
        events.append(
            Event(
                uid=uid("deliverable", item.pk),
                summary=f"{item.get_kind_display()} due: {item.title} ({item.contract.reference})",
                start=first,
                end=after,
                description=f"{item.contract.vendor.name}, {item.contract.reference} {item.contract.title}; "
                f"{item.get_status_display().lower()}.",
                url=absolute(reverse("contracts:detail", args=[item.contract_id])),
                categories="Deliverable",
            )
        )
    return events


def _contract_dates(
    user, start: date, end: date, today: date, uid: Callable, absolute: Callable
) -> list[Event]:
    contracts = policy.scope(user, Contract.objects.filter(status=ContractStatus.ACTIVE)).select_related(
        "vendor"
    )
    events = []
    for contract in contracts:
        dates = contract_key_dates(contract, on=today)
        url = absolute(reverse("contracts:detail", args=[contract.pk]))
        notice = dates.upcoming_notice_deadline
        if notice is not None and start <= notice < end:
            first, after = _all_day(notice)
            events.append(
                Event(
                    uid=uid(f"contract-notice-{notice:%Y%m%d}", contract.pk),
                    summary=f"Notice deadline: {contract.reference} {contract.title}",
                    start=first,
                    end=after,
                    description=f"{contract.vendor.name}. The last day to give notice for the term ending "
                    f"{dates.term_end:%d %b %Y} ({contract.get_renewal_type_display().lower()}).",
                    url=url,
                    categories="Contract",
                )
            )
        if contract.renewal_type != RenewalType.TACIT and start <= dates.term_end < end:
            first, after = _all_day(dates.term_end)
            events.append(
                Event(
                    uid=uid("contract-end", contract.pk),
                    summary=f"Contract ends: {contract.reference} {contract.title}",
                    start=first,
                    end=after,
                    description=f"{contract.vendor.name}. The last day of the contract's term.",
                    url=url,
                    categories="Contract",
                )
            )
    return events


def _actions(user, start: date, end: date, uid: Callable, absolute: Callable) -> list[Event]:
    actions = policy.scope(
        user,
        ActionItem.objects.filter(
            owner=user, status__in=ACTION_OPEN_STATUSES, due_on__gte=start, due_on__lt=end
        ),
    ).select_related("vendor")
    events = []
    for action in actions:
        first, after = _all_day(action.due_on)
        events.append(
            Event(
                uid=uid("action", action.pk),
                summary=f"Action due: {action.title}",
                start=first,
                end=after,
                description=f"{action.vendor.name}. {action.description}".strip(),
                url=absolute(reverse("actions:detail", args=[action.pk])),
                categories="Action",
            )
        )
    return events


def calendar_events_for_user(
    *, user, now: datetime, uid_domain: str, absolute: Callable[[str], str]
) -> list[Event]:
    """Every dated event of the relationships ``user`` may see, from a few months back to a year ahead."""
    today = periods.local_today(now)
    start, end = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)

    def uid(kind: str, pk: int) -> str:
        return f"{kind}-{pk}@{uid_domain}"

    return [
        *_meetings(user, start, end, uid, absolute),
        *_reviews(user, start, end, uid, absolute),
        *_audits(user, start, end, uid, absolute),
        *_deliverables(user, start, end, uid, absolute),
        *_contract_dates(user, start, end, today, uid, absolute),
        *_actions(user, start, end, uid, absolute),
    ]
