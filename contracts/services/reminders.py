"""Staged notice reminders: each stage of each contract term goes out exactly once.

Stages are days before the notice deadline (``CONTRACT_REMINDER_STAGES``, default 90, 60, 30 and 7)
and reach the contract's owner; if nobody has decided by ``CONTRACT_REMINDER_ESCALATION_DAYS`` before
the deadline, the escalation stage reaches the owner, the vendor's internal owner and every manager,
and the governance escalation scan opens an issue for the undecided term that climbs the contract's
escalation path until the decision is recorded.

The ``NoticeReminder`` ledger holds one row per (contract, term end, stage), claimed by inserting it:
the unique constraint lets exactly one run win, however many run at once. A run after downtime sends
only the most recent stage that fell due and records the earlier missed ones as skipped. A renewal
decision for the term stops its reminders; a snooze holds them until the day after it ends.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Role, User

from ..dates import contract_key_dates
from ..models import Contract, ContractStatus, NoticeReminder, ReminderStatus, RenewalDecision, RenewalType

logger = logging.getLogger(__name__)

ESCALATION = "escalation"
NOTICE_REMINDER = "contracts.contract.notice_reminder"


@dataclass(frozen=True)
class Stage:
    code: str
    days_before: int

    @property
    def is_escalation(self) -> bool:
        return self.code == ESCALATION

    @property
    def label(self) -> str:
        if self.is_escalation:
            return f"Escalation ({self.days_before} days before the notice deadline)"
        return f"{self.days_before} days before the notice deadline"


def reminder_stages() -> list[Stage]:
    """The stages in the order they fall due: most days before the deadline first, escalation last."""
    stages = [Stage(str(days), days) for days in settings.CONTRACT_REMINDER_STAGES]
    return [*stages, Stage(ESCALATION, settings.CONTRACT_REMINDER_ESCALATION_DAYS)]


@dataclass(frozen=True)
class UpcomingTerm:
    """The term whose notice deadline comes next, counted from a day."""

    term_number: int
    term_end: dt.date
    notice_deadline: dt.date


def upcoming_term(contract: Contract, *, today: dt.date) -> UpcomingTerm | None:
    """The term of ``contract`` whose notice deadline is today or later (None when there is none)."""
    if contract.renewal_type == RenewalType.NONE:
        return None
    dates = contract_key_dates(contract, on=today)
    if dates.notice_deadline is not None and today <= dates.notice_deadline:
        return UpcomingTerm(dates.term_number, dates.term_end, dates.notice_deadline)
    if dates.upcoming_notice_deadline is None:
        return None
    following = contract_key_dates(contract, on=dates.term_end + dt.timedelta(days=1))
    return UpcomingTerm(following.term_number, following.term_end, following.notice_deadline)


def stage_due_on(stage: Stage, term: UpcomingTerm) -> dt.date:
    return term.notice_deadline - dt.timedelta(days=stage.days_before)


@dataclass
class ReminderRun:
    """What one run did: ids of the ledger rows it sent and failed, and how many stages it skipped."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: int = 0

    def as_dict(self) -> dict:
        return {"sent": len(self.sent), "skipped": self.skipped, "failed": len(self.failed)}


def _candidates(today: dt.date):
    return (
        Contract.objects.filter(status=ContractStatus.ACTIVE)
        .exclude(renewal_type=RenewalType.NONE)
        .filter(Q(reminders_snoozed_until__isnull=True) | Q(reminders_snoozed_until__lt=today))
        .select_related("vendor__internal_owner", "owner")
        .order_by("pk")
    )


def due_reminders(*, today: dt.date) -> list[tuple[Contract, UpcomingTerm, list[Stage]]]:
    """Each contract with at least one stage due, its upcoming term and the stages due so far.

    Terms already decided are left out. Two queries whatever the number of contracts.
    """
    stages = reminder_stages()
    horizon = today + dt.timedelta(days=stages[0].days_before)
    due = []
    for contract in _candidates(today):
        term = upcoming_term(contract, today=today)
        if term is None or term.notice_deadline > horizon:
            continue
        reached = [stage for stage in stages if stage_due_on(stage, term) <= today]
        if reached:
            due.append((contract, term, reached))
    if not due:
        return []
    decided = set(
        RenewalDecision.objects.filter(contract_id__in=[c.pk for c, _, _ in due]).values_list(
            "contract_id", "term_end"
        )
    )
    return [item for item in due if (item[0].pk, item[1].term_end) not in decided]


def _active_with_email(users) -> list[User]:
    seen, result = set(), []
    for user in users:
        if user is not None and user.is_active and user.email and user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


class ReminderRecipients:
    """Who receives a stage; the managers are loaded once per run, only if needed."""

    def __init__(self):
        self._managers = None

    def managers(self) -> list[User]:
        if self._managers is None:
            self._managers = list(
                User.objects.filter(role=Role.MANAGER, vendor__isnull=True, is_active=True).order_by("pk")
            )
        return self._managers

    def for_stage(self, contract: Contract, stage: Stage) -> list[User]:
        owner, vendor_owner = contract.owner, contract.vendor.internal_owner
        if stage.is_escalation:
            return _active_with_email([owner, vendor_owner, *self.managers()])
        return _active_with_email([owner]) or _active_with_email([vendor_owner]) or self.managers()


