"""Managers add catalogue metrics to contracts as service levels: levels checked in the metric's
direction, credit tiers, a warning (never a refusal) when the CSL pool allocations add up beyond the
usual 100–250 %, retire with an end date, delete only while nothing was reported. Vendor users read the
page without the internal fields; viewers and auditors read it without the forms."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from kpis.models import CreditTier, Direction, ServiceLevel
from kpis.services.service_levels import (
    pool_allocation_warning,
    service_level_create,
    service_level_delete,
    service_level_retire,
    service_level_update,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sow(vendor_a, manager):
    return factories.SOWFactory(vendor=vendor_a, owner=manager, reference="SOW-SL")


@pytest.fixture
def availability():
    return factories.MetricFactory(name="Availability", code="avail", direction=Direction.HIGHER)


@pytest.fixture
def resolution():
    return factories.MetricFactory(
        name="P1 resolution", code="p1-res", unit="hours", direction=Direction.LOWER
    )


def form_data(metric, **overrides):
    data = {
        "metric": metric.pk,
        "kind": "csl",
        "target": "99.9",
        "minimum": "99.5",
        "period": "monthly",
        "grace_days": "5",
        "weight": "20",
        "credit_allocation_percent": "60",
        "effective_from": "2026-01-01",
        "tiers-TOTAL_FORMS": "2",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "10",
        "tiers-0-shortfall": "0.5",
        "tiers-0-factor_percent": "100",
        "tiers-1-shortfall": "",
        "tiers-1-factor_percent": "",
    }
    data.update(overrides)
    return data


def test_a_manager_adds_a_csl_with_credit_tiers(client_for, manager, sow, availability):
    response = client_for(manager).post(
        reverse("service_levels:new", args=[sow.pk]),
        form_data(availability, **{"tiers-1-shortfall": "0", "tiers-1-factor_percent": "50"}),
    )

    sl = ServiceLevel.objects.get(contract=sow, metric=availability)
    assert response.status_code == 302 and response.url == reverse("service_levels:detail", args=[sl.pk])
    assert (sl.kind, sl.target, sl.minimum, sl.credit_allocation_percent) == (
        "csl",
        Decimal("99.9"),
        Decimal("99.5"),
        Decimal("60"),
    )
    assert list(CreditTier.objects.filter(service_level=sl).values_list("shortfall", "factor_percent")) == [
        (Decimal("0"), Decimal("50")),
        (Decimal("0.5"), Decimal("100")),
    ]
    created = AuditEvent.objects.get(action="kpis.servicelevel.created", object_id=str(sl.pk))
    assert created.actor == manager and created.changes["target"] == [None, "99.9"]
    assert AuditEvent.objects.filter(action="kpis.credittier.created").count() == 2


def test_levels_are_checked_in_the_metrics_direction(client_for, manager, sow, availability, resolution):
    client = client_for(manager)
    url = reverse("service_levels:new", args=[sow.pk])

    higher = client.post(url, form_data(availability, target="99.5", minimum="99.9"))
    lower = client.post(
        url, form_data(resolution, target="8", minimum="4", kind="kpi", credit_allocation_percent="0")
    )

    assert "minimum level cannot be above the target" in str(higher.context["form"].errors["minimum"])
    assert "minimum level cannot be below the target" in str(lower.context["form"].errors["minimum"])
    assert 'class="field__error"' in higher.content.decode()
    assert not ServiceLevel.objects.filter(contract=sow).exists()


def test_a_kpi_carries_no_allocation_and_tiers_need_their_own_shortfall(
    client_for, manager, sow, availability
):
    client = client_for(manager)
    url = reverse("service_levels:new", args=[sow.pk])

    kpi = client.post(url, form_data(availability, kind="kpi"))
    tiers = client.post(
        url, form_data(availability, **{"tiers-1-shortfall": "0.5", "tiers-1-factor_percent": "50"})
    )
    bad_factor = client.post(url, form_data(availability, **{"tiers-0-factor_percent": "150"}))

    assert "Only critical service levels carry a service-credit allocation." in str(
        kpi.context["form"].errors
    )
    assert "Each credit tier needs its own shortfall." in tiers.context["tiers"].non_form_errors()
    assert bad_factor.context["tiers"].forms[0].errors["factor_percent"]
    assert not ServiceLevel.objects.exists()


def test_one_service_level_per_metric_and_contract(manager, sow, availability):
    data = {
        "metric": availability,
        "kind": "kpi",
        "target": Decimal("99"),
        "minimum": Decimal("98"),
        "effective_from": dt.date(2026, 1, 1),
    }
    service_level_create(actor=manager, contract=sow, **data)
    with pytest.raises(ValidationError) as error:
        service_level_create(actor=manager, contract=sow, **data)
    assert "already has a service level for Availability" in str(error.value)


def test_pool_allocations_above_250_percent_warn_but_save(client_for, manager, sow, availability, resolution):
    factories.ServiceLevelFactory(
        contract=sow, metric=resolution, kind="csl", credit_allocation_percent=Decimal("200")
    )

    response = client_for(manager).post(
        reverse("service_levels:new", args=[sow.pk]), form_data(availability), follow=True
    )

    assert ServiceLevel.objects.filter(contract=sow).count() == 2
    text = response.content.decode()
    assert "pool allocations of 260 % in total, above the usual 100–250 %" in text
    assert pool_allocation_warning(sow) is not None


def test_allocations_within_the_usual_range_do_not_warn(manager, sow, availability):
    service_level_create(
        actor=manager,
        contract=sow,
        metric=availability,
        kind="csl",
        target=Decimal("99.9"),
        minimum=Decimal("99.5"),
        credit_allocation_percent=Decimal("250"),
        effective_from=dt.date(2026, 1, 1),
    )
    assert pool_allocation_warning(sow) is None


def test_once_figures_exist_levels_are_fixed(manager, portfolio):
    sl = portfolio.a.service_level  # has a measurement
    with pytest.raises(ValidationError) as error:
        service_level_update(service_level=sl, actor=manager, target=Decimal("50"), minimum=Decimal("40"))
    assert set(error.value.message_dict) == {"target", "minimum"}
    # Turning a KPI into a critical service level (or back) would put money on periods already judged.
    other_kind = "kpi" if sl.kind == "csl" else "csl"
    with pytest.raises(ValidationError) as error:
        service_level_update(service_level=sl, actor=manager, kind=other_kind)
    assert set(error.value.message_dict) == {"kind"}

    service_level_update(service_level=sl, actor=manager, weight=30, grace_days=3)
    sl.refresh_from_db()
    assert (sl.weight, sl.grace_days) == (30, 3)
    event = AuditEvent.objects.get(action="kpis.servicelevel.updated", object_id=str(sl.pk))
    assert event.changes == {"weight": [10, 30], "grace_days": [5, 3]}


def test_the_edit_page_disables_the_fixed_fields(client_for, manager, portfolio):
    response = client_for(manager).get(reverse("service_levels:edit", args=[portfolio.a.service_level.pk]))
    form = response.context["form"]
    assert form.fields["target"].disabled and form.fields["metric"].disabled and form.fields["kind"].disabled
    assert not form.fields["weight"].disabled


def test_a_service_level_with_figures_is_retired_never_deleted(client_for, manager, portfolio):
    sl = portfolio.a.service_level  # a figure on 15 Mar 2026
    client = client_for(manager)

    delete_page = client.get(reverse("service_levels:delete", args=[sl.pk]))
    refused = client.post(reverse("service_levels:delete", args=[sl.pk]))
    too_early = client.post(
        reverse("service_levels:retire", args=[sl.pk]), {"effective_to": "2026-03-01", "reason": "Replaced"}
    )
    retired = client.post(
        reverse("service_levels:retire", args=[sl.pk]),
        {"effective_to": "2026-06-30", "reason": "Replaced by the new SOW's measure"},
    )

    assert "cannot be deleted" in delete_page.content.decode()
    assert refused.status_code == 409 and ServiceLevel.objects.filter(pk=sl.pk).exists()
    assert "Figures have been reported up to 15 Mar 2026" in str(too_early.context["form"].errors)
    assert retired.status_code == 302
    sl.refresh_from_db()
    assert sl.effective_to == dt.date(2026, 6, 30)
    event = AuditEvent.objects.get(action="kpis.servicelevel.retired", object_id=str(sl.pk))
    assert event.changes == {"effective_to": [None, "2026-06-30"]}
    assert event.note == "Replaced by the new SOW's measure"
    with pytest.raises(ValidationError):
        service_level_delete(service_level=sl, actor=manager)


def test_a_service_level_without_figures_can_be_deleted_after_confirming(
    client_for, manager, sow, availability
):
    sl = factories.ServiceLevelFactory(contract=sow, metric=availability, kind="csl")
    CreditTier.objects.create(service_level=sl, shortfall=Decimal("1"), factor_percent=Decimal("50"))
    client = client_for(manager)

    confirm = client.get(reverse("service_levels:delete", args=[sl.pk]))
    assert confirm.status_code == 200 and "Delete the service level" in confirm.content.decode()
    assert ServiceLevel.objects.filter(pk=sl.pk).exists()

    response = client.post(reverse("service_levels:delete", args=[sl.pk]))

    assert response.status_code == 302 and not ServiceLevel.objects.filter(pk=sl.pk).exists()
    deleted = AuditEvent.objects.get(action="kpis.servicelevel.deleted", object_id=str(sl.pk))
    assert deleted.changes["metric"] == [availability.pk, None]


def test_the_vendor_reads_its_service_level_without_the_allocation(client_for, portfolio, vendor_a_user):
    sl = portfolio.a.service_level
    ServiceLevel.objects.filter(pk=sl.pk).update(kind="csl", credit_allocation_percent=Decimal("87.65"))
    client = client_for(vendor_a_user)

    page = client.get(reverse("service_levels:detail", args=[sl.pk]))

    text = page.content.decode()
    assert page.status_code == 200 and sl.metric.name in text
    assert "87.65" not in text and "Pool allocation" not in text
    assert reverse("service_levels:edit", args=[sl.pk]) not in text
    assert (
        client.get(reverse("service_levels:detail", args=[portfolio.b.service_level.pk])).status_code == 404
    )
    assert client.get(reverse("service_levels:edit", args=[sl.pk])).status_code == 403


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_viewers_and_auditors_read_without_forms(request, client_for, portfolio, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    sl = portfolio.a.service_level
    page = client.get(reverse("service_levels:detail", args=[sl.pk])).content.decode()
    assert sl.metric.name in page and reverse("service_levels:edit", args=[sl.pk]) not in page
    for name in ("service_levels:edit", "service_levels:retire", "service_levels:delete"):
        assert client.post(reverse(name, args=[sl.pk])).status_code == 403
    assert client.get(reverse("service_levels:new", args=[portfolio.a.sow.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        service_level_retire(service_level=sl, actor=user, effective_to=dt.date(2026, 12, 31), reason="x")


def test_the_detail_page_runs_a_fixed_number_of_queries(client_for, manager, sow, availability):
    sl = factories.ServiceLevelFactory(contract=sow, metric=availability, kind="csl")
    client = client_for(manager)
    client.get(reverse("service_levels:detail", args=[sl.pk]))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("service_levels:detail", args=[sl.pk]))
    for shortfall in range(5):
        CreditTier.objects.create(
            service_level=sl, shortfall=Decimal(shortfall), factor_percent=Decimal("50")
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("service_levels:detail", args=[sl.pk]))
    assert len(many) == len(few)


def test_a_service_level_the_portal_set_up_stays_editable(client_for, manager, sow):
    computed = factories.MetricFactory(
        code="on-time-delivery", name="On-time delivery", computed_by_portal=True
    )
    sl = factories.ServiceLevelFactory(contract=sow, metric=computed)
    client = client_for(manager)

    new_form = client.get(reverse("service_levels:new", args=[sow.pk])).context["form"]
    assert computed not in new_form.fields["metric"].queryset

    data = form_data(
        computed, kind="kpi", credit_allocation_percent="0", target="99.5", minimum="98", weight="25"
    )
    data.update({"tiers-0-shortfall": "", "tiers-0-factor_percent": ""})
    response = client.post(reverse("service_levels:edit", args=[sl.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    sl.refresh_from_db()
    assert sl.weight == 25
