"""Date arithmetic for the demo portfolio, whose dates are all relative to the day it is seeded."""

import calendar
from datetime import date, datetime, time

from kpis.periods import local_zone


def shift_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), kept within the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def aware(day: date, hour: int, minute: int = 0) -> datetime:
    """That local wall-clock time on ``day``, as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=local_zone())
