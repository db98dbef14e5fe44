"""No internal-only field reaches a vendor: every API endpoint, and every export of the pages.

The endpoints come from the OpenAPI schema (every GET operation, lists and details), the exports from
the URL resolver; the forbidden field names from every model's policy declaration. A new endpoint,
export or internal field is covered without touching this file.
"""

import importlib
import io
import pkgutil
import re
from decimal import Decimal

import openpyxl
import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

import api.serializers
from accounts import policy
from api.models import WebhookDelivery, WebhookEvent, WebhookEventType, WebhookSubscription
from api.serializers.base import PolicyFieldsMixin, ReadOnlyModelSerializer
from api.services.tokens import api_token_create
from governance.models import ActionNote
from kpis.models import CreditTier, ServiceCredit, ServiceLevelKind, ServiceLevelResult
from tests import factories, factories_issues, factories_meetings
from tests.factories import INTERNAL_MARK
from tests.test_isolation import INTERNAL_VALUES, all_routes

pytestmark = pytest.mark.django_db

ID_PARAMETER = re.compile(r"\{[^}]+\}")


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()


@pytest.fixture
def rich_portfolio(portfolio, manager, vendor_a_admin):
    """Each vendor with a critical service level whose credit arithmetic is filled in, a breach, a
    scorecard, a credit row, an issue with a comment, an action item with a note and a webhook."""
    for side, owner in ((portfolio.a, vendor_a_admin), (portfolio.b, manager)):
        side.service_level.kind = ServiceLevelKind.CSL
        side.service_level.credit_allocation_percent = Decimal("37.50")
        side.service_level.save()
        CreditTier.objects.create(service_level=side.service_level, shortfall=1, factor_percent=Decimal("45"))
        factories.ServiceLevelResultFactory(
            service_level=side.service_level,
            period_charge=Decimal("87654.00"),
            at_risk_percent=Decimal("12"),
            allocation_percent=Decimal("37.50"),
            factor_percent=Decimal("45"),
            credit_amount=Decimal("1775.00"),
        )
        factories.BreachFactory(service_level=side.service_level)
        factories.ScorecardFactory(vendor=side.vendor)
        ServiceCredit.objects.create(
            contract=side.sow,
            period_kind="monthly",
            period_start=side.service_level.results.get().period_start,
            period_end=side.service_level.results.get().period_end,
            failures=1,
            gross_amount=Decimal("1775.00"),
            cap_amount=Decimal("10518.48"),
            amount=Decimal("1775.00"),
            currency="EUR",
        )
        issue = factories_issues.IssueFactory(vendor=side.vendor, contract=side.sow)
        factories_issues.IssueCommentFactory(issue=issue, author=manager)
        action = factories_meetings.ActionItemFactory(vendor=side.vendor)
        ActionNote.objects.create(action=action, author=manager, body="Half done.")
        subscription = WebhookSubscription.objects.create(
            owner=owner,
            url="https://hooks.example.com/portal",
            event_types=[WebhookEventType.BREACH_OPENED],
            secret="whsec_test",
        )
        event = WebhookEvent.objects.create(
            event_id=f"evt-{side.vendor.pk}",
            event_type=WebhookEventType.BREACH_OPENED,
            vendor=side.vendor,
            occurred_at=issue.raised_at,
        )
        WebhookDelivery.objects.create(subscription=subscription, event=event)
    return portfolio


def internal_names() -> frozenset[str]:
    names = frozenset(name for model in apps.get_models() for name in policy.internal_fields(model))
    assert names == policy.all_internal_field_names()
    return names


def public_names(path: str) -> set[str]:
    """Field names that are public on the model an endpoint serves: a name one model declares internal
    (a vendor's ``parent`` company) may be another's public field (a contract's ``parent`` contract)."""
    view = resolve(path.split("?")[0]).func
    serializer = getattr(getattr(view, "cls", None), "serializer_class", None)
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        return set()
    return {field.name for field in model._meta.get_fields()} - set(policy.internal_fields(model))


