"""Measurement and target services: validation, late figures, corrections and their audit trail."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from kpis import services
from kpis.engine import run_evaluation
from kpis.models import (
    Aggregation,
    Measurement,
    MeasurementPeriod,
    PendingEvaluation,
    ServiceLevelResult,
    ServiceLevelTarget,
)
from tests.factories import MetricFactory, ServiceLevelFactory
from tests.test_engine import JAN, D, at, make_sl, measure

pytestmark = pytest.mark.django_db

NOW = at(2026, 1, 20)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def percent_sl():
    metric = MetricFactory(unit="%", min_value=D(0), max_value=D(100))
    return ServiceLevelFactory(
        metric=metric, target=D("99.5"), minimum=D("98"), effective_to=date(2026, 12, 31)
    )


@pytest.fixture
def ratio_sl():
    return make_sl(aggregation=Aggregation.RATIO, target=95, minimum=90)


def submit(sl, actor, *, measured_on=date(2026, 1, 15), value="99.7", now=NOW, **kwargs):
    return services.measurement_submit(
        service_level=sl, measured_on=measured_on, value=value, actor=actor, now=now, **kwargs
    )


def correct(measurement, actor, *, value="99.9", reason="Export fixed", now=NOW, **kwargs):
    return services.measurement_correct(
        measurement=measurement, value=value, reason=reason, actor=actor, now=now, **kwargs
    )


def test_submit_records_the_figure_and_audits_it(percent_sl, manager):
    figure = submit(percent_sl, manager, value="99.25", note="From the monitoring export")

    figure.refresh_from_db()
    assert (figure.value, figure.denominator, figure.measured_on) == (D("99.25"), None, date(2026, 1, 15))
    assert (figure.submitted_by, figure.submitted_at, figure.is_current, figure.is_late) == (
        manager,
        NOW,
        True,
        False,
    )
    event = AuditEvent.objects.get(action="kpis.measurement.created")
    assert (event.actor, event.object_id) == (manager, str(figure.pk))
    assert event.vendor_id == percent_sl.contract.vendor_id
    assert D(event.changes["value"][1]) == D("99.25")
    assert not PendingEvaluation.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"measured_on": date(2026, 1, 21)}, "measured_on", "future"),
        ({"measured_on": date(2025, 12, 31)}, "measured_on", "outside the service level"),
        ({"value": "100.5"}, "value", "above 100"),
        ({"value": "-0.1"}, "value", "below 0"),
        ({"value": "abc"}, "value", "not a number"),
        ({"value": None}, "value", "not a number"),
        ({"value": ""}, "value", "not a number"),
        ({"value": "NaN"}, "value", "finite"),
        ({"value": "Infinity"}, "value", "finite"),
        ({"value": "99", "denominator": "100"}, "denominator", "Only ratio metrics"),
    ],
)
def test_submit_validation(percent_sl, manager, kwargs, field, message):
    with pytest.raises(ValidationError) as error:
        submit(percent_sl, manager, **kwargs)

    assert field in error.value.message_dict
    assert message in " ".join(error.value.message_dict[field])
    assert not Measurement.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_future_is_judged_in_the_portal_time_zone(settings, percent_sl, manager):
    settings.TIME_ZONE = "Pacific/Auckland"
    # 20 January 12:00 UTC is already 21 January (01:00) in Auckland.
    figure = submit(percent_sl, manager, measured_on=date(2026, 1, 21), now=at(2026, 1, 20, 12))

    assert figure.measured_on == date(2026, 1, 21)


@pytest.mark.parametrize(
    ("value", "denominator", "field", "message"),
    [
        ("95", None, "denominator", "ratio"),
        ("95", "", "denominator", "ratio"),
        ("0", "0", "denominator", "above zero"),
        ("5", "-10", "denominator", "above zero"),
        ("101", "100", "value", "between 0 and the denominator"),
        ("-1", "100", "value", "between 0 and the denominator"),
        ("95", "lots", "denominator", "not a number"),
    ],
)
def test_ratio_validation(ratio_sl, manager, value, denominator, field, message):
    with pytest.raises(ValidationError) as error:
        submit(ratio_sl, manager, value=value, denominator=denominator)

    assert message in " ".join(error.value.message_dict[field])
    assert not Measurement.objects.exists()


def test_ratio_figure_keeps_numerator_and_denominator(ratio_sl, manager):
    figure = submit(ratio_sl, manager, value="188", denominator="200")

    figure.refresh_from_db()
    assert (figure.value, figure.denominator) == (D(188), D(200))


def test_figure_within_the_grace_is_on_time(percent_sl, manager):
    # January closes at 2026-02-06 00:00 (five grace days).
    figure = submit(percent_sl, manager, measured_on=date(2026, 1, 31), now=at(2026, 2, 5, 23, 59))

    assert not figure.is_late
    assert not PendingEvaluation.objects.exists()


def test_late_figure_is_marked_and_queued(percent_sl, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        figure = submit(percent_sl, manager, measured_on=date(2026, 1, 31), now=at(2026, 2, 6))

    assert figure.is_late
    assert list(PendingEvaluation.objects.values_list("service_level_id", "period_start")) == [
        (percent_sl.pk, JAN)
    ]
    # The engine is asked to run once the figure is committed.
    assert len(callbacks) == 1


def test_late_figures_queue_their_period_once(manager):
    sl = make_sl(target=99.5, minimum=98, period=MeasurementPeriod.WEEKLY, grace_days=0)
    for day in (5, 6, 7):
        submit(sl, manager, measured_on=date(2026, 1, day), now=at(2026, 1, 12))

    assert list(PendingEvaluation.objects.values_list("period_start", flat=True)) == [date(2026, 1, 5)]
    assert Measurement.objects.filter(is_late=True).count() == 3


def test_correction_supersedes_the_figure_and_is_audited(percent_sl, manager, viewer):
    original = submit(percent_sl, manager, value="97")

    corrected = correct(
        original, viewer, value="99.1", reason="  Outage window excluded  ", now=at(2026, 1, 21)
    )

    original.refresh_from_db()
    corrected.refresh_from_db()
    assert not original.is_current
    assert corrected.is_current
    assert corrected.supersedes == original
    assert (corrected.value, corrected.measured_on, corrected.correction_reason) == (
        D("99.1"),
        original.measured_on,
        "Outage window excluded",
    )
    assert (corrected.submitted_by, corrected.submitted_at) == (viewer, at(2026, 1, 21))
    events = AuditEvent.objects.filter(action="kpis.measurement.created").order_by("id")
    assert [(e.actor, e.object_id) for e in events] == [
        (manager, str(original.pk)),
        (viewer, str(corrected.pk)),
    ]
    # The trail says what was corrected.
    assert events[1].note.startswith("Corrects 97")
    assert Measurement.objects.filter(service_level=percent_sl, is_current=True).get() == corrected


@pytest.mark.parametrize("reason", ["", "   "])
def test_correction_needs_a_reason(percent_sl, manager, reason):
    original = submit(percent_sl, manager)

    with pytest.raises(ValidationError) as error:
        correct(original, manager, reason=reason)

    assert "correction_reason" in error.value.message_dict
    original.refresh_from_db()
    assert original.is_current
    assert Measurement.objects.count() == 1


def test_correction_values_are_validated_and_leave_the_original_current(percent_sl, manager):
    original = submit(percent_sl, manager)

    with pytest.raises(ValidationError):
        correct(original, manager, value="120")

    original.refresh_from_db()
    assert original.is_current
    assert Measurement.objects.count() == 1
    assert AuditEvent.objects.filter(action="kpis.measurement.created").count() == 1


def test_the_same_figure_cannot_be_corrected_twice(percent_sl, manager):
    original = submit(percent_sl, manager, value="97")
    first = correct(original, manager, value="99")

    # A second correction of the (now stale) original is refused; the current figure can be corrected.
    with pytest.raises(ValidationError, match="already been corrected"):
        correct(original, manager, value="98.5")
    second = correct(first, manager, value="98.5", reason="Second look")

    assert Measurement.objects.filter(is_current=True).get() == second
    assert Measurement.objects.count() == 3
    assert AuditEvent.objects.filter(action="kpis.measurement.created").count() == 3


def test_correcting_an_evaluated_period_queues_it(manager):
    sl = make_sl(target=99.5, minimum=98)
    figure = measure(sl, date(2026, 1, 15), 97)
    run_evaluation(now=at(2026, 2, 10))
    assert ServiceLevelResult.objects.filter(service_level=sl).count() == 1

    corrected = correct(figure, manager, value="99.8", now=at(2026, 2, 11))

    assert corrected.is_late
    assert PendingEvaluation.objects.filter(service_level=sl, period_start=JAN).exists()


def test_target_change_is_effective_dated_and_audited(manager):
    sl = make_sl(target=99.5, minimum=98)

    change = services.service_level_change_target(
        service_level=sl,
        target="99.7",
        minimum="99",
        effective_from=date(2026, 7, 1),
        actor=manager,
        reason="Year 2",
        now=NOW,
    )

    assert (change.target, change.minimum, change.effective_from) == (D("99.7"), D("99"), date(2026, 7, 1))
    assert list(
        ServiceLevelTarget.objects.filter(service_level=sl).values_list("effective_from", "target")
    ) == [
        (JAN, D("99.5")),
        (date(2026, 7, 1), D("99.7")),
    ]
    sl.refresh_from_db()
    assert (sl.target, sl.minimum) == (D("99.7"), D("99"))
    event = AuditEvent.objects.get(action="kpis.servicelevel.target_changed")
    assert event.changes["effective_from"] == [None, "2026-07-01"]
    assert event.note == "Year 2"


@pytest.mark.parametrize(
    ("target", "minimum", "effective_from", "field"),
    [
        ("98", "99", date(2026, 7, 1), "minimum"),  # higher is better: minimum above target
        ("99.5", "98", date(2025, 12, 1), "effective_from"),
        ("high", "98", date(2026, 7, 1), "target"),
    ],
)
def test_target_change_validation(manager, target, minimum, effective_from, field):
    sl = make_sl(target=99.5, minimum=98)

    with pytest.raises(ValidationError) as error:
        services.service_level_change_target(
            service_level=sl,
            target=target,
            minimum=minimum,
            effective_from=effective_from,
            actor=manager,
            now=NOW,
        )

    assert field in error.value.message_dict
    assert not ServiceLevelTarget.objects.exists()
    assert not AuditEvent.objects.filter(action="kpis.servicelevel.target_changed").exists()
