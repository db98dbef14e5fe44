"""Figures through the API: one at a time, corrections, and idempotent batches (all or nothing, or per
item), with late data queued for re-evaluation, and the ingestion benchmark."""

import io
import itertools
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from api.models import IngestionKey
from api.services.tokens import api_token_create
from kpis.models import Measurement, MeasurementSource, MeasurementStatus, PendingEvaluation

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 20, 10, 0, tzinfo=UTC)
BATCH = "/api/v1/measurements/batch/"
_names = itertools.count()


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def api(user) -> Client:
    _, token = api_token_create(user=user, name=f"ingest {next(_names)}", scope="write")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client, url, body, **query):
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return client.post(url + suffix, body, content_type="application/json")


def item(key, service_level, day, value="99.8", **extra) -> dict:
    return {
        "idempotency_key": key,
        "service_level": service_level.pk,
        "measured_on": day,
        "value": value,
        **extra,
    }


@pytest.fixture
def level(portfolio):
    return portfolio.a.service_level


def figures() -> int:
    return Measurement.objects.count()


def test_a_batch_is_saved_with_one_row_per_figure(level, vendor_a_user):
    items = [item(f"k-{day}", level, f"2026-04-{day:02d}") for day in range(1, 11)]

    response = post(api(vendor_a_user), BATCH, {"items": items})

    assert response.status_code == 201
    body = response.json()
    assert (body["mode"], body["created"], body["replayed"], body["failed"]) == ("atomic", 10, 0, 0)
    ids = [row["id"] for row in body["items"]]
    saved = Measurement.objects.filter(pk__in=ids).order_by("measured_on")
    assert [m.measured_on.day for m in saved] == list(range(1, 11))
    assert {(m.source, m.status, m.submitted_by_id) for m in saved} == {
        (MeasurementSource.API, MeasurementStatus.SUBMITTED, vendor_a_user.pk)
    }
    assert (
        AuditEvent.objects.filter(action="kpis.measurement.created", object_id__in=map(str, ids)).count()
        == 10
    )
    assert set(IngestionKey.objects.values_list("vendor", flat=True)) == {vendor_a_user.vendor_id}


def test_a_retried_batch_creates_nothing_twice(level, vendor_a_user, vendor_a_admin):
    items = [item(f"retry-{day}", level, f"2026-04-{day:02d}") for day in range(1, 4)]
    # The same batch again, even from a colleague's system with its own token.
    system, colleague = api(vendor_a_user), api(vendor_a_admin)
    first = post(system, BATCH, {"items": items}).json()
    count, trail = figures(), AuditEvent.objects.count()

    again = post(colleague, BATCH, {"items": items})

    assert again.status_code == 200
    body = again.json()
    assert (body["created"], body["replayed"]) == (0, 3)
    assert [row["id"] for row in body["items"]] == [row["id"] for row in first["items"]]
    assert {row["status"] for row in body["items"]} == {"replayed"}
    assert (figures(), AuditEvent.objects.count()) == (count, trail)


def test_keys_belong_to_the_vendor_or_the_internal_user(portfolio, vendor_a_user, vendor_b_user, manager):
    body = {"items": [item("same-key", portfolio.a.service_level, "2026-04-01")]}
    assert post(api(vendor_a_user), BATCH, body).status_code == 201

    other = {"items": [item("same-key", portfolio.b.service_level, "2026-04-01")]}
    assert post(api(vendor_b_user), BATCH, other).json()["created"] == 1
    assert post(api(manager), BATCH, body).json()["created"] == 1
    assert IngestionKey.objects.filter(key="same-key").count() == 3