def get_operations() -> list[str]:
    """Every GET path of the API as the OpenAPI schema describes it."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, operations in schema["paths"].items() if "get" in operations)


def token_client(user) -> Client:
    token = api_token_create(user=user, name="walk", scope="read")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def walk(client) -> tuple[dict[str, dict], list[str]]:
    """GET every list, then every detail (and detail action) with the ids the lists gave."""
    answers: dict[str, dict] = {}
    skipped = []
    ids: dict[str, list[int]] = {}
    paths = get_operations()
    for path in (p for p in paths if not ID_PARAMETER.search(p) and p.startswith("/api/v1/")):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        answers[path] = body = response.json()
        ids[path] = [row["id"] for row in body.get("results", []) if isinstance(row, dict) and "id" in row]
    for path in (p for p in paths if ID_PARAMETER.search(p)):
        collection = path[: ID_PARAMETER.search(path).start()]
        known = ids.get(collection, [])
        if not known:
            skipped.append(path)
            continue
        url = ID_PARAMETER.sub(str(known[0]), path)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        answers[url] = response.json()
    return answers, skipped


def field_names(data, found=None) -> set[str]:
    """Every key anywhere in a JSON answer. A key holding a list of objects is a related collection
    (an action item's progress ``notes``), not a model field, so only its members' keys count."""
    found = set() if found is None else found
    if isinstance(data, dict):
        for key, value in data.items():
            if not (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
                found.add(key)
            field_names(value, found)
    elif isinstance(data, list):
        for value in data:
            field_names(value, found)
    return found


def test_a_copied_field_is_internal_exactly_when_its_source_is():
    assert {"allocation_percent", "factor_percent", "period_charge", "credit_amount"} <= set(
        policy.internal_fields(ServiceLevelResult)
    )
    assert "at_risk_percent" not in policy.internal_fields(ServiceLevelResult)
    for model in apps.get_models():
        for name, reference in getattr(model, "policy_mirrored_fields", {}).items():
            model._meta.get_field(name)
            source_model, source_field = policy.mirrored_source(reference)
            source_model._meta.get_field(source_field)
            source_internal = source_field in policy.internal_fields(source_model)
            assert (name in policy.internal_fields(model)) == source_internal, (model, name, reference)


def test_every_model_serializer_of_the_api_follows_the_policy():
    modules = [
        importlib.import_module(f"api.serializers.{info.name}")
        for info in pkgutil.iter_modules(api.serializers.__path__)
    ]
    model_serializers = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, serializers.ModelSerializer)
        and getattr(getattr(value, "Meta", None), "model", None) is not None
    ]
    assert len(model_serializers) >= 10
    for serializer in model_serializers:
        assert issubclass(serializer, PolicyFieldsMixin), serializer


def test_a_field_reaching_an_internal_field_through_a_relation_is_dropped(
    rich_portfolio, vendor_a_user, manager
):
    class BreachWithAllocation(ReadOnlyModelSerializer):
        allocation = serializers.DecimalField(
            max_digits=6, decimal_places=2, source="service_level.credit_allocation_percent"
        )
        notes = serializers.CharField(source="service_level.contract.vendor.internal_notes")

        class Meta:
            model = factories.BreachFactory._meta.model
            fields = ["id", "allocation", "notes"]

    breach = rich_portfolio.a.service_level.breaches.get()
    as_vendor = BreachWithAllocation(breach, context={"request": type("R", (), {"user": vendor_a_user})}).data
    as_manager = BreachWithAllocation(breach, context={"request": type("R", (), {"user": manager})}).data
    assert set(as_vendor) == {"id"}
    assert set(as_manager) == {"id", "allocation", "notes"}


def test_no_endpoint_gives_a_vendor_token_an_internal_field(rich_portfolio, vendor_a_admin, manager):
    internal = internal_names()

    vendor_answers, vendor_skipped = walk(token_client(vendor_a_admin))
    leaks = {
        path: sorted(field_names(body) & (internal - public_names(path)))
        for path, body in vendor_answers.items()
        if field_names(body) & (internal - public_names(path))
    }
    assert not leaks, leaks
    assert not vendor_skipped, f"no row to open for {vendor_skipped}"
    text = "".join(str(body) for body in vendor_answers.values())
    assert not INTERNAL_VALUES.findall(text)
    assert "37.50" not in text and "1775" not in text

    # The same walk as a manager sees them, so the data does put them in the answers.
    manager_answers, _ = walk(token_client(manager))
    seen_by_manager = set().union(*(field_names(body) for body in manager_answers.values()))
    assert {
        "allocation_percent",
        "factor_percent",
        "credit_amount",
        "credit_allocation_percent",
        "internal_notes",
        "total_value",
    } <= seen_by_manager
    # Every GET operation of the schema was answered, as a list or with an id.
    assert len(vendor_answers) == len(get_operations())


# ---- Exports of the pages ----------------------------------------------------------------------------


def export_urls() -> list[str]:
    """Every download the resolver knows: routes named ``…export``, ending in .csv/.xlsx or taking the
    format from their path."""
    urls = []
    for route in all_routes():
        if route.is_admin or not route.name:
            continue
        if route.kwargs == ("fmt",):  # a download in the format named in its path (the figures template)
            urls += [reverse(route.name, kwargs={"fmt": fmt}) for fmt in ("csv", "xlsx")]
            continue
        if route.kwargs:
            continue
        path = "/" + route.route.lstrip("^").replace("\\Z", "").replace("$", "")
        if route.name.endswith("export"):
            urls += [f"{path}?format=csv", f"{path}?format=xlsx"]
        elif path.endswith((".csv", ".xlsx")):
            urls.append(path)
    return urls


def export_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" not in response["Content-Type"]:
        return content.decode()
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        ",".join("" if cell is None else str(cell) for cell in row)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def internal_headers() -> set[str]:
    """The labels an export would give an internal field (its verbose name)."""
    labels = set()
    for model in apps.get_models():
        for name in policy.internal_fields(model):
            labels.add(str(model._meta.get_field(name).verbose_name).lower())
    return labels - {"notes", "amount", "reason"}  # too common as words to be told from other columns


def test_no_export_gives_a_vendor_user_an_internal_field(rich_portfolio, client_for, vendor_a_user, manager):
    factories.AuditEventFactory(
        obj=rich_portfolio.a.service_level,
        actor=manager,
        changes={"credit_allocation_percent": ["30.00", "37.50"], "weight": [10, 20]},
    )
    urls = export_urls()
    assert {
        "/portfolio.csv",
        "/breaches/export/?format=xlsx",
        "/audit-trail/export/?format=csv",
        "/measurements/template.xlsx",
    } <= set(urls)
    client = client_for(vendor_a_user)
    downloaded = 0
    for url in urls:
        response = client.get(url)
        if response.status_code in (403, 404) or 300 <= response.status_code < 400:
            continue  # not a download for vendor users
        assert response.status_code == 200, (url, response.status_code)
        downloaded += 1
        text = export_text(response)
        header = text.splitlines()[0].lower()
        assert not [label for label in internal_headers() if label in header], (url, header)
        assert INTERNAL_MARK not in text and not INTERNAL_VALUES.findall(text), url
        assert "37.5" not in text and "1775" not in text, url
    assert downloaded >= 4
    manager_trail = export_text(client_for(manager).get("/audit-trail/export/?format=csv"))
    assert "37.50" in manager_trail
