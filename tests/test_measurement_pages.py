"""The figure pages: submitting one figure, correcting it, its history and evidence, and "My figures"."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis import services
from kpis.models import (
    Breach,
    BreachKind,
    BreachSeverity,
    BreachStatus,
    EvidenceFile,
    Measurement,
    MeasurementSource,
    MeasurementStatus,
    PendingEvaluation,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _clock(settings, tmp_path):
    settings.TIME_ZONE = "UTC"
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        yield


def submit_data(service_level, **overrides):
    data = {"service_level": service_level.pk, "measured_on": "2026-06-10", "value": "99.95", "note": ""}
    data.update(overrides)
    return data


# --- Submitting one figure -----------------------------------------------------------------------------


def test_the_form_offers_only_the_users_service_levels(client_for, portfolio, vendor_a_user):
    response = client_for(vendor_a_user).get(reverse("measurements:new"))

    choices = list(response.context["form"].fields["service_level"].queryset)
    assert choices == [portfolio.a.service_level]
    assert portfolio.b.sow.reference not in response.content.decode()


def test_a_vendor_user_submits_a_figure(client_for, portfolio, vendor_a_user):
    sl = portfolio.a.service_level
    response = client_for(vendor_a_user).post(reverse("measurements:new"), submit_data(sl, note="Monitoring"))

    figure = Measurement.objects.get(service_level=sl, measured_on=date(2026, 6, 10))
    assert response.status_code == 302 and response.url == reverse("measurements:detail", args=[figure.pk])
    assert (figure.value, figure.note, figure.source) == (
        Decimal("99.95"),
        "Monitoring",
        MeasurementSource.FORM,
    )
    assert (figure.submitted_by, figure.status, figure.is_late) == (
        vendor_a_user,
        MeasurementStatus.SUBMITTED,
        False,
    )


def test_a_late_figure_is_accepted_marked_late_and_its_period_queued(client_for, portfolio, vendor_a_user):
    sl = portfolio.a.service_level  # monthly with five grace days: May closed on 6 June
    response = client_for(vendor_a_user).post(
        reverse("measurements:new"), submit_data(sl, measured_on="2026-05-20"), follow=True
    )

    figure = Measurement.objects.get(measured_on=date(2026, 5, 20))
    assert figure.is_late
    assert "marked late" in response.content.decode()
    assert PendingEvaluation.objects.filter(service_level=sl, period_start=date(2026, 5, 1)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"measured_on": "2026-06-16"}, "measured_on", "Figures cannot be reported for a future date."),
        ({"measured_on": "2025-12-31"}, "measured_on", "outside the service level&#x27;s effective period"),
        ({"measured_on": ""}, "measured_on", "This field is required."),
        ({"value": "120"}, "value", "The value cannot be above 100 %."),
        ({"value": "lots"}, "value", "Enter a number."),
        ({"value": "99.5", "denominator": "100"}, "denominator", "Only ratio metrics take a denominator."),
    ],
)
def test_field_errors_are_shown_on_the_form(client_for, portfolio, vendor_a_user, overrides, field, message):
    response = client_for(vendor_a_user).post(
        reverse("measurements:new"), submit_data(portfolio.a.service_level, **overrides)
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert Measurement.objects.count() == 2  # the portfolio's own two figures


def test_a_ratio_figure_needs_its_denominator(client_for, portfolio, vendor_a_user):
    metric = factories.MetricFactory(aggregation="ratio", name="Calls answered in time")
    sl = factories.ServiceLevelFactory(contract=portfolio.a.sow, metric=metric, target=90, minimum=80)
    client = client_for(vendor_a_user)

    response = client.post(reverse("measurements:new"), submit_data(sl, value="180"))
    assert "give the base count" in response.content.decode()
    client.post(reverse("measurements:new"), submit_data(sl, value="180", denominator="200"))
    assert Measurement.objects.get(service_level=sl).denominator == Decimal(200)


def test_another_vendors_service_level_is_not_a_valid_choice(client_for, portfolio, vendor_a_user):
    response = client_for(vendor_a_user).post(
        reverse("measurements:new"), submit_data(portfolio.b.service_level)
    )

    assert "Select a valid choice" in response.content.decode()
    assert not Measurement.objects.filter(submitted_by=vendor_a_user).exists()


def test_a_settled_period_is_locked(client_for, portfolio, vendor_a_user):
    Breach.objects.create(
        service_level=portfolio.a.service_level,
        period_start=date(2026, 5, 1),
        period_end=date(2026, 5, 31),
        kind=BreachKind.NOT_REPORTED,
        severity=BreachSeverity.LOW,
        status=BreachStatus.RESOLVED,
        closed_at=NOW,
        response_due_at=NOW,
    )
    response = client_for(vendor_a_user).post(
        reverse("measurements:new"), submit_data(portfolio.a.service_level, measured_on="2026-05-20")
    )

    assert "its breach has been settled" in response.content.decode()


def test_evidence_comes_with_the_figure_or_the_figure_is_not_saved(client_for, portfolio, vendor_a_user):
    client = client_for(vendor_a_user)
    sl = portfolio.a.service_level

    response = client.post(
        reverse("measurements:new"),
        submit_data(sl, evidence=SimpleUploadedFile("proof.exe", b"MZ\x90\x00binary")),
    )
    assert "This type of file is not accepted" in response.content.decode()
    assert not Measurement.objects.filter(submitted_by=vendor_a_user).exists()

    client.post(reverse("measurements:new"), submit_data(sl, evidence=SimpleUploadedFile("proof.pdf", PDF)))
    figure = Measurement.objects.get(submitted_by=vendor_a_user)
    assert figure.evidence.get().original_name == "proof.pdf"


def test_a_manager_enters_a_figure_for_a_vendor_already_validated(client_for, portfolio, manager):
    client = client_for(manager)
    response = client.get(reverse("measurements:new") + f"?vendor={portfolio.b.vendor.pk}")
    assert list(response.context["form"].fields["service_level"].queryset) == [portfolio.b.service_level]

    client.post(reverse("measurements:new"), submit_data(portfolio.b.service_level))

    figure = Measurement.objects.get(submitted_by=manager)
    assert (figure.status, figure.reviewed_by) == (MeasurementStatus.VALIDATED, manager)


def test_viewers_and_auditors_submit_nothing(client_for, portfolio, viewer, auditor):
    for user in (viewer, auditor):
        client = client_for(user)
        assert client.get(reverse("measurements:new")).status_code == 403
        assert (
            client.post(reverse("measurements:new"), submit_data(portfolio.a.service_level)).status_code
            == 403
        )
    assert Measurement.objects.count() == 2


def test_the_chosen_service_level_shows_its_period_and_deadline(client_for, portfolio, vendor_a_user):
    url = reverse("measurements:new") + f"?service_level={portfolio.a.service_level.pk}"
    page = client_for(vendor_a_user).get(url).content.decode()

    assert "1 Jun 2026 – 30 Jun 2026" in page
    assert "6 Jul 2026 00:00" in page  # the end of June plus five grace days


# --- Corrections and history ------------------------------------------------------------------------------


def test_a_correction_supersedes_the_figure_and_both_stay_visible(client_for, portfolio, vendor_a_user):
    original = portfolio.a.measurement
    client = client_for(vendor_a_user)
    url = reverse("measurements:correct", args=[original.pk])
    assert client.get(url).context["form"].initial["value"] == Decimal("99.7")

    response = client.post(url, {"value": "98.2", "correction_reason": ""})
    assert "This field is required." in response.content.decode()

    response = client.post(
        url, {"value": "98.2", "correction_reason": "Outage on the 15th left out"}, follow=True
    )

    corrected = Measurement.objects.get(supersedes=original)
    original.refresh_from_db()
    assert not original.is_current and corrected.is_current
    assert (corrected.value, corrected.correction_reason) == (Decimal("98.2"), "Outage on the 15th left out")
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("measurements:detail", args=[corrected.pk])
    assert "<del>99.7%</del>" in page and "Outage on the 15th left out" in page

    listing = client.get(reverse("measurements:list")).content.decode()
    assert '<tr class="is-superseded">' in listing
    assert "<del>99.7%</del>" in listing and "98.2%" in listing


def test_a_superseded_figure_cannot_be_corrected_again(client_for, portfolio, vendor_a_user):
    original = portfolio.a.measurement
    services.measurement_correct(measurement=original, value="98", reason="Recount", actor=vendor_a_user)
    client = client_for(vendor_a_user)
    url = reverse("measurements:correct", args=[original.pk])

    assert "already been corrected" in client.get(url).content.decode()
    client.post(url, {"value": "97", "correction_reason": "Again"})
    assert Measurement.objects.filter(service_level=portfolio.a.service_level).count() == 2


def test_other_vendors_and_read_only_roles(client_for, portfolio, vendor_b_user, viewer):
    figure = portfolio.a.measurement
    for name in ("measurements:detail", "measurements:correct"):
        assert client_for(vendor_b_user).get(reverse(name, args=[figure.pk])).status_code == 404
    assert client_for(viewer).get(reverse("measurements:detail", args=[figure.pk])).status_code == 200
    assert client_for(viewer).get(reverse("measurements:correct", args=[figure.pk])).status_code == 403
    response = client_for(viewer).post(
        reverse("measurements:correct", args=[figure.pk]), {"value": "1", "correction_reason": "x"}
    )
    assert response.status_code == 403
    assert not Measurement.objects.filter(supersedes=figure).exists()


# --- My figures -------------------------------------------------------------------------------------------


def test_my_figures_lists_only_the_vendors_own(client_for, portfolio, vendor_a_user):
    response = client_for(vendor_a_user).get(reverse("measurements:list"))

    assert list(response.context["page_obj"]) == [portfolio.a.measurement]
    page = response.content.decode()
    assert "My figures" in page and portfolio.b.sow.reference not in page
    assert "vendor_id" not in response.context["form"].fields


def test_a_disputed_figure_shows_the_managers_reason_to_the_vendor(
    client_for, portfolio, vendor_a_user, manager
):
    figure = portfolio.a.measurement
    figure.submitted_by = vendor_a_user
    figure.save()
    services.measurement_review(
        measurements=[figure],
        actor=manager,
        decision="dispute",
        reason="Monitoring shows an outage on 15 March",
    )

    page = client_for(vendor_a_user).get(reverse("measurements:list")).content.decode()

    assert "Disputed" in page and "Monitoring shows an outage on 15 March" in page


def test_filters(client_for, portfolio, vendor_a_user):
    sl = portfolio.a.service_level
    late = Measurement.objects.create(service_level=sl, measured_on=date(2026, 4, 2), value=99, is_late=True)
    validated = Measurement.objects.create(
        service_level=sl, measured_on=date(2026, 4, 3), value=99, status=MeasurementStatus.VALIDATED
    )
    client = client_for(vendor_a_user)

    def shown(**query):
        return set(client.get(reverse("measurements:list"), query).context["page_obj"])

    assert shown(late="on") == {late}
    assert shown(status="validated") == {validated}
    assert shown(date_from="2026-04-01", date_to="2026-04-02") == {late}
    assert shown(service_level_id=portfolio.b.service_level.pk) == {portfolio.a.measurement, late, validated}
    assert shown(status="nonsense") == {portfolio.a.measurement, late, validated}


def test_staff_filter_by_vendor_then_service_level(client_for, portfolio, manager):
    client = client_for(manager)
    response = client.get(reverse("measurements:list"), {"vendor_id": portfolio.b.vendor.pk})

    assert list(response.context["page_obj"]) == [portfolio.b.measurement]
    choices = dict(response.context["form"].fields["service_level_id"].choices)
    assert set(choices) == {"", portfolio.b.service_level.pk}


def _figures_with_evidence(portfolio, count, submitter):
    sl = portfolio.a.service_level
    for day in range(count):
        figure = Measurement.objects.create(
            service_level=sl,
            measured_on=date(2026, 5, 1 + day % 28),
            value=Decimal("99.1"),
            submitted_by=submitter,
        )
        EvidenceFile.objects.create(
            file=f"evidence/x{day}.pdf",
            original_name=f"proof {day}.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            vendor=portfolio.a.vendor,
            measurement=figure,
        )
        if day % 3 == 0:
            services.measurement_correct(measurement=figure, value="99.2", reason="Recount", actor=submitter)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("actor", ["vendor_a_user", "manager"])
def test_the_list_runs_a_constant_number_of_queries(request, client_for, portfolio, vendor_a_user, actor):
    user = request.getfixturevalue(actor)
    client = client_for(user)
    url = reverse("measurements:list")
    _figures_with_evidence(portfolio, 3, vendor_a_user)
    small = _queries(client, url)
    _figures_with_evidence(portfolio, 30, vendor_a_user)

    # session, user, the filter's choices (a vendor user's service levels, or staff's vendors), count,
    # page of figures (with service level, contract, vendor, people, corrections), their evidence, their
    # disputes, uploads.
    assert _queries(client, url) == small == 8


def test_the_detail_page_shows_history_and_evidence_in_few_queries(
    client_for, portfolio, vendor_a_user, django_assert_max_num_queries
):
    figure = portfolio.a.measurement
    for value in ("99.1", "99.2", "99.3"):
        figure = services.measurement_correct(
            measurement=figure, value=value, reason=f"to {value}", actor=vendor_a_user
        )
    client = client_for(vendor_a_user)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("measurements:detail", args=[figure.pk])).content.decode()

    assert page.count("<del>") == 3  # the three superseded values in the history
    assert "to 99.2" in page


def test_correcting_a_ratio_figure_asks_for_both_numbers(client_for, portfolio, vendor_a_user):
    metric = factories.MetricFactory(aggregation="ratio", name="Calls answered in time")
    sl = factories.ServiceLevelFactory(contract=portfolio.a.sow, metric=metric, target=90, minimum=80)
    figure = Measurement.objects.create(
        service_level=sl, measured_on=date(2026, 6, 1), value=180, denominator=200
    )
    client = client_for(vendor_a_user)
    url = reverse("measurements:correct", args=[figure.pk])

    form = client.get(url).context["form"]
    assert (form.initial["value"], form.initial["denominator"]) == (Decimal(180), Decimal(200))
    assert (
        "denominator"
        not in client.get(reverse("measurements:correct", args=[portfolio.a.measurement.pk]))
        .context["form"]
        .fields
    )

    response = client.post(url, {"value": "190", "correction_reason": "Recount"})
    assert "denominator" in response.context["form"].errors
    client.post(url, {"value": "190", "denominator": "210", "correction_reason": "Recount"})
    corrected = Measurement.objects.get(supersedes=figure)
    assert (corrected.value, corrected.denominator) == (Decimal(190), Decimal(210))
