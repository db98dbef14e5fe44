"""The escalation scan: issues opened for unanswered breaches and overdue findings, each step up a path
taken exactly once, on time, and caught up after downtime; resolution stops the clock."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from contracts.models import NoticeReminder, ReminderStatus, RenewalChoice, RenewalDecision
from governance import tasks
from governance.models import (
    FindingStatus,
    Issue,
    IssueEscalation,
    IssueOrigin,
    IssueStatus,
)
from governance.services.escalation import run_escalations
from governance.services.issues import issue_escalate, issue_resolve
from kpis.models import BreachStatus, Dispute
from tests import factories
from tests.concurrency import in_threads
from tests.factories_issues import NOW, FindingFactory, IssueFactory, path_with_levels

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def path(vendor_a):
    """Acme's path: level 1 for 8 hours, level 2 for 24 hours, level 3 (the last) for 72 hours."""
    return path_with_levels(vendor=vendor_a, hours=(8, 24, 72), name="Acme escalation")


@pytest.fixture
def issue(vendor_a, path):
    return IssueFactory(vendor=vendor_a, path=path)


def escalated_events(issue):
    return AuditEvent.objects.filter(
        action="governance.issue.escalated", object_type="governance.issue", object_id=str(issue.pk)
    ).order_by("id")


def steps_of(issue):
    return list(issue.escalations.order_by("level").values_list("level", "escalated_at", "automatic"))


def _breach(vendor, **fields):
    contract = factories.SOWFactory(vendor=vendor)
    service_level = factories.ServiceLevelFactory(contract=contract)
    fields.setdefault("response_due_at", NOW - 2 * HOUR)
    return factories.BreachFactory(service_level=service_level, **fields)


# ---- The clock, as time passes -----------------------------------------------------------------------


def test_an_issue_climbs_two_levels_on_its_own_as_time_passes(issue, manager):
    with time_machine.travel(NOW + 7 * HOUR, tick=False):
        tasks.run_escalations()
    issue.refresh_from_db()
    assert issue.level == 1

    with time_machine.travel(NOW + 8 * HOUR, tick=False):
        assert tasks.run_escalations() == {"opened": 0, "resolved": 0, "escalated": 1}
    issue.refresh_from_db()
    assert (issue.level, issue.level_started_at) == (2, NOW + 8 * HOUR)

    with time_machine.travel(NOW + 31 * HOUR, tick=False):
        tasks.run_escalations()
    issue.refresh_from_db()
    assert issue.level == 2

    with time_machine.travel(NOW + 32 * HOUR, tick=False):
        tasks.run_escalations()
    issue.refresh_from_db()
    assert (issue.level, issue.level_started_at) == (3, NOW + 32 * HOUR)

    # The last level has no further step, however long the issue stays open.
    with time_machine.travel(NOW + 1000 * HOUR, tick=False):
        assert tasks.run_escalations()["escalated"] == 0
    issue.refresh_from_db()
    assert issue.level == 3
    assert steps_of(issue) == [(2, NOW + 8 * HOUR, True), (3, NOW + 32 * HOUR, True)]
    events = escalated_events(issue)
    assert [e.changes for e in events] == [{"level": [1, 2]}, {"level": [2, 3]}]
    assert all(e.actor is None and e.vendor_id == issue.vendor_id for e in events)


def test_resolution_stops_the_clock(issue, manager):
    issue_resolve(issue=issue, actor=manager, resolution="Desk routing fixed.", now=NOW + 5 * HOUR)

    with time_machine.travel(NOW + 100 * HOUR, tick=False):
        assert tasks.run_escalations()["escalated"] == 0

    issue.refresh_from_db()
    assert (issue.status, issue.level) == (IssueStatus.RESOLVED, 1)
    assert not issue.escalations.exists()
    assert not escalated_events(issue).exists()


def test_a_scan_after_downtime_catches_up_step_by_step(issue):
    # Nothing ran for 40 hours: level 1 ran out at +8h, level 2 at +8h+24h = +32h.
    result = run_escalations(now=NOW + 40 * HOUR)

    assert result["escalated"] == 2
    issue.refresh_from_db()
    assert (issue.level, issue.level_started_at) == (3, NOW + 32 * HOUR)
    assert steps_of(issue) == [(2, NOW + 8 * HOUR, True), (3, NOW + 32 * HOUR, True)]
    assert [e.changes for e in escalated_events(issue)] == [{"level": [1, 2]}, {"level": [2, 3]}]
    assert "ran out on 10 Apr 2026 17:00" in escalated_events(issue).first().note


