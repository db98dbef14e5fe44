"""The service level page, the target change (with its what-if preview) and the what-if pages:
who may see and do what, validation, and a change that the engine uses only from its first period."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from kpis import services
from kpis.engine import run_evaluation
from kpis.models import ServiceLevelKind, ServiceLevelResult, ServiceLevelTarget
from tests.factories import SOWFactory
from tests.test_engine import D, at, make_sl, measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def sl(vendor_a):
    contract = SOWFactory(vendor=vendor_a, monthly_charge=D("100000"), at_risk_percent=D("12"))
    service_level = make_sl(
        target="99.5", minimum="99.0", kind=ServiceLevelKind.CSL, allocation="60", contract=contract
    )
    for month, value in enumerate(["99.6", "99.4", "98.8", "99.7", "99.0"], start=1):
        measure(service_level, date(2026, month, 15), value)
    return service_level


@pytest.fixture
def june(time_machine):
    time_machine.move_to(at(2026, 6, 10), tick=False)


def detail(sl):
    return reverse("service_levels:detail", args=[sl.pk])


def change(sl):
    return reverse("targets:change", args=[sl.pk])


def whatif(sl):
    return reverse("whatif:service_level", args=[sl.pk])


def test_the_service_level_page_shows_levels_history_and_results(client_for, manager, sl, june):
    run_evaluation()

    response = client_for(manager).get(detail(sl))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Target history" in body and "Levels agreed at the start" in body
    assert "In force" in body
    assert body.count("badge--outcome-") >= 5
    assert change(sl) in body and whatif(sl) in body
    assert "Pool allocation" in body


def test_vendor_users_see_their_own_history_without_internal_fields(client_for, vendor_a_user, sl, june):
    run_evaluation()

    response = client_for(vendor_a_user).get(detail(sl))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Target history" in body
    assert "Pool allocation" not in body and "7,200" not in body
    assert change(sl) not in body and whatif(sl) not in body


def test_viewers_read_the_page_but_cannot_change_targets(client_for, viewer, sl, june):
    client = client_for(viewer)
    body = client.get(detail(sl)).content.decode()
    assert change(sl) not in body
    assert client.get(change(sl)).status_code == 403
    response = client.post(
        change(sl), {"target": "99", "minimum": "98", "effective_from": "2026-07-01", "reason": "x"}
    )
    assert response.status_code == 403
    assert not ServiceLevelTarget.objects.exists()
    # The what-if writes nothing, so viewers may run it.
    assert client.get(whatif(sl), {"replay": "1", "target": "99"}).status_code == 200


@pytest.mark.parametrize("url", [detail, change, whatif])
def test_another_vendors_user_gets_404(client_for, vendor_b_user, sl, url):
    assert client_for(vendor_b_user).get(url(sl)).status_code == 404


def test_the_vendor_itself_may_not_use_the_change_or_what_if_pages(client_for, vendor_a_user, sl):
    client = client_for(vendor_a_user)
    assert client.get(change(sl)).status_code == 403
    assert client.get(whatif(sl)).status_code == 403
    assert client.get(reverse("whatif:contract", args=[sl.contract_id])).status_code == 403


def test_a_manager_applies_a_change_from_the_next_period(client_for, manager, sl, june):
    response = client_for(manager).post(
        change(sl),
        {
            "target": "99.0",
            "minimum": "98.6",
            "effective_from": "2026-07-01",
            "reason": "Year 2 levels",
            "apply": "1",
        },
    )

    assert response.status_code == 302 and response.url == detail(sl)
    assert list(
        ServiceLevelTarget.objects.filter(service_level=sl).values_list("effective_from", "target", "minimum")
    ) == [
        (date(2026, 1, 1), D("99.5"), D("99.0")),
        (date(2026, 7, 1), D("99.0"), D("98.6")),
    ]
    event = AuditEvent.objects.get(action="kpis.servicelevel.target_changed")
    assert (event.actor, event.note, event.changes["effective_from"]) == (
        manager,
        "Year 2 levels",
        [None, "2026-07-01"],
    )
    body = client_for(manager).get(detail(sl)).content.decode()
    assert "Year 2 levels" in body and "Scheduled" in body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"effective_from": "2026-05-01"}, "effective_from", "Select a valid choice"),
        ({"target": "98", "minimum": "99"}, "minimum", "cannot be above the target"),
        ({"target": "lots"}, "target", "Enter a number"),
        ({"reason": ""}, "reason", "This field is required"),
    ],
)
def test_a_bad_change_shows_field_errors_and_writes_nothing(
    client_for, manager, sl, june, data, field, message
):
    posted = {
        "target": "99",
        "minimum": "98.6",
        "effective_from": "2026-07-01",
        "reason": "Year 2",
        "apply": "1",
    }

    response = client_for(manager).post(change(sl), {**posted, **data})

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not ServiceLevelTarget.objects.exists()
    assert not AuditEvent.objects.filter(action="kpis.servicelevel.target_changed").exists()


def test_the_service_refuses_a_change_reaching_back_before_the_open_period(manager, sl):
    with pytest.raises(ValidationError) as error:
        services.service_level_change_target(
            service_level=sl,
            target="99",
            minimum="98",
            effective_from=date(2026, 5, 1),
            actor=manager,
            now=at(2026, 6, 10),
        )
    assert "never reach back" in error.value.message_dict["effective_from"][0]


def test_preview_shows_the_what_if_and_writes_nothing(client_for, manager, sl, june):
    run_evaluation()
    results = list(ServiceLevelResult.objects.values_list("period_start", "outcome", "target"))

    response = client_for(manager).post(
        change(sl),
        {"target": "99.0", "minimum": "98.6", "effective_from": "2026-07-01", "reason": "", "preview": "1"},
    )

    assert response.status_code == 200
    replay = response.context["replay"]
    [r] = replay.service_levels
    # Jan–May 2026 (May closed on 6 June): 99.6 met; 99.4 warning → met; 98.8 breached → warning;
    # 99.7 met; 99.0 warning → met.
    assert [(row.today.outcome, row.proposal.outcome) for row in r.rows] == [
        ("met", "met"),
        ("warning", "met"),
        ("breached", "warning"),
        ("met", "met"),
        ("warning", "met"),
    ]
    assert (r.today.breaches, r.proposal.breaches, r.today.credits, r.proposal.credits) == (
        1,
        0,
        D("7200"),
        0,
    )
    assert "Preview with what-if" in response.content.decode()
    assert not ServiceLevelTarget.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="kpis.servicelevel").exists()
    assert list(ServiceLevelResult.objects.values_list("period_start", "outcome", "target")) == results


def test_the_what_if_page_replays_a_proposal_and_shows_field_errors(client_for, manager, sl, june):
    run_evaluation()
    client = client_for(manager)

    first = client.get(whatif(sl))
    assert first.status_code == 200 and first.context["replay"] is None

    response = client.get(
        whatif(sl), {"replay": "1", "minimum": "98.5", "credit_allocation_percent": "50", "months": "6"}
    )
    assert response.status_code == 200
    [r] = response.context["replay"].service_levels
    assert [row.proposal.outcome for row in r.rows] == ["met", "warning", "warning", "met", "warning"]
    assert r.proposal.breaches == 0
    assert "Service credits of the contract" in response.content.decode()

    bad = client.get(whatif(sl), {"replay": "1", "target": "98", "minimum": "99"})
    assert bad.status_code == 200 and bad.context["replay"] is None
    assert "cannot be above the target" in bad.content.decode()


def test_the_contract_what_if_replays_every_service_level(client_for, manager, viewer, sl, june):
    other = make_sl(target="95", minimum="90", contract=sl.contract)
    for month in range(1, 6):
        measure(other, date(2026, month, 20), "92")
    run_evaluation()
    url = reverse("whatif:contract", args=[sl.contract_id])

    response = client_for(manager).get(
        url, {"replay": "1", f"sl{sl.pk}-target": "99", f"sl{other.pk}-target": "92"}
    )

    assert response.status_code == 200
    replay = response.context["replay"]
    assert {r.service_level.pk: (r.today.outcomes, r.proposal.outcomes) for r in replay.service_levels} == {
        sl.pk: ({"met": 2, "warning": 2, "breached": 1}, {"met": 4, "breached": 1}),
        other.pk: ({"warning": 5}, {"met": 5}),
    }
    contract_page = reverse("contracts:detail", args=[sl.contract_id])
    assert url in client_for(manager).get(contract_page).content.decode()
    assert url not in client_for(viewer).get(contract_page).content.decode()


def test_a_change_from_the_next_period_reaches_the_engine_from_that_period_only(
    client_for, manager, sl, time_machine
):
    time_machine.move_to(at(2026, 6, 10), tick=False)
    client_for(manager).post(
        change(sl),
        {
            "target": "99.0",
            "minimum": "98.6",
            "effective_from": "2026-07-01",
            "reason": "Year 2",
            "apply": "1",
        },
    )
    for month, value in ((6, "99.2"), (7, "99.2"), (8, "98.8")):
        measure(sl, date(2026, month, 15), value)

    run_evaluation(now=at(2026, 9, 10))

    by_month = {
        r.period_start.month: (r.target, r.minimum, r.outcome)
        for r in ServiceLevelResult.objects.filter(service_level=sl)
    }
    # June started before the change: 99.2 against 99.5 / 99.0 is a warning. July and August take 99.0 / 98.6.
    assert by_month[6] == (D("99.5"), D("99.0"), "warning")
    assert by_month[7] == (D("99.0"), D("98.6"), "met")
    assert by_month[8] == (D("99.0"), D("98.6"), "warning")
    assert by_month[3] == (D("99.5"), D("99.0"), "breached")


def test_the_service_level_page_runs_as_many_queries_whatever_its_history(client_for, manager, sl, june):
    client = client_for(manager)
    with CaptureQueriesContext(connection) as short:
        assert client.get(detail(sl)).status_code == 200
    run_evaluation()
    for month in (7, 8, 9):
        services.service_level_change_target(
            service_level=sl,
            target="99.2",
            minimum="98.8",
            effective_from=date(2026, month, 1),
            actor=manager,
            reason=f"Step {month}",
        )
    with CaptureQueriesContext(connection) as long:
        body = client.get(detail(sl)).content.decode()
    assert "Step 9" in body and body.count("badge--outcome-") >= 6
    assert len(long) == len(short)
