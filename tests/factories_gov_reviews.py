"""Factories for performance reviews: a review of the first quarter of 2026, at any step of its workflow."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from governance.models import Review, ReviewScore, ReviewStatus, Side
from kpis.models import MetricCategory
from tests.factories import VendorFactory


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review
        django_get_or_create = ("vendor", "period_start")

    vendor = factory.SubFactory(VendorFactory)
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 3, 31)
    due_on = dt.date(2026, 4, 30)
    status = ReviewStatus.DRAFT


def scores(**overrides) -> dict[str, Decimal]:
    """A score for every scorecard category (80 unless given)."""
    values = {category: Decimal("80") for category in MetricCategory.values}
    values.update({k: Decimal(str(v)) for k, v in overrides.items()})
    return values


def add_scores(review: Review, side: str, **overrides) -> None:
    for category, value in scores(**overrides).items():
        ReviewScore.objects.get_or_create(
            review=review, category=category, side=side, defaults={"score": value}
        )


def review_at(status: str, *, vendor, manager=None, vendor_user=None, **fields) -> Review:
    """A review that has reached ``status`` with everything the earlier steps record."""
    order = [s.value for s in ReviewStatus]
    reached = order.index(status)
    now = dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC)
    data = {"status": status, **fields}
    if reached > order.index(ReviewStatus.SELF_ASSESSMENT):
        data |= {"self_assessment": "We delivered.", "self_assessed_by": vendor_user, "self_assessed_at": now}
    if reached > order.index(ReviewStatus.ASSESSMENT):
        data |= {"assessment": "Solid quarter.", "assessed_by": manager, "assessed_at": now}
    if reached > order.index(ReviewStatus.MEETING):
        data |= {"meeting_notes": "Agreed the improvement plan."}
    review = ReviewFactory(vendor=vendor, **data)
    if reached > order.index(ReviewStatus.SELF_ASSESSMENT):
        add_scores(review, Side.VENDOR)
    if reached > order.index(ReviewStatus.ASSESSMENT):
        add_scores(review, Side.INTERNAL)
    return review


def sweep_review(side) -> Review:
    """The isolation sweep's review of one vendor: waiting for the vendor's self-assessment."""
    return ReviewFactory(vendor=side.vendor, status=ReviewStatus.SELF_ASSESSMENT)
