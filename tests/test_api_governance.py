"""Action items and issues in the REST API: lists with filters, ordering and pagination; each vendor's
token sealed off from the other's rows; action items created by the client's staff, progress notes,
issues raised and discussed by both sides — through the governance services, into the audit trail."""

import datetime as dt
import itertools

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from api.models import TokenScope
from api.services.tokens import api_token_create
from governance.models import ActionItem, ActionNote, ActionStatus, Issue, IssueComment, IssueStatus, Side
from tests import factories
from tests.factories_governance_portal import ActionItemFactory, IssueFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 6, 15, 12, 0))
TODAY = dt.date(2026, 6, 15)
_names = itertools.count()


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def api(user, scope=TokenScope.WRITE) -> Client:
    _, token = api_token_create(user=user, name=f"governance {next(_names)}", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def error(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def governance(vendor_a, vendor_b, vendor_a_user, manager):
    """Per vendor: an overdue vendor-side action with a note, a client-side action, an open issue with a
    comment; and a resolved issue of vendor A."""
    rows = {}
    for label, vendor in (("a", vendor_a), ("b", vendor_b)):
        late = ActionItemFactory(vendor=vendor, title=f"Capacity plan {label}", due_on=days(-3))
        ActionNote.objects.create(action=late, author=manager, body="Chased by e-mail.")
        ours = ActionItemFactory(
            vendor=vendor, owner_side=Side.INTERNAL, title=f"Approve window {label}", due_on=days(5)
        )
        issue = IssueFactory(
            vendor=vendor, title=f"Tickets bounce {label}", raised_at=NOW - dt.timedelta(days=2)
        )
        IssueComment.objects.create(issue=issue, author=manager, body="Looking into it.")
        rows[label] = {"late": late, "ours": ours, "issue": issue}
    rows["a"]["resolved"] = IssueFactory(
        vendor=vendor_a,
        title="Old outage",
        status=IssueStatus.RESOLVED,
        resolved_at=NOW,
        raised_at=NOW - dt.timedelta(days=30),
    )
    return rows


# ---- Reading ------------------------------------------------------------------------------------------


def test_a_vendor_token_lists_only_its_own_action_items_and_issues(governance, vendor_a_user, manager):
    vendor = api(vendor_a_user)

    actions = vendor.get("/api/v1/action-items/").json()
    issues = vendor.get("/api/v1/issues/").json()

    a = governance["a"]
    assert [row["id"] for row in actions["results"]] == [a["late"].pk, a["ours"].pk]
    assert {row["id"] for row in issues["results"]} == {a["issue"].pk, a["resolved"].pk}
    assert api(manager).get("/api/v1/action-items/").json()["count"] == 4
    assert api(manager).get("/api/v1/issues/").json()["count"] == 3


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/action-items/{late}/",
        "/api/v1/issues/{issue}/",
    ],
)
def test_another_vendors_row_is_a_404(governance, vendor_a_user, url):
    b = governance["b"]
    response = api(vendor_a_user).get(url.format(late=b["late"].pk, issue=b["issue"].pk))

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_an_action_item_shows_its_notes_and_whether_it_is_overdue(governance, vendor_a_user, manager):
    late = governance["a"]["late"]

    body = api(vendor_a_user).get(f"/api/v1/action-items/{late.pk}/").json()

    assert body["title"] == "Capacity plan a" and body["vendor_name"] == "Acme Test"
    assert (body["owner_side"], body["status"], body["is_overdue"], body["due_on"]) == (
        "vendor",
        "open",
        True,
        "2026-06-12",
    )
    assert [(n["author_name"], n["body"]) for n in body["notes"]] == [("Mona Manager", "Chased by e-mail.")]


def test_an_issue_shows_its_thread_and_escalation_steps(governance, vendor_a_user):
    issue = governance["a"]["issue"]
    issue.escalations.create(level=2, escalated_at=NOW)

    body = api(vendor_a_user).get(f"/api/v1/issues/{issue.pk}/").json()

    assert (body["title"], body["status"], body["level"], body["severity"]) == (
        "Tickets bounce a",
        "open",
        1,
        "medium",
    )
    assert [c["body"] for c in body["comments"]] == ["Looking into it."]
    assert [(step["level"], step["automatic"]) for step in body["escalations"]] == [(2, True)]


