"""Issues: raised by either side on the right path, the clock and level on the page, a thread both sides
share, escalation by hand and resolution by the client's managers, and the list's filters and cost."""

import datetime as dt
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from governance.models import Issue, IssueComment, IssueEscalation, IssueStatus, Side
from governance.services.escalation import run_escalations
from governance.services.issues import issue_comment, issue_escalate, issue_raise, issue_resolve
from portal.demo import data
from portal.demo.governance_issues import seed_governance_issues
from tests import factories
from tests.factories_issues import NOW, IssueCommentFactory, IssueFactory, path_with_levels

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def path(vendor_a, manager):
    path = path_with_levels(vendor=vendor_a, hours=(8, 24, 72), name="Acme escalation")
    first = path.levels.get(level=1)
    first.name, first.internal_person, first.internal_role, first.vendor_role = (
        "Operational",
        manager,
        "Vendor relationship manager",
        "Service delivery manager",
    )
    first.vendor_contact = factories.VendorContactFactory(vendor=vendor_a, name="Sam Delivery")
    first.save()
    return path


@pytest.fixture
def issue(vendor_a, path):
    return IssueFactory(vendor=vendor_a, path=path, title="Tickets bounce between desks")


def events(action, obj):
    return AuditEvent.objects.filter(action=action, object_type="governance.issue", object_id=str(obj.pk))


# ---- Raising -----------------------------------------------------------------------------------------


def test_a_manager_raises_an_issue_on_the_contract_path(manager, vendor_a, path):
    contract = factories.SOWFactory(vendor=vendor_a)
    contract_path = path_with_levels(vendor=vendor_a, contract=contract, hours=(4,), name="SOW path")

    issue = issue_raise(
        actor=manager,
        vendor=vendor_a,
        contract=contract,
        title="Backlog growing",
        description="The incident backlog doubled in March.",
        severity="critical",
        now=NOW,
    )

    assert (issue.path, issue.level, issue.level_started_at) == (contract_path, 1, NOW)
    assert (issue.raised_side, issue.raised_by, issue.status) == (Side.INTERNAL, manager, IssueStatus.OPEN)
    event = events("governance.issue.raised", issue).get()
    assert (event.actor, event.vendor_id) == (manager, vendor_a.pk)
    assert event.changes["level"] == [None, 1]


def test_without_a_contract_path_the_vendor_path_then_the_tier_default_applies(
    manager, vendor_a, vendor_b, path
):
    contract = factories.SOWFactory(vendor=vendor_a)
    tier_path = path_with_levels(vendor=None, tier=vendor_b.tier, hours=(24,), name="Tier default")

    on_contract = issue_raise(actor=manager, vendor=vendor_a, contract=contract, title="t", description="d")
    on_b = issue_raise(actor=manager, vendor=vendor_b, title="t", description="d")

    assert on_contract.path == path
    assert on_b.path == tier_path


def test_a_vendor_user_raises_issues_on_its_own_vendor_only(vendor_a_user, vendor_a, vendor_b, path):
    issue = issue_raise(actor=vendor_a_user, vendor=vendor_a, title="Access missing", description="No VPN.")

    assert (issue.raised_side, issue.path) == (Side.VENDOR, path)
    with pytest.raises(PermissionDenied):
        issue_raise(actor=vendor_a_user, vendor=vendor_b, title="t", description="d")


def test_viewers_and_auditors_do_not_raise_issues(viewer, auditor, vendor_a):
    for user in (viewer, auditor):
        with pytest.raises(PermissionDenied):
            issue_raise(actor=user, vendor=vendor_a, title="t", description="d")


def test_a_contract_of_another_vendor_is_refused(manager, vendor_a, vendor_b):
    with pytest.raises(ValidationError) as error:
        issue_raise(
            actor=manager,
            vendor=vendor_a,
            contract=factories.SOWFactory(vendor=vendor_b),
            title="t",
            description="d",
        )
    assert "contract" in error.value.message_dict


def test_the_raise_page_creates_the_issue_for_a_vendor_user(client_for, vendor_a_user, vendor_a, path):
    contract = factories.SOWFactory(vendor=vendor_a, reference="SOW-ACME-9")
    client = client_for(vendor_a_user)
    page = client.get(reverse("issues:raise"))
    assert page.status_code == 200
    assert 'name="vendor"' not in page.content.decode()

    response = client.post(
        reverse("issues:raise"),
        {
            "contract": contract.pk,
            "title": "VPN access",
            "description": "Two engineers lack access.",
            "severity": "high",
        },
    )

    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("issues:detail", kwargs={"issue_pk": issue.pk})
    assert (issue.vendor, issue.contract, issue.raised_by) == (vendor_a, contract, vendor_a_user)


