"""What vendor users must not learn through side channels: the audit trail, notifications and webhooks
tell them no more than the pages do; and a double click does not escalate twice."""

import pytest
from django.core.exceptions import ValidationError

from accounts import policy
from accounts.audit import audit_record
from accounts.models import AuditEvent
from accounts.trail import trail_for_user
from api.models import WebhookEvent, WebhookSubscription
from api.services.webhooks import webhooks_scan
from governance.models import IssueOrigin
from governance.services.issues import issue_escalate
from notifications.models import Notification
from notifications.services.events import notifications_scan
from tests.factories_contracts import ContractDocumentFactory
from tests.factories_issues import FindingFactory, IssueFactory, path_with_levels
from tests.factories_meetings import ForumFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def escalating_issue(portfolio):
    """An issue of vendor A on its SOW, whose own three-level path applies."""
    sow = portfolio.a.sow
    path = path_with_levels(vendor=portfolio.a.vendor, contract=sow, name="SOW path")
    return IssueFactory(vendor=portfolio.a.vendor, contract=sow, path=path)


def objects_in_trail(user) -> set[tuple[str, str]]:
    return set(trail_for_user(user=user).values_list("object_type", "object_id"))


def test_the_trail_hides_rows_about_objects_the_vendor_user_cannot_see(
    portfolio, manager, vendor_a_user, vendor_a_admin
):
    member_forum = ForumFactory(vendor=portfolio.a.vendor, members=[vendor_a_user])
    other_forum = ForumFactory(vendor=portfolio.a.vendor, members=[vendor_a_admin])
    shared = ContractDocumentFactory(contract=portfolio.a.sow, shared_with_vendor=True)
    unshared = ContractDocumentFactory(
        contract=portfolio.a.sow, title="Exit options", shared_with_vendor=False
    )
    for obj in (member_forum, other_forum, shared, unshared):
        audit_record(actor=manager, action=f"{obj._meta.label_lower}.created", obj=obj)

    seen = objects_in_trail(vendor_a_user)
    assert ("governance.forum", str(member_forum.pk)) in seen
    assert ("contracts.contractdocument", str(shared.pk)) in seen
    assert ("governance.forum", str(other_forum.pk)) not in seen
    assert ("contracts.contractdocument", str(unshared.pk)) not in seen
    # The policy itself, which the vendor 360 timeline and every export use, says the same.
    assert not policy.scope(vendor_a_user, AuditEvent.objects.filter(object_id=str(unshared.pk))).filter(
        object_type="contracts.contractdocument"
    )
    assert ("contracts.contractdocument", str(unshared.pk)) in objects_in_trail(manager)


def test_an_undecided_renewal_issue_is_the_clients_own(portfolio, client_for, manager, vendor_a_user):
    issue = IssueFactory(vendor=portfolio.a.vendor, contract=portfolio.a.sow, origin=IssueOrigin.NOTICE)
    event = audit_record(actor=None, action="governance.issue.raised", obj=issue)

    assert event.internal_only
    assert client_for(vendor_a_user).get(f"/issues/{issue.pk}/").status_code == 404
    assert issue.title not in client_for(vendor_a_user).get("/issues/").content.decode()
    assert client_for(manager).get(f"/issues/{issue.pk}/").status_code == 200
    assert client_for(vendor_a_user).get(f"/api/v1/issues/{issue.pk}/").status_code == 404


def test_a_managers_escalation_note_reaches_neither_vendor_notifications_nor_webhooks(
    portfolio, manager, vendor_a_user
):
    issue = escalating_issue(portfolio)
    secret = "We plan to move this work to another supplier next quarter."
    WebhookSubscription.objects.create(
        owner=vendor_a_user,
        url="https://hooks.example.test/acme",
        event_types=["issue.escalated"],
        secret="s",
    )
    issue_escalate(issue=issue, actor=manager, from_level=issue.level, note=secret)

    notifications_scan()
    vendor_notes = Notification.objects.filter(recipient=vendor_a_user)
    assert vendor_notes.exists()
    assert not any(secret in n.body for n in vendor_notes)

    webhooks_scan()
    escalated = WebhookEvent.objects.filter(event_type="issue.escalated")
    assert escalated.exists()
    assert all(secret not in str(event.payload) for event in escalated)


def test_a_second_click_does_not_escalate_twice(portfolio, manager):
    issue = escalating_issue(portfolio)
    issue_escalate(issue=issue, actor=manager, from_level=1)
    with pytest.raises(ValidationError, match="at level 2 already"):
        issue_escalate(issue=issue, actor=manager, from_level=1)
    issue.refresh_from_db()
    assert issue.level == 2
    assert issue.escalations.count() == 1


def test_the_escalate_form_carries_the_level_seen(portfolio, client_for, manager):
    issue = escalating_issue(portfolio)
    client = client_for(manager)
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert 'name="from_level" value="1"' in page
    for _ in range(2):
        client.post(f"/issues/{issue.pk}/escalate/", {"note": "", "from_level": "1"})
    issue.refresh_from_db()
    assert issue.level == 2


def test_a_finding_page_links_its_escalation_issue(portfolio, client_for, manager):
    finding = FindingFactory(audit__vendor=portfolio.a.vendor)
    issue = IssueFactory(vendor=portfolio.a.vendor, origin=IssueOrigin.FINDING, finding=finding)
    page = client_for(manager).get(f"/audits/findings/{finding.pk}/").content.decode()
    assert f'href="/issues/{issue.pk}/"' in page
