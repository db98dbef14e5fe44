"""The period calendar: bounds of weeks, months and quarters, and when a period closes across DST."""

from datetime import UTC, date, datetime, timedelta

import pytest

from kpis import periods

MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.mark.parametrize(
    ("kind", "day", "bounds"),
    [
        # 2026-01-01 is a Thursday: its week started on Monday 29 December 2025.
        (periods.WEEKLY, date(2026, 1, 1), (date(2025, 12, 29), date(2026, 1, 4))),
        (periods.WEEKLY, date(2026, 1, 5), (date(2026, 1, 5), date(2026, 1, 11))),
        (periods.WEEKLY, date(2026, 1, 11), (date(2026, 1, 5), date(2026, 1, 11))),
        (periods.WEEKLY, date(2028, 2, 29), (date(2028, 2, 28), date(2028, 3, 5))),
        (periods.WEEKLY, date(2026, 12, 31), (date(2026, 12, 28), date(2027, 1, 3))),
        (periods.MONTHLY, date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        (periods.MONTHLY, date(2028, 2, 1), (date(2028, 2, 1), date(2028, 2, 29))),
        (periods.MONTHLY, date(2028, 2, 29), (date(2028, 2, 1), date(2028, 2, 29))),
        (periods.MONTHLY, date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
        (periods.MONTHLY, date(2026, 4, 30), (date(2026, 4, 1), date(2026, 4, 30))),
        (periods.QUARTERLY, date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))),
        (periods.QUARTERLY, date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
        (periods.QUARTERLY, date(2026, 5, 17), (date(2026, 4, 1), date(2026, 6, 30))),
        (periods.QUARTERLY, date(2026, 8, 1), (date(2026, 7, 1), date(2026, 9, 30))),
        (periods.QUARTERLY, date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31))),
        (periods.QUARTERLY, date(2028, 2, 29), (date(2028, 1, 1), date(2028, 3, 31))),
    ],
)
def test_period_bounds(kind, day, bounds):
    assert periods.period_bounds(kind, day) == bounds


def test_unknown_period_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown period kind"):
        periods.period_bounds("yearly", date(2026, 1, 1))


def test_periods_between_covers_the_range_without_gaps():
    weeks = periods.periods_between(periods.WEEKLY, date(2026, 12, 30), date(2027, 1, 12))
    assert weeks == [
        (date(2026, 12, 28), date(2027, 1, 3)),
        (date(2027, 1, 4), date(2027, 1, 10)),
        (date(2027, 1, 11), date(2027, 1, 17)),
    ]
    months = periods.periods_between(periods.MONTHLY, date(2027, 12, 15), date(2028, 3, 1))
    assert months == [
        (date(2027, 12, 1), date(2027, 12, 31)),
        (date(2028, 1, 1), date(2028, 1, 31)),
        (date(2028, 2, 1), date(2028, 2, 29)),
        (date(2028, 3, 1), date(2028, 3, 31)),
    ]
    quarters = periods.periods_between(periods.QUARTERLY, date(2026, 11, 1), date(2027, 4, 1))
    assert quarters == [
        (date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), date(2027, 6, 30)),
    ]


def test_closes_at_is_local_midnight_after_the_grace_days(settings):
    settings.TIME_ZONE = "UTC"
    assert periods.closes_at(date(2026, 1, 31), 5) == datetime(2026, 2, 6, tzinfo=UTC)
    assert periods.closes_at(date(2026, 12, 31), 0) == datetime(2027, 1, 1, tzinfo=UTC)
    assert periods.closes_at(date(2028, 2, 29), 0) == datetime(2028, 3, 1, tzinfo=UTC)


def test_march_closes_at_midnight_summer_time(london):
    # Clocks went forward on 29 March 2026: midnight on 1 April is 23:00 UTC the day before.
    _start, end = periods.period_bounds(periods.MONTHLY, date(2026, 3, 10))
    closes = periods.closes_at(end, 0)
    assert closes == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    assert closes.utcoffset() == timedelta(hours=1)


def test_closes_at_around_clocks_going_back(london):
    # Clocks go back at 02:00 BST on Sunday 25 October 2026.
    week = periods.period_bounds(periods.WEEKLY, date(2026, 10, 25))
    assert week == (date(2026, 10, 19), date(2026, 10, 25))
    assert periods.closes_at(week[1], 0) == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    # A period ending the day before closes at midnight summer time, 25 hours earlier.
    assert periods.closes_at(date(2026, 10, 24), 0) == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    # Python subtracts wall-clock times within one zone, so compare elapsed time in UTC.
    elapsed = periods.closes_at(date(2026, 10, 25), 0).astimezone(UTC) - periods.closes_at(
        date(2026, 10, 24), 0
    ).astimezone(UTC)
    assert elapsed == timedelta(hours=25)
    # October itself ends after the change: it closes at midnight GMT on 1 November.
    october = periods.period_bounds(periods.MONTHLY, date(2026, 10, 25))
    assert periods.closes_at(october[1], 0) == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    assert periods.closes_at(date(2026, 10, 26), 0) == datetime(2026, 10, 27, 0, 0, tzinfo=UTC)
    # September with 25 grace days closes at midnight on 26 October, which is GMT again.
    assert periods.closes_at(date(2026, 9, 30), 25) == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)
    assert periods.closes_at(date(2026, 9, 30), 24) == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period_end", "grace_days", "closes"),
    [
        (date(2026, 3, 31), 0, datetime(2026, 3, 31, 23, 0, tzinfo=UTC)),
        (date(2026, 10, 25), 0, datetime(2026, 10, 26, 0, 0, tzinfo=UTC)),
        (date(2026, 10, 31), 5, datetime(2026, 11, 6, 0, 0, tzinfo=UTC)),
        (date(2026, 6, 30), 5, datetime(2026, 7, 5, 23, 0, tzinfo=UTC)),
    ],
)
def test_is_closed_edges(london, period_end, grace_days, closes):
    assert not periods.is_closed(period_end, grace_days, closes - MICROSECOND)
    assert periods.is_closed(period_end, grace_days, closes)
    assert periods.is_closed(period_end, grace_days, closes + MICROSECOND)


def test_local_today_follows_the_portal_time_zone(london):
    # 23:30 UTC on 31 March 2026 is already 1 April in London.
    assert periods.local_today(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == date(2026, 4, 1)
    assert periods.local_today(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == date(2026, 1, 31)