def test_the_raise_page_shows_field_errors(client_for, manager, vendor_a, vendor_b):
    other = factories.SOWFactory(vendor=vendor_b)

    response = client_for(manager).post(
        reverse("issues:raise"), {"vendor": vendor_a.pk, "contract": other.pk, "title": "", "description": ""}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"contract", "title", "description"}
    assert not Issue.objects.exists()


def test_the_raise_page_is_refused_to_viewers(client_for, viewer):
    assert client_for(viewer).get(reverse("issues:raise")).status_code == 403


# ---- The issue page: clock, level, people, history -----------------------------------------------------


def test_the_page_shows_the_clock_current_level_and_who_is_named(client_for, manager, issue, time_machine):
    time_machine.move_to(NOW + 3 * HOUR, tick=False)

    page = client_for(manager).get(reverse("issues:detail", kwargs={"issue_pk": issue.pk}))

    text = page.content.decode()
    clock = page.context["case"].clock
    assert clock.current.name == "Operational"
    assert clock.escalates_at == NOW + 8 * HOUR
    assert clock.remaining == 5 * HOUR
    assert 'Level 1: <span class="strong">Operational</span>' in text
    assert "Escalates to level 2 (Level 2) on" in text
    assert "10 Apr 2026 17:00" in text
    assert "5\xa0hours left" in text
    assert "Mona Manager" in text and "Sam Delivery" in text and "Service delivery manager" in text


def test_an_overdue_level_says_so(client_for, manager, issue, time_machine):
    time_machine.move_to(NOW + 9 * HOUR, tick=False)

    text = client_for(manager).get(reverse("issues:detail", kwargs={"issue_pk": issue.pk})).content.decode()

    assert "Due now" in text


def test_the_page_of_a_resolved_issue_shows_the_clock_stopped(client_for, manager, vendor_a_user, issue):
    issue_resolve(issue=issue, actor=manager, resolution="Routing fixed.", now=NOW + HOUR)

    page = client_for(vendor_a_user).get(reverse("issues:detail", kwargs={"issue_pk": issue.pk}))

    text = page.content.decode()
    assert "Stopped: the issue was resolved on 10 Apr 2026 10:00 at level 1" in text
    assert "Routing fixed." in text
    assert page.context["forms"] == {}


def test_the_page_lists_each_escalation_step(client_for, manager, issue):
    IssueEscalation.objects.create(issue=issue, level=2, escalated_at=NOW + 8 * HOUR)
    IssueEscalation.objects.create(
        issue=issue, level=3, escalated_at=NOW + 9 * HOUR, automatic=False, by=manager
    )
    Issue.objects.filter(pk=issue.pk).update(level=3, level_started_at=NOW + 9 * HOUR)

    page = client_for(manager).get(reverse("issues:detail", kwargs={"issue_pk": issue.pk}))

    history = page.context["case"].history
    assert [(s.level, s.at) for s in history] == [(1, NOW), (2, NOW + 8 * HOUR), (3, NOW + 9 * HOUR)]
    text = page.content.decode()
    assert "time limit of the level below passed" in text
    assert "escalated by hand by Mona Manager" in text
    assert "This is the last level" in text


def test_the_page_shows_the_issue_trail_to_those_who_read_the_trail(client_for, manager, viewer, vendor_a):
    issue = issue_raise(actor=manager, vendor=vendor_a, title="Slow answers", description="d")

    for_manager = client_for(manager).get(reverse("issues:detail", kwargs={"issue_pk": issue.pk}))
    for_viewer = client_for(viewer).get(reverse("issues:detail", kwargs={"issue_pk": issue.pk}))

    assert [e.event.action for e in for_manager.context["trail"].entries] == ["governance.issue.raised"]
    assert "History" in for_manager.content.decode()
    assert for_viewer.context["trail"] is None


def test_another_vendors_issue_is_a_404(client_for, vendor_b_user, issue):
    url = reverse("issues:detail", kwargs={"issue_pk": issue.pk})
    assert client_for(vendor_b_user).get(url).status_code == 404
    assert (
        client_for(vendor_b_user).post(reverse("issues:comment", kwargs={"issue_pk": issue.pk})).status_code
        == 404
    )


# ---- The thread and the steps -----------------------------------------------------------------------


