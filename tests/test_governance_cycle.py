"""One whole governance cycle of a relationship, through the pages both sides use, as time passes.

The client's manager sets up a forum with a vendor member, builds the meeting's agenda from what is open,
records a decision the vendor acknowledges, and an action that the overdue scan flags; the vendor raises
an issue that climbs its escalation path on its own until the manager resolves it; and a performance
review runs from draft to signed and locked. Every step is checked in the database, in the audit trail
and on the pages each side reads; the other vendor sees none of it.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from governance import tasks
from governance.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Decision,
    DecisionLink,
    Forum,
    Issue,
    IssueEscalation,
    IssueStatus,
    Meeting,
    MeetingComment,
    MeetingStatus,
    Review,
    ReviewScore,
    ReviewStatus,
    Side,
)
from kpis.models import Breach, MetricCategory
from tests import factories

pytestmark = pytest.mark.django_db

# A zone away from UTC, so that a local date or time taken for a UTC one shows.
ZONE = "Europe/Paris"
TZ = ZoneInfo(ZONE)
START = dt.datetime(2026, 4, 1, 9, 0, tzinfo=TZ)
HOUR = dt.timedelta(hours=1)


def at(month, day, hour=9, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _clock(settings, time_machine):
    """The portal's zone, and the clock stopped at the start of the cycle before any row is created."""
    settings.TIME_ZONE = ZONE
    time_machine.move_to(START, tick=False)


def events(obj, action=None):
    rows = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if action is not None:
        rows = rows.filter(action=action)
    return rows.order_by("pk")


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def post(client, url, data=None, *, to=None):
    """POST like the page's form does; the step succeeds with a redirect (to ``to`` when given)."""
    response = client.post(url, data or {})
    assert response.status_code == 302, (url, response.content.decode()[:3000])
    if to is not None:
        assert response.url.split("#")[0] == to
    return response


def followed(client, url, data=None):
    """POST and follow the redirect: the page the user lands on, with its message."""
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    assert len(response.redirect_chain) == 1, response.content.decode()[:3000]
    return response.content.decode()