def test_action_item_filters_and_ordering(governance, manager, vendor_a):
    done = ActionItemFactory(vendor=vendor_a, due_on=days(-10), status=ActionStatus.DONE)
    client = api(manager)

    def ids(query):
        response = client.get(f"/api/v1/action-items/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    a, b = governance["a"], governance["b"]
    assert ids(f"vendor={vendor_a.pk}&is_overdue=true") == [a["late"].pk]
    assert set(ids("is_overdue=true")) == {a["late"].pk, b["late"].pk}
    assert set(ids("owner_side=internal")) == {a["ours"].pk, b["ours"].pk}
    assert ids(f"status=done&vendor={vendor_a.pk}") == [done.pk]
    assert set(ids(f"is_open=false&vendor={vendor_a.pk}")) == {done.pk}
    assert done.pk not in ids("is_overdue=true") and done.pk in ids("is_overdue=false")
    assert ids(f"due_on_after=2026-06-16&vendor={vendor_a.pk}") == [a["ours"].pk]
    assert ids(f"vendor={vendor_a.pk}&ordering=-due_on") == [a["ours"].pk, a["late"].pk, done.pk]


def test_issue_filters_ordering_and_pagination(governance, manager, vendor_a):
    client = api(manager)

    def ids(query):
        response = client.get(f"/api/v1/issues/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    a = governance["a"]
    assert ids(f"vendor={vendor_a.pk}") == [a["issue"].pk, a["resolved"].pk]  # newest first
    assert ids(f"vendor={vendor_a.pk}&status=resolved") == [a["resolved"].pk]
    assert ids(f"vendor={vendor_a.pk}&ordering=raised_at") == [a["resolved"].pk, a["issue"].pk]
    assert ids("level=2") == []
    page = client.get("/api/v1/issues/?page_size=2").json()
    assert (page["count"], len(page["results"])) == (3, 2) and page["next"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/action-items/?status=late", "status"),
        ("/api/v1/action-items/?due_on_after=someday", "due_on"),
        ("/api/v1/action-items/?vendor=0", "vendor"),
        ("/api/v1/issues/?level=99999", "level"),
        ("/api/v1/issues/?severity=urgent", "severity"),
    ],
)
def test_bad_filters_are_400_with_fields(manager, url, field):
    response = api(manager).get(url)

    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_filtering_by_another_vendor_finds_nothing(governance, vendor_a_user, vendor_b):
    client = api(vendor_a_user)

    assert client.get(f"/api/v1/action-items/?vendor={vendor_b.pk}").json()["count"] == 0
    assert client.get(f"/api/v1/issues/?vendor={vendor_b.pk}").json()["count"] == 0


@pytest.mark.parametrize("resource", ["action-items", "issues"])
def test_list_queries_do_not_grow_with_the_data(governance, manager, vendor_a, resource):
    client = api(manager)
    client.get("/api/v1/me/")  # notes the token's first use outside the counts

    counts = []
    for extra in (0, 5):
        for n in range(extra):
            item = ActionItemFactory(vendor=vendor_a, due_on=days(n))
            ActionNote.objects.create(action=item, author=manager, body="Noted.")
            issue = IssueFactory(vendor=vendor_a)
            IssueComment.objects.create(issue=issue, author=manager, body="Noted.")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{resource}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# ---- Action items: creating and progress notes ---------------------------------------------------------


def test_a_manager_creates_an_action_item_through_the_service(manager, vendor_a, vendor_a_user):
    body = {
        "vendor": vendor_a.pk,
        "title": "Send the capacity plan",
        "description": "For the next two quarters.",
        "owner_side": "vendor",
        "owner": vendor_a_user.pk,
        "due_on": "2026-07-01",
    }

    response = post(api(manager), "/api/v1/action-items/", body)

    assert response.status_code == 201, response.content
    created = response.json()
    item = ActionItem.objects.get(pk=created["id"])
    assert (item.vendor, item.owner, item.owner_side, item.created_by) == (
        vendor_a,
        vendor_a_user,
        "vendor",
        manager,
    )
    assert created["owner_name"] == "Alice Acme" and created["notes"] == []
    event = AuditEvent.objects.get(object_type="governance.actionitem", object_id=str(item.pk))
    assert (event.action, event.actor, event.vendor_id) == (
        "governance.actionitem.created",
        manager,
        vendor_a.pk,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_on": "2026-06-01"}, "due_on"),
        ({"title": "  "}, "title"),
        ({"owner_side": "both"}, "owner_side"),
        ({"vendor": 999999}, "vendor"),
        ({"owner": 999999}, "owner"),
    ],
)
def test_a_bad_action_item_is_a_400_with_fields_and_saves_nothing(manager, vendor_a, change, field):
    body = {"vendor": vendor_a.pk, "title": "Send the plan", "owner_side": "vendor", "due_on": "2026-07-01"}

    response = post(api(manager), "/api/v1/action-items/", body | change)

    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert not ActionItem.objects.exists()


