"""Measurement periods as local calendar dates, and when each one closes.

Periods are date ranges in the portal's time zone: weeks start on Monday, months and
quarters on their first day. A period closes at local midnight after its last day plus
the service level's reporting grace days; converting that local midnight to an aware
datetime through zoneinfo keeps the close right across DST changes.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

WEEKLY, MONTHLY, QUARTERLY = "weekly", "monthly", "quarterly"


def period_start(kind: str, day: date) -> date:
    if kind == WEEKLY:
        return day - timedelta(days=day.weekday())
    if kind == MONTHLY:
        return day.replace(day=1)
    if kind == QUARTERLY:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"Unknown period kind {kind!r}")


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, 1)


def next_period_start(kind: str, start: date) -> date:
    if kind == WEEKLY:
        return start + timedelta(days=7)
    return _add_months(start, 1 if kind == MONTHLY else 3)


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """The (first day, last day) of the period containing ``day``."""
    start = period_start(kind, day)
    return start, next_period_start(kind, start) - timedelta(days=1)


def periods_between(kind: str, first_day: date, last_day: date) -> list[tuple[date, date]]:
    """Every period overlapping [first_day, last_day], in order."""
    periods = []
    start = period_start(kind, first_day)
    while start <= last_day:
        nxt = next_period_start(kind, start)
        periods.append((start, nxt - timedelta(days=1)))
        start = nxt
    return periods


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), local_zone()).date()


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def close_date(period_end: date, grace_days: int) -> date:
    """The local date on whose midnight a period with this grace closes."""
    return period_end + timedelta(days=grace_days + 1)


def closes_at(period_end: date, grace_days: int) -> datetime:
    return local_midnight(close_date(period_end, grace_days))


def is_closed(period_end: date, grace_days: int, now: datetime) -> bool:
    return now >= closes_at(period_end, grace_days)
