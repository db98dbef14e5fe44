"""Reads of contracts whose dates fall due: notice deadlines, term ends and the renewal panel."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from accounts import policy

from ..dates import ContractDates, contract_key_dates
from ..models import Contract, ContractStatus, NoticeReminder, RenewalDecision, RenewalType
from ..services.reminders import Stage, UpcomingTerm, reminder_stages, stage_due_on, upcoming_term


@dataclass(frozen=True)
class UpcomingContract:
    """A contract in force with the dates that fall due soon."""

    contract: Contract
    dates: ContractDates
    notice_due: bool
    end_due: bool

    @property
    def next_date(self) -> dt.date:
        """The earliest of the dates that brought the contract into the window."""
        due = []
        if self.notice_due:
            due.append(self.dates.upcoming_notice_deadline)
        if self.end_due:
            due.append(self.dates.term_end)
        return min(due)

    @property
    def days_to_notice(self) -> int | None:
        notice = self.dates.upcoming_notice_deadline
        return (notice - self.dates.on).days if notice else None

    @property
    def days_to_end(self) -> int:
        return (self.dates.term_end - self.dates.on).days


def contracts_with_upcoming_dates(*, user, within_days: int = 90, today: dt.date) -> list[UpcomingContract]:
    """Active contracts whose notice deadline or current term end falls from ``today`` to ``within_days``
    later, soonest first.

    One query loads the candidates (every tacit contract, since its terms roll; an express one until its
    initial term ends; one that does not renew only when that end is within the window); the dates are
    computed in Python.
    """
    horizon = today + dt.timedelta(days=within_days)
    candidates = policy.scope(
        user,
        Contract.objects.filter(status=ContractStatus.ACTIVE)
        .filter(
            Q(renewal_type=RenewalType.TACIT)
            | Q(renewal_type=RenewalType.EXPRESS, initial_term_end__gte=today)
            | Q(renewal_type=RenewalType.NONE, initial_term_end__range=(today, horizon))
        )
        .select_related("vendor", "owner"),
    )
    upcoming = []
    for contract in candidates:
        dates = contract_key_dates(contract, on=today)
        notice = dates.upcoming_notice_deadline
        notice_due = notice is not None and today <= notice <= horizon
        end_due = today <= dates.term_end <= horizon
        if notice_due or end_due:
            upcoming.append(
                UpcomingContract(contract=contract, dates=dates, notice_due=notice_due, end_due=end_due)
            )
    upcoming.sort(key=lambda item: (item.next_date, item.contract.vendor.name, item.contract.reference))
    return upcoming


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    due_on: dt.date
    reminder: NoticeReminder | None


@dataclass(frozen=True)
class RenewalPanel:
    """Where the contract's next notice deadline stands: stages, ledger, decision and snooze."""

    term: UpcomingTerm | None
    stages: list[StageRow]
    decision: RenewalDecision | None
    past_decisions: list[RenewalDecision]
    snoozed_until: dt.date | None
    today: dt.date

    @property
    def days_left(self) -> int | None:
        return None if self.term is None else (self.term.notice_deadline - self.today).days


def renewal_panel(*, contract: Contract, today: dt.date) -> RenewalPanel:
    """Internal only (the caller checks): two queries."""
    term = upcoming_term(contract, today=today)
    decisions = list(RenewalDecision.objects.filter(contract=contract).select_related("decided_by"))
    current = next((d for d in decisions if term and d.term_end == term.term_end), None)
    # The whole ledger of the contract (a few rows a year), so the query count does not depend on the term.
    ledger = {(r.term_end, r.stage): r for r in NoticeReminder.objects.filter(contract=contract)}
    rows = []
    if term is not None:
        rows = [
            StageRow(stage, stage_due_on(stage, term), ledger.get((term.term_end, stage.code)))
            for stage in reminder_stages()
        ]
    snoozed = contract.reminders_snoozed_until
    return RenewalPanel(
        term=term,
        stages=rows,
        decision=current,
        past_decisions=[d for d in decisions if d is not current],
        snoozed_until=snoozed if snoozed and snoozed >= today else None,
        today=today,
    )
