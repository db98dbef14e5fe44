"""The vendor lifecycle: moves with a reason and a date, the onboarding checklist computed from the
portal's data and blocking activation unless a manager overrides it, editable checklist defaults per
tier, and the exit with its date, plan and action items."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, Role
from governance.models import ActionItem, Raci, Side
from governance.selectors.onboarding import onboarding_checklist
from governance.services.lifecycle import ExitStep, vendor_lifecycle_move
from tests import factories
from vendors import services
from vendors.models import (
    OnboardingCheck,
    OnboardingRequirement,
    VendorStatus,
    VendorStatusChange,
    VendorTier,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _utc(settings, time_machine):
    settings.TIME_ZONE = "UTC"
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def onboarding(manager):
    vendor = factories.VendorFactory(name="Initech", tier=VendorTier.HIGH, status=VendorStatus.ONBOARDING)
    return vendor


def complete_onboarding(vendor, manager):
    """Everything the checklist looks for, as real rows."""
    msa = factories.ContractFactory(vendor=vendor, owner=manager)
    factories.ServiceLevelFactory(contract=factories.SOWFactory(vendor=vendor, parent=msa, owner=manager))
    path = factories.EscalationPathFactory(vendor=vendor)
    factories.EscalationLevelFactory(path=path, internal_person=manager)
    factories.RoleAssignmentFactory(vendor=vendor, raci=Raci.ACCOUNTABLE)
    factories.VendorUserFactory(vendor=vendor, role=Role.VENDOR_ADMIN)


def move(client, vendor, **data):
    form = {"effective_on": TODAY.isoformat(), "reason": "Ready.", "steps-TOTAL_FORMS": "0"}
    form.update({"steps-INITIAL_FORMS": "0", **data})
    return client.post(reverse("vendors:lifecycle_move", args=[vendor.pk]), form)


def test_the_checklist_shows_what_is_missing_and_is_computed_from_data(onboarding, manager):
    items = {item.item: item for item in onboarding_checklist(vendor=onboarding)}
    assert not any(item.is_done for item in items.values())
    assert all(item.is_required for item in items.values())  # the high tier requires every item

    complete_onboarding(onboarding, manager)

    items = {item.item: item for item in onboarding_checklist(vendor=onboarding)}
    assert all(item.is_done for item in items.values()), {k: v.detail for k, v in items.items()}


def test_raci_needs_exactly_one_accountable_per_area(onboarding):
    factories.RoleAssignmentFactory(vendor=onboarding, area="Security", raci=Raci.ACCOUNTABLE)
    factories.RoleAssignmentFactory(vendor=onboarding, area="Security", raci=Raci.ACCOUNTABLE)
    factories.RoleAssignmentFactory(vendor=onboarding, area="Commercial", raci=Raci.ACCOUNTABLE)

    raci = {item.item: item for item in onboarding_checklist(vendor=onboarding)}[
        OnboardingCheck.RACI_COMPLETE
    ]

    assert not raci.is_done and "Security" in raci.detail and "Commercial" not in raci.detail


def test_activation_is_blocked_while_a_required_item_is_open(client_for, onboarding, manager):
    client = client_for(manager)
    page = client.get(reverse("vendors:lifecycle_move", args=[onboarding.pk]) + "?to=active").content.decode()
    assert "Missing" in page and "Contract signed" in page

    response = move(client, onboarding, to_status=VendorStatus.ACTIVE)

    assert response.status_code == 200
    error = response.context["form"].errors["override_reason"][0]
    assert "Still open: Contract signed" in error
    onboarding.refresh_from_db()
    assert onboarding.status == VendorStatus.ONBOARDING
    assert not VendorStatusChange.objects.exists()


def test_a_manager_overrides_open_items_with_a_reason(client_for, onboarding, manager):
    response = move(
        client_for(manager),
        onboarding,
        to_status=VendorStatus.ACTIVE,
        reason="Go-live agreed at the steering committee.",
        override_reason="Contract signature is a formality; services start Monday.",
    )

    assert response.status_code == 302
    onboarding.refresh_from_db()
    assert onboarding.status == VendorStatus.ACTIVE
    change = VendorStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.effective_on) == ("onboarding", "active", TODAY)
    assert "Contract signed" in change.open_items and change.override_reason.startswith("Contract signature")
    event = AuditEvent.objects.get(action="vendors.vendor.updated", object_id=str(onboarding.pk))
    assert event.changes == {"status": ["onboarding", "active"]}
    assert event.note == "Go-live agreed at the steering committee."
    page = client_for(manager).get(reverse("vendors:lifecycle", args=[onboarding.pk])).content.decode()
    assert "Checklist overridden" in page


def test_a_complete_checklist_activates_without_override(onboarding, manager):
    complete_onboarding(onboarding, manager)

    change, _actions = vendor_lifecycle_move(
        vendor=onboarding, actor=manager, to_status=VendorStatus.ACTIVE, reason="Ready.", effective_on=TODAY
    )

    assert change.open_items == [] and change.override_reason == ""


def test_a_tier_default_that_is_not_required_does_not_block(client_for, manager):
    vendor = factories.VendorFactory(tier=VendorTier.LOW, status=VendorStatus.ONBOARDING)
    factories.ContractFactory(vendor=vendor, owner=manager)  # the low tier requires only a contract

    change, _ = vendor_lifecycle_move(
        vendor=vendor, actor=manager, to_status=VendorStatus.ACTIVE, reason="Ready.", effective_on=TODAY
    )

    assert change.open_items == []


def test_managers_edit_the_checklist_defaults_per_tier(client_for, manager, viewer):
    url = reverse("vendors:onboarding_defaults")
    response = client_for(manager).post(
        url, {"tier": VendorTier.LOW, "low-required_items": [OnboardingCheck.ESCALATION_PATH_SET]}
    )

    assert response.status_code == 302
    required = set(
        OnboardingRequirement.objects.filter(tier=VendorTier.LOW, is_required=True).values_list(
            "item", flat=True
        )
    )
    assert required == {OnboardingCheck.ESCALATION_PATH_SET}
    assert AuditEvent.objects.filter(action="vendors.onboardingrequirement.updated").count() == 2
    viewer_client = client_for(viewer)
    assert "<form" not in viewer_client.get(url).content.decode().split('class="page"')[1]
    assert viewer_client.post(url, {"tier": "low"}).status_code == 403


def test_a_move_chosen_on_the_lifecycle_page_asks_only_for_what_it_needs(client_for, onboarding, manager):
    client = client_for(manager)
    lifecycle = client.get(reverse("vendors:lifecycle", args=[onboarding.pk])).content.decode()
    url = reverse("vendors:lifecycle_move", args=[onboarding.pk])
    assert f"{url}?to=active" in lifecycle and f"{url}?to=prospect" in lifecycle

    back = client.get(url + "?to=prospect").context["form"]
    assert set(back.fields) == {"to_status", "effective_on", "reason"}
    activate = client.get(url + "?to=active").context["form"]
    assert "override_reason" in activate.fields and "exit_plan" not in activate.fields

    response = client.post(
        url + "?to=prospect", {"to_status": "prospect", "effective_on": TODAY, "reason": "Paused."}
    )

    assert response.status_code == 302
    onboarding.refresh_from_db()
    assert onboarding.status == VendorStatus.PROSPECT


def test_a_move_needs_a_reason_and_an_allowed_target(client_for, onboarding, manager):
    response = move(client_for(manager), onboarding, to_status=VendorStatus.EXITING, reason="")
    assert response.status_code == 200
    assert {"to_status", "reason"} <= set(response.context["form"].errors)

    with pytest.raises(ValidationError) as error:
        services.vendor_status_change(
            vendor=onboarding,
            actor=manager,
            to_status=VendorStatus.EXITING,
            reason="No.",
            effective_on=TODAY,
        )
    assert "to_status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.vendor_status_change(
            vendor=onboarding,
            actor=manager,
            to_status=VendorStatus.PROSPECT,
            reason="Paused.",
            effective_on=TODAY + dt.timedelta(days=1),
        )
    assert "effective_on" in error.value.message_dict


def test_exit_needs_confirmation_and_records_the_plan_with_action_items(client_for, manager, vendor_a):
    client = client_for(manager)
    data = {
        "to_status": VendorStatus.EXITING,
        "reason": "Re-tendered; Globex won.",
        "exit_on": "2026-12-31",
        "exit_plan": "Hand the service desk over to the new vendor in three waves.",
        "steps-TOTAL_FORMS": "2",
        "steps-0-title": "Return the knowledge base",
        "steps-0-owner_side": Side.VENDOR,
        "steps-0-due_on": "2026-10-31",
        "steps-1-title": "Revoke VPN access",
        "steps-1-owner_side": Side.INTERNAL,
        "steps-1-due_on": "2026-12-31",
    }

    unconfirmed = move(client, vendor_a, **data)
    assert unconfirmed.status_code == 200 and "confirm" in unconfirmed.context["form"].errors
    vendor_a.refresh_from_db()
    assert vendor_a.status == VendorStatus.ACTIVE and not ActionItem.objects.exists()

    confirmed = move(client, vendor_a, confirm="on", **data)

    assert confirmed.status_code == 302
    vendor_a.refresh_from_db()
    assert (vendor_a.status, vendor_a.exit_on) == (VendorStatus.EXITING, dt.date(2026, 12, 31))
    assert vendor_a.exit_plan.startswith("Hand the service desk over")
    actions = ActionItem.objects.filter(vendor=vendor_a).order_by("due_on")
    assert [(a.title, a.owner_side, a.due_on) for a in actions] == [
        ("Return the knowledge base", Side.VENDOR, dt.date(2026, 10, 31)),
        ("Revoke VPN access", Side.INTERNAL, dt.date(2026, 12, 31)),
    ]
    assert AuditEvent.objects.filter(action="governance.actionitem.created").count() == 2
    event = AuditEvent.objects.get(action="vendors.vendor.updated", object_id=str(vendor_a.pk))
    assert event.changes["status"] == ["active", "exiting"] and event.changes["exit_on"] == [
        None,
        "2026-12-31",
    ]


def test_exiting_without_a_date_or_plan_is_refused(manager, vendor_a):
    with pytest.raises(ValidationError) as error:
        vendor_lifecycle_move(
            vendor=vendor_a,
            actor=manager,
            to_status=VendorStatus.EXITING,
            reason="Re-tendered.",
            effective_on=TODAY,
            exit_steps=(ExitStep("Return laptops", Side.VENDOR, TODAY),),
        )
    assert "exit_on" in error.value.message_dict
    assert not ActionItem.objects.exists()


def test_the_exited_move_keeps_the_exit_date(manager, vendor_a):
    vendor_lifecycle_move(
        vendor=vendor_a,
        actor=manager,
        to_status=VendorStatus.EXITING,
        reason="Re-tendered.",
        effective_on=TODAY,
        exit_on=dt.date(2026, 7, 31),
        exit_plan="Hand over.",
    )
    services.vendor_status_change(
        vendor=vendor_a,
        actor=manager,
        to_status=VendorStatus.EXITED,
        reason="Handed over.",
        effective_on=TODAY,
    )

    vendor_a.refresh_from_db()
    assert (vendor_a.status, vendor_a.exit_on) == (VendorStatus.EXITED, dt.date(2026, 7, 31))
    history = list(VendorStatusChange.objects.filter(vendor=vendor_a).values_list("to_status", flat=True))
    assert history == ["exited", "exiting"]


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_viewers_read_the_lifecycle_but_cannot_move_it(request, client_for, vendor_a, role):
    client = client_for(request.getfixturevalue(role))
    page = client.get(reverse("vendors:lifecycle", args=[vendor_a.pk]))
    assert page.status_code == 200
    assert reverse("vendors:lifecycle_move", args=[vendor_a.pk]) not in page.content.decode()
    assert client.get(reverse("vendors:lifecycle_move", args=[vendor_a.pk])).status_code == 403
    assert move(client, vendor_a, to_status=VendorStatus.EXITING).status_code == 403
    with pytest.raises(PermissionDenied):
        services.vendor_status_change(
            vendor=vendor_a,
            actor=request.getfixturevalue(role),
            to_status=VendorStatus.EXITING,
            reason="x",
            effective_on=TODAY,
        )


def test_vendor_users_do_not_see_the_lifecycle(client_for, vendor_a, vendor_a_user):
    client = client_for(vendor_a_user)
    assert client.get(reverse("vendors:lifecycle", args=[vendor_a.pk])).status_code == 403
    assert (
        reverse("vendors:lifecycle", args=[vendor_a.pk])
        not in client.get(reverse("vendors:detail", args=[vendor_a.pk])).content.decode()
    )


def test_the_lifecycle_page_runs_a_fixed_number_of_queries(client_for, manager, onboarding):
    client = client_for(manager)
    url = reverse("vendors:lifecycle", args=[onboarding.pk])

    def back_and_forth(times):
        for _ in range(times):
            for status in (VendorStatus.PROSPECT, VendorStatus.ONBOARDING):
                services.vendor_status_change(
                    vendor=onboarding, actor=manager, to_status=status, reason="Paused.", effective_on=TODAY
                )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    back_and_forth(1)
    small = count()
    back_and_forth(5)
    assert count() == small
