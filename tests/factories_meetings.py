"""Factories for forums, meetings, decisions and action items, and the rows the isolation sweep needs."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from governance.models import (
    ActionItem,
    AgendaItem,
    Cadence,
    Decision,
    Forum,
    ForumKind,
    Meeting,
    Side,
)
from tests.factories import VendorFactory


class ForumFactory(DjangoModelFactory):
    class Meta:
        model = Forum
        skip_postgeneration_save = True

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Operational review {n}")
    kind = ForumKind.OPERATIONAL
    cadence = Cadence.MONTHLY
    first_meeting_on = dt.date(2026, 1, 15)
    meeting_time = dt.time(10, 0)
    duration_minutes = 60
    location = "Room 4.01"

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.set(extracted)


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    forum = factory.SubFactory(ForumFactory)
    scheduled_for = factory.Sequence(
        lambda n: timezone.make_aware(dt.datetime(2026, 2, 1, 10, 0)) + dt.timedelta(days=n)
    )
    location = "Room 4.01"


class AgendaItemFactory(DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Agenda item {n}")


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Decision {n}")
    rationale = "Agreed after reviewing the figures."
    decided_on = dt.date(2026, 2, 1)


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner_side = Side.VENDOR
    due_on = dt.date(2026, 3, 1)


# ---- Rows for the isolation and role sweeps (one per vendor, reused) ------------------------------------


def sweep_forum(side) -> Forum:
    forum, _ = Forum.objects.get_or_create(
        vendor=side.vendor,
        name=f"{side.vendor.name} operational review",
        defaults={"first_meeting_on": dt.date(2026, 1, 15), "cadence": Cadence.MONTHLY},
    )
    forum.members.add(*side.vendor.users.all())
    return forum


def sweep_meeting(side) -> Meeting:
    forum = sweep_forum(side)
    meeting, _ = Meeting.objects.get_or_create(
        forum=forum, scheduled_for=timezone.make_aware(dt.datetime(2026, 2, 15, 10, 0))
    )
    return meeting


def sweep_agenda_item(side) -> AgendaItem:
    meeting = sweep_meeting(side)
    item, _ = AgendaItem.objects.get_or_create(
        meeting=meeting, title="Service review", defaults={"position": 1}
    )
    return item


def sweep_decision(side) -> Decision:
    decision, _ = Decision.objects.get_or_create(
        vendor=side.vendor,
        title=f"{side.vendor.name}: extend the service desk hours",
        defaults={"rationale": "Demand after 18:00 has doubled.", "decided_on": dt.date(2026, 2, 1)},
    )
    return decision


def sweep_action_item(side) -> ActionItem:
    action, _ = ActionItem.objects.get_or_create(
        vendor=side.vendor,
        title=f"{side.vendor.name}: staff the late shift",
        defaults={"owner_side": Side.VENDOR, "due_on": dt.date(2026, 3, 1)},
    )
    return action
