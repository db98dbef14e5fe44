"""The API fuzzed against its own OpenAPI schema, in-process, plus object-level authorization across vendors.

Schemathesis takes the schema /api/schema/ serves and sends generated requests (valid and invalid)
to every operation of the WSGI application, with vendor A's and with a manager's write token. Path
ids are mostly steered to vendor A's real objects so the operations' bodies reach the services, not
just the 404. Every response must be documented and match its schema, and nothing may be a server
error. A second test sends vendor A's
token at each of vendor B's object ids (and back): every one is a 404 in the documented error format.
"""

import json
from datetime import date

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import WebhookSubscription
from api.services.tokens import api_token_create
from config.wsgi import application
from kpis.models import Dispute, Measurement
from tests import factories
from tests.factories_governance_portal import ActionItemFactory, IssueFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 25


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI application signals request_started and request_finished around each request, and
    close_old_connections would close the test's own connection, transaction and all, on PostgreSQL.
    Django's test client disconnects it in the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def two_vendors(db, portfolio, vendor_a_user, vendor_b_user, manager, settings):
    """Each vendor's objects of every kind the API serves, and a write token per vendor."""
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    sides = {}
    for label, side, user in (("a", portfolio.a, vendor_a_user), ("b", portfolio.b, vendor_b_user)):
        breach = factories.BreachFactory(service_level=side.service_level)
        disputed = factories.BreachFactory(service_level=side.service_level, period_start=side.msa.start_date)
        Dispute.objects.create(
            breach=disputed, vendor=side.vendor, raised_by=user, reason="Our figure was right."
        )
        _, token = api_token_create(user=user, name="fuzz", scope="write")
        sides[label] = {
            "token": token,
            "vendors": side.vendor.pk,
            "contracts": side.sow.pk,
            "service-levels": side.service_level.pk,
            "measurements": side.measurement.pk,
            "results": factories.ServiceLevelResultFactory(service_level=side.service_level).pk,
            "breaches": breach.pk,
            "scorecards": factories.ScorecardFactory(vendor=side.vendor).pk,
            "action-items": ActionItemFactory(vendor=side.vendor, due_on=date(2099, 1, 1)).pk,
            "issues": IssueFactory(vendor=side.vendor).pk,
            "webhooks": WebhookSubscription.objects.create(
                owner=user, url="https://hooks.example.test/in", event_types=["breach.opened"], secret="s"
            ).pk,
        }
    sides["manager"] = api_token_create(user=manager, name="fuzz", scope="write")[1]
    return sides


def served_schema() -> dict:
    """What /api/schema/ serves, built in-process: the endpoint wants a signed-in caller, and tokens need
    the database, which collection has not got (tests/test_api.py checks the two are the same)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = application
schema.config.generation.update(modes=["positive", "negative"], max_examples=MAX_EXAMPLES)


def _resource(path: str) -> str:
    return path.split("/")[3]


def _steer(case, own: dict) -> None:
    """Point most generated ids at the caller's real objects, so bodies reach the services, not just a 404."""
    generated = case.path_parameters.get("id") if case.path_parameters else None
    if isinstance(generated, int) and generated % 4 != 0:
        case.path_parameters["id"] = own[_resource(case.path)]
    body = case.body if isinstance(case.body, dict) else {}
    items = body.get("items") if isinstance(body.get("items"), list) else [body]
    for item in items:
        if not isinstance(item, dict):
            continue
        for name, resource in (("service_level", "service-levels"), ("corrects", "measurements")):
            if isinstance(item.get(name), int) and item[name] % 4 != 0:
                item[name] = own[resource]


@pytest.mark.parametrize("caller", ["vendor", "manager"])
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, caller, two_vendors):
    own = two_vendors["a"]
    _steer(case, own)
    token = own["token"] if caller == "vendor" else two_vendors["manager"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_a_vendor_token_reaches_no_object_of_another_vendor(two_vendors):
    """Vendor A's token on each of vendor B's object ids (and B's on A's): 404 on every operation."""
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if "{id}" not in operation.path:
            continue
        for own, other in (("a", "b"), ("b", "a")):
            target = two_vendors[other][_resource(operation.path)]
            if operation.body:
                case = operation.Case(path_parameters={"id": target}, body={}, media_type="application/json")
            else:
                case = operation.Case(path_parameters={"id": target})
            before = Measurement.objects.count()
            response = case.call(headers={"Authorization": f"Bearer {two_vendors[own]['token']}"})
            assert response.status_code == 404, (
                f"{operation.label} with {other}'s id {target}: {response.text}"
            )
            assert response.json()["error"]["code"] == "not_found"
            case.validate_response(response, checks=CHECKS)
            assert Measurement.objects.count() == before
            checked.append(operation.label)
    assert len(checked) >= 2 * 15, checked
