"""Reads of performance reviews, scoped to the user: the list, one review with its scores side by side,
its history, and the scorecards of its period."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from accounts import policy
from accounts.models import AuditEvent
from kpis.models import MetricCategory, Scorecard

from ..models import Review, ReviewScore, ReviewStatus, Side

DUE_WITHIN_DAYS = 30


def review_list_for_user(
    *, user, today: date, vendor=None, status: str = "", due: bool = False
) -> QuerySet[Review]:
    """Reviews the user may see, newest period first; ``due``: not locked and due within 30 days or past."""
    reviews = policy.scope(user, Review.objects.all()).select_related(
        "vendor", "internal_signed_by", "vendor_signed_by"
    )
    if vendor is not None:
        reviews = reviews.filter(vendor=vendor)
    if status:
        reviews = reviews.filter(status=status)
    if due:
        reviews = reviews.exclude(status=ReviewStatus.LOCKED).filter(
            due_on__lte=today + timedelta(days=DUE_WITHIN_DAYS)
        )
        return reviews.order_by("due_on", "vendor__name", "pk")
    return reviews.order_by("-period_end", "vendor__name", "pk")


def review_for_user(*, user, pk: int) -> Review:
    reviews = Review.objects.select_related(
        "vendor",
        "self_assessed_by",
        "assessed_by",
        "internal_signed_by",
        "vendor_signed_by",
        "meeting__forum",
        "created_by",
    )
    return policy.get_visible_or_404(user, reviews, pk=pk)


def review_is_overdue(review: Review, today: date) -> bool:
    return review.status != ReviewStatus.LOCKED and review.due_on < today


@dataclass(frozen=True)
class ScoreRow:
    category: str
    label: str
    vendor: ReviewScore | None
    internal: ReviewScore | None

    @property
    def difference(self) -> Decimal | None:
        if self.vendor is None or self.internal is None:
            return None
        return self.internal.score - self.vendor.score


def review_score_rows(review: Review) -> list[ScoreRow]:
    """Both sides' scores per scorecard category, side by side (one query)."""
    scores = {(s.category, s.side): s for s in ReviewScore.objects.filter(review=review)}
    return [
        ScoreRow(value, label, scores.get((value, Side.VENDOR)), scores.get((value, Side.INTERNAL)))
        for value, label in MetricCategory.choices
    ]


def review_averages(rows: list[ScoreRow]) -> dict[str, Decimal | None]:
    def mean(values):
        values = [v for v in values if v is not None]
        return (sum(values) / len(values)).quantize(Decimal("0.01")) if values else None

    return {
        "vendor": mean([r.vendor.score if r.vendor else None for r in rows]),
        "internal": mean([r.internal.score if r.internal else None for r in rows]),
    }


def review_scorecards(*, user, review: Review) -> list[Scorecard]:
    """The vendor's monthly scorecards within the review's period, oldest first."""
    cards = policy.scope(user, Scorecard.objects.filter(vendor_id=review.vendor_id))
    return list(
        cards.filter(period_start__gte=review.period_start, period_start__lte=review.period_end).order_by(
            "period_start"
        )
    )


HISTORY_LABELS = {
    "governance.review.opened": "opened the review",
    "governance.review.self_assessment_requested": "sent it for the vendor's self-assessment",
    "governance.review.self_assessed": "sent the vendor's self-assessment",
    "governance.review.assessed": "recorded the client's assessment",
    "governance.review.meeting_recorded": "recorded the review meeting",
    "governance.review.signed": "signed",
    "governance.review.locked": "locked the review (signed by both sides)",
    "governance.review.not_scored": "noted",
}


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    label: str


def review_history(*, user, review: Review) -> list[HistoryEntry]:
    """The trail of the review, oldest first, as far as the user may read it."""
    events = AuditEvent.objects.filter(object_type="governance.review", object_id=str(review.pk))
    events = policy.scope(user, events).select_related("actor").order_by("occurred_at", "pk")
    return [HistoryEntry(e, HISTORY_LABELS.get(e.action, e.action.rsplit(".", 1)[-1])) for e in events]
