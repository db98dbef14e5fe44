"""Periodic performance reviews: scheduled from a cadence per vendor tier, then run by both sides.

Workflow, each step by one side only:

    draft → self_assessment   a manager sends the review to the vendor
          → assessment        the vendor scores every scorecard category and writes its self-assessment
          → meeting           the manager scores every category and writes the assessment
          → sign_off          the manager records the review meeting (notes, optionally a forum meeting)
          → locked            both sides have signed, each once; nothing changes after that

Steps are conditional updates (``UPDATE … WHERE status = <expected>``), so a step taken twice, or by
two people at once, happens once; the second caller gets a ValidationError that says why.

When the review locks, the manager's relationship score feeds the vendor's scorecard through the KPI
domain (see ``review_feed``): it becomes a system measurement of a "Performance review score" service
level, which the engine evaluates like any other figure.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_create, audited_update, plain_value
from kpis.models import MetricCategory
from vendors.models import Vendor, VendorStatus, VendorTier

from ..models import DEFAULT_REVIEW_MONTHS, Meeting, Review, ReviewCadence, ReviewScore, ReviewStatus, Side
from . import review_feed
from .relationship import required_text

CATEGORIES = tuple(MetricCategory.values)
DEFAULT_LEAD_DAYS = ReviewCadence._meta.get_field("lead_days").default
# A review should be signed within this many days after the end of its period.
SIGN_OFF_DAYS = 30


# ---- Cadence and scheduling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    tier: str
    months: int
    lead_days: int
    configured: bool  # False: the built-in default applies (no ReviewCadence row for the tier)

    @property
    def tier_label(self) -> str:
        return VendorTier(self.tier).label


def review_cadences() -> dict[str, Cadence]:
    """The cadence of every tier: its ReviewCadence row, else the default (critical quarterly, high
    semi-annually, others yearly)."""
    rows = {row.tier: row for row in ReviewCadence.objects.all()}
    cadences = {}
    for tier in VendorTier.values:
        row = rows.get(tier)
        if row is None:
            cadences[tier] = Cadence(tier, DEFAULT_REVIEW_MONTHS[tier], DEFAULT_LEAD_DAYS, configured=False)
        else:
            cadences[tier] = Cadence(tier, row.months, row.lead_days, configured=True)
    return cadences


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def review_period(months: int, day: date) -> tuple[date, date]:
    """The review period of ``months`` months holding ``day``, aligned to the calendar: quarters,
    half-years and years start in January, April, July, October (as they apply); other lengths count
    from January of year 0."""
    start = _month_index(day) // months * months
    return _month_start(start), _month_start(start + months) - timedelta(days=1)


def due_review_period(cadence: Cadence, today: date) -> tuple[date, date]:
    """The latest period whose review should be open by ``today``: the running period once it is within
    ``lead_days`` of its end, else the one before."""
    start, end = review_period(cadence.months, today)
    if today >= end - timedelta(days=cadence.lead_days):
        return start, end
    return review_period(cadence.months, start - timedelta(days=1))


def _open_review(*, vendor_id: int, period_start: date, period_end: date, due_on: date, actor, note: str):
    review = Review(
        vendor_id=vendor_id,
        period_start=period_start,
        period_end=period_end,
        due_on=due_on,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    review.full_clean(validate_unique=False, validate_constraints=False)
    review.save()
    changes = {
        "period_start": [None, period_start.isoformat()],
        "period_end": [None, period_end.isoformat()],
        "due_on": [None, due_on.isoformat()],
        "status": [None, review.status],
    }
    audit_record(actor=actor, action="governance.review.opened", obj=review, changes=changes, note=note)
    return review


def schedule_reviews(*, today: date) -> int:
    """Open the due review of every active vendor that has none yet; return how many were opened.

    One review per vendor and period (a database constraint), so running this twice, or twice at
    once, opens each review once: the loser of a race gets the constraint error in its savepoint and
    moves on. A vendor created after a period ended is not reviewed for it.
    """
    cadences = review_cadences()
    vendors = list(
        Vendor.objects.filter(status=VendorStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "tier", "created_at")
    )
    wanted = {}
    for vendor_id, tier, created_at in vendors:
        start, end = due_review_period(cadences[tier], today)
        if timezone.localdate(created_at) <= end:
            wanted[vendor_id] = (start, end)
    existing = set(
        Review.objects.filter(
            vendor_id__in=list(wanted), period_start__in={start for start, _ in wanted.values()}
        ).values_list("vendor_id", "period_start")
    )
    opened = 0
    for vendor_id, (start, end) in wanted.items():
        if (vendor_id, start) in existing:
            continue
        try:
            with transaction.atomic():
                _open_review(
                    vendor_id=vendor_id,
                    period_start=start,
                    period_end=end,
                    due_on=end + timedelta(days=SIGN_OFF_DAYS),
                    actor=None,
                    note="Opened on schedule",
                )
        except IntegrityError:
            continue  # opened by a concurrent run
        opened += 1
    return opened


@transaction.atomic
def review_open(*, vendor: Vendor, period_start: date, period_end: date, due_on: date, actor) -> Review:
    """A manager opens a review outside the schedule (one per vendor and period start)."""
    if not _is_internal_actor(actor, Review(vendor=vendor)):
        raise PermissionDenied("Only managers open reviews.")
    if period_end < period_start:
        raise ValidationError({"period_end": "The period must end on or after its first day."})
    if due_on < period_start:
        raise ValidationError({"due_on": "The review cannot be due before its period begins."})
    duplicate = ValidationError(
        {
            "period_start": f"{vendor.name} already has a review for the period "
            f"starting {period_start:%d %b %Y}."
        }
    )
    if Review.objects.filter(vendor=vendor, period_start=period_start).exists():
        raise duplicate
    try:
        with transaction.atomic():
            return _open_review(
                vendor_id=vendor.pk,
                period_start=period_start,
                period_end=period_end,
                due_on=due_on,
                actor=actor,
                note="Opened by hand",
            )
    except IntegrityError:
        raise duplicate from None


@transaction.atomic
def review_cadence_set(*, tier: str, months: int, lead_days: int, actor) -> ReviewCadence:
    """Set how often vendors of a tier are reviewed (managers and administrators)."""
    if not (policy.sees_internal(actor) and policy.role_allows(actor, policy.Action.CHANGE)):
        raise PermissionDenied("Only managers change review cadences.")
    row = ReviewCadence.objects.select_for_update().filter(tier=tier).first()
    if row is None:
        return audited_create(model=ReviewCadence, actor=actor, tier=tier, months=months, lead_days=lead_days)
    row, _changed = audited_update(instance=row, actor=actor, data={"months": months, "lead_days": lead_days})
    return row


# ---- Who may take which step ---------------------------------------------------------------------------


class Step:
    REQUEST_SELF_ASSESSMENT = "request_self_assessment"
    SELF_ASSESS = "self_assess"
    ASSESS = "assess"
    RECORD_MEETING = "record_meeting"
    SIGN = "sign"


STEPS = (Step.REQUEST_SELF_ASSESSMENT, Step.SELF_ASSESS, Step.ASSESS, Step.RECORD_MEETING, Step.SIGN)
VENDOR_STEPS = frozenset({Step.SELF_ASSESS, Step.SIGN})
INTERNAL_STEPS = frozenset({Step.REQUEST_SELF_ASSESSMENT, Step.ASSESS, Step.RECORD_MEETING, Step.SIGN})
STEP_STATUS = {
    Step.REQUEST_SELF_ASSESSMENT: ReviewStatus.DRAFT,
    Step.SELF_ASSESS: ReviewStatus.SELF_ASSESSMENT,
    Step.ASSESS: ReviewStatus.ASSESSMENT,
    Step.RECORD_MEETING: ReviewStatus.MEETING,
    Step.SIGN: ReviewStatus.SIGN_OFF,
}


def _is_internal_actor(actor, review: Review) -> bool:
    """Managers and administrators run the client's side of a review."""
    return policy.sees_internal(actor) and policy.can(actor, policy.Action.CHANGE, review)