def test_a_scan_after_downtime_stops_where_the_time_runs_out(issue):
    run_escalations(now=NOW + 20 * HOUR)

    issue.refresh_from_db()
    assert (issue.level, issue.level_started_at) == (2, NOW + 8 * HOUR)


def test_running_twice_changes_nothing_more(issue, vendor_a):
    _breach(vendor_a)
    first = run_escalations(now=NOW + 40 * HOUR)
    events = AuditEvent.objects.count()

    second = run_escalations(now=NOW + 40 * HOUR)

    assert first["escalated"] >= 2 and first["opened"] == 1
    assert second == {"opened": 0, "resolved": 0, "escalated": 0}
    assert AuditEvent.objects.count() == events


def test_an_issue_without_a_path_stays_at_level_one(vendor_a):
    issue = IssueFactory(vendor=vendor_a, path=None)

    run_escalations(now=NOW + 1000 * HOUR)

    issue.refresh_from_db()
    assert issue.level == 1


def test_a_hand_escalation_restarts_the_clock_for_the_next_level(issue, manager):
    issue_escalate(
        issue=issue, actor=manager, from_level=issue.level, note="Customer-facing outage.", now=NOW + 2 * HOUR
    )

    run_escalations(now=NOW + 25 * HOUR)  # level 2's 24 hours end at +26h
    issue.refresh_from_db()
    assert (issue.level, issue.level_started_at) == (2, NOW + 2 * HOUR)

    run_escalations(now=NOW + 26 * HOUR)
    issue.refresh_from_db()
    assert issue.level == 3
    assert steps_of(issue) == [(2, NOW + 2 * HOUR, False), (3, NOW + 26 * HOUR, True)]


# ---- Breaches left without a response ------------------------------------------------------------------


def test_an_unanswered_breach_opens_one_issue_on_the_contract_path(vendor_a, path):
    breach = _breach(vendor_a, severity="high")
    contract_path = path_with_levels(
        vendor=vendor_a, contract=breach.service_level.contract, hours=(4, 8), name="SOW path"
    )
    not_due = _breach(vendor_a, response_due_at=NOW + HOUR)
    answered = _breach(vendor_a, status=BreachStatus.ACTION_PLANNED)
    disputed = _breach(vendor_a)
    Dispute.objects.create(breach=disputed, vendor=vendor_a, reason="Planned maintenance.")

    assert run_escalations(now=NOW)["opened"] == 1
    assert run_escalations(now=NOW)["opened"] == 0

    issue = Issue.objects.get()
    assert issue.breach == breach
    assert (issue.origin, issue.severity, issue.raised_side) == (IssueOrigin.BREACH, "high", "internal")
    assert issue.path == contract_path
    assert issue.contract == breach.service_level.contract
    # The clock runs from the missed deadline.
    assert (issue.level, issue.level_started_at, issue.raised_at) == (1, breach.response_due_at, NOW)
    raised = AuditEvent.objects.filter(action="governance.issue.raised")
    assert raised.count() == 1
    assert raised.get().vendor_id == vendor_a.pk
    for other in (not_due, answered, disputed):
        other.refresh_from_db()
        assert not Issue.objects.filter(breach=other).exists()


def test_an_acknowledged_breach_still_awaits_a_response(vendor_a, path):
    breach = _breach(vendor_a, status=BreachStatus.ACKNOWLEDGED)

    run_escalations(now=NOW)

    assert Issue.objects.get().breach == breach
    assert Issue.objects.get().path == path


def test_without_own_path_the_tier_default_applies(vendor_b):
    tier_path = path_with_levels(vendor=None, tier=vendor_b.tier, hours=(24,), name="Tier default")
    _breach(vendor_b)

    run_escalations(now=NOW)

    assert Issue.objects.get().path == tier_path


def test_a_late_breach_issue_escalates_from_the_missed_deadline(vendor_a, path):
    breach = _breach(vendor_a, response_due_at=NOW - 10 * HOUR)

    run_escalations(now=NOW)

    issue = Issue.objects.get(breach=breach)
    assert (issue.level, issue.level_started_at) == (2, NOW - 2 * HOUR)


