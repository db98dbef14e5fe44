"""Contract key dates against hand-computed cases, and the contracts whose dates fall due soon."""

import datetime as dt

import pytest

from contracts.dates import add_months, key_dates, last_working_day, term_end
from contracts.models import ContractStatus, RenewalType
from contracts.selectors.renewals import contracts_with_upcoming_dates
from tests import factories

D = dt.date
TACIT, EXPRESS, NONE = RenewalType.TACIT, RenewalType.EXPRESS, RenewalType.NONE


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year: the month's last day
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2023, 1, 30), 1, D(2023, 2, 28)),  # 30 Feb does not exist
        (D(2023, 3, 1), 12, D(2024, 2, 29)),  # a year from 1 March ends on the leap day
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 28)),
        (D(2020, 1, 1), 36, D(2022, 12, 31)),
        (D(2024, 4, 15), 3, D(2024, 7, 14)),
        (D(2024, 12, 1), 1, D(2024, 12, 31)),
    ],
)
def test_term_end(start, months, expected):
    assert term_end(start, months) == expected


@pytest.mark.parametrize(
    ("day", "months", "keep_month_end", "expected"),
    [
        (D(2024, 1, 31), 1, False, D(2024, 2, 29)),
        (D(2024, 1, 31), -2, False, D(2023, 11, 30)),
        (D(2024, 4, 30), 1, False, D(2024, 5, 30)),
        (D(2024, 4, 30), 1, True, D(2024, 5, 31)),
        (D(2027, 2, 28), 12, True, D(2028, 2, 29)),
        (D(2024, 11, 15), 14, False, D(2026, 1, 15)),
    ],
)
def test_add_months(day, months, keep_month_end, expected):
    assert add_months(day, months, keep_month_end=keep_month_end) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 5, 29), D(2026, 5, 29)),  # Friday
        (D(2026, 5, 30), D(2026, 5, 29)),  # Saturday
        (D(2026, 5, 31), D(2026, 5, 29)),  # Sunday
        (D(2026, 6, 1), D(2026, 6, 1)),  # Monday
    ],
)
def test_last_working_day(day, expected):
    assert last_working_day(day) == expected