def test_both_sides_comment_and_read_the_same_thread(client_for, manager, vendor_a_user, issue):
    url = reverse("issues:comment", kwargs={"issue_pk": issue.pk})
    client_for(vendor_a_user).post(url, {"body": "Our desk routes by the old matrix."})
    client_for(manager).post(url, {"body": "Please send the new matrix by Friday."})

    page = client_for(vendor_a_user).get(reverse("issues:detail", kwargs={"issue_pk": issue.pk}))

    assert [c.body for c in page.context["case"].comments] == [
        "Our desk routes by the old matrix.",
        "Please send the new matrix by Friday.",
    ]
    assert events("governance.issue.commented", issue).count() == 2


def test_an_empty_comment_shows_an_error(client_for, vendor_a_user, issue):
    response = client_for(vendor_a_user).post(
        reverse("issues:comment", kwargs={"issue_pk": issue.pk}), {"body": " "}
    )

    assert response.status_code == 200
    assert response.context["forms"]["comment"].errors["body"]
    assert not IssueComment.objects.exists()


def test_vendor_users_neither_escalate_nor_resolve(client_for, vendor_a_user, issue):
    client = client_for(vendor_a_user)
    for step, payload in (("escalate", {}), ("resolve", {"resolution": "Done"})):
        response = client.post(reverse(f"issues:{step}", kwargs={"issue_pk": issue.pk}), payload)
        assert response.status_code == 403
    issue.refresh_from_db()
    assert (issue.level, issue.status) == (1, IssueStatus.OPEN)


def test_viewers_only_read(client_for, viewer, issue):
    response = client_for(viewer).post(
        reverse("issues:comment", kwargs={"issue_pk": issue.pk}), {"body": "Hi"}
    )
    assert response.status_code == 403


def test_a_manager_escalates_by_hand(client_for, manager, issue, time_machine):
    time_machine.move_to(NOW + 2 * HOUR, tick=False)

    response = client_for(manager).post(
        reverse("issues:escalate", kwargs={"issue_pk": issue.pk}),
        {"note": "Customer-facing outage.", "from_level": 1},
    )

    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.level, issue.level_started_at) == (2, NOW + 2 * HOUR)
    step = issue.escalations.get()
    assert (step.level, step.automatic, step.by) == (2, False, manager)
    event = events("governance.issue.escalated", issue).get()
    assert (event.changes, event.note, event.actor) == ({"level": [1, 2]}, "Customer-facing outage.", manager)


def test_the_last_level_cannot_be_escalated(manager, issue):
    issue_escalate(issue=issue, actor=manager, from_level=1)
    issue_escalate(issue=issue, actor=manager, from_level=2)
    with pytest.raises(ValidationError, match="last level"):
        issue_escalate(issue=issue, actor=manager, from_level=3)
    assert issue.escalations.count() == 2


def test_a_manager_resolves_and_nothing_more_happens(client_for, manager, vendor_a_user, issue):
    client = client_for(manager)
    url = reverse("issues:resolve", kwargs={"issue_pk": issue.pk})
    assert client.post(url, {"resolution": ""}).context["forms"]["resolve"].errors

    response = client.post(url, {"resolution": "Routing matrix updated on both desks."}, follow=True)

    issue.refresh_from_db()
    assert (issue.status, issue.resolved_by, issue.resolution) == (
        IssueStatus.RESOLVED,
        manager,
        "Routing matrix updated on both desks.",
    )
    assert "Issue resolved" in response.content.decode()
    assert events("governance.issue.resolved", issue).get().changes == {"status": ["open", "resolved"]}
    # Resolved: no more steps for anyone.
    again = client.post(url, {"resolution": "Again"})
    assert again.status_code == 302
    assert events("governance.issue.resolved", issue).count() == 1
    with pytest.raises(PermissionDenied):
        issue_comment(issue=issue, actor=vendor_a_user, body="One more thing")


# ---- The list ------------------------------------------------------------------------------------------


def test_the_list_filters_by_vendor_status_severity_level_and_escalation(
    client_for, manager, vendor_a, vendor_b
):
    IssueFactory(vendor=vendor_a, title="A open low", severity="low")
    IssueFactory(vendor=vendor_a, title="A escalated", level=2)
    IssueFactory(vendor=vendor_b, title="B open")
    IssueFactory(
        vendor=vendor_b, title="B resolved", status=IssueStatus.RESOLVED, resolved_at=NOW, resolution="Done"
    )
    client = client_for(manager)

    def titles(**query):
        page = client.get(reverse("issues:list"), query)
        return sorted(clock.issue.title for clock in page.context["rows"])

    assert titles() == ["A escalated", "A open low", "B open"]
    assert titles(vendor=vendor_a.pk) == ["A escalated", "A open low"]
    assert titles(status="resolved") == ["B resolved"]
    assert titles(status="all", vendor=vendor_b.pk) == ["B open", "B resolved"]
    assert titles(severity="low") == ["A open low"]
    assert titles(level=2) == ["A escalated"]
    assert titles(escalated="yes") == ["A escalated"]
    assert titles(escalated="no") == ["A open low", "B open"]


