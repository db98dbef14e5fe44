"""Concurrent clicks on the same step apply once (PostgreSQL row locks): one award, one submitted sheet."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import AuditEvent, Role
from contracts.models import Contract
from selection import services
from selection.models import Evaluator
from tests import factories
from tests.concurrency import in_threads
from tests.factories_selection import candidates_of, make_event, score
from vendors.models import Vendor

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent steps need PostgreSQL: SQLite serialises whole-database writes.",
    ),
    pytest.mark.django_db(transaction=True),
]
THREADS = 4


def race(target, count=THREADS) -> list:
    """Call ``target`` from ``count`` threads released together; each returns its result or its refusal."""
    return in_threads(target, count, refusals=(ValidationError,))


def test_concurrent_awards_create_one_vendor_and_one_contract(manager):
    eva = factories.InternalUserFactory(role=Role.VIEWER)
    event = make_event(owner=manager, prospects=["Northwind Test"], evaluators=[eva])
    [prospect] = candidates_of(event)
    score(event, eva, {prospect: [4, 4, 4]})
    decision = services.decision_record(
        event=event, actor=manager, candidate=prospect, rationale="Only bid.", approvers=[eva]
    )
    services.approval_answer(approval=decision.approvals.get(), actor=eva, approve=True)

    outcomes = race(
        lambda: services.event_award(
            event=event,
            actor=manager,
            reference="SD-1",
            title="Service desk",
            contract_type="msa",
            start_date=dt.date(2027, 1, 1),
            initial_term_end=dt.date(2029, 12, 31),
        )
    )

    assert sum(isinstance(o, Contract) for o in outcomes) == 1
    assert Vendor.objects.filter(name="Northwind Test").count() == 1
    assert Contract.objects.filter(reference="SD-1").count() == 1
    assert AuditEvent.objects.filter(action="selection.selectionevent.awarded").count() == 1


def test_a_sheet_submitted_twice_at_once_is_submitted_once(manager, vendor_a):
    eva = factories.InternalUserFactory()
    event = make_event(owner=manager, vendors=[vendor_a], evaluators=[eva])
    [candidate] = candidates_of(event)

    outcomes = race(lambda: score(event, eva, {candidate: [3, 4, 5]}))

    assert sum(isinstance(o, Evaluator) for o in outcomes) == 1
    assert AuditEvent.objects.filter(action="selection.evaluator.submitted").count() == 1