# Each case: the contract's terms, the day it is seen on, and the dates worked out by hand:
# (term number, term start, term end, notice deadline, upcoming notice deadline, next renewal).
CASES = {
    # A 3-year initial term (2020–2022), renewed tacitly for a year at a time, 90 days' (three
    # months') notice, seen in its fifth year: the second renewal runs through 2024. 31 Dec 2024
    # less 90 days is Wednesday 2 Oct 2024 (31 + 30 + 29 days back).
    "3-year term, yearly tacit renewals, seen in year 5": (
        {"start": D(2020, 1, 1), "end": D(2022, 12, 31), "renewal": TACIT, "months": 12, "notice": 90},
        D(2024, 6, 15),
        (3, D(2024, 1, 1), D(2024, 12, 31), D(2024, 10, 2), D(2024, 10, 2), D(2025, 1, 1)),
    ),
    # The same contract after that deadline: 2025 is now locked in; the next deadline is Thursday
    # 2 Oct 2025, for the term that ends on 31 Dec 2025.
    "year 5 after the notice deadline": (
        {"start": D(2020, 1, 1), "end": D(2022, 12, 31), "renewal": TACIT, "months": 12, "notice": 90},
        D(2024, 10, 3),
        (3, D(2024, 1, 1), D(2024, 12, 31), D(2024, 10, 2), D(2025, 10, 2), D(2025, 1, 1)),
    ),
    "the last day of a renewal still belongs to it": (
        {"start": D(2020, 1, 1), "end": D(2022, 12, 31), "renewal": TACIT, "months": 12, "notice": 90},
        D(2024, 12, 31),
        (3, D(2024, 1, 1), D(2024, 12, 31), D(2024, 10, 2), D(2025, 10, 2), D(2025, 1, 1)),
    ),
    "the day after starts the next renewal": (
        {"start": D(2020, 1, 1), "end": D(2022, 12, 31), "renewal": TACIT, "months": 12, "notice": 90},
        D(2025, 1, 1),
        (4, D(2025, 1, 1), D(2025, 12, 31), D(2025, 10, 2), D(2025, 10, 2), D(2026, 1, 1)),
    ),
    # 31 Dec 2022 less 90 days is Sunday 2 Oct 2022: moved back to Friday 30 Sep.
    "during the initial term": (
        {"start": D(2020, 1, 1), "end": D(2022, 12, 31), "renewal": TACIT, "months": 12, "notice": 90},
        D(2021, 3, 1),
        (1, D(2020, 1, 1), D(2022, 12, 31), D(2022, 9, 30), D(2022, 9, 30), D(2023, 1, 1)),
    ),
    # Started on 31 Jan 2023 for a month: the term ends on 28 Feb; monthly renewals end on each
    # month's last day. 31 May less 10 days is Sunday 21 May, so the deadline is Friday 19 May.
    "month-end start, monthly renewals": (
        {"start": D(2023, 1, 31), "end": D(2023, 2, 28), "renewal": TACIT, "months": 1, "notice": 10},
        D(2023, 5, 15),
        (4, D(2023, 5, 1), D(2023, 5, 31), D(2023, 5, 19), D(2023, 5, 19), D(2023, 6, 1)),
    ),
    # Renewals are counted from the initial term's end, so the 29th survives February.
    "29th of the month renews to the 29th after February": (
        {"start": D(2022, 12, 30), "end": D(2023, 1, 29), "renewal": TACIT, "months": 1, "notice": 0},
        D(2023, 3, 10),
        (3, D(2023, 3, 1), D(2023, 3, 29), D(2023, 3, 29), D(2023, 3, 29), D(2023, 3, 30)),
    ),
    # Started on the leap day 29 Feb 2024 for a year: ends 28 Feb 2025; yearly renewals from 1 March
    # end on February's last day, 29 Feb in 2028. 29 Feb 2028 less 30 days is Sunday 30 Jan 2028;
    # the deadline moves to Friday 28 Jan.
    "leap-day start, yearly renewals": (
        {"start": D(2024, 2, 29), "end": D(2025, 2, 28), "renewal": TACIT, "months": 12, "notice": 30},
        D(2028, 1, 10),
        (4, D(2027, 3, 1), D(2028, 2, 29), D(2028, 1, 28), D(2028, 1, 28), D(2028, 3, 1)),
    ),
    "leap-day start, seen in the leap year's renewal": (
        {"start": D(2024, 2, 29), "end": D(2025, 2, 28), "renewal": TACIT, "months": 12, "notice": 30},
        D(2028, 2, 29),
        (4, D(2027, 3, 1), D(2028, 2, 29), D(2028, 1, 28), D(2029, 1, 29), D(2028, 3, 1)),
    ),
    # Express renewal needs both parties' agreement: no next renewal, and the term never rolls.
    # 31 Dec 2024 less 60 days is Friday 1 Nov 2024.
    "express renewal before its deadline": (
        {"start": D(2022, 1, 1), "end": D(2024, 12, 31), "renewal": EXPRESS, "months": 12, "notice": 60},
        D(2024, 6, 1),
        (1, D(2022, 1, 1), D(2024, 12, 31), D(2024, 11, 1), D(2024, 11, 1), None),
    ),
    "express renewal lapses at the initial term's end": (
        {"start": D(2022, 1, 1), "end": D(2024, 12, 31), "renewal": EXPRESS, "months": 12, "notice": 60},
        D(2025, 3, 1),
        (1, D(2022, 1, 1), D(2024, 12, 31), D(2024, 11, 1), None, None),
    ),
    "no renewal: nothing to give notice about": (
        {"start": D(2023, 7, 1), "end": D(2026, 6, 30), "renewal": NONE, "months": 12, "notice": 90},
        D(2026, 2, 1),
        (1, D(2023, 7, 1), D(2026, 6, 30), None, None, None),
    ),
    # 29 Jun 2026 less 30 days is Saturday 30 May 2026: moved to Friday 29 May.
    "notice deadline on a Saturday moves to Friday": (
        {"start": D(2025, 6, 30), "end": D(2026, 6, 29), "renewal": TACIT, "months": 12, "notice": 30},
        D(2026, 1, 15),
        (1, D(2025, 6, 30), D(2026, 6, 29), D(2026, 5, 29), D(2026, 5, 29), D(2026, 6, 30)),
    ),
    # 30 Jun 2026 less 30 days is Sunday 31 May 2026: moved to Friday 29 May.
    "notice deadline on a Sunday moves to Friday": (
        {"start": D(2025, 7, 1), "end": D(2026, 6, 30), "renewal": EXPRESS, "months": 12, "notice": 30},
        D(2026, 1, 15),
        (1, D(2025, 7, 1), D(2026, 6, 30), D(2026, 5, 29), D(2026, 5, 29), None),
    ),
}