def _is_vendor_actor(actor, review: Review) -> bool:
    """Users (and administrators) of the reviewed vendor take the vendor's side."""
    return (
        policy.role_allows(actor, policy.Action.SUBMIT)
        and not policy.sees_internal(actor)
        and policy.can(actor, policy.Action.SUBMIT, review)
    )


def review_side_of(actor, review: Review) -> str | None:
    if _is_internal_actor(actor, review):
        return Side.INTERNAL
    if _is_vendor_actor(actor, review):
        return Side.VENDOR
    return None


def review_step_permitted(*, review: Review, actor, step: str) -> bool:
    """May this user take this kind of step on this review at all (whatever its status)?"""
    side = review_side_of(actor, review)
    if side == Side.INTERNAL:
        return step in INTERNAL_STEPS
    if side == Side.VENDOR:
        return step in VENDOR_STEPS
    return False


def review_allowed_steps(*, review: Review, actor) -> list[str]:
    """The steps this user can take on the review now."""
    side = review_side_of(actor, review)
    allowed = []
    for step in STEPS:
        if not review_step_permitted(review=review, actor=actor, step=step):
            continue
        if review.status != STEP_STATUS[step]:
            continue
        if step == Step.SIGN and _signed_at(review, side) is not None:
            continue
        allowed.append(step)
    return allowed


