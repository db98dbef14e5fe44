"""A contract's key dates on any day: the current term, the notice deadline and the next renewal.

Pure calendar arithmetic on dates (no database, no clock): month-end and leap-day safe.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from .models import NoticeAlignment, NoticeUnit, RenewalType

FRIDAY = 4


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _is_month_end(day: dt.date) -> bool:
    return day.day == _last_day(day.year, day.month)


def add_months(day: dt.date, months: int, *, keep_month_end: bool = False) -> dt.date:
    """``day`` moved by ``months`` calendar months; a day the target month lacks becomes its last day
    (31 Jan + 1 month = 28/29 Feb). With ``keep_month_end`` a month's last day stays a last day
    (30 Apr + 1 month = 31 May)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = _last_day(year, month)
    if keep_month_end and _is_month_end(day):
        return dt.date(year, month, last)
    return dt.date(year, month, min(day.day, last))


def term_end(start: dt.date, months: int) -> dt.date:
    """The last day of a term of ``months`` months beginning on ``start``: the day before the same
    day ``months`` later, or the month's last day when that day does not exist (a month from 31 Jan
    ends on 28 or 29 Feb; a year from 1 Mar 2023 ends on 29 Feb 2024)."""
    return add_months(start - dt.timedelta(days=1), months, keep_month_end=True)


def last_working_day(day: dt.date) -> dt.date:
    """``day`` itself on a weekday, else the Friday before it."""
    if day.weekday() > FRIDAY:
        return day - dt.timedelta(days=day.weekday() - FRIDAY)
    return day


@dataclass(frozen=True)
class ContractDates:
    """Where a contract stands on ``on``.

    ``term_number`` is 1 for the initial term and n + 1 during the n-th tacit renewal.
    ``notice_deadline`` is the last day to give notice for the current term (``None`` when the
    contract does not renew, so there is nothing to give notice about); ``upcoming_notice_deadline``
    is the first deadline on or after ``on`` (the next term's once the current one has passed).
    ``next_renewal`` is the day the next term starts automatically (tacit renewal only).
    ``decision_due`` is the upcoming notice deadline less the internal decision buffer.
    """

    on: dt.date
    renewal_type: str
    term_number: int
    term_start: dt.date
    term_end: dt.date
    notice_deadline: dt.date | None
    upcoming_notice_deadline: dt.date | None
    next_renewal: dt.date | None
    decision_due: dt.date | None

    @property
    def has_ended(self) -> bool:
        """True once a contract that does not renew by itself is past its (initial) term."""
        return self.on > self.term_end

    @property
    def notice_passed(self) -> bool:
        return self.notice_deadline is not None and self.on > self.notice_deadline


def renewal_term_end(initial_term_end: dt.date, renewal_months: int, renewals: int) -> dt.date:
    """The last day of the ``renewals``-th tacit renewal term.

    Each renewal's end is counted from the initial term's end rather than from the previous renewal,
    so month lengths never accumulate drift (an initial term ending on 29 Jan renews monthly to
    28/29 Feb, then 29 Mar — not 28 Mar); an initial term ending on a month's last day keeps
    renewing to month ends (28 Feb 2027, then 29 Feb 2028).
    """
    return add_months(initial_term_end, renewals * renewal_months, keep_month_end=True)


