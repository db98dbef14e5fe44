"""Notice as contracts write it: in days or in calendar months, optionally only to the end of a month or
a quarter. Three months before 31 December is 30 September; 90 days is 2 October."""

import datetime as dt

import pytest

from contracts.dates import aligned_end, contract_key_dates, key_dates, notice_deadline_for
from contracts.models import Contract, NoticeAlignment, NoticeUnit, RenewalType
from tests import factories

D = dt.date


def deadline(term_end, *, days=0, months=0, alignment=NoticeAlignment.NONE, weekend_to_friday=False):
    unit = NoticeUnit.MONTHS if months else NoticeUnit.DAYS
    return notice_deadline_for(
        term_end, days, unit=unit, months=months, alignment=alignment, weekend_to_friday=weekend_to_friday
    )


def test_three_months_before_the_end_of_december_is_the_end_of_september_not_90_days():
    assert deadline(D(2026, 12, 31), months=3) == D(2026, 9, 30)
    assert deadline(D(2026, 12, 31), days=90) == D(2026, 10, 2)


@pytest.mark.parametrize(
    ("term_end", "months", "expected"),
    [
        (D(2027, 5, 31), 3, D(2027, 2, 28)),  # a month end stays a month end
        (D(2028, 5, 31), 3, D(2028, 2, 29)),  # leap year
        (D(2027, 6, 30), 1, D(2027, 5, 31)),
        (D(2027, 3, 15), 1, D(2027, 2, 15)),
        (D(2027, 3, 30), 1, D(2027, 2, 28)),  # 30 Feb does not exist
        (D(2027, 12, 31), 6, D(2027, 6, 30)),
        (D(2027, 12, 31), 12, D(2026, 12, 31)),
    ],
)
def test_notice_in_months_counts_calendar_months(term_end, months, expected):
    assert deadline(term_end, months=months) == expected


@pytest.mark.parametrize(
    ("day", "alignment", "expected"),
    [
        (D(2026, 12, 31), NoticeAlignment.QUARTER_END, D(2026, 12, 31)),
        (D(2026, 12, 15), NoticeAlignment.QUARTER_END, D(2026, 9, 30)),
        (D(2026, 11, 30), NoticeAlignment.QUARTER_END, D(2026, 9, 30)),
        (D(2026, 2, 10), NoticeAlignment.QUARTER_END, D(2025, 12, 31)),
        (D(2026, 12, 15), NoticeAlignment.MONTH_END, D(2026, 11, 30)),
        (D(2028, 2, 29), NoticeAlignment.MONTH_END, D(2028, 2, 29)),
        (D(2026, 12, 15), NoticeAlignment.NONE, D(2026, 12, 15)),
    ],
)
def test_notice_can_only_take_effect_at_a_month_or_quarter_end(day, alignment, expected):
    assert aligned_end(day, alignment) == expected


def test_three_months_to_the_end_of_a_quarter():
    # The term ends mid-December: notice takes effect on 30 September at the latest, so is due by 30 June.
    assert deadline(D(2026, 12, 15), months=3, alignment=NoticeAlignment.QUARTER_END) == D(2026, 6, 30)
    assert deadline(D(2026, 12, 31), months=3, alignment=NoticeAlignment.QUARTER_END) == D(2026, 9, 30)
    assert deadline(D(2026, 12, 15), days=30, alignment=NoticeAlignment.MONTH_END) == D(2026, 10, 31)


def test_a_weekend_deadline_moves_to_the_friday_before():
    # 31 Jan 2027 − 1 month = 31 Dec 2026 (a Thursday); 30 Apr 2027 − 2 months = 28 Feb 2027 (a Sunday).
    assert notice_deadline_for(D(2027, 4, 30), 0, unit=NoticeUnit.MONTHS, months=2) == D(2027, 2, 26)


def test_key_dates_use_months_for_every_tacit_term():
    dates = key_dates(
        start_date=D(2025, 1, 1),
        initial_term_end=D(2025, 12, 31),
        renewal_type=RenewalType.TACIT,
        renewal_term_months=12,
        notice_period_days=90,
        notice_period_unit=NoticeUnit.MONTHS,
        notice_period_months=3,
        on=D(2026, 3, 1),
        weekend_to_friday=False,
    )
    assert dates.term_end == D(2026, 12, 31)
    assert dates.notice_deadline == D(2026, 9, 30)


@pytest.mark.django_db
def test_existing_contracts_keep_their_notice_in_days():
    contract = factories.ContractFactory(
        renewal_type=RenewalType.TACIT, initial_term_end=D(2026, 12, 31), notice_period_days=90
    )
    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.notice_period_unit, stored.notice_alignment) == ("days", "none")
    assert contract_key_dates(stored, on=D(2026, 6, 1)).notice_deadline == D(2026, 10, 2)
    assert stored.notice_period_text == "90 days"

    Contract.objects.filter(pk=contract.pk).update(
        notice_period_unit=NoticeUnit.MONTHS, notice_period_months=3
    )
    stored.refresh_from_db()
    assert contract_key_dates(stored, on=D(2026, 6, 1)).notice_deadline == D(2026, 9, 30)
    assert stored.notice_period_text == "3 months"