def test_a_whole_governance_cycle(
    time_machine, client_for, manager, vendor_a, vendor_a_user, vendor_a_admin, vendor_b_user, portfolio
):
    people = {user: client_for(user) for user in (manager, vendor_a_user, vendor_a_admin, vendor_b_user)}
    mona, alice, arthur, bob = people.values()

    def travel(moment):
        """Time passes (forward only); sessions last hours, so everyone signs in again."""
        assert moment >= timezone.now()
        time_machine.move_to(moment, tick=False)
        for user, client in people.items():
            client.force_login(user)

    # ---- 0. An action promised at the start of April, due on the 3rd -------------------------------------
    create_action = reverse("actions:create") + f"?vendor={vendor_a.pk}"
    post(
        mona,
        create_action,
        {
            "title": "Send the capacity plan",
            "description": "For the summer peak.",
            "owner_side": Side.VENDOR,
            "owner": vendor_a_user.pk,
            "due_on": "2026-04-03",
        },
    )
    capacity_plan = ActionItem.objects.get(title="Send the capacity plan")
    assert (capacity_plan.vendor, capacity_plan.owner, capacity_plan.created_by) == (
        vendor_a,
        vendor_a_user,
        manager,
    )

    # ---- 1. A forum with the vendor's user as a member; its first meeting and agenda --------------------
    travel(at(4, 6))
    create_forum = reverse("forums:create") + f"?vendor={vendor_a.pk}"
    assert 'name="members"' in page(mona, create_forum)
    response = post(
        mona,
        create_forum,
        {
            "name": "Service review board",
            "kind": "operational",
            "purpose": "Monthly review of the service desk.",
            "cadence": "monthly",
            "first_meeting_on": "2026-04-15",
            "meeting_time": "10:00",
            "duration_minutes": "60",
            "location": "Room 4.2",
            "chair": manager.pk,
            "members": [manager.pk, vendor_a_user.pk],
        },
    )
    forum = Forum.objects.get(vendor=vendor_a, name="Service review board")
    assert response.url == reverse("forums:detail", args=[forum.pk])
    assert set(forum.members.all()) == {manager, vendor_a_user}
    assert forum.chair == manager
    meeting = Meeting.objects.get(forum=forum)  # the first meeting, from the cadence
    assert meeting.scheduled_for == at(4, 15, 10)
    assert (meeting.status, meeting.location) == (MeetingStatus.SCHEDULED, "Room 4.2")
    assert events(forum, "governance.forum.created").count() == 1
    assert events(meeting, "governance.meeting.scheduled").count() == 1
    meeting_url = reverse("forums:meeting_detail", kwargs={"meeting_pk": meeting.pk})
    assert meeting_url in page(mona, reverse("forums:detail", args=[forum.pk]))

    # The breach opens after the meeting was scheduled; rebuilding the agenda picks it up. Its response
    # is due after the whole cycle, so the escalation scan leaves it alone.
    breach = factories.BreachFactory(service_level=portfolio.a.service_level, response_due_at=at(6, 30, 17))
    other_breach = factories.BreachFactory(service_level=portfolio.b.service_level)
    landing = followed(mona, reverse("forums:agenda_build", kwargs={"meeting_pk": meeting.pk}))
    assert "Agenda rebuilt: 1 item added." in landing
    types = {m: ContentType.objects.get_for_model(m) for m in (Breach, ActionItem)}
    auto = {
        (item.section, item.object_type_id, item.object_id): item
        for item in meeting.agenda_items.filter(source=AgendaItem.Source.AUTO)
    }
    assert ("Open breaches", types[Breach].pk, breach.pk) in auto
    assert ("Overdue actions", types[ActionItem].pk, capacity_plan.pk) in auto
    assert not meeting.agenda_items.filter(object_type=types[Breach], object_id=other_breach.pk).exists()
    breach_item = auto[("Open breaches", types[Breach].pk, breach.pk)]
    assert breach_item.title.startswith(portfolio.metric.name)
    assert "3 days overdue" in auto[("Overdue actions", types[ActionItem].pk, capacity_plan.pk)].notes
    # Building again adds nothing twice.
    assert "nothing new is open" in followed(
        mona, reverse("forums:agenda_build", kwargs={"meeting_pk": meeting.pk})
    )
    assert meeting.agenda_items.count() == len(auto)

    post(
        mona,
        reverse("forums:agenda_add", kwargs={"meeting_pk": meeting.pk}),
        {"title": "Staffing over the summer", "section": "Any other business", "notes": "Holiday cover."},
    )
    manual = meeting.agenda_items.get(source=AgendaItem.Source.MANUAL)
    assert (manual.title, manual.section, manual.added_by) == (
        "Staffing over the summer",
        "Any other business",
        manager,
    )
    assert manual.position == meeting.agenda_items.count()  # added at the end
    assert events(manual, "governance.agendaitem.created").count() == 1

    # The vendor member reads the meeting and comments; the agenda is not theirs to change.
    seen = page(alice, meeting_url)
    for title in (breach_item.title, "Send the capacity plan", "Staffing over the summer"):
        assert title in seen
    assert reverse("forums:agenda_build", kwargs={"meeting_pk": meeting.pk}) not in seen
    assert alice.post(reverse("forums:agenda_build", kwargs={"meeting_pk": meeting.pk})).status_code == 403
    post(
        alice,
        reverse("forums:meeting_comment", kwargs={"meeting_pk": meeting.pk}),
        {"body": "We will bring the root cause analysis."},
    )
    comment = MeetingComment.objects.get(meeting=meeting)
    assert (comment.author, comment.body) == (vendor_a_user, "We will bring the root cause analysis.")
    assert "We will bring the root cause analysis." in page(mona, meeting_url)
    # Another vendor's user, and a user of the same vendor who is not a member, see nothing of it.
    page(bob, meeting_url, 404)
    page(bob, reverse("forums:detail", args=[forum.pk]), 404)
    assert (
        bob.post(
            reverse("forums:meeting_comment", kwargs={"meeting_pk": meeting.pk}), {"body": "Hi"}
        ).status_code
        == 404
    )
    page(arthur, meeting_url, 404)
    assert MeetingComment.objects.filter(meeting=meeting).count() == 1
    assert "Service review board" not in page(bob, reverse("forums:list"))

    # ---- 2. The meeting is held; a decision taken in it, acknowledged by the vendor ----------------------
    travel(at(4, 15, 11, 30))
    post(
        mona,
        reverse("forums:meeting_record", kwargs={"meeting_pk": meeting.pk}),
        {
            "minutes": "Root cause reviewed.",
            "present": [manager.pk, vendor_a_user.pk],
            "mark_held": "on",
        },
    )
    meeting.refresh_from_db()
    assert (meeting.status, meeting.minutes) == (MeetingStatus.HELD, "Root cause reviewed.")
    assert set(meeting.attendance.filter(present=True).values_list("person", flat=True)) == {
        manager.pk,
        vendor_a_user.pk,
    }
    assert events(meeting, "governance.meeting.held").count() == 1

    create_decision = reverse("decisions:create") + f"?meeting={meeting.pk}"
    assert "Service review board" in page(mona, create_decision)
    post(
        mona,
        create_decision,
        {
            "title": "Add a second shift on the service desk",
            "rationale": "The March availability breach came from the night gap.",
            "decided_on": "2026-04-15",
            "owner": manager.pk,
            "meeting": meeting.pk,
            "breaches": [breach.pk],
        },
    )
    decision = Decision.objects.get(title="Add a second shift on the service desk")
    assert (decision.vendor, decision.meeting, decision.recorded_by) == (vendor_a, meeting, manager)
    assert decision.acknowledged_at is None
    assert [link.subject for link in DecisionLink.objects.filter(decision=decision)] == [breach]
    assert events(decision, "governance.decision.recorded").count() == 1
    decision_url = reverse("decisions:detail", args=[decision.pk])
    assert "Add a second shift on the service desk" in page(mona, meeting_url)
    page(bob, decision_url, 404)

    assert reverse("decisions:acknowledge", args=[decision.pk]) in page(alice, decision_url)
    travel(at(4, 16, 8, 45))
    assert "Decision acknowledged." in followed(alice, reverse("decisions:acknowledge", args=[decision.pk]))
    decision.refresh_from_db()
    assert (decision.acknowledged_by, decision.acknowledged_at) == (vendor_a_user, at(4, 16, 8, 45))
    acknowledged = events(decision, "governance.decision.acknowledged")
    assert [(e.actor, e.vendor_id) for e in acknowledged] == [(vendor_a_user, vendor_a.pk)]
    # The trail shows it, to the manager and to the vendor's own users.
    trail_url = reverse("audit:trail") + "?action=governance.decision.acknowledged"
    for client in (mona, alice):
        trail = page(client, trail_url)
        assert "Decision acknowledged" in trail and "Alice Acme" in trail
    assert "Alice Acme" not in page(bob, trail_url)
    # A second acknowledgement is refused and leaves the first one alone.
    again = followed(alice, reverse("decisions:acknowledge", args=[decision.pk]))
    assert "acknowledged already" in again
    assert acknowledged.count() == 1
    assert bob.post(reverse("decisions:acknowledge", args=[decision.pk])).status_code == 404

    # ---- 3. An action from the decision, owned by the vendor; the overdue scan flags it once -------------
    travel(at(4, 16, 9))
    create_from_decision = reverse("actions:create") + f"?meeting={meeting.pk}&decision={decision.pk}"
    post(
        mona,
        create_from_decision,
        {
            "title": "Staff the night shift",
            "description": "Two agents from 22:00 to 06:00.",
            "owner_side": Side.VENDOR,
            "owner": vendor_a_user.pk,
            "due_on": "2026-04-22",
            "meeting": meeting.pk,
            "decision": decision.pk,
        },
    )
    night_shift = ActionItem.objects.get(title="Staff the night shift")
    assert (night_shift.owner_side, night_shift.owner, night_shift.due_on) == (
        Side.VENDOR,
        vendor_a_user,
        dt.date(2026, 4, 22),
    )
    assert (night_shift.meeting, night_shift.decision, night_shift.status) == (
        meeting,
        decision,
        ActionStatus.OPEN,
    )
    assert events(night_shift, "governance.actionitem.created").count() == 1
    post(
        mona,
        create_action,
        {
            "title": "Quarterly capacity forecast",
            "owner_side": Side.VENDOR,
            "owner": vendor_a_user.pk,
            "due_on": "2026-06-30",
        },
    )

    # The day it falls due it is not overdue yet; late in the evening of the next day it is.
    travel(at(4, 22, 23, 30))
    tasks.flag_overdue_actions.apply().get()
    night_shift.refresh_from_db()
    assert night_shift.overdue_since is None
    travel(at(4, 23, 23, 30))
    assert tasks.flag_overdue_actions.apply().get() == 1
    night_shift.refresh_from_db()
    assert night_shift.overdue_since == dt.date(2026, 4, 23)
    assert tasks.flag_overdue_actions.apply().get() == 0
    travel(at(4, 24, 8))
    assert tasks.flag_overdue_actions.apply().get() == 0
    overdue_events = events(night_shift, "governance.actionitem.overdue")
    assert overdue_events.count() == 1
    assert overdue_events.get().changes == {"overdue_since": [None, "2026-04-23"]}
    capacity_plan.refresh_from_db()
    assert capacity_plan.overdue_since == dt.date(2026, 4, 22)  # flagged by the first run that saw it
    assert events(capacity_plan, "governance.actionitem.overdue").count() == 1

    overdue_list = reverse("actions:list") + "?status=overdue"
    for client in (mona, alice):
        listing = page(client, overdue_list)
        assert "Staff the night shift" in listing and "Send the capacity plan" in listing
        assert "Quarterly capacity forecast" not in listing
    assert "Staff the night shift" not in page(bob, overdue_list)
    page(bob, reverse("actions:detail", args=[night_shift.pk]), 404)

    # ---- 4. The vendor raises an issue; it climbs a three-level path on its own -------------------------
    path = portfolio.a.escalation_path
    assert list(path.levels.values_list("level", "time_limit_hours")) == [(1, 24)]
    factories.EscalationLevelFactory(path=path, level=2, name="Management", time_limit_hours=48)
    factories.EscalationLevelFactory(path=path, level=3, name="Executive", time_limit_hours=72)

    raised_at = at(4, 27, 9)
    travel(raised_at)
    raise_form = page(alice, reverse("issues:raise"))
    assert 'name="vendor"' not in raise_form  # a vendor user raises issues on their own vendor
    post(
        alice,
        reverse("issues:raise"),
        {
            "contract": "",
            "title": "Night tickets wait until morning",
            "description": "Priority 2 tickets logged after 22:00 are picked up at 08:00.",
            "severity": "high",
        },
    )
    issue = Issue.objects.get(title="Night tickets wait until morning")
    assert (issue.vendor, issue.raised_by, issue.raised_side) == (vendor_a, vendor_a_user, Side.VENDOR)
    assert (issue.path, issue.level, issue.level_started_at) == (path, 1, raised_at)
    assert events(issue, "governance.issue.raised").count() == 1
    issue_url = reverse("issues:detail", kwargs={"issue_pk": issue.pk})
    page(bob, issue_url, 404)

    def scan_at(moment):
        travel(moment)
        result = tasks.run_escalations.apply().get()
        issue.refresh_from_db()
        return result

    def ledger():
        return list(
            IssueEscalation.objects.filter(issue=issue)
            .order_by("level")
            .values_list("level", "escalated_at", "automatic")
        )

    assert scan_at(raised_at + 23 * HOUR)["escalated"] == 0
    assert issue.level == 1 and ledger() == []

    assert scan_at(raised_at + 25 * HOUR)["escalated"] == 1
    assert (issue.level, issue.level_started_at) == (2, raised_at + 24 * HOUR)
    assert scan_at(raised_at + 26 * HOUR)["escalated"] == 0  # running again changes nothing
    assert ledger() == [(2, raised_at + 24 * HOUR, True)]

    assert scan_at(raised_at + 73 * HOUR)["escalated"] == 1
    assert (issue.level, issue.level_started_at) == (3, raised_at + 72 * HOUR)
    assert scan_at(raised_at + 74 * HOUR)["escalated"] == 0
    # The last level escalates no further, however long it waits.
    assert scan_at(raised_at + 200 * HOUR) == {"opened": 0, "resolved": 0, "escalated": 0}
    assert issue.level == 3
    assert ledger() == [(2, raised_at + 24 * HOUR, True), (3, raised_at + 72 * HOUR, True)]
    escalated = events(issue, "governance.issue.escalated")
    assert [e.changes["level"] for e in escalated] == [[1, 2], [2, 3]]
    assert all(e.actor is None for e in escalated)

    for client in (mona, alice):
        shown = page(client, issue_url)
        assert "Level 3 of 3" in shown
        assert "Executive" in shown and "last level" in shown

    # The manager resolves it; its clock stops for good.
    assert reverse("issues:resolve", kwargs={"issue_pk": issue.pk}) not in page(alice, issue_url)
    assert (
        alice.post(reverse("issues:resolve", kwargs={"issue_pk": issue.pk}), {"resolution": "x"}).status_code
        == 403
    )
    resolved_at = raised_at + 201 * HOUR
    travel(resolved_at)
    post(
        mona,
        reverse("issues:resolve", kwargs={"issue_pk": issue.pk}),
        {"resolution": "A second shift covers the night from 1 May."},
        to=issue_url,
    )
    issue.refresh_from_db()
    assert (issue.status, issue.resolved_by, issue.resolved_at) == (
        IssueStatus.RESOLVED,
        manager,
        resolved_at,
    )
    assert events(issue, "governance.issue.resolved").count() == 1
    assert scan_at(resolved_at + 500 * HOUR)["escalated"] == 0
    assert (issue.status, issue.level) == (IssueStatus.RESOLVED, 3)
    assert len(ledger()) == 2 and events(issue, "governance.issue.escalated").count() == 2
    vendor_view = page(alice, issue_url)
    assert "Stopped: the issue was resolved" in vendor_view
    assert "A second shift covers the night from 1 May." in vendor_view

    # ---- 5. The first-quarter performance review, from draft to signed and locked ------------------------
    travel(at(6, 1, 10))
    post(
        mona,
        reverse("reviews:create"),
        {
            "vendor": vendor_a.pk,
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "due_on": "2026-06-30",
        },
    )
    review = Review.objects.get(vendor=vendor_a, period_start=dt.date(2026, 1, 1))
    assert (review.status, review.created_by) == (ReviewStatus.DRAFT, manager)
    review_url = reverse("reviews:detail", args=[review.pk])

    def step(name):
        return reverse(f"reviews:{name}", args=[review.pk])

    def status():
        review.refresh_from_db()
        return review.status

    page(bob, review_url, 404)
    # The vendor cannot take the client's steps.
    assert alice.post(step("request_self_assessment")).status_code == 403
    assert status() == ReviewStatus.DRAFT
    post(mona, step("request_self_assessment"), to=review_url)
    assert status() == ReviewStatus.SELF_ASSESSMENT

    vendor_scores = {"quality": "72.5", "delivery": "80", "responsiveness": "65", "relationship": "85"}
    assert set(vendor_scores) == set(MetricCategory.values)
    assert 'name="score_quality"' in page(alice, review_url)
    post(
        alice,
        step("self_assess"),
        {
            **{f"score_{c}": v for c, v in vendor_scores.items()},
            **{f"comment_{c}": "" for c in vendor_scores},
            "comment_responsiveness": "The night gap hurt us.",
            "text": "A difficult March, fixed by the second shift.",
        },
        to=review_url,
    )
    assert status() == ReviewStatus.ASSESSMENT
    assert (review.self_assessed_by, review.self_assessment) == (
        vendor_a_user,
        "A difficult March, fixed by the second shift.",
    )

    manager_scores = {"quality": "70", "delivery": "78", "responsiveness": "60", "relationship": "82"}
    post(
        mona,
        step("assess"),
        {**{f"score_{c}": v for c, v in manager_scores.items()}, "text": "Agreed, with a weak March."},
        to=review_url,
    )
    assert status() == ReviewStatus.MEETING
    recorded = {
        (row.side, row.category): (row.score, row.comment)
        for row in ReviewScore.objects.filter(review=review)
    }
    assert len(recorded) == 2 * len(MetricCategory.values)
    for category in MetricCategory.values:
        assert recorded[(Side.VENDOR, category)][0] == Decimal(vendor_scores[category])
        assert recorded[(Side.INTERNAL, category)][0] == Decimal(manager_scores[category])
    assert recorded[(Side.VENDOR, "responsiveness")][1] == "The night gap hurt us."

    post(
        mona,
        step("record_meeting"),
        {
            "notes": "Reviewed the quarter together; the second shift is the improvement plan.",
            "meeting": meeting.pk,
        },
        to=review_url,
    )
    assert status() == ReviewStatus.SIGN_OFF
    assert review.meeting == meeting

    travel(at(6, 2, 14))
    post(mona, step("sign"), {"confirm": "on"}, to=review_url)
    assert status() == ReviewStatus.SIGN_OFF
    assert (review.internal_signed_by, review.internal_signed_at) == (manager, at(6, 2, 14))
    travel(at(6, 3, 9, 15))
    assert "signed by both sides and locked" in followed(alice, step("sign"), {"confirm": "on"})
    assert status() == ReviewStatus.LOCKED
    assert (review.vendor_signed_by, review.vendor_signed_at, review.locked_at) == (
        vendor_a_user,
        at(6, 3, 9, 15),
        at(6, 3, 9, 15),
    )
    assert list(events(review).values_list("action", flat=True)) == [
        "governance.review.opened",
        "governance.review.self_assessment_requested",
        "governance.review.self_assessed",
        "governance.review.assessed",
        "governance.review.meeting_recorded",
        "governance.review.signed",
        "governance.review.signed",
        "governance.review.locked",
    ]

    for client in (mona, alice):
        document = page(client, reverse("reviews:document", args=[review.pk]))
        signatures = document.split("6. Signatures", 1)[1]
        assert "Mona Manager" in signatures and "Signed 2 June 2026 14:00" in signatures
        assert "Alice Acme" in signatures and "Signed 3 June 2026 09:15" in signatures
        assert "Not signed" not in signatures
        assert "Not final" not in document and "Signed and locked" in document
    page(bob, reverse("reviews:document", args=[review.pk]), 404)

    # Nothing changes any more: steps out of turn are refused, and the wrong side's steps are forbidden.
    snapshot = (
        list(Review.objects.filter(pk=review.pk).values()),
        list(ReviewScore.objects.filter(review=review).order_by("pk").values()),
        events(review).count(),
    )
    refusals = [
        (mona, "assess", {**{f"score_{c}": "10" for c in manager_scores}, "text": "Changed my mind."}),
        (mona, "sign", {"confirm": "on"}),
        (mona, "record_meeting", {"notes": "Rewritten."}),
        (alice, "sign", {"confirm": "on"}),
        (alice, "self_assess", {**{f"score_{c}": "100" for c in vendor_scores}, "text": "All perfect."}),
    ]
    for client, name, data in refusals:
        response = client.post(step(name), data, follow=True)
        assert response.status_code == 200
        assert "locked; nothing can change" in response.content.decode(), name
    assert alice.post(step("assess"), {"text": "x"}).status_code == 403
    assert arthur.post(step("record_meeting"), {"notes": "x"}).status_code == 403
    assert bob.post(step("sign"), {"confirm": "on"}).status_code == 404
    assert (
        list(Review.objects.filter(pk=review.pk).values()),
        list(ReviewScore.objects.filter(review=review).order_by("pk").values()),
        events(review).count(),
    ) == snapshot
