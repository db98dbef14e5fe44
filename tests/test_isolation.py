"""The isolation sweep: every object URL of the project, for both vendors, in both directions.

A vendor user who puts another vendor's id into any URL gets 404, while the owning
vendor's user gets the page, so the 404 is isolation rather than a broken URL. URLs
are discovered from the resolver; a new object URL whose model the sweep cannot tell
fails the sweep until it is added to the tables below.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from accounts import policy
from accounts.models import AuditEvent, Invitation, Role
from api.models import ApiToken, WebhookSubscription
from contracts.models import Contract, ContractDocument, Deliverable, DeliverableEvidence
from governance.models import (
    ActionItem,
    AgendaItem,
    Audit,
    Decision,
    EscalationLevel,
    EscalationPath,
    Finding,
    FindingEvidence,
    Forum,
    Issue,
    Meeting,
    ProgressUpdate,
    Review,
    RoleAssignment,
    Side,
)
from governance.services import progress_current_month
from kpis.models import (
    Breach,
    Dispute,
    EvidenceFile,
    Measurement,
    MeasurementUpload,
    Metric,
    Scorecard,
    ServiceLevel,
    ServiceLevelResult,
    UploadStatus,
)
from notifications.models import Notification
from selection.models import Candidate, Commitment, Evaluator, SelectionEvent
from tests import (
    factories,
    factories_contracts,
    factories_gov_audits,
    factories_gov_reviews,
    factories_meetings,
    factories_selection,
    factories_vendors,
)
from tests.factories import INTERNAL_MARK
from vendors.models import Vendor, VendorChangeRequest, VendorContact

pytestmark = pytest.mark.django_db

PROJECT_APPS = [
    "accounts",
    "vendors",
    "contracts",
    "kpis",
    "governance",
    "selection",
    "portal",
    "api",
    "notifications",
]

# The model a plain ``pk`` stands for, by URL namespace.
NAMESPACE_MODELS = {
    "vendors": Vendor,
    "contracts": Contract,
    "breaches": Breach,
    "scorecards": Scorecard,
    "measurements": Measurement,
    "forums": Forum,
    "decisions": Decision,
    "actions": ActionItem,
    "selection": SelectionEvent,
    "reviews": Review,
    "audits": Audit,
    "notifications": Notification,
}
# Object URLs whose ``pk`` (or another kwarg) is not their namespace's model: {url name: {kwarg: model}}.
URL_MODELS: dict[str, dict[str, type]] = {
    "scorecards:result": {"pk": ServiceLevelResult},
    "targets:change": {"pk": ServiceLevel},
    "whatif:service_level": {"pk": ServiceLevel},
    "whatif:contract": {"pk": Contract},
    "measurements:evidence": {"pk": EvidenceFile},
    "measurements:upload_detail": {"pk": MeasurementUpload},
    "measurements:upload_confirm": {"pk": MeasurementUpload},
    "measurements:dispute_resolve": {"pk": Dispute},
    # The REST API (api/urls.py): one router namespace for every resource.
    "api:v1:vendor-detail": {"pk": Vendor},
    "api:v1:contract-detail": {"pk": Contract},
    "api:v1:service-level-detail": {"pk": ServiceLevel},
    "api:v1:measurement-detail": {"pk": Measurement},
    "api:v1:measurement-correct": {"pk": Measurement},
    "api:v1:result-detail": {"pk": ServiceLevelResult},
    "api:v1:breach-detail": {"pk": Breach},
    "api:v1:breach-acknowledge": {"pk": Breach},
    "api:v1:breach-respond": {"pk": Breach},
    "api:v1:breach-dispute": {"pk": Breach},
    "api:v1:scorecard-detail": {"pk": Scorecard},
    "api:v1:scorecard-explanation": {"pk": Scorecard},
    "api:v1:action-item-detail": {"pk": ActionItem},
    "api:v1:action-item-notes": {"pk": ActionItem},
    "api:v1:issue-detail": {"pk": Issue},
    "api:v1:issue-comments": {"pk": Issue},
    "api:v1:webhook-detail": {"pk": WebhookSubscription},
    "api:v1:webhook-deliveries": {"pk": WebhookSubscription},
    "api:v1:webhook-ping": {"pk": WebhookSubscription},
    "api:token_revoke": {"pk": ApiToken},
}
# ``<model>_pk`` / ``<model>_id`` kwargs; any project model's snake-case name is also understood.
KWARG_MODELS = {
    "vendor_pk": Vendor,
    "vendor_id": Vendor,
    "contract_pk": Contract,
    "contract_id": Contract,
    "contact_pk": VendorContact,
    "path_pk": EscalationPath,
}
OBJECT_KWARG = re.compile(r"^(pk|.+_pk|.+_id)$")
NO_KWARG_EXCLUDED = ("accounts:logout",)
MUST_BE_SWEPT = {"vendors:detail", "contracts:detail"}
# Internal notes and figures as the factories write them, in any common number format.
_SEP = r"[,.\s\u00a0\u202f']?"
INTERNAL_VALUES = re.compile(rf"{INTERNAL_MARK}|7{_SEP}654{_SEP}321|87{_SEP}654\b")


@dataclass(frozen=True)
class Route:
    name: str | None
    namespace: str
    route: str
    kwargs: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.namespace.split(":")[0] == "admin" or self.route.startswith("admin/")

    @property
    def is_static(self) -> bool:
        return self.route.lstrip("^").startswith(("static/", "media/"))

    @property
    def object_kwargs(self) -> tuple[str, ...]:
        return tuple(k for k in self.kwargs if OBJECT_KWARG.match(k))


def _pattern_kwargs(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RegexPattern):  # re_path(): named groups are the kwargs
        return tuple(pattern.regex.groupindex)
    return tuple(getattr(pattern, "converters", {}))


def all_routes(patterns=None, prefix="", namespace="", kwargs=()):
    """Every URL pattern of the project with its full route, namespaced name and kwargs."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        route = prefix + str(entry.pattern)
        entry_kwargs = kwargs + _pattern_kwargs(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from all_routes(entry.url_patterns, route, inner, entry_kwargs)
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name=name, namespace=namespace, route=route, kwargs=entry_kwargs)