def _claim(contract: Contract, term: UpcomingTerm, stage: Stage, now: datetime) -> NoticeReminder | None:
    """Insert the stage's ledger row; None when another run has it already (sent, sending or skipped)."""
    try:
        with transaction.atomic():
            return NoticeReminder.objects.create(
                contract=contract,
                term_end=term.term_end,
                notice_deadline=term.notice_deadline,
                stage=stage.code,
                due_on=stage_due_on(stage, term),
                status=ReminderStatus.SENDING,
                created_at=now,
            )
    except IntegrityError:
        return None


def _reclaim_failed(contract: Contract, term: UpcomingTerm, stage: Stage) -> NoticeReminder | None:
    """Take over a row whose sending failed on an earlier run; only one run wins the conditional update."""
    rows = NoticeReminder.objects.filter(
        contract=contract, term_end=term.term_end, stage=stage.code, status=ReminderStatus.FAILED
    )
    row = rows.first()
    if row is None or rows.filter(pk=row.pk).update(status=ReminderStatus.SENDING, error="") != 1:
        return None
    return row


def _skip_earlier(contract: Contract, term: UpcomingTerm, stages: list[Stage], now: datetime) -> int:
    """Record stages that fell due while no run happened as skipped; rows already there stay as they are."""
    NoticeReminder.objects.bulk_create(
        [
            NoticeReminder(
                contract=contract,
                term_end=term.term_end,
                notice_deadline=term.notice_deadline,
                stage=stage.code,
                due_on=stage_due_on(stage, term),
                status=ReminderStatus.SKIPPED,
                created_at=now,
            )
            for stage in stages
        ],
        ignore_conflicts=True,
    )
    return len(stages)


def reminder_email(*, contract: Contract, term: UpcomingTerm, stage: Stage, recipients, today: dt.date):
    context = {
        "contract": contract,
        "term": term,
        "stage": stage,
        "days_left": (term.notice_deadline - today).days,
        "portal_name": settings.PORTAL_NAME,
        "portal_url": settings.PORTAL_URL,
    }
    subject = " ".join(render_to_string("contracts/emails/notice_reminder-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("contracts/emails/notice_reminder-body.txt", context),
        to=[user.email for user in recipients],
    )
    message.attach_alternative(
        render_to_string("contracts/emails/notice_reminder-body.html", context), "text/html"
    )
    return message


def _send(row: NoticeReminder, contract: Contract, term: UpcomingTerm, stage: Stage, recipients, now) -> bool:
    """Send the e-mail, then record the outcome on the ledger row (and in the trail once sent)."""
    try:
        if not recipients:
            raise ValueError(
                "Nobody to send the reminder to: no owner, vendor owner or manager with an e-mail."
            )
        reminder_email(
            contract=contract, term=term, stage=stage, recipients=recipients, today=timezone.localdate(now)
        ).send()
    except Exception as exc:
        logger.exception("Notice reminder %s for contract %s failed", stage.code, contract.pk)
        NoticeReminder.objects.filter(pk=row.pk).update(status=ReminderStatus.FAILED, error=str(exc)[:500])
        return False
    with transaction.atomic():
        NoticeReminder.objects.filter(pk=row.pk).update(
            status=ReminderStatus.SENT, sent_at=now, recipients=[user.email for user in recipients]
        )
        event = audit_record(
            actor=None,
            action=NOTICE_REMINDER,
            obj=contract,
            changes={
                "term_end": [None, term.term_end.isoformat()],
                "notice_deadline": [None, term.notice_deadline.isoformat()],
            },
            note=stage.code,
        )
        # The organisation's renewal planning is its own business, not the vendor's.
        AuditEvent.objects.filter(pk=event.pk).update(internal_only=True)
    return True


def send_contract_reminders(*, now: datetime | None = None) -> ReminderRun:
    """Send every reminder due on ``now``'s day that has not gone out yet; safe to run any number of
    times, and concurrently."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = ReminderRun()
    due = due_reminders(today=today)
    if not due:
        return run
    rows = NoticeReminder.objects.filter(contract_id__in=[contract.pk for contract, _, _ in due])
    ledger = {
        (contract_id, term_end, stage): status
        for contract_id, term_end, stage, status in rows.values_list(
            "contract_id", "term_end", "stage", "status"
        )
    }
    recipients = ReminderRecipients()
    for contract, term, reached in due:
        *earlier, latest = reached
        missed = [stage for stage in earlier if (contract.pk, term.term_end, stage.code) not in ledger]
        if missed:
            run.skipped += _skip_earlier(contract, term, missed, now)
        status = ledger.get((contract.pk, term.term_end, latest.code))
        if status is None:
            row = _claim(contract, term, latest, now)
        elif status == ReminderStatus.FAILED:
            row = _reclaim_failed(contract, term, latest)
        else:
            continue
        if row is None:
            continue
        if _send(row, contract, term, latest, recipients.for_stage(contract, latest), now):
            run.sent.append(row.pk)
        else:
            run.failed.append(row.pk)
    return run