def test_the_issue_closes_itself_once_the_vendor_responds(vendor_a, path, vendor_a_user):
    breach = _breach(vendor_a)
    run_escalations(now=NOW)
    Issue.objects.filter(breach=breach).update(level_started_at=NOW)
    breach.status, breach.responded_at = BreachStatus.ACTION_PLANNED, NOW + HOUR
    breach.save(update_fields=["status", "responded_at"])

    result = run_escalations(now=NOW + 9 * HOUR)

    issue = Issue.objects.get(breach=breach)
    assert result["resolved"] == 1 and result["escalated"] == 0
    assert (issue.status, issue.level, issue.resolved_at) == (IssueStatus.RESOLVED, 1, NOW + 9 * HOUR)
    assert "the vendor responded to the breach on 10 Apr 2026 10:00" in issue.resolution
    assert AuditEvent.objects.filter(action="governance.issue.resolved", object_id=str(issue.pk)).count() == 1
    assert run_escalations(now=NOW + 9 * HOUR) == {"opened": 0, "resolved": 0, "escalated": 0}


# ---- Overdue audit findings ----------------------------------------------------------------------------


def test_an_overdue_finding_opens_one_issue_and_is_flagged_once(vendor_a, path):
    finding = FindingFactory(audit__vendor=vendor_a, due_on=dt.date(2026, 4, 8))
    FindingFactory(audit__vendor=vendor_a, due_on=dt.date(2026, 4, 10))  # due today: not overdue yet
    FindingFactory(audit__vendor=vendor_a, due_on=dt.date(2026, 4, 1), status=FindingStatus.REMEDIATED)

    assert run_escalations(now=NOW)["opened"] == 1
    run_escalations(now=NOW)

    issue = Issue.objects.get()
    assert (issue.finding, issue.origin, issue.vendor) == (finding, IssueOrigin.FINDING, vendor_a)
    assert issue.path == path
    # Level 1 began when the due day ended (9 Apr 00:00); it climbed at 08:00 and again 24 hours later.
    assert (issue.level, issue.level_started_at) == (3, dt.datetime(2026, 4, 10, 8, tzinfo=dt.UTC))
    overdue = AuditEvent.objects.filter(action="governance.finding.overdue")
    assert list(overdue.values_list("object_id", "vendor_id")) == [(str(finding.pk), vendor_a.pk)]


def test_a_remediated_finding_closes_its_issue(vendor_a, path):
    finding = FindingFactory(audit__vendor=vendor_a, due_on=dt.date(2026, 4, 8))
    run_escalations(now=NOW)
    finding.status = FindingStatus.REMEDIATED
    finding.save(update_fields=["status"])

    assert run_escalations(now=NOW + HOUR)["resolved"] == 1
    assert Issue.objects.get().status == IssueStatus.RESOLVED


# ---- Cost ----------------------------------------------------------------------------------------------


def _scan_queries(now) -> int:
    with CaptureQueriesContext(connection) as queries:
        run_escalations(now=now)
    return len(queries)


def _load(vendor, path, count):
    for _ in range(count):
        IssueFactory(vendor=vendor, path=path)
        _breach(vendor)
        FindingFactory(audit__vendor=vendor, due_on=dt.date(2026, 4, 1))


def test_a_scan_costs_the_same_number_of_queries_for_few_or_many_issues(vendor_a, vendor_b, path):
    other_path = path_with_levels(vendor=vendor_b, hours=(2, 3))
    _load(vendor_a, path, 2)
    few = _scan_queries(NOW + 40 * HOUR)
    _load(vendor_b, other_path, 6)
    _load(vendor_a, path, 4)
    many = _scan_queries(NOW + 80 * HOUR)

    assert Issue.objects.count() == 36
    assert IssueEscalation.objects.filter(issue__vendor=vendor_b).count() == 6 * 3
    assert many == few


# ---- Concurrent scans (PostgreSQL) ---------------------------------------------------------------------

THREADS = 4