def _renewals_before(initial_term_end: dt.date, renewal_months: int, on: dt.date) -> int:
    """How many tacit renewals have started by ``on`` (0 during the initial term)."""
    if on <= initial_term_end:
        return 0
    elapsed = (on.year - initial_term_end.year) * 12 + on.month - initial_term_end.month
    renewals = max(1, -(-elapsed // renewal_months))
    while renewal_term_end(initial_term_end, renewal_months, renewals) < on:
        renewals += 1
    while renewals > 1 and renewal_term_end(initial_term_end, renewal_months, renewals - 1) >= on:
        renewals -= 1
    return renewals


def aligned_end(day: dt.date, alignment: str) -> dt.date:
    """The last month end (or quarter end) on or before ``day``: where notice "to the end of a month /
    quarter" can take effect at the latest for a term ending on ``day``."""
    if alignment == NoticeAlignment.MONTH_END:
        return day if _is_month_end(day) else day.replace(day=1) - dt.timedelta(days=1)
    if alignment == NoticeAlignment.QUARTER_END:
        quarter_end_month = (day.month - 1) // 3 * 3 + 3
        quarter_end = dt.date(day.year, quarter_end_month, _last_day(day.year, quarter_end_month))
        if day == quarter_end:
            return day
        return dt.date(day.year, quarter_end_month - 2, 1) - dt.timedelta(days=1)
    return day


def notice_deadline_for(
    term_end_day: dt.date,
    notice_period_days: int,
    *,
    weekend_to_friday: bool = True,
    unit: str = NoticeUnit.DAYS,
    months: int = 0,
    alignment: str = NoticeAlignment.NONE,
) -> dt.date:
    """The last day to give notice for a term ending on ``term_end_day``.

    Notice in months counts calendar months back from the (aligned) end, keeping month ends: three
    months before 31 December is 30 September, where 90 days would be 2 October.
    """
    effective = aligned_end(term_end_day, alignment)
    if unit == NoticeUnit.MONTHS:
        deadline = add_months(effective, -months, keep_month_end=True)
    else:
        deadline = effective - dt.timedelta(days=notice_period_days)
    return last_working_day(deadline) if weekend_to_friday else deadline


def key_dates(
    *,
    start_date: dt.date,
    initial_term_end: dt.date,
    renewal_type: str,
    renewal_term_months: int,
    notice_period_days: int,
    on: dt.date,
    weekend_to_friday: bool = True,
    decision_buffer_days: int = 0,
    notice_period_unit: str = NoticeUnit.DAYS,
    notice_period_months: int = 0,
    notice_alignment: str = NoticeAlignment.NONE,
) -> ContractDates:
    """The key dates on ``on`` of a contract with these terms (see ``ContractDates``).

    Tacit renewal rolls the contract term by term of ``renewal_term_months``, any number of times;
    express renewal needs the parties' agreement, so the contract lapses at the initial term's end;
    no renewal ends it there. A notice deadline on a Saturday or Sunday moves to the Friday before
    unless ``weekend_to_friday`` is off.
    """
    tacit = renewal_type == RenewalType.TACIT and renewal_term_months > 0
    renewals = _renewals_before(initial_term_end, renewal_term_months, on) if tacit else 0
    if renewals:
        start = renewal_term_end(initial_term_end, renewal_term_months, renewals - 1) + dt.timedelta(days=1)
        end = renewal_term_end(initial_term_end, renewal_term_months, renewals)
    else:
        start, end = start_date, initial_term_end

    def deadline(term_end_day: dt.date) -> dt.date:
        return notice_deadline_for(
            term_end_day,
            notice_period_days,
            weekend_to_friday=weekend_to_friday,
            unit=notice_period_unit,
            months=notice_period_months,
            alignment=notice_alignment,
        )

    notice = upcoming = None
    if renewal_type != RenewalType.NONE:
        notice = upcoming = deadline(end)
        if on > notice:
            upcoming = (
                deadline(renewal_term_end(initial_term_end, renewal_term_months, renewals + 1))
                if tacit
                else None
            )
    return ContractDates(
        on=on,
        renewal_type=renewal_type,
        term_number=renewals + 1,
        term_start=start,
        term_end=end,
        notice_deadline=notice,
        upcoming_notice_deadline=upcoming,
        next_renewal=end + dt.timedelta(days=1) if tacit else None,
        decision_due=upcoming - dt.timedelta(days=decision_buffer_days) if upcoming else None,
    )


def contract_key_dates(contract, *, on: dt.date, weekend_to_friday: bool = True) -> ContractDates:
    """``key_dates`` for a ``Contract`` (any object with its term fields)."""
    return key_dates(
        start_date=contract.start_date,
        initial_term_end=contract.initial_term_end,
        renewal_type=contract.renewal_type,
        renewal_term_months=contract.renewal_term_months,
        notice_period_days=contract.notice_period_days,
        on=on,
        weekend_to_friday=weekend_to_friday,
        decision_buffer_days=getattr(contract, "decision_buffer_days", 0) or 0,
        notice_period_unit=getattr(contract, "notice_period_unit", NoticeUnit.DAYS),
        notice_period_months=getattr(contract, "notice_period_months", 0) or 0,
        notice_alignment=getattr(contract, "notice_alignment", NoticeAlignment.NONE),
    )
