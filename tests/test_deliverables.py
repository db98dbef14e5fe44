"""Deliverables: the vendor delivers with evidence, the approver accepts or rejects with a reason,
overdue detection, the lists, and the delivery metrics the engine scores."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from contracts.models import DeliverableEvidence, DeliverableStatus
from contracts.services import (
    deliverable_accept,
    deliverable_deliver,
    deliverable_reject,
    flag_overdue_deliverables,
)
from kpis.engine import run_evaluation
from kpis.models import Measurement, MeasurementSource, Scorecard, ServiceLevel
from kpis.services.delivery_metrics import record_delivery_metrics
from tests import factories
from tests.factories_contracts import PDF_BYTES

pytestmark = pytest.mark.django_db


def pdf(name="handover.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def at(day: dt.date, hour=12):
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def sow(vendor_a, manager):
    return factories.SOWFactory(vendor=vendor_a, owner=manager, reference="SOW-D")


@pytest.fixture
def deliverable(sow, manager):
    return factories.DeliverableFactory(contract=sow, title="Design document", due_date=dt.date(2026, 3, 31))


def test_the_vendor_delivers_with_evidence(deliverable, vendor_a_user):
    deliverable_deliver(deliverable=deliverable, actor=vendor_a_user, evidence=pdf(), note="See chapter 3.")
    deliverable.refresh_from_db()
    assert deliverable.status == DeliverableStatus.DELIVERED
    assert deliverable.delivered_by == vendor_a_user and deliverable.first_delivered_at
    evidence = DeliverableEvidence.objects.get(deliverable=deliverable)
    assert evidence.original_name == "handover.pdf"
    assert evidence.file.name.startswith("deliverables/") and "handover" not in evidence.file.name
    assert evidence.file.name.endswith(".pdf")
    event = AuditEvent.objects.get(action="contracts.deliverable.delivered")
    assert event.changes["status"] == ["planned", "delivered"] and event.note == "See chapter 3."


def test_only_the_vendors_own_users_deliver(deliverable, vendor_b_user, manager):
    with pytest.raises(PermissionDenied):
        deliverable_deliver(deliverable=deliverable, actor=vendor_b_user, evidence=pdf())
    with pytest.raises(PermissionDenied):
        deliverable_deliver(deliverable=deliverable, actor=manager, evidence=pdf())


def test_evidence_is_checked_by_content(deliverable, vendor_a_user, settings):
    with pytest.raises(ValidationError) as error:
        deliverable_deliver(
            deliverable=deliverable,
            actor=vendor_a_user,
            evidence=SimpleUploadedFile("report.pdf", b"MZ\x90\x00binary", content_type="application/pdf"),
        )
    assert "evidence" in error.value.message_dict
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as error:
        deliverable_deliver(deliverable=deliverable, actor=vendor_a_user, evidence=pdf())
    assert "larger than the limit" in str(error.value)
    deliverable.refresh_from_db()
    assert deliverable.status == DeliverableStatus.PLANNED
    assert not DeliverableEvidence.objects.exists()


def test_reject_needs_a_reason_then_the_vendor_delivers_again(deliverable, vendor_a_user, manager):
    deliverable_deliver(deliverable=deliverable, actor=vendor_a_user, evidence=pdf())
    with pytest.raises(ValidationError) as error:
        deliverable_reject(deliverable=deliverable, actor=manager, reason=" ")
    assert "reason" in error.value.message_dict
    deliverable_reject(deliverable=deliverable, actor=manager, reason="Chapter 4 is missing.")
    deliverable.refresh_from_db()
    assert (deliverable.status, deliverable.rejection_count) == (DeliverableStatus.REJECTED, 1)
    first = deliverable.first_delivered_at
    deliverable_deliver(deliverable=deliverable, actor=vendor_a_user, evidence=pdf("v2.pdf"))
    deliverable.refresh_from_db()
    assert deliverable.first_delivered_at == first
    assert sorted(deliverable.evidence.values_list("delivery_number", flat=True)) == [1, 2]
    deliverable_accept(deliverable=deliverable, actor=manager)
    deliverable.refresh_from_db()
    assert deliverable.status == DeliverableStatus.ACCEPTED and deliverable.accepted_by == manager
    codes = list(
        AuditEvent.objects.filter(action__startswith="contracts.deliverable.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert codes == [
        "contracts.deliverable.delivered",
        "contracts.deliverable.rejected",
        "contracts.deliverable.delivered",
        "contracts.deliverable.accepted",
    ]


def test_the_named_approver_decides_even_without_the_manager_role(deliverable, vendor_a_user, viewer):
    other_viewer = factories.InternalUserFactory(role=Role.VIEWER)
    deliverable.approver = viewer
    deliverable.save()
    deliverable_deliver(deliverable=deliverable, actor=vendor_a_user, evidence=pdf())
    with pytest.raises(PermissionDenied):
        deliverable_accept(deliverable=deliverable, actor=other_viewer)
    with pytest.raises(PermissionDenied):
        deliverable_accept(deliverable=deliverable, actor=vendor_a_user)
    deliverable_accept(deliverable=deliverable, actor=viewer)
    assert deliverable.status == DeliverableStatus.ACCEPTED


def test_nothing_to_accept_before_delivery(deliverable, manager):
    with pytest.raises(PermissionDenied):
        deliverable_accept(deliverable=deliverable, actor=manager)


def test_overdue_is_flagged_once(deliverable, sow, vendor_a_user):
    on_time = factories.DeliverableFactory(contract=sow, due_date=dt.date(2026, 5, 31))
    assert flag_overdue_deliverables(now=at(dt.date(2026, 3, 31))) == []
    assert flag_overdue_deliverables(now=at(dt.date(2026, 4, 1))) == [deliverable.pk]
    assert flag_overdue_deliverables(now=at(dt.date(2026, 4, 2))) == []
    deliverable_deliver(deliverable=on_time, actor=vendor_a_user, evidence=pdf())
    assert flag_overdue_deliverables(now=at(dt.date(2026, 6, 5))) == []
    events = AuditEvent.objects.filter(action="contracts.deliverable.overdue")
    assert list(events.values_list("object_id", flat=True)) == [str(deliverable.pk)]


def test_detail_page_workflow_through_the_views(client_for, deliverable, vendor_a_user, manager):
    vendor = client_for(vendor_a_user)
    url = reverse("contracts:deliverable_detail", args=[deliverable.pk])
    assert "Mark delivered" in vendor.get(url).content.decode()
    response = vendor.post(reverse("contracts:deliverable_deliver", args=[deliverable.pk]), {"note": "x"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = vendor.post(
        reverse("contracts:deliverable_deliver", args=[deliverable.pk]), {"evidence": pdf(), "note": "Done."}
    )
    assert response.status_code == 302
    staff = client_for(manager)
    page = staff.get(url).content.decode()
    assert "Accept" in page and "handover.pdf" in page
    response = staff.post(reverse("contracts:deliverable_reject", args=[deliverable.pk]), {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    staff.post(reverse("contracts:deliverable_reject", args=[deliverable.pk]), {"reason": "Incomplete."})
    assert "Incomplete." in vendor.get(url).content.decode()
    assert vendor.post(reverse("contracts:deliverable_accept", args=[deliverable.pk])).status_code == 403


def test_evidence_download_is_access_checked(client_for, deliverable, vendor_a_user, vendor_b_user, manager):
    deliverable_deliver(deliverable=deliverable, actor=vendor_a_user, evidence=pdf())
    evidence = DeliverableEvidence.objects.get()
    url = reverse("contracts:deliverable_evidence", args=[evidence.pk])
    response = client_for(manager).get(url)
    assert response.status_code == 200
    assert (
        response["Content-Disposition"].startswith("attachment")
        and "handover.pdf" in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert client_for(vendor_a_user).get(url).status_code == 200
    assert client_for(vendor_b_user).get(url).status_code == 404
    detail = reverse("contracts:deliverable_detail", args=[deliverable.pk])
    assert client_for(vendor_b_user).get(detail).status_code == 404


def test_portfolio_list_filters_and_keeps_a_constant_query_count(
    client_for, manager, vendor_a_user, sow, vendor_b, django_assert_max_num_queries
):
    sow_b = factories.SOWFactory(vendor=vendor_b)
    overdue = factories.DeliverableFactory(contract=sow, title="Late plan", due_date=dt.date(2020, 1, 31))
    factories.DeliverableFactory(contract=sow, title="Future plan", due_date=dt.date(2099, 1, 31))
    factories.DeliverableFactory(contract=sow_b, title="Globex runbook", due_date=dt.date(2099, 1, 31))
    staff = client_for(manager)
    url = reverse("contracts:deliverable_list")
    page = staff.get(url).content.decode()
    assert "Late plan" in page and "Globex runbook" in page
    page = staff.get(url, {"overdue": "on"}).content.decode()
    assert "Late plan" in page and "Future plan" not in page
    page = staff.get(url, {"vendor_id": vendor_b.pk}).content.decode()
    assert "Globex runbook" in page and "Late plan" not in page
    page = staff.get(url, {"status": "accepted"}).content.decode()
    assert "No deliverables match" in page
    vendor_page = client_for(vendor_a_user).get(url).content.decode()
    assert "Late plan" in vendor_page and "Globex" not in vendor_page
    with django_assert_max_num_queries(12) as first:
        staff.get(url)
    for n in range(15):
        factories.DeliverableFactory(contract=sow_b if n % 2 else sow, title=f"Extra {n}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        staff.get(url)
    per_contract = staff.get(reverse("contracts:deliverables", args=[sow.pk])).content.decode()
    assert "Late plan" in per_contract and "Globex runbook" not in per_contract
    assert overdue.title in per_contract


def test_delivery_metrics_feed_the_scorecard(sow, vendor_a_user, manager, time_machine):
    # March 2026: two deliverables due; one delivered on time and accepted first time, one late and rejected.
    good = factories.DeliverableFactory(contract=sow, title="Good", due_date=dt.date(2026, 3, 10))
    late = factories.DeliverableFactory(contract=sow, title="Late", due_date=dt.date(2026, 3, 20))
    time_machine.move_to(at(dt.date(2026, 3, 5)), tick=False)
    deliverable_deliver(deliverable=good, actor=vendor_a_user, evidence=pdf())
    deliverable_accept(deliverable=good, actor=manager)
    time_machine.move_to(at(dt.date(2026, 3, 25)), tick=False)
    deliverable_deliver(deliverable=late, actor=vendor_a_user, evidence=pdf())
    deliverable_reject(deliverable=late, actor=manager, reason="Wrong format.")

    time_machine.move_to(at(dt.date(2026, 4, 3)), tick=False)
    run = record_delivery_metrics(now=timezone.now())
    assert len(run.created_service_levels) == 2
    on_time = ServiceLevel.objects.get(contract=sow, metric__code="on-time-delivery")
    first_time = ServiceLevel.objects.get(contract=sow, metric__code="first-time-acceptance")
    assert on_time.metric.category == "delivery" and on_time.effective_from == dt.date(2026, 3, 1)
    figure = Measurement.objects.get(service_level=on_time, is_current=True)
    assert (figure.value, figure.source, figure.measured_on) == (
        Decimal("50"),
        MeasurementSource.SYSTEM,
        dt.date(2026, 3, 31),
    )
    assert figure.note == "1 of 2 deliverables due delivered on time"
    assert Measurement.objects.get(service_level=first_time).value == Decimal("50")

    # Idempotent: nothing new on a second run.
    again = record_delivery_metrics(now=timezone.now())
    assert again.recorded == [] and again.created_service_levels == []

    run_evaluation(now=timezone.now())
    card = Scorecard.objects.get(vendor=sow.vendor, period_start=dt.date(2026, 3, 1))
    assert card.delivery_score == Decimal("0")  # both breached (50% < minimum)

    # The rejected deliverable is delivered again and accepted: on-time stays 50%, first-time stays 50%
    # (it was rejected once); a new on-time deliverable in March changes both figures and supersedes them.
    extra = factories.DeliverableFactory(contract=sow, title="Extra", due_date=dt.date(2026, 3, 31))
    extra.first_delivered_at = at(dt.date(2026, 3, 30))
    extra.status = DeliverableStatus.ACCEPTED
    extra.accepted_by, extra.accepted_at = manager, at(dt.date(2026, 3, 31))
    extra.save()
    rerun = record_delivery_metrics(now=timezone.now())
    assert len(rerun.superseded) == 2
    current = Measurement.objects.get(service_level=on_time, is_current=True)
    assert current.value == Decimal("66.6667") and current.supersedes == figure
    run_evaluation(now=timezone.now())
    card.refresh_from_db()
    assert card.delivery_score == Decimal("0")  # still under the minimum, now on the corrected figures

    # April: everything due is delivered on time and accepted first time → the delivery score is 100.
    april = factories.DeliverableFactory(contract=sow, title="April", due_date=dt.date(2026, 4, 15))
    time_machine.move_to(at(dt.date(2026, 4, 10)), tick=False)
    deliverable_deliver(deliverable=april, actor=vendor_a_user, evidence=pdf())
    deliverable_accept(deliverable=april, actor=manager)
    time_machine.move_to(at(dt.date(2026, 5, 3)), tick=False)
    record_delivery_metrics(now=timezone.now())
    run_evaluation(now=timezone.now())
    assert Scorecard.objects.get(vendor=sow.vendor, period_start=dt.date(2026, 4, 1)).delivery_score == 100


def test_months_with_nothing_due_count_as_met_not_missing(sow, manager, time_machine):
    factories.DeliverableFactory(contract=sow, title="Jan", due_date=dt.date(2026, 1, 20))
    time_machine.move_to(at(dt.date(2026, 3, 5)), tick=False)
    record_delivery_metrics(now=timezone.now())
    feb = Measurement.objects.get(
        service_level__metric__code="on-time-delivery", measured_on=dt.date(2026, 2, 28)
    )
    assert feb.value == 100 and feb.note == "No deliverables due"
    jan = Measurement.objects.get(
        service_level__metric__code="on-time-delivery", measured_on=dt.date(2026, 1, 31)
    )
    assert jan.value == 0
    assert not ServiceLevel.objects.exclude(contract=sow).exists()
