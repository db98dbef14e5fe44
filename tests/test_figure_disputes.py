"""A vendor disputes a figure with a reason; a manager upholds or rejects it; both sides see it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from kpis import services
from kpis.models import Dispute, DisputeStatus, Measurement

pytestmark = pytest.mark.django_db

QUEUE = reverse("measurements:validation")


def dispute_url(figure):
    return reverse("measurements:dispute", args=[figure.pk])


def resolve_url(dispute):
    return reverse("measurements:dispute_resolve", args=[dispute.pk])


@pytest.fixture
def entered_by_manager(portfolio, manager):
    """A figure a manager corrected on vendor A's behalf: what a vendor is likely to dispute."""
    return services.measurement_correct(
        measurement=portfolio.a.measurement, value="97.5", reason="From our own monitoring", actor=manager
    )


def test_vendor_disputes_a_figure_from_its_page(client_for, entered_by_manager, vendor_a_user, vendor_a):
    client = client_for(vendor_a_user)
    page = client.get(reverse("measurements:detail", args=[entered_by_manager.pk])).content.decode()
    assert "Dispute this figure" in page and f'action="{dispute_url(entered_by_manager)}"' in page

    response = client.post(dispute_url(entered_by_manager), {"reason": "The outage was planned maintenance."})

    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.measurement, dispute.vendor, dispute.raised_by, dispute.status) == (
        entered_by_manager,
        vendor_a,
        vendor_a_user,
        DisputeStatus.OPEN,
    )
    assert dispute.reason == "The outage was planned maintenance."
    event = AuditEvent.objects.get(action="kpis.dispute.created", object_id=str(dispute.pk))
    assert (event.actor, event.vendor_id, event.note) == (vendor_a_user, vendor_a.pk, dispute.reason)
    page = client.get(response.url).content.decode()
    assert "The outage was planned maintenance." in page and "Dispute this figure" not in page
    listing = client.get(reverse("measurements:list")).content.decode()
    assert "Vendor dispute: Open" in listing and "The outage was planned maintenance." in listing


def test_a_reason_is_required(client_for, entered_by_manager, vendor_a_user):
    response = client_for(vendor_a_user).post(dispute_url(entered_by_manager), {"reason": "  "})

    assert response.status_code == 200
    assert response.context["dispute_form"].errors["reason"]
    assert not Dispute.objects.exists()
    with pytest.raises(ValidationError):
        services.measurement_dispute(measurement=entered_by_manager, actor=vendor_a_user, reason="")


def test_another_vendor_gets_404_and_staff_cannot_dispute(
    client_for, entered_by_manager, vendor_b_user, manager, viewer
):
    assert client_for(vendor_b_user).post(dispute_url(entered_by_manager), {"reason": "x"}).status_code == 404
    assert client_for(manager).post(dispute_url(entered_by_manager), {"reason": "x"}).status_code == 403
    assert client_for(viewer).post(dispute_url(entered_by_manager), {"reason": "x"}).status_code == 403
    for actor in (vendor_b_user, manager):
        with pytest.raises(PermissionDenied):
            services.measurement_dispute(measurement=entered_by_manager, actor=actor, reason="x")
    assert not Dispute.objects.exists()


def test_a_second_open_dispute_of_the_same_figure_is_refused(client_for, entered_by_manager, vendor_a_user):
    services.measurement_dispute(measurement=entered_by_manager, actor=vendor_a_user, reason="First")

    with pytest.raises(ValidationError, match="already disputed"):
        services.measurement_dispute(measurement=entered_by_manager, actor=vendor_a_user, reason="Again")
    response = client_for(vendor_a_user).post(dispute_url(entered_by_manager), {"reason": "Again"})

    assert response.status_code == 200
    assert "already disputed" in response.content.decode()
    assert Dispute.objects.count() == 1
    # The database holds the line too, for two submits at the same moment.
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.create(
            measurement=entered_by_manager,
            vendor=entered_by_manager.service_level.contract.vendor,
            reason="Race",
        )


def test_a_superseded_figure_cannot_be_disputed(portfolio, entered_by_manager, vendor_a_user):
    with pytest.raises(ValidationError, match="corrected since"):
        services.measurement_dispute(measurement=portfolio.a.measurement, actor=vendor_a_user, reason="x")


