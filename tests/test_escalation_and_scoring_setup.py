"""Escalation paths and the scoring scheme edited in the portal, with the admin's validation: a path
belongs to a contract, a vendor or a tier, its levels are numbered 1, 2, 3 … and name someone on each
side; the scheme's category weights add up to 100 and its bands cover 0–100 without gap or overlap."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from governance.models import EscalationLevel, EscalationPath, Issue
from governance.services.escalation_paths import escalation_path_create, escalation_path_delete
from kpis.models import ScoringScheme
from kpis.scoring import active_scheme
from kpis.services.scoring import scoring_scheme_update
from tests import factories

pytestmark = pytest.mark.django_db


def level_rows(*rows):
    data = {
        "levels-TOTAL_FORMS": str(len(rows)),
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "10",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"levels-{i}-{key}"] = value
    return data


def level(number, *, internal_role="Service manager", vendor_role="Account manager", hours="24", **extra):
    return {
        "level": str(number),
        "name": f"Level {number}",
        "internal_person": "",
        "internal_role": internal_role,
        "vendor_contact": "",
        "vendor_role": vendor_role,
        "time_limit_hours": hours,
        **extra,
    }


# ---- Escalation paths ------------------------------------------------------------------------------------


def test_a_manager_sets_a_vendor_path_with_two_levels(client_for, manager, vendor_a):
    contact = factories.VendorContactFactory(vendor=vendor_a, name="Val Vendor")
    data = {
        "name": "Acme escalation",
        "vendor": vendor_a.pk,
        "contract": "",
        "tier": "",
        **level_rows(
            level(1, internal_person=str(manager.pk), vendor_contact=str(contact.pk)),
            level(2, internal_role="CIO", vendor_role="Managing director", hours="48"),
        ),
    }

    response = client_for(manager).post(reverse("escalation_paths:new"), data)

    path = EscalationPath.objects.get(vendor=vendor_a)
    assert response.status_code == 302
    assert list(
        path.levels.values_list("level", "internal_person", "vendor_contact", "time_limit_hours")
    ) == [
        (1, manager.pk, contact.pk, 24),
        (2, None, None, 48),
    ]
    assert AuditEvent.objects.filter(
        action="governance.escalationpath.created", object_id=str(path.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="governance.escalationlevel.created").count() == 2
    page = client_for(manager).get(reverse("escalation_paths:detail", args=[path.pk])).content.decode()
    assert "Val Vendor" in page and "Managing director" in page


def test_a_contract_path_takes_its_vendor_from_the_contract(manager, vendor_a):
    sow = factories.SOWFactory(vendor=vendor_a)
    path = escalation_path_create(
        actor=manager,
        name="SOW path",
        contract=sow,
        levels=[
            {"level": 1, "name": "Ops", "internal_role": "SDM", "vendor_role": "SDM", "time_limit_hours": 8}
        ],
    )
    assert path.vendor == vendor_a and path.contract == sow


def test_levels_must_be_numbered_without_gaps_and_name_both_sides(client_for, manager, vendor_a):
    client = client_for(manager)
    base = {"name": "Bad path", "vendor": vendor_a.pk, "contract": "", "tier": ""}

    gaps = client.post(reverse("escalation_paths:new"), {**base, **level_rows(level(1), level(3))})
    nobody = client.post(reverse("escalation_paths:new"), {**base, **level_rows(level(1, vendor_role=""))})
    zero_hours = client.post(reverse("escalation_paths:new"), {**base, **level_rows(level(1, hours="0"))})

    assert "without gaps or repeats" in str(gaps.context["form"].non_field_errors())
    assert "names nobody on the vendor's side" in " ".join(nobody.context["form"].non_field_errors())
    assert zero_hours.context["levels"].forms[0].errors["time_limit_hours"]
    assert not EscalationPath.objects.exists()


def test_a_path_belongs_to_exactly_one_scope_and_one_per_vendor(client_for, manager, vendor_a):
    factories.EscalationPathFactory(vendor=vendor_a)
    client = client_for(manager)

    neither = client.post(
        reverse("escalation_paths:new"),
        {"name": "P", "vendor": "", "contract": "", "tier": "", **level_rows(level(1))},
    )
    second = client.post(
        reverse("escalation_paths:new"),
        {"name": "P2", "vendor": vendor_a.pk, "contract": "", "tier": "", **level_rows(level(1))},
    )

    assert "A path belongs to a contract (and its vendor), a vendor, or a tier." in str(
        neither.context["form"].errors
    )
    assert second.status_code == 200 and second.context["form"].errors
    assert EscalationPath.objects.count() == 1


def test_a_tier_default_path(manager):
    path = escalation_path_create(
        actor=manager,
        name="Critical tier default",
        tier="critical",
        levels=[
            {"level": 1, "name": "Ops", "internal_role": "SDM", "vendor_role": "SDM", "time_limit_hours": 8}
        ],
    )
    assert path.vendor is None and path.tier == "critical"


def test_editing_replaces_levels_and_records_old_and_new(client_for, manager, portfolio):
    path = portfolio.a.escalation_path  # one level
    data = {"name": "Renamed path", **level_rows(level(1, hours="12"), level(2, hours="36"))}

    response = client_for(manager).post(reverse("escalation_paths:edit", args=[path.pk]), data)

    assert response.status_code == 302
    assert list(path.levels.values_list("level", "time_limit_hours")) == [(1, 12), (2, 36)]
    updated = AuditEvent.objects.get(action="governance.escalationlevel.updated")
    assert updated.changes["time_limit_hours"] == [24, 12]
    assert (
        AuditEvent.objects.get(action="governance.escalationpath.updated").changes["name"][1]
        == "Renamed path"
    )


def test_a_path_with_open_issues_is_not_deleted(client_for, manager, portfolio):
    path = portfolio.a.escalation_path
    Issue.objects.create(
        vendor=path.vendor, title="Slow changes", description="d", raised_side="internal", path=path
    )
    client = client_for(manager)

    assert (
        "Delete the path" in client.get(reverse("escalation_paths:delete", args=[path.pk])).content.decode()
    )
    client.post(reverse("escalation_paths:delete", args=[path.pk]))

    assert EscalationPath.objects.filter(pk=path.pk).exists()
    Issue.objects.update(status="resolved", resolved_at=timezone.now())
    escalation_path_delete(path=path, actor=manager)
    assert not EscalationPath.objects.filter(pk=path.pk).exists()
    assert not EscalationLevel.objects.filter(path_id=path.pk).exists()
    assert AuditEvent.objects.filter(
        action="governance.escalationpath.deleted", object_id=str(path.pk)
    ).exists()


def test_vendor_users_read_their_own_paths_only(client_for, portfolio, vendor_a_user):
    client = client_for(vendor_a_user)
    listing = client.get(reverse("escalation_paths:list")).content.decode()
    assert portfolio.a.escalation_path.name in listing and portfolio.b.escalation_path.name not in listing
    assert (
        client.get(reverse("escalation_paths:detail", args=[portfolio.a.escalation_path.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("escalation_paths:detail", args=[portfolio.b.escalation_path.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("escalation_paths:edit", args=[portfolio.a.escalation_path.pk])).status_code == 403
    )


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_viewers_and_auditors_read_paths_and_scheme_without_forms(request, client_for, portfolio, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    path = portfolio.a.escalation_path
    assert (
        reverse("escalation_paths:edit", args=[path.pk])
        not in client.get(reverse("escalation_paths:detail", args=[path.pk])).content.decode()
    )
    assert client.post(reverse("escalation_paths:edit", args=[path.pk])).status_code == 403
    assert client.post(reverse("escalation_paths:delete", args=[path.pk])).status_code == 403
    scheme_page = client.get(reverse("scoring:scheme"))
    assert (
        scheme_page.status_code == 200 and reverse("scoring:scheme_edit") not in scheme_page.content.decode()
    )
    assert client.post(reverse("scoring:scheme_edit")).status_code == 403
    with pytest.raises(PermissionDenied):
        escalation_path_delete(path=path, actor=user)


# ---- The scoring scheme ----------------------------------------------------------------------------------


def scheme_data(scheme, bands, **overrides):
    """The edit form as a browser posts it: the scheme's bands as the formset's first rows (changed to
    ``bands``), extra rows for more bands, the rest marked for deletion."""
    existing = list(scheme.bands.order_by("lower"))
    rows = max(len(existing), len(bands))
    data = {
        "name": scheme.name,
        "weight_quality": "40",
        "weight_delivery": "30",
        "weight_responsiveness": "20",
        "weight_relationship": "10",
        "warning_points": "50",
        "bands-TOTAL_FORMS": str(rows),
        "bands-INITIAL_FORMS": str(len(existing)),
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
    }
    for i in range(rows):
        if i < len(existing):
            data[f"bands-{i}-id"] = str(existing[i].pk)
            data[f"bands-{i}-scheme"] = str(scheme.pk)
        if i < len(bands):
            name, rag, lower, upper = bands[i]
            data.update(
                {
                    f"bands-{i}-name": name,
                    f"bands-{i}-rag": rag,
                    f"bands-{i}-lower": lower,
                    f"bands-{i}-upper": upper,
                }
            )
        else:
            band = existing[i]
            data.update(
                {
                    f"bands-{i}-name": band.name,
                    f"bands-{i}-rag": band.rag,
                    f"bands-{i}-lower": str(band.lower),
                    f"bands-{i}-upper": str(band.upper),
                    f"bands-{i}-DELETE": "on",
                }
            )
    data.update(overrides)
    return data


def test_a_manager_changes_weights_and_bands(client_for, manager):
    scheme = active_scheme()  # the default: red < 70 ≤ amber < 85 ≤ green
    bands = [("Red", "red", "0", "60"), ("Amber", "amber", "60", "80"), ("Green", "green", "80", "100")]

    response = client_for(manager).post(reverse("scoring:scheme_edit"), scheme_data(scheme, bands))

    assert response.status_code == 302
    scheme.refresh_from_db()
    assert (scheme.weight_quality, scheme.weight_relationship) == (40, 10)
    assert list(scheme.bands.order_by("lower").values_list("lower", "upper")) == [
        (Decimal("0"), Decimal("60")),
        (Decimal("60"), Decimal("80")),
        (Decimal("80"), Decimal("100")),
    ]
    changed = AuditEvent.objects.get(action="kpis.scoringscheme.updated")
    assert changed.changes["weight_quality"] == [30, 40]
    bands_event = AuditEvent.objects.get(action="kpis.scoringscheme.bands_changed")
    assert bands_event.changes["bands"][0][0] == ["Red", "red", "0.00", "70.00"]
    assert bands_event.changes["bands"][1][0] == ["Red", "red", "0.00", "60.00"]


def test_two_bands_instead_of_three(client_for, manager):
    scheme = active_scheme()
    bands = [("Below par", "red", "0", "75"), ("On track", "green", "75", "100")]
    response = client_for(manager).post(reverse("scoring:scheme_edit"), scheme_data(scheme, bands))
    assert response.status_code == 302
    assert list(scheme.bands.order_by("lower").values_list("name", flat=True)) == ["Below par", "On track"]


def test_weights_must_add_up_to_100(client_for, manager):
    scheme = active_scheme()
    bands = [("Red", "red", "0", "70"), ("Green", "green", "70", "100")]
    response = client_for(manager).post(
        reverse("scoring:scheme_edit"), scheme_data(scheme, bands, weight_quality="50")
    )
    assert response.status_code == 200
    assert "Category weights must add up to 100 (they add up to 110)." in response.content.decode()
    scheme.refresh_from_db()
    assert scheme.weight_quality == 30


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([("Red", "red", "0", "70"), ("Green", "green", "75", "100")], "Bands leave a gap between 70"),
        ([("Red", "red", "0", "80"), ("Green", "green", "70", "100")], "Bands overlap"),
        ([("Red", "red", "10", "100")], "The lowest band must start at 0."),
        ([("Red", "red", "0", "90")], "The highest band must end at 100."),
    ],
)
def test_bands_must_cover_0_to_100(client_for, manager, bands, message):
    scheme = active_scheme()
    response = client_for(manager).post(reverse("scoring:scheme_edit"), scheme_data(scheme, bands))
    assert response.status_code == 200
    assert message in " ".join(response.context["bands"].non_form_errors())
    assert scheme.bands.count() == 3


def test_the_service_refuses_bad_bands_too(manager):
    scheme = active_scheme()
    with pytest.raises(ValidationError, match="gap"):
        scoring_scheme_update(
            scheme=scheme,
            actor=manager,
            name="Default",
            warning_points=50,
            bands=[("Red", "red", 0, 50), ("Green", "green", 60, 100)],
            weight_quality=30,
            weight_delivery=30,
            weight_responsiveness=25,
            weight_relationship=15,
        )


def test_vendor_users_do_not_see_the_scheme_pages(client_for, vendor_a_user):
    client = client_for(vendor_a_user)
    assert client.get(reverse("scoring:scheme")).status_code == 403
    assert client.get(reverse("scoring:scheme_edit")).status_code == 403


def test_before_any_scheme_the_page_says_what_applies(client_for, viewer):
    page = client_for(viewer).get(reverse("scoring:scheme")).content.decode()
    assert "No scoring scheme yet" in page
    assert not ScoringScheme.objects.exists()


def test_the_path_list_runs_a_fixed_number_of_queries(client_for, manager, vendor_a):
    client = client_for(manager)
    factories.EscalationLevelFactory(path=factories.EscalationPathFactory(vendor=vendor_a))
    client.get(reverse("escalation_paths:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("escalation_paths:list"))
    for _ in range(5):
        factories.EscalationLevelFactory(path=factories.EscalationPathFactory())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("escalation_paths:list"))
    assert len(many) == len(few)


def test_the_empty_path_list_invites_a_manager_to_set_one(client_for, manager):
    page = client_for(manager).get(reverse("escalation_paths:list")).content.decode()
    assert "No escalation paths yet." in page and reverse("escalation_paths:new") in page
