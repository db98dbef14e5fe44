"""Forums and meetings: the cadence, scheduling (idempotent, concurrent on PostgreSQL), the agenda built
from what is open, minutes and attendance, comments, and who may do what."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from contracts.models import RenewalType
from governance.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Cadence,
    Decision,
    Forum,
    Issue,
    Meeting,
    MeetingComment,
    MeetingStatus,
    Review,
    Side,
)
from governance.services.agenda import Section, agenda_add, agenda_move, build_agenda
from governance.services.forums import forum_create
from governance.services.meetings import (
    cadence_date,
    meeting_mark_held,
    meeting_record,
    next_meeting_slot,
    schedule_meetings,
)
from kpis.models import BreachStatus, Dispute
from portal.demo import data as demo_data
from portal.demo import seed_demo
from tests import factories
from tests.concurrency import in_threads
from tests.factories_meetings import ForumFactory, MeetingFactory
from tests.test_isolation import object_routes, sweep_object_urls

NOW = dt.datetime(2026, 4, 10, 8, 0, tzinfo=dt.UTC)
MINE = ("forums", "decisions", "actions", "calendar")


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def at(day, hour=10):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture
def forum(manager, vendor_a, vendor_a_user):
    return ForumFactory(
        vendor=vendor_a,
        name="Operational review",
        cadence=Cadence.MONTHLY,
        first_meeting_on=dt.date(2026, 1, 15),
        chair=manager,
        members=[manager, vendor_a_user],
    )


def events(action):
    return AuditEvent.objects.filter(action=action)


# ---- The cadence ------------------------------------------------------------------------------------


def test_monthly_cadence_keeps_the_month_end_without_drift():
    first = dt.date(2026, 1, 31)
    assert [cadence_date(first, Cadence.MONTHLY, n) for n in range(4)] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]
    assert cadence_date(dt.date(2026, 1, 5), Cadence.FORTNIGHTLY, 3) == dt.date(2026, 2, 16)
    assert cadence_date(dt.date(2026, 1, 15), Cadence.QUARTERLY, 2) == dt.date(2026, 7, 15)


def test_next_slot_is_the_first_meeting_at_or_after_now(forum):
    assert next_meeting_slot(forum, now=NOW) == at(dt.date(2026, 4, 15))
    assert next_meeting_slot(forum, now=at(dt.date(2026, 4, 15))) == at(dt.date(2026, 4, 15))
    assert next_meeting_slot(forum, now=at(dt.date(2026, 4, 15), 11)) == at(dt.date(2026, 5, 15))
    forum.first_meeting_on = dt.date(2026, 9, 1)
    assert next_meeting_slot(forum, now=NOW) == at(dt.date(2026, 9, 1))


# ---- Scheduling -------------------------------------------------------------------------------------


def test_scheduling_creates_the_next_meeting_once_with_its_agenda(forum, portfolio):
    inactive = ForumFactory(vendor=forum.vendor, name="Dormant board", active=False)
    factories.BreachFactory(service_level=portfolio.a.service_level)

    assert schedule_meetings(now=NOW) == 1
    assert schedule_meetings(now=NOW) == 0

    meeting = Meeting.objects.get(forum=forum)
    assert meeting.scheduled_for == at(dt.date(2026, 4, 15))
    assert meeting.location == forum.location
    assert not inactive.meetings.exists()
    assert events("governance.meeting.scheduled").filter(object_id=str(meeting.pk)).count() == 1
    assert meeting.agenda_items.filter(section=Section.BREACHES).count() == 1


def test_scheduling_follows_the_clock(forum, time_machine):
    time_machine.move_to(NOW, tick=False)
    schedule_meetings(now=timezone.now())
    time_machine.move_to(at(dt.date(2026, 4, 20)), tick=False)
    assert schedule_meetings(now=timezone.now()) == 1  # the April meeting is past: May's is scheduled
    assert list(forum.meetings.order_by("scheduled_for").values_list("scheduled_for", flat=True)) == [
        at(dt.date(2026, 4, 15)),
        at(dt.date(2026, 5, 15)),
    ]


def test_a_forum_with_a_meeting_coming_up_gets_no_other(forum, manager):
    MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 22)))
    assert schedule_meetings(now=NOW) == 0
    assert forum.meetings.count() == 1


def test_setting_up_a_forum_schedules_its_first_meeting(manager, vendor_a, vendor_a_user):
    forum = forum_create(
        actor=manager,
        vendor=vendor_a,
        name="Steering committee",
        kind="steering",
        cadence=Cadence.QUARTERLY,
        first_meeting_on=dt.date(2026, 5, 4),
        meeting_time=dt.time(14, 30),
        members=[vendor_a_user],
        chair=manager,
        now=NOW,
    )
    assert set(forum.members.all()) == {manager, vendor_a_user}  # the chair sits in the forum
    assert forum.meetings.get().scheduled_for == dt.datetime(2026, 5, 4, 14, 30, tzinfo=dt.UTC)
    assert events("governance.forum.created").filter(object_id=str(forum.pk)).exists()


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Concurrent runs need PostgreSQL (set DATABASE_URL)."
)


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_scheduling_creates_each_meeting_once(settings):
    settings.TIME_ZONE = "UTC"
    manager = factories.InternalUserFactory()
    for vendor in factories.VendorFactory.create_batch(3):
        ForumFactory(vendor=vendor, chair=manager, members=[manager])
        factories.BreachFactory(service_level=factories.ServiceLevelFactory(contract__vendor=vendor))

    created = in_threads(lambda: schedule_meetings(now=NOW))

    assert sum(created) == 3
    assert Meeting.objects.count() == 3
    assert events("governance.meeting.scheduled").count() == 3
    assert AgendaItem.objects.count() == 3  # one breach each, on one agenda each
    assert schedule_meetings(now=NOW) == 0


# ---- The agenda -------------------------------------------------------------------------------------


@pytest.fixture
def open_relationship(portfolio, forum, manager, vendor_a_user):
    """Vendor A with one of everything the agenda picks up, and vendor B with the same (never shown)."""
    a = portfolio.a
    tacit = factories.ContractFactory(
        vendor=a.vendor,
        title="Hosting",
        renewal_type=RenewalType.TACIT,
        initial_term_end=dt.date(2026, 6, 30),
        notice_period_days=60,
    )
    rows = {
        "breach": factories.BreachFactory(service_level=a.service_level),
        "dispute": Dispute.objects.create(vendor=a.vendor, measurement=a.measurement, reason="Planned work."),
        "overdue": ActionItem.objects.create(
            vendor=a.vendor,
            title="Send the DR test report",
            owner_side=Side.VENDOR,
            due_on=dt.date(2026, 4, 1),
        ),
        "not_yet_due": ActionItem.objects.create(
            vendor=a.vendor, title="Plan Q3", owner_side=Side.VENDOR, due_on=dt.date(2026, 5, 1)
        ),
        "issue": Issue.objects.create(
            vendor=a.vendor, title="Tickets bounced", description="Three tickets.", raised_side=Side.INTERNAL
        ),
        "contract": tacit,
        "review": Review.objects.create(
            vendor=a.vendor,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 3, 31),
            due_on=dt.date(2026, 4, 30),
        ),
    }
    factories.BreachFactory(service_level=portfolio.b.service_level)
    return rows


def test_the_agenda_is_built_from_what_is_open(forum, open_relationship, manager):
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 15)))

    result = build_agenda(meeting, manager, now=NOW)

    items = list(meeting.agenda_items.order_by("position"))
    assert [item.section for item in items] == [
        Section.BREACHES,
        Section.DISPUTES,
        Section.ACTIONS,
        Section.ISSUES,
        Section.CONTRACTS,
        Section.REVIEWS,
    ]
    rows = open_relationship
    expected = ["breach", "dispute", "overdue", "issue", "contract", "review"]
    assert [item.subject for item in items] == [rows[key] for key in expected]
    assert [item.position for item in items] == [1, 2, 3, 4, 5, 6]
    assert result.added == 6
    assert "Notice deadline 01 May 2026" in items[4].notes


def test_rebuilding_adds_what_opened_drops_what_closed_and_keeps_manual_items(
    forum, open_relationship, manager, portfolio
):
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 15)))
    build_agenda(meeting, manager, now=NOW)
    manual = agenda_add(meeting=meeting, actor=manager, title="Any other business")
    assert build_agenda(meeting, manager, now=NOW).added == 0  # idempotent

    breach = open_relationship["breach"]
    breach.status, breach.closed_at = BreachStatus.RESOLVED, NOW
    breach.save()
    later = factories.ServiceLevelFactory(contract=portfolio.a.sow)
    new_breach = factories.BreachFactory(service_level=later)

    result = build_agenda(meeting, manager, now=NOW)

    assert (result.added, result.removed) == (1, 1)
    items = list(meeting.agenda_items.order_by("position"))
    assert items[0].subject == new_breach and items[0].section == Section.BREACHES
    assert items[-1] == manual
    assert len({item.position for item in items}) == len(items)
    breach_type = ContentType.objects.get_for_model(breach)
    assert not meeting.agenda_items.filter(object_type=breach_type, object_id=breach.pk).exists()


def test_manual_items_move_up_and_down(forum, manager):
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 15)))
    first = agenda_add(meeting=meeting, actor=manager, title="Welcome")
    second = agenda_add(meeting=meeting, actor=manager, title="Minutes of the last meeting")
    agenda_move(item=second, actor=manager, direction="up")
    assert list(meeting.agenda_items.order_by("position")) == [second, first]
    assert events("governance.agendaitem.moved").count() == 1


def test_a_held_meetings_agenda_is_not_rebuilt(forum, manager, client_for):
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 1)), status=MeetingStatus.HELD)
    response = client_for(manager).post(reverse("forums:agenda_build", args=[meeting.pk]), follow=True)
    assert "its agenda is part of the record" in response.content.decode()


# ---- Pages and permissions ----------------------------------------------------------------------------


def test_manager_sets_up_a_forum_with_members_of_both_sides(client_for, manager, vendor_a, vendor_a_user):
    client = client_for(manager)
    url = reverse("forums:create") + f"?vendor={vendor_a.pk}"
    page = client.get(url)
    assert vendor_a_user.get_full_name() in page.content.decode()

    response = client.post(
        url,
        {
            "name": "Steering committee",
            "kind": "steering",
            "cadence": "quarterly",
            "first_meeting_on": "2030-01-10",
            "meeting_time": "09:30",
            "duration_minutes": "90",
            "chair": manager.pk,
            "members": [vendor_a_user.pk],
        },
    )

    forum = Forum.objects.get(name="Steering committee")
    assert response.status_code == 302 and response.url == reverse("forums:detail", args=[forum.pk])
    assert set(forum.members.all()) == {manager, vendor_a_user}
    assert forum.meetings.count() == 1


def test_members_come_only_from_the_client_and_that_vendor(client_for, manager, vendor_a, vendor_b_user):
    response = client_for(manager).post(
        reverse("forums:create") + f"?vendor={vendor_a.pk}",
        {
            "name": "Steering committee",
            "kind": "steering",
            "cadence": "monthly",
            "first_meeting_on": "2030-01-10",
            "meeting_time": "09:30",
            "duration_minutes": "60",
            "members": [vendor_b_user.pk],
        },
    )
    assert response.status_code == 200
    assert "members" in response.context["form"].errors
    assert vendor_b_user.get_full_name() not in response.content.decode()
    assert not Forum.objects.exists()


@pytest.mark.parametrize("actor", ["viewer", "auditor", "vendor_a_admin"])
def test_only_managers_set_up_forums(request, client_for, actor, vendor_a):
    client = client_for(request.getfixturevalue(actor))
    assert client.get(reverse("forums:create") + f"?vendor={vendor_a.pk}").status_code == 403


def test_vendor_users_see_only_the_forums_they_sit_in(
    client_for, forum, vendor_a, vendor_a_admin, vendor_b_user
):
    meeting = MeetingFactory(forum=forum)
    other = ForumFactory(vendor=vendor_a, name="Commercial review")
    member, outsider = client_for(forum.members.get(vendor=vendor_a)), client_for(vendor_a_admin)

    listing = member.get(reverse("forums:list")).content.decode()
    assert "Operational review" in listing and "Commercial review" not in listing
    assert member.get(reverse("forums:meeting_detail", args=[meeting.pk])).status_code == 200
    # The same vendor's user outside the forum, and another vendor's user: not found.
    for client in (outsider, client_for(vendor_b_user)):
        assert client.get(reverse("forums:detail", args=[forum.pk])).status_code == 404
        assert client.get(reverse("forums:meeting_detail", args=[meeting.pk])).status_code == 404
        assert (
            client.post(reverse("forums:meeting_comment", args=[meeting.pk]), {"body": "Hi"}).status_code
            == 404
        )
    assert outsider.get(reverse("forums:detail", args=[other.pk])).status_code == 404


def test_vendor_member_reads_the_meeting_and_comments(client_for, forum, vendor_a_user, manager):
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 15)), minutes="Agreed the plan.")
    agenda_add(meeting=meeting, actor=manager, title="Capacity for the summer")
    client = client_for(vendor_a_user)

    page = client.get(reverse("forums:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Capacity for the summer" in page and "Agreed the plan." in page
    assert reverse("forums:agenda_build", args=[meeting.pk]) not in page

    response = client.post(
        reverse("forums:meeting_comment", args=[meeting.pk]), {"body": "We will bring numbers."}
    )

    assert response.status_code == 302
    comment = MeetingComment.objects.get(meeting=meeting)
    assert comment.author == vendor_a_user
    assert events("governance.meetingcomment.created").filter(actor=vendor_a_user).count() == 1


@pytest.mark.parametrize(
    "name,data",
    [
        ("forums:agenda_build", {}),
        ("forums:agenda_add", {"title": "Sneaky"}),
        ("forums:meeting_record", {"minutes": "Rewritten", "mark_held": "on"}),
        ("forums:meeting_cancel", {"reason": "No"}),
    ],
)
def test_vendor_members_and_viewers_change_nothing(client_for, forum, vendor_a_user, viewer, name, data):
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 1)))
    for user in (vendor_a_user, viewer):
        assert client_for(user).post(reverse(name, args=[meeting.pk]), data).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and not meeting.minutes
    assert not meeting.agenda_items.exists()
    assert (
        client_for(viewer)
        .post(reverse("forums:meeting_comment", args=[meeting.pk]), {"body": "x"})
        .status_code
        == 403
    )


def test_manager_records_minutes_and_attendance_and_marks_it_held(
    client_for, forum, manager, vendor_a_user, time_machine
):
    time_machine.move_to(NOW, tick=False)
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 9)))

    response = client_for(manager).post(
        reverse("forums:meeting_record", args=[meeting.pk]),
        {"minutes": "Reviewed March.", "present": [manager.pk], "mark_held": "on"},
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.held_at == NOW
    assert meeting.minutes == "Reviewed March."
    roll = dict(Attendance.objects.filter(meeting=meeting).values_list("person_id", "present"))
    assert roll == {manager.pk: True, vendor_a_user.pk: False}
    assert events("governance.meeting.held").filter(object_id=str(meeting.pk)).count() == 1
    with pytest.raises(Exception, match="held already"):
        meeting_mark_held(meeting=meeting, actor=manager, now=NOW)


def test_a_meeting_is_marked_held_only_once_it_has_taken_place(forum, manager):
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 15)))
    meeting_record(meeting=meeting, actor=manager, minutes="Draft", present=[])
    with pytest.raises(Exception, match="once it has taken place"):
        meeting_mark_held(meeting=meeting, actor=manager, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_the_forum_list_runs_a_constant_number_of_queries(client_for, manager, django_assert_max_num_queries):
    for vendor in factories.VendorFactory.create_batch(6):
        forum = ForumFactory(vendor=vendor, chair=manager, members=[manager])
        MeetingFactory(forum=forum, scheduled_for=timezone.now() + dt.timedelta(days=3))
    client = client_for(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("forums:list"))
    assert response.status_code == 200 and len(response.context["page_obj"]) == 6


def test_the_meeting_page_runs_a_constant_number_of_queries(
    client_for, forum, open_relationship, manager, django_assert_max_num_queries
):
    meeting = MeetingFactory(forum=forum, scheduled_for=at(dt.date(2026, 4, 15)))
    build_agenda(meeting, manager, now=NOW)
    client = client_for(manager)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("forums:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    assert "Send the DR test report" in response.content.decode()


def test_governance_routes_are_isolated_between_vendors(portfolio, manager, vendor_a_user, vendor_b_user):
    """The project-wide sweep, narrowed to the forum, decision, action and calendar routes."""
    routes = [route for route in object_routes() if route.namespace in MINE]
    assert {"forums:meeting_detail", "decisions:detail", "actions:detail", "forums:agenda_move"} <= {
        route.name for route in routes
    }
    problems, checked = sweep_object_urls(routes, portfolio, manager, vendor_a_user, vendor_b_user)
    assert not problems, "\n".join(problems)
    assert checked == 2 * len(routes)


# ---- Demo data --------------------------------------------------------------------------------------


def test_demo_forums_meetings_decisions_and_actions(db, settings, client_for):
    settings.DEBUG = True
    seed_demo(now=NOW)
    counts = {model: model.objects.count() for model in (Forum, Meeting, AgendaItem, Decision, ActionItem)}

    seed_demo(now=NOW)

    assert {model: model.objects.count() for model in counts} == counts
    assert Forum.objects.count() == 4
    held = Meeting.objects.filter(status=MeetingStatus.HELD)
    assert held.count() == 2 and all(meeting.minutes for meeting in held)
    assert Decision.objects.filter(acknowledged_at__isnull=True).exists()
    overdue = ActionItem.objects.filter(overdue_since__isnull=False, status__in=["open", "in_progress"])
    assert overdue.count() == 2
    review = Forum.objects.get(vendor__name=demo_data.ACME, name="Operational service review")
    upcoming = review.meetings.get(status=MeetingStatus.SCHEDULED)
    assert upcoming.scheduled_for > NOW
    acme_overdue = overdue.get(vendor=review.vendor)
    assert upcoming.agenda_items.filter(section=Section.ACTIONS, object_id=acme_overdue.pk).exists()

    vendor_user = User.objects.get(email="reporting@acme.example.com")
    page = client_for(vendor_user).get(reverse("forums:meeting_detail", args=[upcoming.pk]))
    assert page.status_code == 200 and acme_overdue.title in page.content.decode()