def test_manager_resolves_from_the_validation_queue(client_for, entered_by_manager, vendor_a_user, manager):
    dispute = services.measurement_dispute(
        measurement=entered_by_manager, actor=vendor_a_user, reason="Planned maintenance window"
    )
    client = client_for(manager)
    queue = client.get(QUEUE).content.decode()
    assert "Planned maintenance window" in queue and f'action="{resolve_url(dispute)}"' in queue

    response = client.post(
        resolve_url(dispute),
        {"decision": "upheld", "resolution": "Agreed; we will correct it.", "next": QUEUE},
    )

    assert response.status_code == 302 and response.url == QUEUE
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_by, dispute.resolution) == (
        DisputeStatus.UPHELD,
        manager,
        "Agreed; we will correct it.",
    )
    assert AuditEvent.objects.filter(action="kpis.dispute.resolved", object_id=str(dispute.pk)).count() == 1
    assert "Planned maintenance window" not in client.get(QUEUE).content.decode()
    # The vendor sees the decision on the figure, and may dispute it again.
    vendor_page = client_for(vendor_a_user).get(reverse("measurements:detail", args=[entered_by_manager.pk]))
    text = vendor_page.content.decode()
    assert "Agreed; we will correct it." in text and "Dispute this figure" in text
    entered_by_manager.refresh_from_db()
    assert entered_by_manager.value == Decimal("97.5")  # a decision never rewrites the figure itself


def test_rejecting_needs_a_resolution_and_decides_once(
    client_for, entered_by_manager, vendor_a_user, manager
):
    dispute = services.measurement_dispute(
        measurement=entered_by_manager, actor=vendor_a_user, reason="Wrong"
    )
    client = client_for(manager)

    client.post(resolve_url(dispute), {"decision": "rejected", "resolution": ""})
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN

    client.post(resolve_url(dispute), {"decision": "rejected", "resolution": "Our monitoring shows it."})
    response = client.post(
        resolve_url(dispute), {"decision": "upheld", "resolution": "Changed my mind"}, follow=True
    )

    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution) == (DisputeStatus.REJECTED, "Our monitoring shows it.")
    assert "already been decided" in response.content.decode()
    assert AuditEvent.objects.filter(action="kpis.dispute.resolved", object_id=str(dispute.pk)).count() == 1


def test_only_managers_resolve_and_other_vendors_get_404(
    client_for, entered_by_manager, vendor_a_user, vendor_b_user, viewer
):
    dispute = services.measurement_dispute(
        measurement=entered_by_manager, actor=vendor_a_user, reason="Wrong"
    )
    data = {"decision": "upheld", "resolution": "Yes"}

    assert client_for(vendor_b_user).post(resolve_url(dispute), data).status_code == 404
    assert client_for(vendor_a_user).post(resolve_url(dispute), data).status_code == 403
    assert client_for(viewer).post(resolve_url(dispute), data).status_code == 403
    assert client_for(vendor_a_user).get(resolve_url(dispute)).status_code == 405
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_csrf_is_enforced(entered_by_manager, vendor_a_user, manager):
    vendor = Client(enforce_csrf_checks=True)
    vendor.force_login(vendor_a_user)
    assert vendor.post(dispute_url(entered_by_manager), {"reason": "x"}).status_code == 403
    assert not Dispute.objects.exists()

    dispute = services.measurement_dispute(measurement=entered_by_manager, actor=vendor_a_user, reason="x")
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(manager)
    assert staff.post(resolve_url(dispute), {"decision": "upheld", "resolution": "y"}).status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def _disputed_figures(portfolio, count, vendor_user):
    service_level = portfolio.a.service_level
    for day in range(count):
        figure = Measurement.objects.create(
            service_level=service_level, measured_on=date(2026, 5, 1 + day % 28), value=Decimal("99.1")
        )
        services.measurement_dispute(measurement=figure, actor=vendor_user, reason=f"Reason {day}")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("actor", ["vendor_a_user", "manager"])
def test_pages_showing_disputes_run_a_constant_number_of_queries(request, client_for, portfolio, actor):
    vendor_user = request.getfixturevalue("vendor_a_user")
    client = client_for(request.getfixturevalue(actor))
    urls = [reverse("measurements:list")] + ([QUEUE] if actor == "manager" else [])
    _disputed_figures(portfolio, 2, vendor_user)
    small = [_queries(client, url) for url in urls]
    _disputed_figures(portfolio, 20, vendor_user)

    assert [_queries(client, url) for url in urls] == small
    page = client.get(urls[-1]).content.decode()
    assert "Reason 0" in page and "Reason 19" in page