def object_routes():
    return [r for r in all_routes() if r.object_kwargs and not r.is_admin]


def plain_routes():
    return [
        r
        for r in all_routes()
        if not r.kwargs and not r.is_admin and not r.is_static and r.name not in NO_KWARG_EXCLUDED
    ]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def model_for(route: Route, kwarg: str):
    explicit = URL_MODELS.get(route.name or "", {})
    if kwarg in explicit:
        return explicit[kwarg]
    if kwarg == "pk":
        return NAMESPACE_MODELS.get(route.namespace)
    if kwarg in KWARG_MODELS:
        return KWARG_MODELS[kwarg]
    stem = re.sub(r"_(pk|id)$", "", kwarg)
    by_name = {_snake(m.__name__): m for app in PROJECT_APPS for m in apps.get_app_config(app).get_models()}
    return by_name.get(stem)


def side_objects(side) -> dict[type, object]:
    """One row per model for one vendor of the portfolio, consistent with each other."""
    return {
        Vendor: side.vendor,
        Contract: side.sow,
        Deliverable: side.deliverable,
        VendorContact: side.contact,
        ServiceLevel: side.service_level,
        Measurement: side.measurement,
        RoleAssignment: side.role_assignment,
        EscalationPath: side.escalation_path,
        EscalationLevel: side.escalation_level,
        AuditEvent: side.audit_event,
    }


def _progress_update(side):
    return ProgressUpdate.objects.get_or_create(
        vendor=side.vendor,
        period_start=progress_current_month(),
        defaults={"rag": ProgressUpdate.Rag.AMBER, "summary": f"{side.vendor.name}: migration on track."},
    )[0]


def _invitation(side):
    return Invitation.objects.get_or_create(
        vendor=side.vendor,
        email=f"invitee@vendor-{side.vendor.pk}.test",
        defaults={
            "role": Role.VENDOR_USER,
            "token_hash": hashlib.sha256(f"sweep-{side.vendor.pk}".encode()).hexdigest(),
            "expires_at": timezone.now() + timedelta(days=7),
        },
    )[0]


