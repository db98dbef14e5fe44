"""Notifications derived from the audit trail and from time passing: the right people, once each."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from accounts.models import AuditEvent, Role
from contracts.models import RenewalType
from kpis.models import BreachKind, BreachStatus, Dispute, MeasurementStatus
from notifications.models import Notification, SendStatus
from notifications.services.alerts import alerts_send
from notifications.services.due import notifications_scan_due
from notifications.services.events import notifications_scan
from tests import factories
from tests import factories_notifications as nf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        yield


def recipients(kind=None, **filters):
    rows = Notification.objects.filter(**filters)
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("recipient__email", flat=True))


def breach_of(side, **fields):
    fields.setdefault("opened_at", NOW - timedelta(hours=1))
    return factories.BreachFactory(service_level=side.service_level, **fields)


def test_a_new_breach_reaches_the_managers_and_the_vendors_own_users_once(
    portfolio, manager, vendor_a_user, vendor_a_admin, vendor_b_user, viewer, auditor
):
    breach = breach_of(portfolio.a)
    nf.trail(breach, "kpis.breach.opened", note="Attained 97 against minimum 98 (expected 99.5).")

    assert notifications_scan() == 3
    # The vendor has no owner, so every manager hears of it; viewers and auditors do not.
    assert recipients("breach_opened") == [vendor_a_admin.email, manager.email, vendor_a_user.email]
    row = Notification.objects.get(recipient=vendor_a_user)
    assert row.title == f"New breach: Service availability on {portfolio.a.sow.reference}, March 2026"
    assert row.url == f"/breaches/{breach.pk}/"
    assert row.body == "Attained 97 against minimum 98 (expected 99.5)."
    assert row.vendor_id == portfolio.a.vendor.pk and row.read_at is None

    # The next scan reads the overlap window again: nothing new.
    assert notifications_scan(now=NOW + timedelta(minutes=1)) == 0
    assert Notification.objects.count() == 3


def test_the_vendors_internal_owner_hears_instead_of_every_manager(portfolio, manager, vendor_a_user):
    owner = factories.InternalUserFactory(email="owner@portal.test")
    portfolio.a.vendor.internal_owner = owner
    portfolio.a.vendor.save(update_fields=["internal_owner"])
    nf.trail(breach_of(portfolio.a), "kpis.breach.opened")

    notifications_scan()

    assert recipients() == [owner.email, vendor_a_user.email]


def test_internal_only_rows_never_reach_vendor_users_and_the_actor_is_not_told(
    portfolio, manager, vendor_a_user
):
    issue = nf.IssueFactory(vendor=portfolio.a.vendor)
    nf.trail(issue, "governance.issue.escalated", changes={"level": [1, 2]}, internal_only=True)
    nf.trail(issue, "governance.issue.raised", actor=vendor_a_user)

    notifications_scan()

    escalated = Notification.objects.get(kind="issue_escalated")
    assert escalated.recipient == manager
    assert escalated.title == f"Issue escalated to level 2: {issue.title}"
    # The vendor user raised the issue: only the manager is told.
    assert recipients("issue_raised") == [manager.email]


def test_another_vendors_users_never_hear_of_it(portfolio, vendor_a_user, vendor_b_user):
    nf.trail(breach_of(portfolio.b), "kpis.breach.opened")
    nf.trail(
        factories.BreachFactory(
            service_level=portfolio.a.service_level,
            period_start=dt.date(2026, 2, 1),
            period_end=dt.date(2026, 2, 28),
        ),
        "kpis.breach.more_info_requested",
    )

    notifications_scan()

    assert not Notification.objects.filter(recipient=vendor_a_user, vendor=portfolio.b.vendor).exists()
    assert not Notification.objects.filter(recipient=vendor_b_user, vendor=portfolio.a.vendor).exists()
    assert recipients(recipient=vendor_b_user) == [vendor_b_user.email]


def test_an_unreported_period_reads_as_figures_not_reported(portfolio, vendor_a_user):
    nf.trail(breach_of(portfolio.a, kind=BreachKind.NOT_REPORTED), "kpis.breach.opened")

    notifications_scan()

    row = Notification.objects.get(recipient=vendor_a_user)
    assert row.kind == "report_late" and row.title.startswith("Figures not reported: ")


def test_breaches_of_long_past_periods_are_not_news(portfolio, manager):
    old = breach_of(portfolio.a, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 1, 31))
    nf.trail(old, "kpis.breach.opened")

    assert notifications_scan() == 0


def test_a_dispute_is_one_notification_however_many_rows_record_it(portfolio, manager, vendor_a_user):
    breach = breach_of(portfolio.a)
    dispute = Dispute.objects.create(
        breach=breach, vendor=portfolio.a.vendor, raised_by=vendor_a_user, reason="Planned maintenance."
    )
    nf.trail(dispute, "kpis.dispute.created", actor=vendor_a_user)
    nf.trail(breach, "kpis.breach.disputed", actor=vendor_a_user)

    notifications_scan()

    assert recipients("dispute_raised") == [manager.email]
    assert Notification.objects.get().source_key == f"dispute-{dispute.pk}"


@pytest.mark.parametrize(
    ("action", "vendor_hears", "manager_hears", "auditor_hears"),
    [
        ("governance.review.self_assessment_requested", True, False, False),
        ("governance.review.self_assessed", False, True, False),
        ("governance.review.signed", True, True, False),
    ],
)
def test_review_steps_reach_the_side_that_acts_next(
    portfolio, manager, auditor, vendor_a_user, action, vendor_hears, manager_hears, auditor_hears
):
    review = nf.ReviewFactory(vendor=portfolio.a.vendor)
    nf.trail(review, action)

    notifications_scan()

    heard = set(recipients("review_step"))
    assert (vendor_a_user.email in heard, manager.email in heard, auditor.email in heard) == (
        vendor_hears,
        manager_hears,
        auditor_hears,
    )


def test_overdue_actions_reach_the_vendor_only_when_the_action_is_theirs(portfolio, manager, vendor_a_user):
    theirs = nf.ActionItemFactory(vendor=portfolio.a.vendor, owner_side="vendor")
    ours = nf.ActionItemFactory(vendor=portfolio.a.vendor, owner_side="internal")
    nf.trail(theirs, "governance.actionitem.overdue")
    nf.trail(ours, "governance.actionitem.overdue")

    notifications_scan()

    assert recipients("action_overdue") == [manager.email, manager.email, vendor_a_user.email]
    assert Notification.objects.get(recipient=vendor_a_user).title.endswith(theirs.title)


def test_findings_reach_the_auditors(portfolio, manager, auditor, vendor_a_user):
    finding = nf.FindingFactory(audit=nf.AuditFactory(vendor=portfolio.a.vendor))
    nf.trail(finding, "governance.finding.recorded", actor=auditor)
    nf.trail(finding, "governance.finding.remediated", actor=vendor_a_user)

    notifications_scan()

    assert recipients("finding") == sorted([manager.email, vendor_a_user.email, auditor.email, manager.email])
    remediated = Notification.objects.get(recipient=auditor)
    assert remediated.title.startswith("Remediation reported (high): ")


def test_contract_and_deliverable_codes_are_mapped(portfolio, manager, vendor_a_user):
    contract = portfolio.a.sow
    contract.renewal_type = RenewalType.TACIT
    contract.save(update_fields=["renewal_type"])
    nf.trail(contract, "contracts.contract.notice_reminder", note="60")
    nf.trail(portfolio.a.deliverable, "contracts.deliverable.delivered", actor=vendor_a_user)
    nf.trail(portfolio.a.deliverable, "contracts.deliverable.rejected", actor=manager)

    notifications_scan()

    notice = Notification.objects.get(kind="notice_deadline")
    assert notice.recipient == manager and contract.reference in notice.title and notice.body == "60"
    assert recipients("deliverable") == [manager.email, vendor_a_user.email]


def test_rows_about_deleted_objects_and_unknown_codes_are_ignored(portfolio, manager):
    breach = breach_of(portfolio.a)
    nf.trail(breach, "kpis.breach.opened")
    nf.trail(breach, "kpis.breach.reassessed")
    breach.delete()

    assert notifications_scan() == 0


# ---- Time-based scans ---------------------------------------------------------------------------------


def test_breach_responses_coming_due_and_overdue(portfolio, manager, vendor_a_user):
    breach_of(portfolio.a, response_due_at=NOW + timedelta(hours=20))
    breach_of(
        portfolio.a,
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
        response_due_at=NOW - timedelta(days=2),
    )
    breach_of(
        portfolio.a,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
        status=BreachStatus.RESOLVED,
        closed_at=NOW,
        response_due_at=NOW - timedelta(days=2),
    )

    notifications_scan_due()

    assert recipients("breach_response_due") == [vendor_a_user.email]
    assert recipients("breach_response_overdue") == [manager.email, vendor_a_user.email]
    # Within the scan interval nothing runs; forced, nothing is duplicated.
    assert notifications_scan_due(now=NOW + timedelta(minutes=5)) == 0
    assert notifications_scan_due(now=NOW + timedelta(minutes=5), force=True) == 0


def test_figures_due_for_a_closed_period_still_in_its_grace(portfolio, vendor_a_user, vendor_b_user):
    # March has ended; the 5 grace days run to 5 April, so on 3 April figures are due. Vendor B reported.
    factories.MeasurementFactory(service_level=portfolio.b.service_level, measured_on=dt.date(2026, 3, 31))
    portfolio.a.measurement.delete()
    portfolio.b.service_level.grace_days = portfolio.a.service_level.grace_days = 5
    now = dt.datetime(2026, 4, 3, 9, 0, tzinfo=dt.UTC)

    notifications_scan_due(now=now)

    row = Notification.objects.get(kind="report_due")
    assert row.recipient == vendor_a_user
    assert row.title == (
        f"Figures due by 05 Apr 2026: Service availability on {portfolio.a.sow.reference}, "
        "01 Mar – 31 Mar 2026"
    )


def test_figures_waiting_for_validation_once_per_oldest_figure(portfolio, manager, vendor_a_user):
    first = factories.MeasurementFactory(service_level=portfolio.a.service_level, submitted_by=vendor_a_user)
    factories.MeasurementFactory(
        service_level=portfolio.a.service_level, submitted_by=vendor_a_user, measured_on=dt.date(2026, 3, 16)
    )

    notifications_scan_due()
    assert recipients("validation_waiting") == [manager.email]
    assert Notification.objects.get().body.startswith("2 waiting")

    notifications_scan_due(force=True)  # the same figures still wait: no new notification
    assert Notification.objects.count() == 1

    first.status = MeasurementStatus.VALIDATED
    first.save(update_fields=["status"])
    notifications_scan_due(force=True)  # a new oldest figure waits: the manager is told again
    assert Notification.objects.count() == 2


def test_notice_deadline_reminders_by_stage_unless_the_contract_sent_its_own(portfolio, manager):
    for side in (portfolio.a, portfolio.b):
        side.sow.renewal_type = RenewalType.TACIT
        side.sow.notice_period_days = 90
        side.sow.initial_term_end = dt.date(2026, 7, 31)  # notice by 1 May 2026: 21 days away
        side.sow.save()
    nf.trail(portfolio.b.sow, "contracts.contract.notice_reminder", at=NOW - timedelta(days=40))

    notifications_scan_due()

    row = Notification.objects.get(kind="notice_deadline")
    assert row.vendor_id == portfolio.a.vendor.pk
    assert (
        row.title
        == f"Notice deadline in 21 days (01 May 2026): {portfolio.a.sow.reference} {portfolio.a.sow.title}"
    )
    assert row.source_key == f"notice-{portfolio.a.sow.pk}-2026-05-01-30"


# ---- Immediate e-mails --------------------------------------------------------------------------------


def test_urgent_kinds_are_emailed_straight_away_once(portfolio, manager, vendor_a_user):
    issue = nf.IssueFactory(vendor=portfolio.a.vendor)
    nf.trail(issue, "governance.issue.escalated", changes={"level": [1, 2]})
    nf.trail(breach_of(portfolio.a), "kpis.breach.opened")  # a digest kind by default
    nf.PreferenceFactory(user=vendor_a_user, modes={"issue_escalated": "digest"})

    notifications_scan()
    pending = Notification.objects.filter(email_status=SendStatus.PENDING)
    assert list(pending.values_list("recipient__email", "kind")) == [(manager.email, "issue_escalated")]

    assert alerts_send().sent == 1
    assert alerts_send().sent == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [manager.email]
    assert message.subject == f"Vendor Governance Portal: Issue escalated to level 2: {issue.title}"
    assert "http://localhost:8000/" in message.body
    html = message.alternatives[0][0]
    assert issue.title in html and "Change it" in html


def test_the_scan_reads_only_its_own_actions(portfolio, manager):
    factories.AuditEventFactory(obj=portfolio.a.sow, actor=manager)
    assert notifications_scan() == 0
    assert AuditEvent.objects.exists()


def test_role_helpers_cover_every_role():
    from notifications.kinds import digest_kind_for, kinds_for

    assert digest_kind_for(Role.MANAGER) == "manager" and digest_kind_for(Role.VENDOR_ADMIN) == "vendor"
    assert digest_kind_for(Role.VIEWER) == digest_kind_for(Role.AUDITOR) == "summary"
    assert "validation_waiting" in kinds_for(Role.ADMIN) and "validation_waiting" not in kinds_for(
        Role.VENDOR_USER
    )
    assert kinds_for(Role.VIEWER) == [] and kinds_for(Role.AUDITOR) == ["finding"]
