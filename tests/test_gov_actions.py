"""Action items: creation with owners on either side, status moves by the owning side, progress notes by
both sides, overdue detection (once per item, concurrent on PostgreSQL), and the filtered list."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from governance.models import ActionItem, ActionNote, ActionStatus, Side
from governance.services.actions import action_create, action_set_status, action_update, flag_overdue_actions
from tests import factories
from tests.concurrency import in_threads
from tests.factories_meetings import ActionItemFactory, DecisionFactory, ForumFactory, MeetingFactory

TODAY = dt.date(2026, 4, 10)
NOW = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def vendor_item(vendor_a, vendor_a_user):
    return ActionItemFactory(
        vendor=vendor_a,
        title="Send the capacity plan",
        owner_side=Side.VENDOR,
        owner=vendor_a_user,
        due_on=dt.date(2026, 4, 30),
    )


@pytest.fixture
def client_item(vendor_a, manager):
    return ActionItemFactory(
        vendor=vendor_a,
        title="Approve the change window",
        owner_side=Side.INTERNAL,
        owner=manager,
        due_on=dt.date(2026, 4, 30),
    )


def events(action, item=None):
    qs = AuditEvent.objects.filter(action=action)
    return qs.filter(object_id=str(item.pk)) if item else qs


# ---- Creating -----------------------------------------------------------------------------------------


def test_manager_creates_an_action_from_a_meeting(client_for, manager, vendor_a, vendor_a_user, time_machine):
    time_machine.move_to(NOW, tick=False)
    forum = ForumFactory(vendor=vendor_a, members=[manager, vendor_a_user])
    meeting = MeetingFactory(forum=forum)
    client = client_for(manager)
    url = reverse("actions:create") + f"?meeting={meeting.pk}"
    assert client.get(url).context["form"].initial["meeting"] == meeting

    response = client.post(
        url,
        {
            "title": "Send the capacity plan",
            "owner_side": Side.VENDOR,
            "owner": vendor_a_user.pk,
            "due_on": "2026-04-24",
            "meeting": meeting.pk,
        },
    )

    action = ActionItem.objects.get()
    assert response.status_code == 302 and response.url == reverse("actions:detail", args=[action.pk])
    assert (action.vendor, action.meeting, action.owner, action.created_by) == (
        vendor_a,
        meeting,
        vendor_a_user,
        manager,
    )
    assert events("governance.actionitem.created", action).count() == 1


def test_an_action_from_a_decision_takes_the_decisions_meeting(manager, vendor_a, time_machine):
    time_machine.move_to(NOW, tick=False)
    meeting = MeetingFactory(forum=ForumFactory(vendor=vendor_a))
    decision = DecisionFactory(vendor=vendor_a, meeting=meeting)
    action = action_create(
        actor=manager,
        vendor=vendor_a,
        title="Brief the team",
        owner_side=Side.INTERNAL,
        owner=manager,
        due_on=TODAY,
        decision=decision,
    )
    assert action.meeting == meeting


@pytest.mark.parametrize(
    "side,owner_fixture",
    [(Side.VENDOR, "vendor_b_user"), (Side.VENDOR, "manager"), (Side.INTERNAL, "vendor_a_user")],
)
def test_owner_must_belong_to_the_owning_side(request, manager, vendor_a, side, owner_fixture, time_machine):
    time_machine.move_to(NOW, tick=False)
    owner = request.getfixturevalue(owner_fixture)
    with pytest.raises(ValidationError) as error:
        action_create(actor=manager, vendor=vendor_a, title="x", owner_side=side, owner=owner, due_on=TODAY)
    assert "owner" in error.value.error_dict
    assert not ActionItem.objects.exists()


def test_owner_choices_offer_the_client_and_that_vendor_only(
    client_for, manager, vendor_a, vendor_a_user, vendor_b_user
):
    form = client_for(manager).get(reverse("actions:create") + f"?vendor={vendor_a.pk}").context["form"]
    owners = set(form.fields["owner"].queryset)
    assert vendor_a_user in owners and manager in owners and vendor_b_user not in owners


@pytest.mark.parametrize("actor", ["viewer", "vendor_a_user"])
def test_only_managers_create_actions(request, client_for, actor, vendor_a):
    client = client_for(request.getfixturevalue(actor))
    assert client.get(reverse("actions:create") + f"?vendor={vendor_a.pk}").status_code == 403


# ---- Status and notes -----------------------------------------------------------------------------------


def test_vendor_moves_its_own_item_to_done(client_for, vendor_item, vendor_a_user):
    client = client_for(vendor_a_user)
    url = reverse("actions:status", args=[vendor_item.pk])
    assert client.post(url, {"status": "in_progress"}).status_code == 302
    assert client.post(url, {"status": "done", "note": "Sent on Tuesday."}).status_code == 302

    vendor_item.refresh_from_db()
    assert vendor_item.status == ActionStatus.DONE and vendor_item.completed_at is not None
    assert events("governance.actionitem.completed", vendor_item).count() == 1
    assert ActionNote.objects.get(action=vendor_item).body == "Sent on Tuesday."


def test_vendor_cannot_cancel_nor_move_the_clients_items(client_for, vendor_item, client_item, vendor_a_user):
    client = client_for(vendor_a_user)
    response = client.post(reverse("actions:status", args=[vendor_item.pk]), {"status": "cancelled"})
    assert response.status_code == 200 and "status" in response.context["forms"]["status"].errors
    assert (
        client.post(reverse("actions:status", args=[client_item.pk]), {"status": "done"}).status_code == 403
    )
    for item in (vendor_item, client_item):
        item.refresh_from_db()
        assert item.status == ActionStatus.OPEN


def test_both_sides_add_notes_on_the_vendors_items(client_for, client_item, vendor_a_user, manager):
    for user in (vendor_a_user, manager):
        response = client_for(user).post(
            reverse("actions:note", args=[client_item.pk]), {"body": f"From {user}"}
        )
        assert response.status_code == 302
    assert ActionNote.objects.filter(action=client_item).count() == 2
    assert events("governance.actionnote.created").count() == 2


def test_viewer_and_other_vendors_change_nothing(client_for, vendor_item, viewer, vendor_b_user):
    viewer_client, intruder = client_for(viewer), client_for(vendor_b_user)
    assert (
        viewer_client.post(reverse("actions:status", args=[vendor_item.pk]), {"status": "done"}).status_code
        == 403
    )
    assert (
        viewer_client.post(reverse("actions:note", args=[vendor_item.pk]), {"body": "x"}).status_code == 403
    )
    assert viewer_client.get(reverse("actions:edit", args=[vendor_item.pk])).status_code == 403
    for name in ("actions:detail", "actions:edit"):
        assert intruder.get(reverse(name, args=[vendor_item.pk])).status_code == 404
    assert intruder.post(reverse("actions:note", args=[vendor_item.pk]), {"body": "x"}).status_code == 404
    assert not ActionNote.objects.exists()


def test_a_stale_status_change_is_refused(vendor_item, vendor_a_user, manager):
    stale = ActionItem.objects.get(pk=vendor_item.pk)
    action_set_status(action=vendor_item, actor=manager, status=ActionStatus.CANCELLED)
    with pytest.raises(ValidationError, match="just moved"):
        action_set_status(action=stale, actor=vendor_a_user, status=ActionStatus.DONE)
    with pytest.raises(PermissionDenied):
        action_set_status(action=vendor_item, actor=vendor_a_user, status=ActionStatus.OPEN)


# ---- Overdue detection ----------------------------------------------------------------------------------


def test_overdue_items_are_flagged_once(vendor_item, client_item, vendor_a, time_machine):
    done = ActionItemFactory(vendor=vendor_a, due_on=dt.date(2026, 4, 1), status=ActionStatus.DONE)
    time_machine.move_to(dt.datetime(2026, 5, 2, 6, 0, tzinfo=dt.UTC), tick=False)

    assert flag_overdue_actions(today=timezone.localdate()) == 2
    assert flag_overdue_actions(today=timezone.localdate()) == 0
    time_machine.move_to(dt.datetime(2026, 5, 3, 6, 0, tzinfo=dt.UTC), tick=False)
    assert flag_overdue_actions(today=timezone.localdate()) == 0

    vendor_item.refresh_from_db()
    assert vendor_item.overdue_since == dt.date(2026, 5, 2)
    assert events("governance.actionitem.overdue").count() == 2
    assert not events("governance.actionitem.overdue", done).exists()


def test_an_item_due_today_is_not_overdue(vendor_item):
    assert flag_overdue_actions(today=vendor_item.due_on) == 0


def test_closing_an_item_clears_the_flag(vendor_item, vendor_a_user):
    flag_overdue_actions(today=dt.date(2026, 5, 2))
    action_set_status(action=vendor_item, actor=vendor_a_user, status=ActionStatus.DONE)
    vendor_item.refresh_from_db()
    assert vendor_item.overdue_since is None


def test_a_new_due_date_lifts_the_flag_and_a_second_lapse_is_reported_again(
    vendor_item, manager, time_machine
):
    time_machine.move_to(dt.datetime(2026, 5, 2, 6, 0, tzinfo=dt.UTC), tick=False)
    flag_overdue_actions(today=timezone.localdate())
    vendor_item.refresh_from_db()
    fields = {
        "title": vendor_item.title,
        "description": "",
        "owner_side": Side.VENDOR,
        "owner": vendor_item.owner,
    }

    action_update(action=vendor_item, actor=manager, due_on=dt.date(2026, 5, 10), **fields)
    vendor_item.refresh_from_db()
    assert vendor_item.overdue_since is None

    time_machine.move_to(dt.datetime(2026, 5, 11, 6, 0, tzinfo=dt.UTC), tick=False)
    assert flag_overdue_actions(today=timezone.localdate()) == 1
    vendor_item.refresh_from_db()
    assert vendor_item.overdue_since == dt.date(2026, 5, 11)
    assert events("governance.actionitem.overdue", vendor_item).count() == 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Concurrent runs need PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_concurrent_overdue_scans_flag_each_item_once(settings):
    settings.TIME_ZONE = "UTC"
    vendor = factories.VendorFactory()
    ActionItemFactory.create_batch(12, vendor=vendor, due_on=dt.date(2026, 4, 1))

    flagged = in_threads(lambda: flag_overdue_actions(today=TODAY))

    assert sum(flagged) == 12
    assert AuditEvent.objects.filter(action="governance.actionitem.overdue").count() == 12
    assert flag_overdue_actions(today=TODAY) == 0


# ---- The list -------------------------------------------------------------------------------------------


@pytest.fixture
def listed(vendor_a, vendor_b, manager, vendor_a_user):
    return {
        "late_vendor": ActionItemFactory(
            vendor=vendor_a,
            title="Late vendor item",
            owner_side=Side.VENDOR,
            owner=vendor_a_user,
            due_on=dt.date(2026, 4, 1),
        ),
        "late_client": ActionItemFactory(
            vendor=vendor_a,
            title="Late client item",
            owner_side=Side.INTERNAL,
            owner=manager,
            due_on=dt.date(2026, 4, 2),
        ),
        "future": ActionItemFactory(
            vendor=vendor_a, title="Future item", due_on=dt.date(2026, 6, 1), status=ActionStatus.IN_PROGRESS
        ),
        "done": ActionItemFactory(
            vendor=vendor_a, title="Done item", due_on=dt.date(2026, 3, 1), status=ActionStatus.DONE
        ),
        "other": ActionItemFactory(vendor=vendor_b, title="Globex item", due_on=dt.date(2026, 4, 1)),
    }


def titles(response):
    return [action.title for action in response.context["page_obj"]]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("?status=overdue", ["Late vendor item", "Late client item", "Globex item"]),
        ("?status=overdue&side=vendor", ["Late vendor item", "Globex item"]),
        ("?status=overdue&side=internal", ["Late client item"]),
        ("?status=open", ["Late vendor item", "Globex item", "Late client item", "Future item"]),
        ("?status=done", ["Done item"]),
        ("?mine=on", ["Late client item"]),
        ("?q=future", ["Future item"]),
        ("", ["Late vendor item", "Globex item", "Late client item", "Future item", "Done item"]),
    ],
)
def test_list_filters(client_for, manager, listed, query, expected, time_machine):
    time_machine.move_to(NOW, tick=False)
    response = client_for(manager).get(reverse("actions:list") + query)
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(expected)
    if not query:
        assert titles(response)[-1] == "Done item"  # closed items come last


def test_list_by_vendor(client_for, manager, listed, vendor_b, time_machine):
    time_machine.move_to(NOW, tick=False)
    assert titles(client_for(manager).get(reverse("actions:list") + f"?vendor={vendor_b.pk}")) == [
        "Globex item"
    ]


def test_vendor_user_lists_only_its_vendors_items(client_for, listed, vendor_a_user, time_machine):
    time_machine.move_to(NOW, tick=False)
    response = client_for(vendor_a_user).get(reverse("actions:list") + "?status=overdue")
    assert sorted(titles(response)) == ["Late client item", "Late vendor item"]
    assert "Globex" not in response.content.decode()


def test_the_list_runs_a_constant_number_of_queries(
    client_for, manager, vendor_a, django_assert_max_num_queries
):
    meeting = MeetingFactory(forum=ForumFactory(vendor=vendor_a))
    decision = DecisionFactory(vendor=vendor_a)
    for n in range(30):
        ActionItemFactory(
            vendor=vendor_a,
            owner=manager,
            owner_side=Side.INTERNAL,
            meeting=meeting if n % 2 else None,
            decision=decision if n % 3 else None,
        )
    client = client_for(manager)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("actions:list") + "?status=open")
    assert response.status_code == 200 and len(response.context["page_obj"]) == 25
