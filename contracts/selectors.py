"""Reads of contracts for one user, scoped by the access policy."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from accounts import policy

from .dates import ContractDates, contract_key_dates
from .models import Contract, ContractStatus, RenewalType


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
