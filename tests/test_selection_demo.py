"""The demo's service desk re-tender: three candidates and three evaluators who submitted; ready to decide."""

import datetime as dt

import pytest

from portal.demo import data
from portal.demo.selection import TITLE, seed_selection
from selection import rules
from selection.models import Candidate, Commitment, Evaluator, Score, SelectionEvent
from selection.selectors import event_overview
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo_rows(db):
    people = {
        email: factories.InternalUserFactory(email=email, full_name=name, role=role)
        for email, name, role, vendor, _title in data.USERS
        if vendor is None
    }
    vendors = {name: factories.VendorFactory(name=name) for name in (data.ACME, data.INITECH)}
    for code in (
        "speed-to-answer",
        "first-contact-resolution",
        "call-abandonment-rate",
        "customer-satisfaction",
    ):
        factories.MetricFactory(
            code=code, name=code, direction="lower" if "speed" in code or "abandon" in code else "higher"
        )
    return people, vendors


def test_the_re_tender_is_ready_for_a_decision(demo_rows):
    people, _vendors = demo_rows

    event = seed_selection(now=NOW)

    assert event.title == TITLE and event.status == "scoring" and event.owner.email == data.MARIA
    assert sorted(c.name for c in event.candidates.all()) == sorted(
        [data.ACME, data.INITECH, "Northwind Service Desk"]
    )
    assert event.evaluators.filter(submitted_at__isnull=False).count() == 3
    overview = event_overview(user=people[data.MARIA], event=event, today=NOW.date())
    assert overview.revealed
    ranking = [
        (row.candidate.name, row.result.median_points, row.result.spread_flagged) for row in overview.ranking
    ]
    # Medians worked out in portal/demo/selection.py: Northwind 77, Acme 74, Initech 70 (49 to 80: flagged).
    assert [(name, str(median)) for name, median, _ in ranking] == [
        ("Northwind Service Desk", "77.00"),
        (data.ACME, "74.00"),
        (data.INITECH, "70.00"),
    ]
    assert [flag for *_, flag in ranking] == [False, False, True]
    assert rules.can_manage(people[data.MARIA], event)
    assert Commitment.objects.filter(candidate__prospect_name="Northwind Service Desk").count() == 3


def test_seeding_twice_creates_nothing(demo_rows):
    seed_selection(now=NOW)
    counts = [m.objects.count() for m in (SelectionEvent, Candidate, Commitment, Evaluator, Score)]

    again = seed_selection(now=NOW)

    assert again.title == TITLE
    assert [m.objects.count() for m in (SelectionEvent, Candidate, Commitment, Evaluator, Score)] == counts


def test_seeding_is_skipped_without_the_demo_people(db):
    assert seed_selection(now=NOW) is None
    assert not SelectionEvent.objects.exists()