def test_an_owner_from_another_vendor_is_refused(manager, vendor_a, vendor_b_user):
    body = {
        "vendor": vendor_a.pk,
        "title": "Send the plan",
        "owner_side": "vendor",
        "owner": vendor_b_user.pk,
        "due_on": "2026-07-01",
    }

    response = post(api(manager), "/api/v1/action-items/", body)

    assert response.status_code == 400 and "owner" in error(response)["fields"]


@pytest.mark.parametrize("actor", ["vendor_a_user", "viewer", "auditor"])
def test_only_the_clients_managers_create_action_items(request, vendor_a, actor):
    body = {"vendor": vendor_a.pk, "title": "Send the plan", "owner_side": "vendor", "due_on": "2026-07-01"}

    response = post(api(request.getfixturevalue(actor)), "/api/v1/action-items/", body)

    assert response.status_code == 403
    assert not ActionItem.objects.exists()


def test_a_read_only_token_creates_nothing(manager, vendor_a):
    body = {"vendor": vendor_a.pk, "title": "Send the plan", "owner_side": "vendor", "due_on": "2026-07-01"}

    response = post(api(manager, TokenScope.READ), "/api/v1/action-items/", body)

    assert response.status_code == 403 and "read-only" in error(response)["message"]


def test_the_vendor_posts_a_progress_note_on_its_own_action(governance, vendor_a_user):
    late = governance["a"]["late"]

    response = post(
        api(vendor_a_user), f"/api/v1/action-items/{late.pk}/notes/", {"body": "Draft sent to Mona."}
    )

    assert response.status_code == 201, response.content
    assert (response.json()["body"], response.json()["author_name"]) == ("Draft sent to Mona.", "Alice Acme")
    assert list(late.notes.values_list("body", flat=True)) == ["Chased by e-mail.", "Draft sent to Mona."]
    assert AuditEvent.objects.filter(
        action="governance.actionnote.created", vendor_id=late.vendor_id
    ).exists()


def test_a_vendor_cannot_note_another_vendors_action(governance, vendor_a_user):
    other = governance["b"]["late"]

    response = post(api(vendor_a_user), f"/api/v1/action-items/{other.pk}/notes/", {"body": "Hello"})

    assert response.status_code == 404
    assert other.notes.count() == 1


def test_an_empty_note_is_a_400(governance, vendor_a_user):
    response = post(
        api(vendor_a_user), f"/api/v1/action-items/{governance['a']['late'].pk}/notes/", {"body": " "}
    )

    assert response.status_code == 400 and "body" in error(response)["fields"]


def test_a_viewer_cannot_add_notes(governance, viewer):
    response = post(api(viewer), f"/api/v1/action-items/{governance['a']['late'].pk}/notes/", {"body": "Hi"})

    assert response.status_code == 403


# ---- Issues: raising and the thread -------------------------------------------------------------------


def test_a_vendor_raises_an_issue_on_its_own_vendor(vendor_a, vendor_a_user):
    contract = factories.ContractFactory(vendor=vendor_a)
    body = {
        "title": "Change requests stall",
        "description": "Three CRs waited a week.",
        "severity": "high",
        "contract": contract.pk,
    }

    response = post(api(vendor_a_user), "/api/v1/issues/", body)

    assert response.status_code == 201, response.content
    created = response.json()
    issue = Issue.objects.get(pk=created["id"])
    assert (issue.vendor, issue.contract, issue.raised_by, issue.raised_side, issue.level) == (
        vendor_a,
        contract,
        vendor_a_user,
        Side.VENDOR,
        1,
    )
    assert (created["severity"], created["status"], created["comments"]) == ("high", "open", [])
    event = AuditEvent.objects.get(object_type="governance.issue", object_id=str(issue.pk))
    assert (event.action, event.actor) == ("governance.issue.raised", vendor_a_user)


