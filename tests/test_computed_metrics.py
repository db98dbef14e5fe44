"""Figures the portal computes itself (deliverables, signed reviews) cannot be reported by anyone else."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kpis import services
from kpis.models import Measurement, MeasurementSource
from kpis.services.measurements import measurements_submit_many
from tests.factories import MetricFactory, ServiceLevelFactory
from tests.test_api_ingestion import BATCH, api, item, post
from tests.test_engine import D, at

pytestmark = pytest.mark.django_db

NOW = at(2026, 4, 20)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def computed_sl(portfolio):
    metric = MetricFactory(unit="%", min_value=D(0), max_value=D(100), computed_by_portal=True)
    return ServiceLevelFactory(
        contract=portfolio.a.sow, metric=metric, target=D(95), minimum=D(85), effective_from=date(2026, 1, 1)
    )


def test_a_person_cannot_report_a_computed_figure(computed_sl, vendor_a_user, manager):
    for actor in (vendor_a_user, manager):
        with pytest.raises(ValidationError) as error:
            services.measurement_submit(
                service_level=computed_sl, measured_on=date(2026, 4, 2), value="100", actor=actor, now=NOW
            )
        assert "computes this service level's figures itself" in str(error.value)
    assert not Measurement.objects.filter(service_level=computed_sl).exists()


def test_the_portal_records_it_and_nobody_corrects_it(computed_sl, manager):
    figure = services.measurement_submit(
        service_level=computed_sl,
        measured_on=date(2026, 4, 2),
        value="100",
        actor=None,
        source=MeasurementSource.SYSTEM,
        now=NOW,
    )
    assert figure.source == MeasurementSource.SYSTEM

    with pytest.raises(ValidationError):
        services.measurement_correct(
            measurement=figure, value="50", reason="Looks wrong", actor=manager, now=NOW
        )
    figure.refresh_from_db()
    assert figure.is_current


def test_a_bulk_batch_with_a_computed_figure_saves_nothing(computed_sl, portfolio, vendor_a_user):
    checked = measurements_submit_many(
        figures=[
            {"service_level": portfolio.a.service_level, "measured_on": date(2026, 4, 2), "value": "99.9"},
            {"service_level": computed_sl, "measured_on": date(2026, 4, 2), "value": "100"},
        ],
        actor=vendor_a_user,
        now=NOW,
    )
    assert isinstance(checked[1], ValidationError)
    assert not Measurement.objects.filter(measured_on=date(2026, 4, 2)).exists()


def test_the_api_refuses_a_computed_figure(computed_sl, vendor_a_user, time_machine):
    time_machine.move_to(NOW)
    response = post(api(vendor_a_user), BATCH, {"items": [item("computed-1", computed_sl, "2026-04-02")]})
    assert response.status_code == 400
    assert "computes this service level's figures itself" in response.content.decode()
    assert not Measurement.objects.filter(service_level=computed_sl).exists()


def test_the_figure_form_does_not_offer_computed_service_levels(computed_sl, client_for, vendor_a_user):
    response = client_for(vendor_a_user).get("/measurements/new/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="service_level"' in body
    assert computed_sl.metric.name not in body
