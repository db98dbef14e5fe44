"""The metric catalogue in the portal: managers add and edit metrics; a metric in use keeps its code,
direction and aggregation; metrics the portal computes itself stay out of the figure templates."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from kpis.models import Aggregation, Direction, Metric
from kpis.services.metrics import metric_create, metric_update
from tests import factories

pytestmark = pytest.mark.django_db


def metric_data(**overrides):
    data = {
        "code": "change-success",
        "name": "Change success rate",
        "unit": "%",
        "direction": "higher",
        "aggregation": "ratio",
        "category": "quality",
        "min_value": "0",
        "max_value": "100",
        "description": "Changes implemented without incident, as a share of all changes.",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_a_manager_adds_a_metric(client_for, manager):
    response = client_for(manager).post(reverse("metrics:new"), metric_data())

    metric = Metric.objects.get(code="change-success")
    assert response.status_code == 302
    assert (metric.direction, metric.aggregation, metric.max_value) == ("higher", "ratio", 100)
    event = AuditEvent.objects.get(action="kpis.metric.created", object_id=str(metric.pk))
    assert event.actor == manager and event.changes["code"] == [None, "change-success"]


def test_the_metric_form_shows_field_errors(client_for, manager):
    factories.MetricFactory(code="taken", name="Taken")

    response = client_for(manager).post(
        reverse("metrics:new"),
        metric_data(code="taken", name="", min_value="100", max_value="0", direction=""),
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert {"code", "name", "direction"} <= set(errors)
    assert not Metric.objects.filter(name="Change success rate").exists()


def test_bounds_must_be_ordered(manager):
    with pytest.raises(ValidationError):
        metric_create(actor=manager, **{**metric_data(min_value=100, max_value=0), "is_active": True})


def test_a_metric_in_use_keeps_its_direction_aggregation_and_code(client_for, manager, portfolio):
    metric = portfolio.metric  # used by both vendors' service levels
    with pytest.raises(ValidationError) as error:
        metric_update(metric=metric, actor=manager, direction=Direction.LOWER, aggregation=Aggregation.MAX)
    assert set(error.value.message_dict) == {"direction", "aggregation"}

    page = client_for(manager).get(reverse("metrics:edit", args=[metric.pk]))
    form = page.context["form"]
    assert (
        form.fields["direction"].disabled
        and form.fields["aggregation"].disabled
        and form.fields["code"].disabled
    )

    data = metric_data(
        code=metric.code, name="Service availability (24x7)", direction="lower", aggregation="max"
    )
    client_for(manager).post(reverse("metrics:edit", args=[metric.pk]), data)

    metric.refresh_from_db()
    assert metric.name == "Service availability (24x7)"
    assert (metric.direction, metric.aggregation) == ("higher", "avg")  # disabled fields keep their values
    event = AuditEvent.objects.get(action="kpis.metric.updated", object_id=str(metric.pk))
    assert event.changes["name"] == ["Service availability", "Service availability (24x7)"]


def test_a_metric_not_in_use_may_still_change_direction(manager):
    metric = factories.MetricFactory()
    metric_update(metric=metric, actor=manager, direction=Direction.LOWER)
    metric.refresh_from_db()
    assert metric.direction == "lower"


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_viewers_and_auditors_read_the_catalogue(request, client_for, portfolio, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    page = client.get(reverse("metrics:list"))
    assert page.status_code == 200 and "Service availability" in page.content.decode()
    assert reverse("metrics:new") not in page.content.decode()
    assert client.get(reverse("metrics:new")).status_code == 403
    assert client.post(reverse("metrics:edit", args=[portfolio.metric.pk]), metric_data()).status_code == 403
    with pytest.raises(PermissionDenied):
        metric_create(actor=user, **{**metric_data(), "is_active": True})


def test_vendor_users_do_not_see_the_catalogue_pages(client_for, portfolio, vendor_a_user):
    client = client_for(vendor_a_user)
    assert client.get(reverse("metrics:list")).status_code == 403
    assert client.get(reverse("metrics:edit", args=[portfolio.metric.pk])).status_code == 404


def test_the_catalogue_list_runs_a_fixed_number_of_queries(client_for, manager):
    client = client_for(manager)
    factories.MetricFactory()
    client.get(reverse("metrics:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("metrics:list"))
    factories.MetricFactory.create_batch(10)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("metrics:list"))
    assert len(many) == len(few)


def test_the_empty_catalogue_says_so(client_for, manager):
    assert "No metrics" in client_for(manager).get(reverse("metrics:list")).content.decode()


def test_the_upload_template_leaves_out_metrics_the_portal_computes(client_for, portfolio, vendor_a_user):
    computed = factories.MetricFactory(
        code="on-time-delivery", name="Deliverables accepted on time", computed_by_portal=True
    )
    # The computed service level comes first alphabetically, where it used to become the example row.
    factories.ServiceLevelFactory(contract=portfolio.a.sow, metric=computed)

    response = client_for(vendor_a_user).get(reverse("measurements:template", args=["csv"]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    text = response.content.decode("utf-8-sig")
    assert "Deliverables accepted on time" not in text
    assert rows[1][0].startswith("#") and rows[1][1] == "Service availability"
    assert [row[0] for row in rows[2:]] == [str(portfolio.a.service_level.pk)]