def test_vendor_users_list_only_their_own_issues(client_for, vendor_a_user, vendor_a, vendor_b):
    IssueFactory(vendor=vendor_a, title="Ours")
    IssueFactory(vendor=vendor_b, title="Theirs")

    page = client_for(vendor_a_user).get(reverse("issues:list"))

    assert [clock.issue.title for clock in page.context["rows"]] == ["Ours"]
    assert "vendor" not in page.context["form"].fields
    assert "Globex" not in page.content.decode()


def test_the_list_shows_when_each_issue_escalates_next(client_for, manager, issue, vendor_a, time_machine):
    time_machine.move_to(NOW + HOUR, tick=False)
    IssueFactory(vendor=vendor_a, path=None, title="No path")

    text = client_for(manager).get(reverse("issues:list")).content.decode()

    assert "10 Apr 2026 17:00" in text and "in 7\xa0hours" in text
    assert "No escalation path" in text


def _list_queries(client, django_assert_max_num_queries, count):
    with django_assert_max_num_queries(count):
        response = client.get(reverse("issues:list"))
    assert response.status_code == 200
    return response


def test_the_list_runs_a_constant_number_of_queries(
    client_for, manager, vendor_a, vendor_b, path, django_assert_max_num_queries
):
    other = path_with_levels(vendor=vendor_b, hours=(2, 3))
    for _ in range(3):
        IssueFactory(vendor=vendor_a, path=path)
    client = client_for(manager)
    # session + user, vendor choices, count, issues, path levels
    few = _list_queries(client, django_assert_max_num_queries, 7)
    for n in range(20):
        IssueFactory(vendor=vendor_b if n % 2 else vendor_a, path=other if n % 2 else path)
        IssueCommentFactory(issue=Issue.objects.first())
    many = _list_queries(client, django_assert_max_num_queries, 7)
    assert len(few.context["rows"]) == 3 and len(many.context["rows"]) == 23


def test_a_breach_issue_links_its_breach(client_for, manager, vendor_a_user, vendor_a):
    sow = factories.SOWFactory(vendor=vendor_a)
    breach = factories.BreachFactory(service_level=factories.ServiceLevelFactory(contract=sow))
    issue = IssueFactory(vendor=vendor_a, breach=breach, origin="breach", raised_side=Side.INTERNAL)

    text = (
        client_for(vendor_a_user)
        .get(reverse("issues:detail", kwargs={"issue_pk": issue.pk}))
        .content.decode()
    )

    assert reverse("breaches:detail", kwargs={"pk": breach.pk}) in text
    assert "Escalation scan" in text


def test_the_clock_date_is_local(client_for, manager, issue, settings):
    settings.TIME_ZONE = "Europe/Paris"
    text = client_for(manager).get(reverse("issues:detail", kwargs={"issue_pk": issue.pk})).content.decode()
    assert "10 Apr 2026 19:00" in text  # 17:00 UTC
    assert dt.datetime(2026, 4, 10, 17, tzinfo=dt.UTC) == issue.level_started_at + 8 * HOUR


# ---- Demo data -----------------------------------------------------------------------------------------


def test_the_demo_issues_are_seeded_once(manager):
    acme = factories.VendorFactory(name=data.ACME)
    globex = factories.VendorFactory(name=data.GLOBEX)
    factories.InternalUserFactory(email=data.MARIA, full_name="Maria Manager")
    factories.VendorUserFactory(email="ops@acme.example.com", vendor=acme)
    factories.VendorUserFactory(email="ops@globex.example.com", vendor=globex)
    path_with_levels(vendor=acme, hours=(8, 24, 72))
    path_with_levels(vendor=globex, hours=(12, 48, 120))

    assert seed_governance_issues(now=NOW) == 3
    assert seed_governance_issues(now=NOW) == 0

    change = Issue.objects.get(vendor=globex)
    assert (change.level, change.level_started_at) == (2, NOW - 8 * HOUR)
    assert change.escalations.get().escalated_at == NOW - 8 * HOUR
    assert change.comments.count() == 2
    raised = events("governance.issue.raised", change).get()
    assert raised.occurred_at == NOW - 20 * HOUR
    # The rota issue waited through two time limits: the first scan takes both steps.
    assert run_escalations(now=NOW)["escalated"] == 2
    assert Issue.objects.get(title="Weekend on-call rota not staffed").level == 3