def _breach(side):
    return factories.BreachFactory(service_level=side.service_level)


def _result(side):
    return factories.ServiceLevelResultFactory(service_level=side.service_level)


def _scorecard(side):
    return factories.ScorecardFactory(vendor=side.vendor)


def _evidence_file(side):
    # A real file in storage, so the owner's download works; one per vendor, reused between runs.
    name = f"evidence/isolation-sweep-{side.vendor.pk}.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return EvidenceFile.objects.get_or_create(
        vendor=side.vendor,
        measurement=side.measurement,
        defaults={"file": name, "original_name": "proof.pdf", "content_type": "application/pdf", "size": 15},
    )[0]


def _measurement_upload(side):
    return MeasurementUpload.objects.get_or_create(
        vendor=side.vendor,
        original_name="figures.csv",
        defaults={"status": UploadStatus.VALIDATED, "rows": []},
    )[0]


def _vendor_person(side):
    """The vendor's first user: the API's personal rows (tokens, webhooks) belong to a person."""
    return side.vendor.users.order_by("pk").first()


def _api_token(side):
    return ApiToken.objects.get_or_create(
        user=_vendor_person(side),
        name="Isolation sweep",
        defaults={
            "prefix": "vgp_sweep",
            "token_hash": hashlib.sha256(f"api-sweep-{side.vendor.pk}".encode()).hexdigest(),
            "expires_at": timezone.now() + timedelta(days=30),
        },
    )[0]


def _webhook_subscription(side):
    return WebhookSubscription.objects.get_or_create(
        owner=_vendor_person(side),
        defaults={
            "url": "https://hooks.example.test/portal",
            "event_types": ["breach.opened"],
            "secret": "s",
        },
    )[0]


def _figure_dispute(side):
    return Dispute.objects.get_or_create(
        measurement=side.measurement,
        status="open",
        defaults={"vendor": side.vendor, "reason": "The outage was planned maintenance."},
    )[0]


def _action_item(side):
    return ActionItem.objects.get_or_create(
        vendor=side.vendor,
        title="Send the capacity plan",
        defaults={"owner_side": Side.VENDOR, "due_on": timezone.localdate() + timedelta(days=14)},
    )[0]


def _issue(side):
    return Issue.objects.get_or_create(
        vendor=side.vendor,
        title="Tickets bounced between teams",
        defaults={"description": "Three priority tickets waited a day each.", "raised_side": Side.INTERNAL},
    )[0]


def _notification(side):
    return Notification.objects.get_or_create(
        recipient=_vendor_person(side),
        kind="breach_opened",
        source_key="isolation-sweep",
        defaults={"title": f"New breach at {side.vendor.name}", "url": "/breaches/", "vendor": side.vendor},
    )[0]


# Rows the portfolio fixture does not build, made on first use: one per vendor.
ON_DEMAND_OBJECTS = {
    Notification: _notification,
    ContractDocument: factories_contracts.sweep_contract_document,
    DeliverableEvidence: factories_contracts.sweep_deliverable_evidence,
    Review: factories_gov_reviews.sweep_review,
    Audit: factories_gov_audits.sweep_audit,
    Finding: factories_gov_audits.sweep_finding,
    FindingEvidence: factories_gov_audits.sweep_finding_evidence,
    EvidenceFile: _evidence_file,
    MeasurementUpload: _measurement_upload,
    ProgressUpdate: _progress_update,
    Invitation: _invitation,
    Breach: _breach,
    Dispute: _figure_dispute,
    ServiceLevelResult: _result,
    Scorecard: _scorecard,
    ApiToken: _api_token,
    WebhookSubscription: _webhook_subscription,
    ActionItem: _action_item,
    Issue: _issue,
    Forum: factories_meetings.sweep_forum,
    Meeting: factories_meetings.sweep_meeting,
    AgendaItem: factories_meetings.sweep_agenda_item,
    Decision: factories_meetings.sweep_decision,
    SelectionEvent: factories_selection.sweep_event,
    Candidate: factories_selection.sweep_candidate,
    Commitment: factories_selection.sweep_commitment,
    Evaluator: factories_selection.sweep_evaluator,
    VendorChangeRequest: factories_vendors.sweep_change_request,
}