def _signed_at(review: Review, side: str):
    return review.internal_signed_at if side == Side.INTERNAL else review.vendor_signed_at


STEP_REFUSALS = {
    ReviewStatus.DRAFT: "The review is still a draft: the client has not sent it for self-assessment.",
    ReviewStatus.SELF_ASSESSMENT: "The review is waiting for the vendor's self-assessment.",
    ReviewStatus.ASSESSMENT: "The review is waiting for the manager's assessment.",
    ReviewStatus.MEETING: "The review is waiting for the review meeting to be recorded.",
    ReviewStatus.SIGN_OFF: "The review is waiting for sign-off.",
    ReviewStatus.LOCKED: "The review is signed and locked; nothing can change any more.",
}


def _check(review: Review, actor, step: str) -> str:
    """The actor's side, or PermissionDenied / ValidationError saying why the step cannot be taken."""
    if not review_step_permitted(review=review, actor=actor, step=step):
        raise PermissionDenied("This step of the review is not yours to take.")
    if review.status != STEP_STATUS[step]:
        raise ValidationError(STEP_REFUSALS[review.status], code="wrong_status")
    return review_side_of(actor, review)


def _advance(
    review: Review, *, actor, step: str, to: str, fields: dict, action: str, extra: dict | None = None
) -> None:
    """Move the review on from the step's status, once: a concurrent or repeated call is refused."""
    expected = STEP_STATUS[step]
    claimed = Review.objects.filter(pk=review.pk, status=expected).update(status=to, **fields)
    if claimed != 1:
        review.refresh_from_db(fields=["status"])
        raise ValidationError(STEP_REFUSALS[review.status], code="wrong_status")
    changes = {"status": [expected.value, to]}
    for name, value in fields.items():
        changes[name] = [plain_value(getattr(review, name)), plain_value(value)]
        setattr(review, name, value)
    review.status = to
    audit_record(actor=actor, action=action, obj=review, changes={**changes, **(extra or {})})


# ---- The steps -----------------------------------------------------------------------------------------


@transaction.atomic
def review_request_self_assessment(*, review: Review, actor, now: datetime | None = None) -> Review:
    """The manager sends the review to the vendor for its self-assessment."""
    _check(review, actor, Step.REQUEST_SELF_ASSESSMENT)
    _advance(
        review,
        actor=actor,
        step=Step.REQUEST_SELF_ASSESSMENT,
        to=ReviewStatus.SELF_ASSESSMENT,
        fields={},
        action="governance.review.self_assessment_requested",
    )
    return review


def clean_scores(scores: dict) -> dict[str, Decimal]:
    """Every scorecard category scored from 0 to 100 (at most two decimals), or field errors."""
    errors, cleaned = {}, {}
    for category in CATEGORIES:
        value = scores.get(category)
        field = f"score_{category}"
        if value in (None, ""):
            errors[field] = "Score this category (0–100)."
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            errors[field] = "Give a number from 0 to 100."
            continue
        if not number.is_finite() or number < 0 or number > 100:
            errors[field] = "Give a number from 0 to 100."
        elif number.as_tuple().exponent < -2:
            errors[field] = "Give at most two decimal places."
        else:
            cleaned[category] = number
    unknown = set(scores) - set(CATEGORIES)
    if unknown:
        errors["__all__"] = f"Unknown scorecard categories: {', '.join(sorted(unknown))}."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _record_scores(review: Review, *, side: str, scores: dict[str, Decimal], comments: dict[str, str]):
    ReviewScore.objects.bulk_create(
        ReviewScore(
            review=review,
            category=category,
            side=side,
            score=scores[category],
            comment=(comments.get(category) or "").strip(),
        )
        for category in CATEGORIES
    )


def _scores_changes(side: str, scores: dict[str, Decimal]) -> dict:
    return {f"{side}_score_{category}": [None, str(scores[category])] for category in CATEGORIES}