def _state() -> dict:
    issues = list(
        Issue.objects.order_by("vendor_id", "breach_id", "finding_id", "title").values(
            "vendor_id", "breach_id", "finding_id", "title", "level", "level_started_at", "status", "path_id"
        )
    )
    steps = list(
        IssueEscalation.objects.order_by("issue__title", "level").values_list(
            "issue__title", "level", "escalated_at"
        )
    )
    events = sorted(
        AuditEvent.objects.filter(action__startswith="governance.").values_list(
            "action", "object_repr", "changes"
        ),
        key=repr,
    )
    return {"issues": issues, "steps": steps, "events": events}


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrent scans need PostgreSQL row locks (set DATABASE_URL to a PostgreSQL database).",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_take_each_step_once_and_end_like_one_scan(vendor_a, vendor_b):
    path_a = path_with_levels(vendor=vendor_a, hours=(8, 24, 72))
    path_b = path_with_levels(vendor=vendor_b, hours=(2, 3))
    _load(vendor_a, path_a, 5)
    _load(vendor_b, path_b, 5)
    later = NOW + 40 * HOUR

    with transaction.atomic():
        run_escalations(now=later)
        expected = _state()
        transaction.set_rollback(True)
    assert not IssueEscalation.objects.exists()
    assert expected["steps"]

    runs = in_threads(lambda: run_escalations(now=later))

    assert _state() == expected
    assert sum(run["opened"] for run in runs) == 20
    assert sum(run["escalated"] for run in runs) == len(expected["steps"])
    # A second round of concurrent scans at the same moment finds nothing left to do.
    again = in_threads(lambda: run_escalations(now=later))
    assert again == [{"opened": 0, "resolved": 0, "escalated": 0}] * THREADS
    assert _state() == expected


# ---- Renewal decisions nobody took --------------------------------------------------------------------


def _escalated_reminder(contract, *, sent_at):
    return NoticeReminder.objects.create(
        contract=contract,
        term_end=dt.date(2026, 6, 30),
        notice_deadline=dt.date(2026, 4, 13),
        stage="escalation",
        due_on=dt.date(2026, 4, 10),
        status=ReminderStatus.SENT,
        sent_at=sent_at,
    )


def test_a_term_nobody_decided_on_climbs_the_contracts_path_until_decided(vendor_a, path, manager):
    contract = factories.SOWFactory(vendor=vendor_a)
    contract_path = path_with_levels(vendor=vendor_a, contract=contract, hours=(4, 8), name="SOW path")
    reminder = _escalated_reminder(contract, sent_at=NOW)
    # A stage that is not the escalation one, or a term already decided, opens nothing.
    NoticeReminder.objects.create(
        contract=contract,
        term_end=reminder.term_end,
        notice_deadline=reminder.notice_deadline,
        stage="30",
        due_on=dt.date(2026, 3, 14),
        status=ReminderStatus.SENT,
        sent_at=NOW - timedelta(days=27),
    )

    assert run_escalations(now=NOW + HOUR)["opened"] == 1
    issue = Issue.objects.get(notice_reminder=reminder)
    assert (issue.origin, issue.contract, issue.path, issue.level) == (
        IssueOrigin.NOTICE,
        contract,
        contract_path,
        1,
    )
    assert contract.reference in issue.title
    assert run_escalations(now=NOW + HOUR)["opened"] == 0

    run_escalations(now=NOW + 5 * HOUR)
    issue.refresh_from_db()
    assert issue.level == 2

    RenewalDecision.objects.create(
        contract=contract,
        term_number=1,
        term_end=reminder.term_end,
        notice_deadline=reminder.notice_deadline,
        decision=RenewalChoice.RENEGOTIATE,
        rationale="Scope moves to the new MSA.",
        decided_by=manager,
    )
    assert run_escalations(now=NOW + 6 * HOUR)["resolved"] == 1
    issue.refresh_from_db()
    assert issue.status == IssueStatus.RESOLVED
    assert "renegotiate" in issue.resolution
    assert run_escalations(now=NOW + 30 * HOUR) == {"opened": 0, "resolved": 0, "escalated": 0}


def test_a_decided_term_opens_no_issue(vendor_a, path, manager):
    contract = factories.SOWFactory(vendor=vendor_a)
    reminder = _escalated_reminder(contract, sent_at=NOW)
    RenewalDecision.objects.create(
        contract=contract,
        term_number=1,
        term_end=reminder.term_end,
        notice_deadline=reminder.notice_deadline,
        decision=RenewalChoice.RENEW,
        rationale="Performing well.",
        decided_by=manager,
    )
    assert run_escalations(now=NOW + HOUR)["opened"] == 0
    assert not Issue.objects.filter(origin=IssueOrigin.NOTICE).exists()
