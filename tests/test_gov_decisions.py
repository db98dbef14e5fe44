"""The decision log: recording with rationale, owner and links; searching; the vendor's acknowledgement."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from contracts.models import Contract
from governance.models import Decision, DecisionLink
from governance.services.decisions import decision_acknowledge, decision_record
from tests import factories
from tests.factories_meetings import DecisionFactory, ForumFactory, MeetingFactory

NOW = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def events(action):
    return AuditEvent.objects.filter(action=action)


def test_manager_records_a_decision_taken_in_a_meeting(
    client_for, manager, portfolio, vendor_a_user, time_machine
):
    time_machine.move_to(NOW, tick=False)
    a = portfolio.a
    meeting = MeetingFactory(forum=ForumFactory(vendor=a.vendor, members=[manager, vendor_a_user]))
    breach = factories.BreachFactory(service_level=a.service_level)
    client = client_for(manager)
    url = reverse("decisions:create") + f"?meeting={meeting.pk}"
    form = client.get(url).context["form"]
    assert form.initial["meeting"] == meeting
    assert set(form.fields["contracts"].queryset) == {a.msa, a.sow}

    response = client.post(
        url,
        {
            "title": "Extend the service desk hours to 20:00",
            "rationale": "Demand after 18:00 has doubled since January.",
            "decided_on": "2026-04-09",
            "owner": vendor_a_user.pk,
            "meeting": meeting.pk,
            "contracts": [a.sow.pk],
            "breaches": [breach.pk],
        },
    )

    decision = Decision.objects.get()
    assert response.status_code == 302 and response.url == reverse("decisions:detail", args=[decision.pk])
    assert (decision.vendor, decision.meeting, decision.owner, decision.recorded_by) == (
        a.vendor,
        meeting,
        vendor_a_user,
        manager,
    )
    assert {link.subject for link in DecisionLink.objects.filter(decision=decision)} == {a.sow, breach}
    event = events("governance.decision.recorded").get()
    assert event.changes["links"][1] == sorted([f"contracts.contract#{a.sow.pk}", f"kpis.breach#{breach.pk}"])

    page = client.get(response.url).content.decode()
    assert a.sow.reference in page and reverse("breaches:detail", args=[breach.pk]) in page


def test_links_and_owner_stay_within_the_relationship(manager, portfolio, vendor_b_user):
    a, b = portfolio.a, portfolio.b
    with pytest.raises(ValidationError) as error:
        decision_record(
            actor=manager,
            vendor=a.vendor,
            title="x",
            rationale="y",
            decided_on=dt.date(2026, 4, 1),
            links=[b.sow],
            now=NOW,
        )
    assert "links" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        decision_record(
            actor=manager,
            vendor=a.vendor,
            title="x",
            rationale="y",
            decided_on=dt.date(2026, 4, 1),
            owner=vendor_b_user,
            now=NOW,
        )
    assert "owner" in error.value.error_dict
    assert not Decision.objects.exists()


def test_form_refuses_another_vendors_contract(client_for, manager, portfolio, time_machine):
    time_machine.move_to(NOW, tick=False)
    response = client_for(manager).post(
        reverse("decisions:create") + f"?vendor={portfolio.a.vendor.pk}",
        {"title": "x", "rationale": "y", "decided_on": "2026-04-09", "contracts": [portfolio.b.sow.pk]},
    )
    assert response.status_code == 200 and "contracts" in response.context["form"].errors
    assert not Decision.objects.exists()


def test_a_decision_cannot_be_dated_in_the_future(client_for, manager, vendor_a, time_machine):
    time_machine.move_to(NOW, tick=False)
    response = client_for(manager).post(
        reverse("decisions:create") + f"?vendor={vendor_a.pk}",
        {"title": "x", "rationale": "y", "decided_on": "2026-04-11"},
    )
    assert response.context["form"].errors["decided_on"] == ["A decision cannot be dated in the future."]


@pytest.mark.parametrize("actor", ["viewer", "auditor", "vendor_a_user"])
def test_only_managers_record_decisions(request, client_for, actor, vendor_a):
    client = client_for(request.getfixturevalue(actor))
    assert client.get(reverse("decisions:create") + f"?vendor={vendor_a.pk}").status_code == 403


# ---- Acknowledgement ------------------------------------------------------------------------------------


def test_vendor_acknowledges_once(client_for, vendor_a, vendor_a_user, vendor_a_admin):
    decision = DecisionFactory(vendor=vendor_a)
    url = reverse("decisions:acknowledge", args=[decision.pk])

    assert client_for(vendor_a_user).post(url).status_code == 302
    second = client_for(vendor_a_admin).post(url, follow=True)

    decision.refresh_from_db()
    assert decision.acknowledged_by == vendor_a_user and decision.acknowledged_at is not None
    assert "acknowledged already, by Alice Acme" in second.content.decode()
    assert events("governance.decision.acknowledged").count() == 1


def test_only_the_decisions_vendor_acknowledges(client_for, vendor_a, manager, viewer, vendor_b_user):
    decision = DecisionFactory(vendor=vendor_a)
    url = reverse("decisions:acknowledge", args=[decision.pk])
    assert client_for(manager).post(url).status_code == 403
    assert client_for(viewer).post(url).status_code == 403
    assert client_for(vendor_b_user).post(url).status_code == 404
    assert client_for(vendor_b_user).get(reverse("decisions:detail", args=[decision.pk])).status_code == 404
    decision.refresh_from_db()
    assert decision.acknowledged_at is None


def test_acknowledge_service_refuses_a_second_time(vendor_a, vendor_a_user):
    decision = DecisionFactory(vendor=vendor_a)
    decision_acknowledge(decision=decision, actor=vendor_a_user, now=NOW)
    with pytest.raises(ValidationError, match="acknowledged already"):
        decision_acknowledge(decision=Decision.objects.get(pk=decision.pk), actor=vendor_a_user, now=NOW)


# ---- The log ------------------------------------------------------------------------------------------


@pytest.fixture
def log(vendor_a, vendor_b):
    return [
        DecisionFactory(
            vendor=vendor_a,
            title="Extend the service desk hours",
            decided_on=dt.date(2026, 1, 10),
            rationale="Demand after 18:00.",
        ),
        DecisionFactory(
            vendor=vendor_a,
            title="Move the backup window",
            decided_on=dt.date(2026, 3, 5),
            rationale="Batch jobs overlap with the service desk peak.",
        ),
        DecisionFactory(
            vendor=vendor_b, title="Globex cloud migration waves", decided_on=dt.date(2026, 2, 1)
        ),
    ]


def listed(response):
    return [decision.title for decision in response.context["page_obj"]]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("?q=service+desk", ["Move the backup window", "Extend the service desk hours"]),
        ("?q=BACKUP", ["Move the backup window"]),
        (
            "?date_from=2026-02-01&date_to=2026-03-31",
            ["Move the backup window", "Globex cloud migration waves"],
        ),
        ("?unacknowledged=on&q=globex", ["Globex cloud migration waves"]),
    ],
)
def test_the_log_is_searchable(client_for, manager, log, query, expected):
    assert listed(client_for(manager).get(reverse("decisions:list") + query)) == expected


def test_the_log_filters_by_vendor(client_for, manager, log, vendor_b):
    assert listed(client_for(manager).get(reverse("decisions:list") + f"?vendor={vendor_b.pk}")) == [
        "Globex cloud migration waves"
    ]


def test_vendor_sees_only_its_decisions(client_for, log, vendor_a_user):
    response = client_for(vendor_a_user).get(reverse("decisions:list"))
    assert listed(response) == ["Move the backup window", "Extend the service desk hours"]
    assert "Globex" not in response.content.decode()


def test_the_log_is_paginated_with_constant_queries(
    client_for, manager, vendor_a, django_assert_max_num_queries
):
    meeting = MeetingFactory(forum=ForumFactory(vendor=vendor_a))
    for n in range(30):
        decision = DecisionFactory(vendor=vendor_a, owner=manager, meeting=meeting if n % 2 else None)
        DecisionLink.objects.create(decision=decision, object_type_id=_contract_type(), object_id=1)
    client = client_for(manager)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("decisions:list"))
    assert len(response.context["page_obj"]) == 25
    assert client.get(reverse("decisions:list") + "?page=2").context["page_obj"].number == 2


def _contract_type():
    return ContentType.objects.get_for_model(Contract).pk
