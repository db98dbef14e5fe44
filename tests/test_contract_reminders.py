"""Staged notice reminders: each stage once per term, catch-up after downtime, decisions and snoozes."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from contracts.models import NoticeReminder, ReminderStatus, RenewalChoice, RenewalDecision, RenewalType
from contracts.services import (
    reminders_snooze,
    renewal_decide,
    send_contract_reminders,
    upcoming_term,
)
from tests import factories

pytestmark = pytest.mark.django_db

# A 3-year initial term from 1 Jan 2026 renewing tacitly by the year with 3 months' (90 days') notice:
# the first term ends 31 Dec 2028, its notice deadline is 2 Oct 2028 (a Monday).
DEADLINE = dt.date(2028, 10, 2)


def at(day: dt.date, hour: int = 7):
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def days_before(days: int) -> dt.date:
    return DEADLINE - dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"
    settings.CONTRACT_REMINDER_STAGES = [90, 60, 30, 7]
    settings.CONTRACT_REMINDER_ESCALATION_DAYS = 3


@pytest.fixture
def contract(manager, vendor_a):
    return factories.ContractFactory(
        vendor=vendor_a,
        owner=manager,
        reference="MSA-REM",
        start_date=dt.date(2026, 1, 1),
        initial_term_end=dt.date(2028, 12, 31),
        renewal_type=RenewalType.TACIT,
        renewal_term_months=12,
        notice_period_days=90,
    )


def run_on(day: dt.date):
    with time_machine.travel(at(day), tick=False):
        return send_contract_reminders(now=timezone.now())


def ledger(contract) -> dict[str, str]:
    return dict(NoticeReminder.objects.filter(contract=contract).values_list("stage", "status"))


def test_upcoming_term_is_the_one_whose_notice_deadline_is_next(contract):
    term = upcoming_term(contract, today=dt.date(2028, 9, 1))
    assert (term.term_number, term.term_end, term.notice_deadline) == (1, dt.date(2028, 12, 31), DEADLINE)
    # Past this term's deadline, the next term's deadline is the one ahead (2 Oct 2029 is a Tuesday).
    term = upcoming_term(contract, today=dt.date(2028, 10, 3))
    assert (term.term_number, term.term_end, term.notice_deadline) == (
        2,
        dt.date(2029, 12, 31),
        dt.date(2029, 10, 2),
    )


def test_nothing_before_the_first_stage(contract):
    assert run_on(days_before(91)).sent == []
    assert mail.outbox == []
    assert not NoticeReminder.objects.exists()


def test_each_stage_goes_out_once_however_often_the_schedule_runs(contract, manager):
    for days in (90, 60, 30, 7):
        for hour in (6, 7, 18):
            with time_machine.travel(at(days_before(days), hour), tick=False):
                send_contract_reminders(now=timezone.now())
        # Every day in between too: nothing new.
        run_on(days_before(days) + dt.timedelta(days=1))
    assert len(mail.outbox) == 4
    assert [m.to for m in mail.outbox] == [[manager.email]] * 4
    assert "90 days" in mail.outbox[0].subject and "MSA-REM" in mail.outbox[0].subject
    assert "2 October 2028" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert ledger(contract) == dict.fromkeys(("90", "60", "30", "7"), ReminderStatus.SENT)
    events = AuditEvent.objects.filter(
        action="contracts.contract.notice_reminder", object_id=str(contract.pk)
    )
    assert sorted(events.values_list("note", flat=True)) == ["30", "60", "7", "90"]
    assert all(events.values_list("internal_only", flat=True))


def test_escalation_reaches_the_vendor_owner_and_managers_when_nobody_decided(contract, manager, vendor_a):
    vendor_owner = factories.InternalUserFactory(email="owner@portal.test")
    vendor_a.internal_owner = vendor_owner
    vendor_a.save()
    other_manager = factories.InternalUserFactory(email="second@portal.test", role=Role.MANAGER)
    factories.InternalUserFactory(email="viewer2@portal.test", role=Role.VIEWER)
    run_on(days_before(7))
    mail.outbox.clear()
    run_on(days_before(3))
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {manager.email, vendor_owner.email, other_manager.email}
    assert mail.outbox[0].subject.startswith("Escalation")
    assert ledger(contract)["escalation"] == ReminderStatus.SENT
    run_on(days_before(1))
    run_on(DEADLINE)
    assert len(mail.outbox) == 1


def test_a_week_of_downtime_sends_only_the_latest_missed_stage(contract):
    run_on(days_before(90))
    # Down from 65 days before to 25 days before: the 60- and 30-day stages fell due meanwhile.
    sent = run_on(days_before(25))
    assert len(sent.sent) == 1 and sent.skipped == 1
    assert len(mail.outbox) == 2
    assert "30 days" not in mail.outbox[1].subject  # the subject counts the days actually left
    assert "25 days" in mail.outbox[1].subject
    assert ledger(contract) == {"90": "sent", "60": "skipped", "30": "sent"}
    assert NoticeReminder.objects.get(contract=contract, stage="30").due_on == days_before(30)
    run_on(days_before(24))
    assert len(mail.outbox) == 2


def test_first_run_late_in_the_cycle_sends_one_reminder(contract):
    run_on(days_before(5))
    assert len(mail.outbox) == 1
    assert ledger(contract) == {"90": "skipped", "60": "skipped", "30": "skipped", "7": "sent"}


def test_a_decision_stops_the_reminders_for_its_term_only(contract, manager):
    run_on(days_before(90))
    with time_machine.travel(at(days_before(80)), tick=False):
        decision = renewal_decide(
            contract=contract, actor=manager, decision=RenewalChoice.RENEGOTIATE, rationale="Prices too high."
        )
    assert (decision.term_number, decision.term_end) == (1, dt.date(2028, 12, 31))
    for days in (60, 30, 7, 3):
        run_on(days_before(days))
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action="contracts.contract.renewal_decided")
    assert event.changes["decision"] == [None, "renegotiate"] and event.internal_only
    # The next term (deadline 2 Oct 2029) is reminded again.
    run_on(dt.date(2029, 10, 2) - dt.timedelta(days=90))
    assert len(mail.outbox) == 2
    assert NoticeReminder.objects.filter(
        contract=contract, term_end=dt.date(2029, 12, 31), stage="90"
    ).exists()


def test_one_decision_per_term_and_a_rationale(contract, manager, vendor_a_user):
    with time_machine.travel(at(days_before(80)), tick=False):
        with pytest.raises(ValidationError) as error:
            renewal_decide(contract=contract, actor=manager, decision="renew", rationale="  ")
        assert "rationale" in error.value.message_dict
        with pytest.raises(PermissionDenied):
            renewal_decide(contract=contract, actor=vendor_a_user, decision="renew", rationale="Yes.")
        renewal_decide(contract=contract, actor=manager, decision="renew", rationale="Good value.")
        with pytest.raises(ValidationError):
            renewal_decide(contract=contract, actor=manager, decision="terminate", rationale="Changed mind.")
    assert RenewalDecision.objects.count() == 1


def test_snooze_holds_reminders_then_sends_the_latest_due_stage_once(contract, manager):
    run_on(days_before(90))
    with time_machine.travel(at(days_before(70)), tick=False):
        reminders_snooze(contract=contract, actor=manager, until=days_before(20))
    for days in (60, 30, 21, 20):
        run_on(days_before(days))
    assert len(mail.outbox) == 1
    run_on(days_before(19))
    assert len(mail.outbox) == 2
    assert ledger(contract) == {"90": "sent", "60": "skipped", "30": "sent"}
    assert AuditEvent.objects.filter(
        action="contracts.contract.updated", changes__has_key="reminders_snoozed_until"
    ).exists()


def test_snooze_cannot_pass_the_notice_deadline(contract, manager):
    with time_machine.travel(at(days_before(70)), tick=False), pytest.raises(ValidationError) as error:
        reminders_snooze(contract=contract, actor=manager, until=DEADLINE)
    assert "until" in error.value.message_dict


def test_contracts_without_renewal_or_not_active_get_no_reminders(manager, vendor_a):
    factories.ContractFactory(
        vendor=vendor_a, owner=manager, renewal_type=RenewalType.NONE, initial_term_end=dt.date(2028, 12, 31)
    )
    factories.ContractFactory(
        vendor=vendor_a,
        owner=manager,
        status="draft",
        renewal_type=RenewalType.TACIT,
        initial_term_end=dt.date(2028, 12, 31),
    )
    run_on(days_before(10))
    assert mail.outbox == []


def test_express_renewal_is_reminded_before_it_lapses(manager, vendor_a):
    factories.ContractFactory(
        vendor=vendor_a,
        owner=manager,
        renewal_type=RenewalType.EXPRESS,
        initial_term_end=dt.date(2028, 12, 31),
        notice_period_days=90,
    )
    run_on(days_before(30))
    assert len(mail.outbox) == 1
    assert "lapses" in mail.outbox[0].body


def test_without_owner_the_vendor_owner_is_reminded(contract, vendor_a):
    vendor_owner = factories.InternalUserFactory(email="owner@portal.test")
    vendor_a.internal_owner = vendor_owner
    vendor_a.save()
    contract.owner = None
    contract.save()
    run_on(days_before(60))
    assert mail.outbox[0].to == [vendor_owner.email]


def test_a_failed_send_is_retried_on_the_next_run(contract, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    original = EmailMultiAlternatives.send

    def broken(self, *args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    run = run_on(days_before(60))
    assert len(run.failed) == 1 and mail.outbox == []
    assert NoticeReminder.objects.get(stage="60").status == ReminderStatus.FAILED
    monkeypatch.setattr(EmailMultiAlternatives, "send", original)
    run_on(days_before(59))
    assert len(mail.outbox) == 1
    assert NoticeReminder.objects.get(stage="60").status == ReminderStatus.SENT


def test_the_contract_page_shows_the_stages_and_takes_a_decision(client_for, manager, contract):
    run_on(days_before(60))
    with time_machine.travel(at(days_before(50)), tick=False):
        client = client_for(manager)
        page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
        assert "Renewal and notice reminders" in page
        assert "2 October 2028" in page
        response = client.post(
            reverse("contracts:renewal_decide", args=[contract.pk]),
            {"decision": "terminate", "rationale": "Moving the service in-house."},
        )
        assert response.status_code == 302
        assert RenewalDecision.objects.get(contract=contract).decision == "terminate"
        page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
        assert "Moving the service in-house." in page


def test_vendor_users_never_see_the_renewal_panel_or_decide(client_for, vendor_a_user, contract):
    client = client_for(vendor_a_user)
    page = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert "Renewal and notice reminders" not in page
    response = client.post(
        reverse("contracts:renewal_decide", args=[contract.pk]), {"decision": "renew", "rationale": "x"}
    )
    assert response.status_code == 403
    assert not RenewalDecision.objects.exists()


def test_the_task_runs_the_service(contract):
    from contracts.tasks import send_contract_reminders as task

    with time_machine.travel(at(days_before(30)), tick=False):
        assert task() == {"sent": 1, "skipped": 2, "failed": 0}
