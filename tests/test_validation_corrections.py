"""Correction requests through the pages: the vendor asks, a manager accepts or rejects in the validation
queue or on the figure's page, and both sides see the request and its outcome."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import TokenScope
from kpis import services
from kpis.models import Measurement, MeasurementStatus
from tests.factories import MeasurementFactory, ServiceLevelFactory, SOWFactory
from tests.test_api import api

pytestmark = pytest.mark.django_db

QUEUE = reverse("measurements:validation")


def detail(figure):
    return reverse("measurements:detail", args=[figure.pk])


def decide(correction):
    return reverse("measurements:correction_decide", args=[correction.pk])


@pytest.fixture
def validated(vendor_a, manager):
    """A vendor A figure a manager entered (it counts on the client's side)."""
    sl = ServiceLevelFactory(contract=SOWFactory(vendor=vendor_a))
    return services.measurement_submit(
        service_level=sl, measured_on=date(2026, 3, 15), value="97", actor=manager
    )


@pytest.fixture
def requested(validated, vendor_a_user):
    return services.measurement_correct(
        measurement=validated, value="99.8", reason="The outage was planned", actor=vendor_a_user
    )


def test_vendor_correction_of_a_counting_figure_becomes_a_request(client_for, validated, vendor_a_user):
    client = client_for(vendor_a_user)
    form_page = client.get(reverse("measurements:correct", args=[validated.pk])).content.decode()
    assert "your correction is a request" in form_page and "Request the correction" in form_page

    response = client.post(
        reverse("measurements:correct", args=[validated.pk]),
        {"value": "99.8", "correction_reason": "The outage was planned"},
    )

    assert response.status_code == 302 and response.url == detail(validated) + "#corrections"
    request = Measurement.objects.get(corrects=validated)
    assert (request.status, request.is_current, request.value) == (
        MeasurementStatus.REQUESTED,
        False,
        Decimal("99.8"),
    )
    validated.refresh_from_db()
    assert validated.is_current
    page = client.get(response.url).content.decode()
    assert "Correction requested: the figure keeps counting" in page
    assert 'id="corrections"' in page and "Correction requested" in page and "The outage was planned" in page
    # The vendor sees the request but cannot decide it.
    assert "Decide the correction" not in page
    assert client.post(decide(request), {"decision": "accept"}).status_code == 403


def test_manager_rejects_from_the_queue_and_the_vendor_reads_why(
    client_for, requested, validated, manager, vendor_a_user
):
    client = client_for(manager)
    page = client.get(QUEUE).content.decode()
    assert 'id="correction-requests"' in page and f'action="{decide(requested)}"' in page
    assert "The outage was planned" in page

    refused = client.post(decide(requested), {"decision": "reject", "reason": "", "next": QUEUE})
    assert refused.status_code == 302
    requested.refresh_from_db()
    assert requested.status == MeasurementStatus.REQUESTED

    client.post(
        decide(requested), {"decision": "reject", "reason": "No maintenance window agreed", "next": QUEUE}
    )

    requested.refresh_from_db()
    validated.refresh_from_db()
    assert (requested.status, requested.review_reason, validated.is_current) == (
        MeasurementStatus.REJECTED,
        "No maintenance window agreed",
        True,
    )
    assert f'action="{decide(requested)}"' not in client.get(QUEUE).content.decode()
    vendor_page = client_for(vendor_a_user).get(detail(validated)).content.decode()
    assert "Correction rejected" in vendor_page and "No maintenance window agreed" in vendor_page


def test_manager_accepts_on_the_figure_page(client_for, requested, validated, manager):
    client = client_for(manager)
    assert f'action="{decide(requested)}"' in client.get(detail(validated)).content.decode()

    client.post(decide(requested), {"decision": "accept", "reason": "", "next": detail(validated)})

    requested.refresh_from_db()
    validated.refresh_from_db()
    assert (requested.status, requested.is_current, requested.supersedes, validated.is_current) == (
        MeasurementStatus.VALIDATED,
        True,
        validated,
        False,
    )


def test_other_vendors_and_viewers_cannot_reach_a_request(client_for, requested, vendor_b_user, viewer):
    assert client_for(vendor_b_user).post(decide(requested), {"decision": "accept"}).status_code == 404
    assert client_for(vendor_b_user).get(detail(requested)).status_code == 404
    assert client_for(viewer).post(decide(requested), {"decision": "accept"}).status_code == 403
    requested.refresh_from_db()
    assert requested.status == MeasurementStatus.REQUESTED


def test_the_queue_lists_requests_in_a_constant_number_of_queries(
    client_for, manager, vendor_a_user, vendor_a
):
    client = client_for(manager)
    sl = ServiceLevelFactory(contract=SOWFactory(vendor=vendor_a))

    days = iter(date(2026, 3, 1) + timedelta(days=i) for i in range(20))

    def add(n):
        for _ in range(n):
            figure = MeasurementFactory(service_level=sl, measured_on=next(days))
            Measurement.objects.filter(pk=figure.pk).update(status=MeasurementStatus.VALIDATED)
            figure.refresh_from_db()
            services.measurement_correct(
                measurement=figure, value="99", reason="Recount", actor=vendor_a_user
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        return len(queries)

    add(2)
    small = count()
    add(10)
    assert count() == small
    assert client.get(QUEUE).content.decode().count("Decide the correction") == 12


def test_a_vendor_correction_through_the_api_is_a_request_too(validated, vendor_a_user):
    client = api(vendor_a_user, TokenScope.WRITE)
    url = f"/api/v1/measurements/{validated.pk}/correct/"

    response = client.post(
        url, {"value": "99.8", "reason": "Planned outage"}, content_type="application/json"
    )
    again = client.post(url, {"value": "99.9", "reason": "Again"}, content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["is_current"], body["corrects"], body["supersedes"]) == (
        "requested",
        False,
        validated.pk,
        None,
    )
    assert again.status_code == 409
    validated.refresh_from_db()
    assert validated.is_current