@transaction.atomic
def review_self_assess(
    *,
    review: Review,
    actor,
    scores: dict,
    text: str,
    comments: dict | None = None,
    now: datetime | None = None,
) -> Review:
    """The vendor scores every category and writes its self-assessment."""
    _check(review, actor, Step.SELF_ASSESS)
    cleaned = clean_scores(scores)
    text = required_text(text, "text", "Write the self-assessment.")
    now = now or timezone.now()
    _advance(
        review,
        actor=actor,
        step=Step.SELF_ASSESS,
        to=ReviewStatus.ASSESSMENT,
        fields={"self_assessment": text, "self_assessed_by": actor, "self_assessed_at": now},
        action="governance.review.self_assessed",
        extra=_scores_changes(Side.VENDOR, cleaned),
    )
    _record_scores(review, side=Side.VENDOR, scores=cleaned, comments=comments or {})
    return review


@transaction.atomic
def review_assess(
    *,
    review: Review,
    actor,
    scores: dict,
    text: str,
    comments: dict | None = None,
    now: datetime | None = None,
) -> Review:
    """The manager scores every category and writes the assessment."""
    _check(review, actor, Step.ASSESS)
    cleaned = clean_scores(scores)
    text = required_text(text, "text", "Write the assessment.")
    now = now or timezone.now()
    _advance(
        review,
        actor=actor,
        step=Step.ASSESS,
        to=ReviewStatus.MEETING,
        fields={"assessment": text, "assessed_by": actor, "assessed_at": now},
        action="governance.review.assessed",
        extra=_scores_changes(Side.INTERNAL, cleaned),
    )
    _record_scores(review, side=Side.INTERNAL, scores=cleaned, comments=comments or {})
    return review


def meetings_for_review(review: Review):
    """The forum meetings of the reviewed vendor that the review meeting may be linked to."""
    return Meeting.objects.filter(forum__vendor_id=review.vendor_id).select_related("forum")


@transaction.atomic
def review_record_meeting(
    *, review: Review, actor, notes: str, meeting: Meeting | None = None, now: datetime | None = None
) -> Review:
    """The manager records the review meeting; the review then waits for both signatures."""
    _check(review, actor, Step.RECORD_MEETING)
    notes = required_text(notes, "notes", "Write the notes of the review meeting.")
    if meeting is not None and not meetings_for_review(review).filter(pk=meeting.pk).exists():
        raise ValidationError({"meeting": "Choose a meeting of this vendor's forums."})
    _advance(
        review,
        actor=actor,
        step=Step.RECORD_MEETING,
        to=ReviewStatus.SIGN_OFF,
        fields={"meeting_notes": notes, "meeting": meeting},
        action="governance.review.meeting_recorded",
    )
    return review


@transaction.atomic
def review_sign(*, review: Review, actor, now: datetime | None = None) -> Review:
    """One side signs (each side once); the second signature locks the review and feeds the scorecard."""
    side = _check(review, actor, Step.SIGN)
    now = now or timezone.now()
    by, at = (
        ("internal_signed_by", "internal_signed_at")
        if side == Side.INTERNAL
        else ("vendor_signed_by", "vendor_signed_at")
    )
    claimed = Review.objects.filter(
        pk=review.pk, status=ReviewStatus.SIGN_OFF, **{f"{at}__isnull": True}
    ).update(**{by: actor, at: now})
    if claimed != 1:
        review.refresh_from_db()
        if review.status != ReviewStatus.SIGN_OFF:
            raise ValidationError(STEP_REFUSALS[review.status], code="wrong_status")
        raise ValidationError(f"The {Side(side).label.lower()} side has signed this review already.")
    setattr(review, by, actor)
    setattr(review, at, now)
    audit_record(
        actor=actor,
        action="governance.review.signed",
        obj=review,
        changes={by: [None, actor.pk], at: [None, plain_value(now)]},
        note=side,
    )
    # Locks once both signatures are in, whichever came second (row-level: one caller wins).
    locked = Review.objects.filter(
        pk=review.pk,
        status=ReviewStatus.SIGN_OFF,
        internal_signed_at__isnull=False,
        vendor_signed_at__isnull=False,
    ).update(status=ReviewStatus.LOCKED, locked_at=now)
    if locked == 1:
        review.refresh_from_db()
        audit_record(
            actor=actor,
            action="governance.review.locked",
            obj=review,
            changes={"status": [ReviewStatus.SIGN_OFF.value, ReviewStatus.LOCKED.value]},
            note="Signed by both sides",
        )
        review_feed.feed_scorecard(review=review, actor=actor, now=now)
    return review