def test_one_bad_item_rejects_the_batch_with_a_report_per_item(level, portfolio, vendor_a_user):
    count = figures()
    items = [
        item("good-1", level, "2026-04-01"),
        item("too-high", level, "2026-04-02", value="150"),
        item("future", level, "2026-05-01"),
        item("other-vendor", portfolio.b.service_level, "2026-04-03"),
        {"service_level": level.pk, "measured_on": "2026-04-04", "value": "99"},
        "not an object",
        item("good-2", level, "2026-04-05"),
    ]

    response = post(api(vendor_a_user), BATCH, {"items": items})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_batch"
    assert error["message"] == "5 of 7 items are not valid; nothing was saved."
    report = {row["index"]: row["errors"] for row in error["items"]}
    assert report == {
        1: {"value": ["The value cannot be above 100 %."]},
        2: {"measured_on": ["Figures cannot be reported for a future date."]},
        3: {"service_level": ["Unknown service level."]},
        4: {"idempotency_key": ["This field is required."]},
        5: {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
    }
    assert figures() == count
    assert not IngestionKey.objects.exists()


def test_partial_mode_saves_the_good_items(level, vendor_a_user):
    items = [item("p-1", level, "2026-04-01"), item("p-2", level, "2026-04-02", value="-1")]

    response = post(api(vendor_a_user), BATCH, {"items": items}, mode="partial")

    assert response.status_code == 201
    body = response.json()
    assert (body["mode"], body["created"], body["failed"]) == ("partial", 1, 1)
    good, bad = body["items"]
    assert good["status"] == "created" and Measurement.objects.filter(pk=good["id"]).exists()
    assert bad == {
        "index": 1,
        "idempotency_key": "p-2",
        "status": "error",
        "id": None,
        "is_late": None,
        "code": "invalid",
        "errors": {"value": ["The value cannot be below 0 %."]},
    }
    # Sending the whole batch again saves the fixed item and replays the other.
    items[1]["value"] = "98.5"
    again = post(api(vendor_a_user), BATCH, {"items": items}, mode="partial").json()
    assert [row["status"] for row in again["items"]] == ["replayed", "created"]


def test_a_key_reused_for_another_figure_is_refused(level, vendor_a_user):
    client = api(vendor_a_user)
    post(client, BATCH, {"items": [item("k", level, "2026-04-01")]})

    batch = post(client, BATCH, {"items": [item("k", level, "2026-04-01", value="97")]})
    single = post(client, "/api/v1/measurements/", item("k", level, "2026-04-01", value="97"))

    assert batch.status_code == 400
    assert batch.json()["error"]["items"][0]["code"] == "idempotency_conflict"
    assert single.status_code == 409
    assert single.json()["error"]["code"] == "conflict"


def test_a_concurrent_retry_that_committed_first_is_a_409(level, vendor_a_user, monkeypatch):
    client = api(vendor_a_user)
    post(client, BATCH, {"items": [item("raced", level, "2026-04-01")]})
    count = figures()
    # As if the other request saved its keys between this one's check and its insert.
    monkeypatch.setattr("api.services.ingestion._check_keys", lambda *args: None)

    response = post(client, BATCH, {"items": [item("raced", level, "2026-04-01")]})

    assert response.status_code == 409
    assert "Send the request again" in response.json()["error"]["message"]
    assert figures() == count


def test_a_key_used_twice_in_one_batch_is_refused(level, vendor_a_user):
    items = [item("twice", level, "2026-04-01"), item("twice", level, "2026-04-02")]

    response = post(api(vendor_a_user), BATCH, {"items": items})

    assert response.status_code == 400
    [report] = response.json()["error"]["items"]
    assert (report["index"], report["code"]) == (1, "duplicate_key")


def test_a_batch_holds_a_documented_number_of_items(level, vendor_a_user, settings):
    settings.API_BATCH_MAX_ITEMS = 3
    items = [item(f"m-{n}", level, "2026-04-01") for n in range(4)]

    response = post(api(vendor_a_user), BATCH, {"items": items})

    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "message": "A batch holds at most 3 items; this one has 4.",
    }
    assert post(api(vendor_a_user), BATCH, {"items": []}).status_code == 400