def object_for(model, side, owner, portfolio):
    if model is Metric:
        return portfolio.metric
    known = side_objects(side)
    if model in known:
        return known[model]
    if model in ON_DEMAND_OBJECTS:
        return ON_DEMAND_OBJECTS[model](side)
    # Models added later: any row the owning vendor's user may see will do.
    return policy.scope(owner, model._default_manager.all()).order_by("pk").first()


def fetch(client, url):
    """GET the URL; for POST-only URLs, POST without data instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def fetch_and_roll_back(client, url):
    # The owner's request may really change or delete the row (a POST-only action); keep the portfolio intact.
    with transaction.atomic():
        response = fetch(client, url)
        transaction.set_rollback(True)
    return response


def works(response) -> bool:
    if response.status_code == 200:
        return True
    # An API action answers 201/202, or 400/415 when posted without its JSON fields: it found the object.
    if response.status_code in (201, 202, 400, 415) and response.get("Content-Type") == "application/json":
        return True
    login_url = reverse("accounts:login")
    return 300 <= response.status_code < 400 and not response.url.startswith(login_url)


def logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def describe(response) -> str:
    text = str(response.status_code)
    if 300 <= response.status_code < 400:
        text += f" → {response.url}"
    if getattr(response, "exc_info", None):
        text += f" ({response.exc_info[1]!r})"
    return text


def internal_leaks(response) -> list[str]:
    """Internal-only values rendered in a page meant for a vendor user."""
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    return sorted(set(INTERNAL_VALUES.findall(response.content.decode())))


def test_sweep_finds_the_object_urls():
    names = {r.name for r in object_routes()}
    missing = MUST_BE_SWEPT - names
    assert not missing, f"The sweep no longer sees {sorted(missing)}; found {sorted(names)}"


def test_every_object_url_knows_its_model():
    unknown = [
        f"{r.name or '(unnamed)'} /{r.route} kwarg {kwarg!r}"
        for r in object_routes()
        for kwarg in r.object_kwargs
        if model_for(r, kwarg) is None
    ]
    assert not unknown, (
        "New object URLs the isolation sweep cannot map to a model; add them to URL_MODELS, "
        "NAMESPACE_MODELS or KWARG_MODELS in tests/test_isolation.py:\n  " + "\n  ".join(unknown)
    )
    unnamed = [f"/{r.route}" for r in object_routes() if not r.name]
    assert not unnamed, f"Object URLs need a name so the sweep can reverse them: {unnamed}"


def sweep_object_urls(routes, portfolio, manager, vendor_a_user, vendor_b_user):
    """Request every object URL across vendors; returns (problems, number of URLs proven isolated)."""
    sides = [
        ("vendor A", portfolio.a, vendor_a_user, vendor_b_user),
        ("vendor B", portfolio.b, vendor_b_user, vendor_a_user),
    ]
    clients = {user.pk: logged_in(user) for user in (manager, vendor_a_user, vendor_b_user)}
    problems = []
    checked = 0
    for route in routes:
        models = {kwarg: model_for(route, kwarg) for kwarg in route.object_kwargs}
        if None in models.values():
            problems.append(f"{route.name}: no model for {[k for k, m in models.items() if m is None]}")
            continue
        extra = [k for k in route.kwargs if k not in models]
        if extra:
            problems.append(f"{route.name}: the sweep has no value for the kwargs {extra}")
            continue
        vendor_owned = all(policy.vendor_path(m) is not None for m in models.values())
        for label, side, owner, intruder in sides:
            objects = {kwarg: object_for(model, side, owner, portfolio) for kwarg, model in models.items()}
            absent = [models[k].__name__ for k, obj in objects.items() if obj is None]
            if absent:
                problems.append(f"{route.name}: the portfolio fixture has no {absent} row of {label}")
                continue
            url = reverse(route.name, kwargs={kwarg: obj.pk for kwarg, obj in objects.items()})

            intruder_response = fetch(clients[intruder.pk], url)
            if intruder_response.status_code != 404:
                owner_of = "another vendor's" if vendor_owned else "an internal-only"
                problems.append(
                    f"{route.name} {url}: {intruder.email} got {describe(intruder_response)} "
                    f"for {owner_of} object (expected 404)"
                )

            owner_response = fetch_and_roll_back(clients[owner.pk], url)
            leaks = internal_leaks(owner_response)
            if leaks:
                problems.append(f"{route.name} {url}: internal-only values shown to {owner.email}: {leaks}")
            if vendor_owned and works(owner_response):
                checked += 1
                continue
            # A page the vendor's role may not use (an edit form) is a 403 for the owner; an internal-only
            # object is a 404 for every vendor user. Either way the page must work for staff.
            expected_refusal = 403 if vendor_owned else 404
            if owner_response.status_code != expected_refusal:
                hint = (
                    "; is the kwarg mapped to the right model?" if owner_response.status_code == 404 else ""
                )
                problems.append(
                    f"{route.name} {url}: {owner.email} got {describe(owner_response)} for its own row{hint}"
                )
                continue
            manager_response = fetch_and_roll_back(clients[manager.pk], url)
            if works(manager_response):
                checked += 1
            else:
                problems.append(f"{route.name} {url}: the manager got {describe(manager_response)}")

    return problems, checked


def test_object_urls_are_isolated_between_vendors(portfolio, manager, vendor_a_user, vendor_b_user):
    routes = object_routes()
    assert {r.name for r in routes} >= MUST_BE_SWEPT
    problems, checked = sweep_object_urls(routes, portfolio, manager, vendor_a_user, vendor_b_user)
    assert not problems, "Isolation sweep:\n  " + "\n  ".join(problems)
    assert checked == 2 * len(routes)


def vendor_a_urls(portfolio, vendor_a_user):
    """Each object URL filled with vendor A's rows (URLs the sweep cannot fill are reported by it)."""
    for route in object_routes():
        models = {kwarg: model_for(route, kwarg) for kwarg in route.object_kwargs}
        if None in models.values() or set(route.kwargs) - set(models):
            continue
        objects = {
            kwarg: object_for(model, portfolio.a, vendor_a_user, portfolio) for kwarg, model in models.items()
        }
        if None not in objects.values():
            yield route, reverse(route.name, kwargs={kwarg: obj.pk for kwarg, obj in objects.items()})


