"""The managers' validation queue: which figures wait, filters, validating or disputing one or many."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from kpis import services
from kpis.models import EvidenceFile, Measurement, MeasurementStatus
from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = reverse("measurements:validation")
REVIEW = reverse("measurements:review")


def vendor_figure(service_level, submitter, day=date(2026, 3, 20), **fields) -> Measurement:
    return Measurement.objects.create(
        service_level=service_level, measured_on=day, value=Decimal("99.5"), submitted_by=submitter, **fields
    )


@pytest.fixture
def waiting(portfolio, vendor_a_user, vendor_b_user, manager):
    """Two of A's figures and one of B's waiting, and figures that must not be in the queue."""
    a, b = portfolio.a.service_level, portfolio.b.service_level
    figures = {
        "a1": vendor_figure(a, vendor_a_user, day=date(2026, 3, 20)),
        "a2_late": vendor_figure(a, vendor_a_user, day=date(2026, 3, 21), is_late=True),
        "b1": vendor_figure(b, vendor_b_user),
        "validated": vendor_figure(a, vendor_a_user, status=MeasurementStatus.VALIDATED),
        "disputed": vendor_figure(a, vendor_a_user, status=MeasurementStatus.DISPUTED),
        "by_manager": vendor_figure(a, manager),
    }
    old = vendor_figure(a, vendor_a_user, day=date(2026, 3, 22))
    figures["corrected"] = services.measurement_correct(
        measurement=old, value="99.9", reason="Recount", actor=vendor_a_user
    )
    figures["superseded"] = old
    return figures


def shown(client, **query):
    return list(client.get(QUEUE, query).context["page_obj"])


def test_the_queue_holds_current_vendor_figures_waiting(client_for, waiting, manager):
    queue = shown(client_for(manager))

    expected = [waiting[name] for name in ("a1", "a2_late", "b1", "corrected")]
    assert sorted(queue, key=lambda m: m.pk) == sorted(expected, key=lambda m: m.pk)


def test_filters_by_vendor_service_level_and_lateness(client_for, portfolio, waiting, manager):
    client = client_for(manager)

    assert set(shown(client, vendor_id=portfolio.b.vendor.pk)) == {waiting["b1"]}
    # The correction came after March's deadline, so it is late too.
    assert set(shown(client, late="on")) == {waiting["a2_late"], waiting["corrected"]}
    response = client.get(QUEUE, {"vendor_id": portfolio.a.vendor.pk})
    service_levels = dict(response.context["form"].fields["service_level_id"].choices)
    assert (
        portfolio.a.service_level.pk in service_levels and portfolio.b.service_level.pk not in service_levels
    )
    vendors = dict(response.context["form"].fields["vendor_id"].choices)
    assert vendors[portfolio.a.vendor.pk] == f"{portfolio.a.vendor.name} (3)"
    assert set(
        shown(client, vendor_id=portfolio.a.vendor.pk, service_level_id=portfolio.a.service_level.pk)
    ) == {
        waiting["a1"],
        waiting["a2_late"],
        waiting["corrected"],
    }


def test_the_queue_is_paginated(client_for, portfolio, vendor_a_user, manager):
    for day in range(1, 56):
        vendor_figure(portfolio.a.service_level, vendor_a_user, day=date(2026, 4, 1 + day % 30))
    client = client_for(manager)

    assert len(shown(client)) == 50
    assert len(shown(client, page=2)) == 5


def test_bulk_validate(client_for, waiting, manager):
    ids = [waiting["a1"].pk, waiting["b1"].pk]
    response = client_for(manager).post(REVIEW, {"ids": ids, "decision": "validate"}, follow=True)

    assert "2 figures validated." in response.content.decode()
    for name in ("a1", "b1"):
        waiting[name].refresh_from_db()
        assert (waiting[name].status, waiting[name].reviewed_by) == (MeasurementStatus.VALIDATED, manager)
    events = AuditEvent.objects.filter(action="kpis.measurement.validated")
    assert sorted(int(e.object_id) for e in events) == sorted(ids)
    assert {e.changes["status"][1] for e in events} == {"validated"}


def test_reviewing_twice_changes_each_figure_once(client_for, waiting, manager):
    client = client_for(manager)
    client.post(REVIEW, {"ids": [waiting["a1"].pk], "decision": "validate"})

    response = client.post(
        REVIEW, {"ids": [waiting["a1"].pk], "decision": "dispute", "reason": "late change"}, follow=True
    )

    assert "0 figures disputed. 1 had already been reviewed" in response.content.decode()
    waiting["a1"].refresh_from_db()
    assert waiting["a1"].status == MeasurementStatus.VALIDATED
    assert (
        AuditEvent.objects.filter(object_id=str(waiting["a1"].pk), action__startswith="kpis.measurement.")
        .exclude(action="kpis.measurement.created")
        .count()
        == 1
    )


def test_a_dispute_needs_a_reason_the_vendor_then_sees(client_for, waiting, manager, vendor_a_user):
    client = client_for(manager)
    ids = [waiting["a1"].pk, waiting["a2_late"].pk]

    response = client.post(REVIEW, {"ids": ids, "decision": "dispute", "reason": "  "}, follow=True)
    assert "Say why the figures are disputed" in response.content.decode()
    assert Measurement.objects.filter(pk__in=ids, status=MeasurementStatus.SUBMITTED).count() == 2

    client.post(REVIEW, {"ids": ids, "decision": "dispute", "reason": "Monitoring shows 97.1"})
    for pk in ids:
        figure = Measurement.objects.get(pk=pk)
        assert (figure.status, figure.review_reason) == (MeasurementStatus.DISPUTED, "Monitoring shows 97.1")
    assert (
        AuditEvent.objects.filter(action="kpis.measurement.disputed", note="Monitoring shows 97.1").count()
        == 2
    )
    vendor_page = client_for(vendor_a_user).get(reverse("measurements:list")).content.decode()
    assert "Monitoring shows 97.1" in vendor_page


def test_one_figure_with_its_own_button(client_for, waiting, manager):
    client_for(manager).post(REVIEW, {"ids": [waiting["b1"].pk], "only": waiting["a1"].pk})

    waiting["a1"].refresh_from_db()
    waiting["b1"].refresh_from_db()
    assert (waiting["a1"].status, waiting["b1"].status) == (
        MeasurementStatus.VALIDATED,
        MeasurementStatus.SUBMITTED,
    )


def test_review_from_the_figure_page_returns_there(client_for, waiting, manager):
    detail = reverse("measurements:detail", args=[waiting["a1"].pk])
    page = client_for(manager).get(detail).content.decode()
    assert 'name="decision" value="dispute"' in page

    response = client_for(manager).post(
        REVIEW, {"ids": [waiting["a1"].pk], "decision": "dispute", "reason": "Wrong day", "next": detail}
    )
    assert response.url == detail
    response = client_for(manager).post(
        REVIEW, {"ids": [waiting["a2_late"].pk], "decision": "validate", "next": "https://evil.test/"}
    )
    assert response.url == QUEUE


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "validate"},
        {"ids": [1], "decision": "approve"},
        {"ids": ["x"], "decision": "validate"},
        {},
    ],
)
def test_bad_review_requests_change_nothing(client_for, waiting, manager, data):
    response = client_for(manager).post(REVIEW, data)

    assert response.status_code == 302
    assert not AuditEvent.objects.filter(
        action__in=["kpis.measurement.validated", "kpis.measurement.disputed"]
    ).exists()


def test_only_managers_review(client_for, waiting, viewer, auditor, vendor_a_user):
    for user in (viewer, auditor, vendor_a_user):
        response = client_for(user).post(REVIEW, {"ids": [waiting["a1"].pk], "decision": "validate"})
        assert response.status_code == 403
    waiting["a1"].refresh_from_db()
    assert waiting["a1"].status == MeasurementStatus.SUBMITTED
    # Viewers may look at the queue without the review controls; vendor users may not.
    page = client_for(viewer).get(QUEUE)
    assert page.status_code == 200 and 'name="ids"' not in page.content.decode()
    assert client_for(vendor_a_user).get(QUEUE).status_code == 403


def test_a_figure_the_manager_cannot_see_is_left_alone(waiting, manager, vendor_a_user):
    with pytest.raises(PermissionDenied):
        services.measurement_review(measurements=[waiting["b1"]], actor=vendor_a_user, decision="validate")
    with pytest.raises(ValidationError):
        services.measurement_review(measurements=[waiting["b1"]], actor=manager, decision="maybe")
    waiting["b1"].refresh_from_db()
    assert waiting["b1"].status == MeasurementStatus.SUBMITTED


def test_csrf_is_enforced(waiting, manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(REVIEW, {"ids": [waiting["a1"].pk], "decision": "validate"})

    assert response.status_code == 403
    waiting["a1"].refresh_from_db()
    assert waiting["a1"].status == MeasurementStatus.SUBMITTED


def _add_waiting(count, submitters):
    for n in range(count):
        vendor = factories.VendorFactory()
        user = factories.VendorUserFactory(vendor=vendor)
        sl = factories.ServiceLevelFactory(contract=factories.SOWFactory(vendor=vendor))
        figure = vendor_figure(sl, user, is_late=n % 2 == 0)
        EvidenceFile.objects.create(
            file=f"evidence/q{n}.pdf",
            original_name="proof.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            vendor=vendor,
            measurement=figure,
            uploaded_at=datetime(2026, 3, 20, tzinfo=UTC),
        )
        submitters.append(user)


def test_the_queue_runs_a_constant_number_of_queries(client_for, manager):
    client = client_for(manager)
    submitters = []
    _add_waiting(3, submitters)

    def count(query=None):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE, query or {}).status_code == 200
        return len(queries)

    small = count()
    small_filtered = count({"vendor_id": submitters[0].vendor_id, "late": "on"})
    _add_waiting(30, submitters)

    # session, user, vendors waiting (with counts), count, page of figures (with vendor, service level,
    # submitter, corrections), their evidence, the open correction requests, the open figure disputes;
    # a vendor filter adds its service levels.
    assert count() == small == 8
    assert count({"vendor_id": submitters[0].vendor_id, "late": "on"}) == small_filtered == 9


def test_the_rows_own_button_with_htmx_swaps_the_row(client_for, waiting, manager):
    client = client_for(manager)
    data = {"ids": [waiting["b1"].pk], "only": waiting["a1"].pk}

    response = client.post(REVIEW, data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<tr class="is-reviewed">') and "Validated" in page
    waiting["a1"].refresh_from_db()
    assert waiting["a1"].status == MeasurementStatus.VALIDATED
    assert "Already reviewed" in client.post(REVIEW, data, HTTP_HX_REQUEST="true").content.decode()
    queue_page = client.get(QUEUE).content.decode()
    assert (
        'hx-post="/measurements/validation/review/"' in queue_page and 'hx-target="closest tr"' in queue_page
    )