def test_a_manager_raises_an_issue_naming_the_vendor(manager, vendor_b):
    body = {"vendor": vendor_b.pk, "title": "Invoices late", "description": "Two months running."}

    response = post(api(manager), "/api/v1/issues/", body)

    assert response.status_code == 201
    issue = Issue.objects.get()
    assert (issue.vendor, issue.raised_side, issue.severity) == (vendor_b, Side.INTERNAL, "medium")


def test_a_manager_must_name_the_vendor(manager):
    response = post(api(manager), "/api/v1/issues/", {"title": "Invoices late", "description": "Two months."})

    assert response.status_code == 400 and "vendor" in error(response)["fields"]


def test_a_vendor_cannot_raise_an_issue_on_another_vendor(vendor_a_user, vendor_b):
    contract_b = factories.ContractFactory(vendor=vendor_b)
    client = api(vendor_a_user)

    on_vendor = post(client, "/api/v1/issues/", {"vendor": vendor_b.pk, "title": "X", "description": "Y"})
    on_contract = post(
        client, "/api/v1/issues/", {"contract": contract_b.pk, "title": "X", "description": "Y"}
    )

    assert on_vendor.status_code == 400 and error(on_vendor)["fields"] == {"vendor": ["No such vendor."]}
    assert on_contract.status_code == 400 and error(on_contract)["fields"] == {
        "contract": ["No such contract."]
    }
    assert not Issue.objects.exists()


def test_a_contract_of_another_vendor_is_refused_for_managers_too(manager, vendor_a, vendor_b):
    contract_b = factories.ContractFactory(vendor=vendor_b)
    body = {"vendor": vendor_a.pk, "contract": contract_b.pk, "title": "X", "description": "Y"}

    response = post(api(manager), "/api/v1/issues/", body)

    assert response.status_code == 400 and "contract" in error(response)["fields"]


@pytest.mark.parametrize("actor", ["viewer", "auditor"])
def test_read_only_roles_do_not_raise_issues(request, vendor_a, actor):
    body = {"vendor": vendor_a.pk, "title": "X", "description": "Y"}

    response = post(api(request.getfixturevalue(actor)), "/api/v1/issues/", body)

    assert response.status_code == 403


def test_both_sides_comment_on_an_open_issue(governance, vendor_a_user, manager):
    issue = governance["a"]["issue"]

    vendor = post(
        api(vendor_a_user), f"/api/v1/issues/{issue.pk}/comments/", {"body": "Fixed the routing rule."}
    )
    client = post(api(manager), f"/api/v1/issues/{issue.pk}/comments/", {"body": "Confirmed."})

    assert vendor.status_code == client.status_code == 201
    assert vendor.json()["author_name"] == "Alice Acme"
    assert list(issue.comments.values_list("body", flat=True)) == [
        "Looking into it.",
        "Fixed the routing rule.",
        "Confirmed.",
    ]
    assert (
        AuditEvent.objects.filter(action="governance.issue.commented", object_id=str(issue.pk)).count() == 2
    )


def test_a_resolved_issues_thread_is_closed(governance, vendor_a_user):
    resolved = governance["a"]["resolved"]

    response = post(
        api(vendor_a_user), f"/api/v1/issues/{resolved.pk}/comments/", {"body": "One more thing."}
    )

    assert response.status_code == 409 and error(response)["code"] == "conflict"
    assert not resolved.comments.exists()


def test_a_vendor_cannot_comment_on_another_vendors_issue(governance, vendor_a_user):
    other = governance["b"]["issue"]

    response = post(api(vendor_a_user), f"/api/v1/issues/{other.pk}/comments/", {"body": "Hello"})

    assert response.status_code == 404
    assert other.comments.count() == 1


def test_a_viewer_cannot_comment(governance, viewer):
    response = post(api(viewer), f"/api/v1/issues/{governance['a']['issue'].pk}/comments/", {"body": "Hi"})

    assert response.status_code == 403


def test_the_browser_session_needs_csrf_to_raise_an_issue(vendor_a_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(vendor_a_user)
    body = {"title": "Change requests stall", "description": "Three CRs waited a week."}

    refused = post(browser, "/api/v1/issues/", body)
    browser.get("/api/tokens/")
    accepted = browser.post(
        "/api/v1/issues/",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )

    assert refused.status_code == 403 and "CSRF" in error(refused)["message"]
    assert accepted.status_code == 201