@pytest.mark.parametrize(("terms", "on", "expected"), CASES.values(), ids=CASES.keys())
def test_key_dates(terms, on, expected):
    dates = key_dates(
        start_date=terms["start"],
        initial_term_end=terms["end"],
        renewal_type=terms["renewal"],
        renewal_term_months=terms["months"],
        notice_period_days=terms["notice"],
        on=on,
    )

    got = (
        dates.term_number,
        dates.term_start,
        dates.term_end,
        dates.notice_deadline,
        dates.upcoming_notice_deadline,
        dates.next_renewal,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("end", "notice", "weekend_to_friday", "expected"),
    [
        (D(2026, 6, 30), 30, True, D(2026, 5, 29)),
        (D(2026, 6, 30), 30, False, D(2026, 5, 31)),  # Sunday, kept as written in the contract
        (D(2026, 6, 29), 30, False, D(2026, 5, 30)),  # Saturday
        (D(2026, 7, 31), 60, True, D(2026, 6, 1)),  # Monday: nothing to move
    ],
)
def test_weekend_rule_can_be_switched_off(end, notice, weekend_to_friday, expected):
    dates = key_dates(
        start_date=D(2025, 1, 1),
        initial_term_end=end,
        renewal_type=TACIT,
        renewal_term_months=12,
        notice_period_days=notice,
        on=D(2026, 1, 1),
        weekend_to_friday=weekend_to_friday,
    )

    assert dates.notice_deadline == expected


def test_many_tacit_renewals_do_not_drift():
    # 28 Feb 2000 is not February's last day (a leap year), so every renewal ends on the 28th,
    # even 30 years and 361 renewals later.
    dates = key_dates(
        start_date=D(2000, 1, 29),
        initial_term_end=D(2000, 2, 28),
        renewal_type=TACIT,
        renewal_term_months=1,
        notice_period_days=0,
        on=D(2030, 3, 15),
        weekend_to_friday=False,
    )

    assert (dates.term_start, dates.term_end) == (D(2030, 3, 1), D(2030, 3, 28))
    assert dates.term_number == 362


def test_decision_buffer_comes_before_the_upcoming_deadline():
    dates = key_dates(
        start_date=D(2020, 1, 1),
        initial_term_end=D(2022, 12, 31),
        renewal_type=TACIT,
        renewal_term_months=12,
        notice_period_days=90,
        on=D(2024, 6, 15),
        decision_buffer_days=30,
    )

    assert dates.decision_due == D(2024, 9, 2)


# --- Contracts whose dates fall due soon ----------------------------------------------------


TODAY = D(2026, 3, 2)


@pytest.mark.django_db
def test_contracts_with_upcoming_dates_finds_notice_and_end_within_the_window(manager, vendor_a, vendor_b):
    # Tacit, yearly, 90 days: the current term ends on 31 Jul 2026, outside the window.
    tacit = factories.ContractFactory(
        vendor=vendor_a,
        reference="TACIT",
        start_date=D(2023, 8, 1),
        initial_term_end=D(2024, 7, 31),
        renewal_type=TACIT,
        notice_period_days=90,
    )
    factories.ContractFactory(
        vendor=vendor_b, reference="ENDING", initial_term_end=D(2026, 4, 30), renewal_type=NONE
    )
    factories.ContractFactory(vendor=vendor_b, reference="LATER", initial_term_end=D(2027, 12, 31))
    factories.ContractFactory(
        vendor=vendor_b,
        reference="ENDED",
        initial_term_end=D(2026, 2, 27),
        renewal_type=EXPRESS,
        status=ContractStatus.ACTIVE,
    )
    factories.ContractFactory(
        vendor=vendor_a, reference="DRAFT", initial_term_end=D(2026, 4, 30), status=ContractStatus.DRAFT
    )

    upcoming = contracts_with_upcoming_dates(user=manager, today=TODAY)

    assert [(u.contract.reference, u.notice_due, u.end_due) for u in upcoming] == [
        ("ENDING", False, True),
        ("TACIT", True, False),
    ]
    # 31 Jul 2026 less 90 days is Saturday 2 May 2026, moved to Friday 1 May.
    assert upcoming[1].dates.upcoming_notice_deadline == D(2026, 5, 1)
    assert upcoming[1].next_date == D(2026, 5, 1)
    assert upcoming[0].next_date == D(2026, 4, 30)
    assert tacit.pk == upcoming[1].contract.pk


@pytest.mark.django_db
def test_contracts_with_upcoming_dates_is_scoped_to_the_vendor(vendor_a_user, vendor_a, vendor_b):
    factories.ContractFactory(vendor=vendor_a, reference="MINE", initial_term_end=D(2026, 4, 30))
    factories.ContractFactory(vendor=vendor_b, reference="THEIRS", initial_term_end=D(2026, 4, 30))

    upcoming = contracts_with_upcoming_dates(user=vendor_a_user, today=TODAY, within_days=60)

    assert [u.contract.reference for u in upcoming] == ["MINE"]


@pytest.mark.django_db
def test_contracts_with_upcoming_dates_runs_one_query(manager, django_assert_num_queries):
    for n in range(5):
        factories.ContractFactory(reference=f"C-{n}", initial_term_end=D(2026, 4, 1 + n), renewal_type=TACIT)

    with django_assert_num_queries(1):
        upcoming = contracts_with_upcoming_dates(user=manager, today=TODAY)
        names = [u.contract.vendor.name for u in upcoming]

    assert len(names) == 5