def page_failures(client, actor, routes_and_urls) -> list[str]:
    failures = []
    for route, url in routes_and_urls:
        response = client.get(url, follow=True)
        if response.status_code >= 500:
            failures.append(f"{route.name or url} {url}: {describe(response)}")
        if actor and actor.startswith("vendor_") and internal_leaks(response):
            failures.append(
                f"{route.name or url} {url}: shows internal-only values {internal_leaks(response)}"
            )
    return failures


ACTORS = ["manager", "viewer", "auditor", "admin_user", "vendor_a_user", "vendor_a_admin", None]


@pytest.mark.parametrize("actor", ACTORS)
def test_no_page_fails_for_any_role(request, portfolio, actor):
    client = Client(raise_request_exception=False)
    if actor:
        client.force_login(request.getfixturevalue(actor))
    routes = plain_routes()
    assert any(r.name == "portal:home" for r in routes)
    urls = [(r, reverse(r.name) if r.name else "/" + r.route.lstrip("^").rstrip("$")) for r in routes]
    failures = page_failures(client, actor, urls)
    assert not failures, f"Pages failing for {actor or 'anonymous'}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("actor", ACTORS)
def test_no_object_page_fails_for_any_role(request, portfolio, vendor_a_user, actor):
    client = Client(raise_request_exception=False)
    if actor:
        client.force_login(request.getfixturevalue(actor))
    urls = list(vendor_a_urls(portfolio, vendor_a_user))
    assert {route.name for route, _ in urls} >= MUST_BE_SWEPT
    failures = page_failures(client, actor, urls)
    assert not failures, f"Object pages failing for {actor or 'anonymous'}:\n  " + "\n  ".join(failures)
