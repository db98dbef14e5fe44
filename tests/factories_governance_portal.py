"""Factories for the governance rows the dashboard, the vendor home, the API and the webhooks read."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from governance.models import (
    ActionItem,
    ActionStatus,
    Issue,
    IssueSeverity,
    IssueStatus,
    Review,
    ReviewStatus,
    Side,
)
from tests.factories import VendorFactory


class ActionItemFactory(DjangoModelFactory):
    """An open vendor-side action due on 1 June 2026."""

    class Meta:
        model = ActionItem

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner_side = Side.VENDOR
    due_on = dt.date(2026, 6, 1)
    status = ActionStatus.OPEN


class IssueFactory(DjangoModelFactory):
    """An open issue the client raised, at the first level of its path."""

    class Meta:
        model = Issue

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Issue {n}")
    description = "Tickets are bounced between teams."
    severity = IssueSeverity.MEDIUM
    status = IssueStatus.OPEN
    raised_side = Side.INTERNAL


class ReviewFactory(DjangoModelFactory):
    """The first half of 2026, waiting for the vendor's self-assessment, to be signed by 15 July."""

    class Meta:
        model = Review

    vendor = factory.SubFactory(VendorFactory)
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 6, 30)
    due_on = dt.date(2026, 7, 15)
    status = ReviewStatus.SELF_ASSESSMENT
