"""The REST API: tokens and sessions, the access policy on every endpoint, the error format, breach
answers, the schema and its docs, and query counts that do not grow with the data."""

import hashlib
import io
import itertools
import re
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from api.models import ApiToken, TokenScope
from api.services.tokens import api_token_authenticate, api_token_create, api_token_revoke
from kpis.models import BreachNote, BreachStatus, Dispute, Measurement
from tests import factories
from tests.factories import INTERNAL_MARK

pytestmark = pytest.mark.django_db

_names = itertools.count()


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()


def token_for(user, scope=TokenScope.WRITE, **kwargs) -> str:
    return api_token_create(user=user, name=f"test {next(_names)}", scope=scope, **kwargs)[1]


def api(user, scope=TokenScope.WRITE) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope)}")


def error(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


@pytest.fixture
def engine_output(portfolio):
    """A result, a breach and a scorecard per vendor, as the engine would have written them."""
    for side in (portfolio.a, portfolio.b):
        side.result = factories.ServiceLevelResultFactory(service_level=side.service_level)
        side.breach = factories.BreachFactory(service_level=side.service_level)
        side.scorecard = factories.ScorecardFactory(vendor=side.vendor)
    return portfolio


def vendor_rows(portfolio, side) -> dict[str, int]:
    return {
        "vendors": side.vendor.pk,
        "contracts": side.sow.pk,
        "service-levels": side.service_level.pk,
        "measurements": side.measurement.pk,
        "results": side.result.pk,
        "breaches": side.breach.pk,
        "scorecards": side.scorecard.pk,
    }


# ---- Authentication ------------------------------------------------------------------------------------


def test_a_token_acts_as_its_user(vendor_a_user):
    response = api(vendor_a_user, TokenScope.READ).get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert (body["email"], body["role"], body["vendor"]) == (
        vendor_a_user.email,
        "vendor_user",
        vendor_a_user.vendor_id,
    )
    assert body["token"]["scope"] == "read"
    assert body["token"]["prefix"].startswith("vgp_")


def test_tokens_are_stored_hashed_and_audited_without_the_secret(vendor_a_user):
    token, plaintext = api_token_create(user=vendor_a_user, name="Monitoring export", scope="write", days=30)

    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert not ApiToken.objects.filter(token_hash=plaintext).exists()
    assert plaintext.startswith(token.prefix) and len(token.prefix) == 12
    assert token.expires_at - token.created_at == timedelta(days=30)
    event = AuditEvent.objects.get(action="api.apitoken.created")
    assert plaintext not in str(event.changes) and token.token_hash not in str(event.changes)
    assert event.vendor_id == vendor_a_user.vendor_id


@pytest.mark.parametrize("problem", ["unknown", "expired", "revoked", "deactivated", "malformed"])
def test_unusable_tokens_are_401(vendor_a_user, problem):
    token, plaintext = api_token_create(user=vendor_a_user, name="t", days=1)
    header = f"Bearer {plaintext}"
    if problem == "unknown":
        header = "Bearer vgp_" + "x" * 43
    elif problem == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif problem == "revoked":
        api_token_revoke(token=token, actor=vendor_a_user)
    elif problem == "deactivated":
        vendor_a_user.is_active = False
        vendor_a_user.save(update_fields=["is_active"])
    else:
        header = f"Bearer {plaintext} extra"

    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/vendors/")

    assert response.status_code == 401
    assert error(response)["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_no_credentials_is_401_in_the_error_format():
    response = Client().get("/api/v1/breaches/")

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided."}
    }


def test_a_read_only_token_changes_nothing(portfolio, vendor_a_user):
    response = api(vendor_a_user, TokenScope.READ).post(
        "/api/v1/measurements/",
        {"service_level": portfolio.a.service_level.pk, "measured_on": "2026-03-16", "value": "99.9"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert error(response)["message"].startswith("This token is read-only")
    assert Measurement.objects.count() == 2


def test_last_use_is_noted_at_most_once_a_minute(vendor_a_user, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    token, plaintext = api_token_create(user=vendor_a_user, name="t")
    first = timezone.now()
    api_token_authenticate(plaintext)
    time_machine.shift(timedelta(seconds=30))
    api_token_authenticate(plaintext)
    token.refresh_from_db()
    assert token.last_used_at == first
    time_machine.shift(timedelta(seconds=31))
    api_token_authenticate(plaintext)
    token.refresh_from_db()
    assert token.last_used_at == first + timedelta(seconds=61)


def test_the_browser_session_works_with_csrf(portfolio, vendor_a_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(vendor_a_user)
    assert browser.get("/api/v1/service-levels/").status_code == 200
    figure = {"service_level": portfolio.a.service_level.pk, "measured_on": "2026-03-16", "value": "99.9"}

    refused = browser.post("/api/v1/measurements/", figure, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in error(refused)["message"]

    browser.get("/api/tokens/")  # any page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/measurements/", figure, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert accepted.status_code == 201


def test_each_token_has_its_own_rate_limit(vendor_a_user, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    busy, other = api(vendor_a_user), api(vendor_a_user)

    codes = [busy.get("/api/v1/me/").status_code for _ in range(4)]

    assert codes == [200, 200, 200, 429]
    last = busy.get("/api/v1/me/")
    assert error(last)["code"] == "throttled"
    assert int(last["Retry-After"]) > 0
    assert other.get("/api/v1/me/").status_code == 200


# ---- The API tokens page and command ------------------------------------------------------------------


def test_the_tokens_page_shows_a_new_token_once(client_for, vendor_a_user):
    browser = client_for(vendor_a_user)
    assert "You have no API tokens yet." in browser.get("/api/tokens/").content.decode()

    created = browser.post("/api/tokens/", {"name": "Monitoring export", "scope": "write", "days": "30"})

    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    plaintext = re.search(r"vgp_[A-Za-z0-9_-]{43}", created.content.decode()).group()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}").get("/api/v1/me/").status_code == 200
    again = browser.get("/api/tokens/").content.decode()
    assert "Monitoring export" in again and plaintext not in again


def test_the_tokens_page_shows_form_errors(client_for, vendor_a_user):
    browser = client_for(vendor_a_user)
    browser.post("/api/tokens/", {"name": "Export", "scope": "read", "days": "30"})

    response = browser.post("/api/tokens/", {"name": "Export", "scope": "read", "days": "9999"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value is less than or equal to 365." in page
    assert ApiToken.objects.count() == 1


def test_revoking_a_token_stops_it_at_once(client_for, vendor_a_user, vendor_b_user):
    token, plaintext = api_token_create(user=vendor_a_user, name="Export")
    assert client_for(vendor_b_user).post(f"/api/tokens/{token.pk}/revoke/").status_code == 404

    response = client_for(vendor_a_user).post(f"/api/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}").get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="api.apitoken.revoked", object_id=str(token.pk)).exists()


def test_the_command_prints_a_working_token_once(vendor_a_user):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token", vendor_a_user.email, "--name", "CI", "--scope", "write", stdout=out, stderr=err
    )

    plaintext = out.getvalue().strip()
    assert plaintext.startswith("vgp_")
    assert "shown only now" in err.getvalue()
    token = ApiToken.objects.get(user=vendor_a_user, name="CI")
    assert token.scope == TokenScope.WRITE
    assert Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}").get("/api/v1/me/").json()["token"]["name"] == "CI"


# ---- Isolation and internal fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource",
    ["vendors", "contracts", "service-levels", "measurements", "results", "breaches", "scorecards"],
)
def test_a_vendor_token_lists_only_its_own_rows(engine_output, vendor_a_user, manager, resource):
    own = vendor_rows(engine_output, engine_output.a)[resource]
    other = vendor_rows(engine_output, engine_output.b)[resource]

    mine = {row["id"] for row in api(vendor_a_user).get(f"/api/v1/{resource}/").json()["results"]}
    everything = {row["id"] for row in api(manager).get(f"/api/v1/{resource}/").json()["results"]}

    assert own in mine and other not in mine
    assert {own, other} <= everything


@pytest.mark.parametrize(
    "resource",
    ["vendors", "contracts", "service-levels", "measurements", "results", "breaches", "scorecards"],
)
def test_another_vendors_object_is_a_404(engine_output, vendor_a_user, resource):
    client = api(vendor_a_user)
    other = vendor_rows(engine_output, engine_output.b)[resource]
    own = vendor_rows(engine_output, engine_output.a)[resource]

    assert client.get(f"/api/v1/{resource}/{own}/").status_code == 200
    response = client.get(f"/api/v1/{resource}/{other}/")
    assert response.status_code == 404
    assert error(response) == {"code": "not_found", "message": "Not found."}


def test_filtering_by_another_vendor_finds_nothing(engine_output, vendor_a_user):
    response = api(vendor_a_user).get(f"/api/v1/breaches/?vendor={engine_output.b.vendor.pk}")

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_internal_fields_never_reach_vendor_users(engine_output, vendor_a_user, manager):
    vendor_client, manager_client = api(vendor_a_user), api(manager)
    contract = engine_output.a.sow.pk

    seen = vendor_client.get(f"/api/v1/contracts/{contract}/").json()
    assert not {"total_value", "monthly_charge", "internal_notes"} & set(seen)
    assert {"total_value", "monthly_charge", "internal_notes"} <= set(
        manager_client.get(f"/api/v1/contracts/{contract}/").json()
    )
    for resource in ("vendors", "contracts", "service-levels", "results"):
        text = vendor_client.get(f"/api/v1/{resource}/").content.decode()
        assert INTERNAL_MARK not in text and "87654" not in text and "7654321" not in text, resource
    assert (
        "credit_allocation_percent" not in vendor_client.get("/api/v1/service-levels/").json()["results"][0]
    )
    assert "credit_amount" not in vendor_client.get("/api/v1/results/").json()["results"][0]
    assert (
        INTERNAL_MARK in manager_client.get(f"/api/v1/vendors/{engine_output.a.vendor.pk}/").content.decode()
    )


# ---- Lists: filters, ordering, pagination, errors ----------------------------------------------------------


def test_filters_ordering_and_pagination(portfolio, manager):
    service_level = portfolio.a.service_level
    for day in range(1, 6):
        factories.MeasurementFactory(service_level=service_level, measured_on=date(2026, 4, day))
    client = api(manager)

    page = client.get(
        f"/api/v1/measurements/?service_level={service_level.pk}&measured_on_after=2026-04-02"
        "&ordering=measured_on&page_size=2"
    ).json()

    assert page["count"] == 4
    assert [row["measured_on"] for row in page["results"]] == ["2026-04-02", "2026-04-03"]
    assert "page=2" in page["next"]
    assert client.get("/api/v1/measurements/?page=99").status_code == 404


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/measurements/?measured_on_after=yesterday", "measured_on"),
        ("/api/v1/breaches/?status=bogus", "status"),
        ("/api/v1/breaches/?vendor=-3", "vendor"),
        ("/api/v1/contracts/?vendor=99999999999999999999", "vendor"),
    ],
)
def test_bad_filters_are_400_with_fields(manager, url, field):
    response = api(manager).get(url)

    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_date_times_with_any_offset_are_read_as_utc(manager):
    client = api(manager)

    far = client.get("/api/v1/measurements/?submitted_at_after=1424-10-18T16:36:48-21:50")
    assert far.status_code == 200
    too_early = client.get("/api/v1/measurements/?submitted_at_before=0001-01-01T00:00:00%2B23:00")
    assert too_early.status_code == 400
    assert error(too_early)["fields"]["submitted_at"] == ["The date and time is out of range."]


def test_unknown_paths_are_json_404s(manager):
    client = api(manager)
    for path in ("/api/v1/nothing/", "/api/v1/vendors/abc/", "/api/v1/vendors", "/api/v2/vendors/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert error(response)["code"] == "not_found"


def test_a_body_that_is_not_json_is_refused(portfolio, vendor_a_user):
    client = api(vendor_a_user)
    assert (
        error(client.post("/api/v1/measurements/", "{", content_type="application/json"))["code"]
        == "parse_error"
    )
    wrong = client.post("/api/v1/measurements/", {"value": "1"})
    assert wrong.status_code == 415
    assert error(wrong)["code"] == "unsupported_media_type"


LIST_QUERIES = {
    # token lookup, count, page (+ the categories for vendors)
    "vendors": 4,
    "contracts": 3,
    "service-levels": 3,
    "measurements": 3,
    "results": 3,
    "breaches": 3,
    "scorecards": 3,
}


def _grow(portfolio, extra: int) -> None:
    for n in range(extra):
        vendor = factories.VendorFactory()
        vendor.service_categories.add(factories.ServiceCategoryFactory(name=f"Category {n}"))
        service_level = factories.ServiceLevelFactory(contract=factories.SOWFactory(vendor=vendor))
        factories.MeasurementFactory(service_level=service_level)
        factories.ServiceLevelResultFactory(service_level=service_level)
        factories.BreachFactory(service_level=service_level)
        factories.ScorecardFactory(vendor=vendor)


@pytest.mark.parametrize("resource", sorted(LIST_QUERIES))
def test_list_queries_do_not_grow_with_the_data(engine_output, manager, resource):
    _, plaintext = api_token_create(user=manager, name="counting")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    client.get("/api/v1/me/")  # notes the token's first use outside the counts

    counts = []
    for extra in (0, 6):
        _grow(engine_output, extra)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{resource}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert response.json()["count"] >= 7
    assert counts == [LIST_QUERIES[resource]] * 2, counts


# ---- Breach answers ------------------------------------------------------------------------------------


def test_the_vendor_acknowledges_responds_and_disputes(engine_output, vendor_a_user):
    client = api(vendor_a_user)
    breach = engine_output.a.breach
    url = f"/api/v1/breaches/{breach.pk}"

    acknowledged = client.post(
        f"{url}/acknowledge/", {"note": "Looking into it."}, content_type="application/json"
    )
    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == BreachStatus.ACKNOWLEDGED
    twice = client.post(f"{url}/acknowledge/", {}, content_type="application/json")
    assert twice.status_code == 409
    assert error(twice)["code"] == "conflict"

    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    past = client.post(
        f"{url}/respond/",
        {"root_cause": "Disk", "corrective_action": "Replace", "action_due_on": "2020-01-01"},
        content_type="application/json",
    )
    assert past.status_code == 400
    assert error(past)["fields"]["action_due_on"] == ["The corrective action cannot be due in the past."]
    responded = client.post(
        f"{url}/respond/",
        {
            "root_cause": "A failed disk array.",
            "corrective_action": "Replace the array.",
            "action_due_on": due,
        },
        content_type="application/json",
    )
    assert responded.status_code == 200
    assert responded.json()["status"] == BreachStatus.ACTION_PLANNED
    assert responded.json()["root_cause"] == "A failed disk array."

    disputed = client.post(
        f"{url}/dispute/", {"reason": "The outage was planned."}, content_type="application/json"
    )
    assert disputed.status_code == 201
    assert disputed.json()["status"] == "open"
    assert client.get(f"{url}/").json()["has_open_dispute"] is True
    assert Dispute.objects.get().raised_by == vendor_a_user
    assert list(BreachNote.objects.filter(breach=breach).values_list("kind", flat=True)) == [
        "acknowledgement",
        "response",
        "dispute",
    ]
    assert AuditEvent.objects.filter(object_type="kpis.breach", object_id=str(breach.pk)).count() == 2


@pytest.mark.parametrize("actor", ["manager", "viewer"])
def test_internal_users_do_not_answer_for_the_vendor(request, engine_output, actor):
    client = api(request.getfixturevalue(actor))
    breach = engine_output.a.breach

    response = client.post(f"/api/v1/breaches/{breach.pk}/acknowledge/", {}, content_type="application/json")

    assert response.status_code == 403
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN


def test_another_vendor_cannot_answer_a_breach(engine_output, vendor_b_user):
    response = api(vendor_b_user).post(
        f"/api/v1/breaches/{engine_output.a.breach.pk}/dispute/",
        {"reason": "x"},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert not Dispute.objects.exists()


def test_the_scorecard_explanation_adds_up(engine_output, vendor_a_user):
    scorecard = engine_output.a.scorecard

    body = api(vendor_a_user).get(f"/api/v1/scorecards/{scorecard.pk}/explanation/").json()

    assert body["scorecard"] == scorecard.pk
    [category] = body["categories"]
    [result] = category["results"]
    assert result["result"] == engine_output.a.result.pk
    assert (result["outcome"], result["points"], body["total"]) == ("breached", "0.00", "0.00")


def test_the_viewer_reads_but_does_not_submit(portfolio, viewer):
    client = api(viewer)
    assert client.get("/api/v1/measurements/").json()["count"] == 2

    response = client.post(
        "/api/v1/measurements/",
        {"service_level": portfolio.a.service_level.pk, "measured_on": "2026-03-16", "value": "99.9"},
        content_type="application/json",
    )

    assert response.status_code == 403


# ---- The schema and its docs -------------------------------------------------------------------------------


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/measurements/batch/" in target.read_text()


def test_every_operation_documents_its_errors(manager):
    schema = api(manager).get("/api/schema/?format=json").json()

    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 25
    for path, method, operation in operations:
        codes = set(operation["responses"])
        assert {"400", "401", "403", "404", "429"} <= codes, (method, path)
        if method in ("post", "patch", "delete"):
            assert {"409", "413", "415"} <= codes, (method, path)
        for code in codes - {"200", "201", "202", "204"}:
            assert operation["responses"][code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_docs_load_their_assets_from_the_portal(client_for, vendor_a_user):
    page = client_for(vendor_a_user).get("/api/docs/").content.decode()

    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    # Swagger UI's start-up script is served by the docs view itself, as a file (no inline script).
    assert "/api/docs/?script=" in assets and "<script>" not in page
    files = [asset for asset in assets if asset != "/api/docs/?script="]
    assert files and all(asset.startswith("/static/drf_spectacular_sidecar/") for asset in files), assets
    script = client_for(vendor_a_user).get("/api/docs/?script=").content.decode()
    assert "https://" not in page + script and '"validatorUrl": null' in script


def test_the_schema_and_docs_are_for_signed_in_users():
    assert Client().get("/api/schema/").status_code == 401
    docs = Client().get("/api/docs/")
    assert docs.status_code == 302 and docs.url.startswith("/accounts/login/")


def test_the_served_schema_is_the_one_fuzzed(vendor_a_user):
    from tests.test_schemathesis import served_schema

    assert api(vendor_a_user).get("/api/schema/?format=json").json() == served_schema()


def test_internal_fields_are_optional_in_the_schema(manager):
    schema = api(manager).get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "total_value" in schema["Contract"]["properties"]
    assert "total_value" not in schema["Contract"]["required"]
    assert "reference" in schema["Contract"]["required"]


def test_roles_see_the_same_schema(client_for, vendor_a_user, manager):
    as_vendor = client_for(vendor_a_user).get("/api/schema/?format=json").json()
    as_manager = client_for(manager).get("/api/schema/?format=json").json()
    assert as_vendor == as_manager