def test_late_figures_are_marked_and_queued_for_re_evaluation(
    level, vendor_a_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(api(vendor_a_user), BATCH, {"items": [item("late", level, "2026-02-10")]})

    assert response.status_code == 201
    assert response.json()["items"][0]["is_late"] is True
    assert Measurement.objects.get(pk=response.json()["items"][0]["id"]).is_late
    assert PendingEvaluation.objects.filter(service_level=level, period_start=date(2026, 2, 1)).exists()
    assert len(callbacks) == 1


def test_a_manager_enters_figures_already_validated_and_a_viewer_cannot(level, manager, viewer):
    created = post(api(manager), "/api/v1/measurements/", item("m", level, "2026-04-01"))
    assert created.status_code == 201
    assert created.json()["status"] == MeasurementStatus.VALIDATED

    refused = post(api(viewer), BATCH, {"items": [item("v", level, "2026-04-01")]})
    assert refused.status_code == 403


def test_one_figure_is_created_then_replayed(level, vendor_a_user):
    client = api(vendor_a_user)
    body = item("single", level, "2026-04-01", note="INC-42")

    created = post(client, "/api/v1/measurements/", body)
    replayed = post(client, "/api/v1/measurements/", body)

    assert (created.status_code, replayed.status_code) == (201, 200)
    assert created.json() == replayed.json()
    assert created.json()["note"] == "INC-42"
    without_key = {k: v for k, v in body.items() if k != "idempotency_key"}
    assert post(client, "/api/v1/measurements/", without_key).status_code == 201
    assert figures() == 4


def test_a_correction_supersedes_the_figure(portfolio, vendor_a_user, vendor_b_user):
    figure = portfolio.a.measurement
    client = api(vendor_a_user)
    url = f"/api/v1/measurements/{figure.pk}/correct/"
    body = {"value": "99.1", "reason": "The monitoring double-counted an outage.", "idempotency_key": "fix-1"}

    assert post(api(vendor_b_user), url, body).status_code == 404
    corrected = post(client, url, body)
    replayed = post(client, url, body)
    second = post(client, url, {"value": "99.2", "reason": "Again."})

    assert (corrected.status_code, replayed.status_code, second.status_code) == (201, 200, 409)
    new = corrected.json()
    assert new["supersedes"] == figure.pk and replayed.json()["id"] == new["id"]
    assert new["correction_reason"] == "The monitoring double-counted an outage."
    figure.refresh_from_db()
    assert not figure.is_current
    assert client.get(f"/api/v1/measurements/{figure.pk}/").json()["superseded_by"] == new["id"]
    assert post(client, f"/api/v1/measurements/{new['id']}/correct/", {"value": "1"}).status_code == 400


def test_corrections_travel_in_batches_too(portfolio, level, vendor_a_user):
    figure = portfolio.a.measurement
    items = [
        item("new", level, "2026-04-01"),
        {"idempotency_key": "fix", "corrects": figure.pk, "value": "98.9", "correction_reason": "Recount."},
    ]

    body = post(api(vendor_a_user), BATCH, {"items": items}).json()

    assert [row["status"] for row in body["items"]] == ["created", "created"]
    correction = Measurement.objects.get(pk=body["items"][1]["id"])
    assert (correction.supersedes_id, correction.value) == (figure.pk, Decimal("98.9"))
    stale = post(api(vendor_a_user), BATCH, {"items": [{**items[1], "idempotency_key": "fix-again"}]})
    assert stale.json()["error"]["items"][0]["code"] == "conflict"


def test_the_batch_runs_a_constant_number_of_queries(portfolio, vendor_a_user):
    level = portfolio.a.service_level
    client = api(vendor_a_user)
    client.get("/api/v1/me/")
    counts = []
    for size in (5, 40):
        items = [item(f"q-{size}-{n}", level, f"2026-03-{n % 28 + 1:02d}") for n in range(size)]
        with CaptureQueriesContext(connection) as queries:
            response = post(client, BATCH, {"items": items})
        assert response.status_code == 201, response.content
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_bench_ingest_prints_both_rates_and_the_ratio():
    out = io.StringIO()
    before = figures()

    call_command("bench_ingest", "--service-levels", "3", "--days", "4", "--batch-size", "5", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert "12 figures (3 service levels × 4 days) in 3 batches of up to 5" in lines[0]
    assert re.fullmatch(r"API batch endpoint: [\d.]+ s, [\d,]+ measurements/second", lines[1])
    assert re.fullmatch(r"bare bulk_create: +[\d.]+ s, [\d,]+ measurements/second", lines[2])
    assert re.fullmatch(r"ratio=\d+\.\d\d", lines[-1])
    assert figures() == before  # everything was rolled back
