"""Setting up and running a selection event: criteria, candidates and their commitments, evaluators,
and the event's steps (open scoring, close scoring, cancel). Every write is audited."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record, audited_create, audited_delete, audited_update, plain_value
from vendors.models import Vendor

from .. import rules
from ..models import (
    DEFAULT_CRITERIA,
    Candidate,
    Commitment,
    Criterion,
    Evaluator,
    EventStatus,
    SelectionEvent,
)
from ..validation import check_unique_names, check_weights

# Fields that shape the scoring itself; they are fixed once scoring opens.
SCORING_FIELDS = ("scale_min", "scale_max")
EDITABLE_FIELDS = ("title", "requirement", "owner", "spread_threshold", *SCORING_FIELDS)


def check_manager(actor, event: SelectionEvent) -> None:
    if not rules.can_manage(actor, event):
        raise PermissionDenied("Only the event's owner (or an administrator) may do this.")


def _check_owner(owner) -> None:
    if not rules.can_own(owner):
        raise ValidationError({"owner": "The owner must be an active internal manager or administrator."})


def _refuse_unless(event: SelectionEvent, statuses, doing: str) -> None:
    if event.status not in statuses:
        raise ValidationError(
            f"This event is {event.get_status_display().lower()}, so you cannot {doing} now."
        )


def lock_event(event: SelectionEvent) -> SelectionEvent:
    """Re-read the event under a row lock: two concurrent steps apply one after the other."""
    return SelectionEvent.objects.select_for_update().get(pk=event.pk)


def _transition(*, event, actor, allowed, doing: str, verb: str, fields: dict, note: str = ""):
    locked = lock_event(event)
    _refuse_unless(locked, allowed, doing)
    changes = {}
    for name, value in fields.items():
        old = getattr(locked, name)
        setattr(locked, name, value)
        changes[name] = [old, value]
    locked.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        action=f"selection.selectionevent.{verb}",
        obj=locked,
        changes={k: [plain_value(v) for v in pair] for k, pair in changes.items()},
        note=note,
    )
    return locked


# ---- The event and its criteria -------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    actor,
    title: str,
    requirement: str,
    owner,
    scale_min: int = 0,
    scale_max: int = 5,
    spread_threshold: Decimal = Decimal("20"),
    criteria: list[dict] | None = None,
) -> SelectionEvent:
    """Create a draft event with its criteria (the suggested six when none are given)."""
    if not rules.can_create(actor):
        raise PermissionDenied("Only managers and administrators create selection events.")
    _check_owner(owner)
    if criteria is None:
        criteria = [{"name": n, "weight": w, "description": d} for n, w, d in DEFAULT_CRITERIA]
    check_weights(row["weight"] for row in criteria)
    check_unique_names(row["name"] for row in criteria)
    event = audited_create(
        model=SelectionEvent,
        actor=actor,
        title=title,
        requirement=requirement,
        owner=owner,
        scale_min=scale_min,
        scale_max=scale_max,
        spread_threshold=spread_threshold,
        created_by=actor,
    )
    for position, row in enumerate(criteria):
        audited_create(
            model=Criterion,
            actor=actor,
            event=event,
            name=row["name"].strip(),
            description=row.get("description", ""),
            weight=row["weight"],
            position=position,
        )
    return event


@transaction.atomic
def event_update(*, event: SelectionEvent, actor, data: dict) -> SelectionEvent:
    check_manager(actor, event)
    locked = lock_event(event)
    _refuse_unless(locked, (EventStatus.DRAFT, EventStatus.SCORING), "change it")
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    if locked.status != EventStatus.DRAFT:
        moved = [f for f in SCORING_FIELDS if f in data and data[f] != getattr(locked, f)]
        if moved:
            raise ValidationError({moved[0]: "The scale is fixed once scoring has opened."})
    if "owner" in data:
        _check_owner(data["owner"])
    audited_update(instance=locked, actor=actor, data=data)
    return locked


@transaction.atomic
def criteria_replace(*, event: SelectionEvent, actor, rows: list[dict]) -> list[Criterion]:
    """Make the event's criteria exactly ``rows`` (dicts with ``id`` for kept ones), in that order.

    Only a draft's criteria change: once evaluators score, a changed criterion would change their sheets.
    """
    check_manager(actor, event)
    locked = lock_event(event)
    _refuse_unless(locked, (EventStatus.DRAFT,), "change its criteria")
    check_weights(row["weight"] for row in rows)
    check_unique_names(row["name"] for row in rows)
    existing = {c.pk: c for c in locked.criteria.all()}
    kept = {row["id"] for row in rows if row.get("id")}
    if kept - set(existing):
        raise ValidationError("A criterion was removed meanwhile; reload the page.")
    for criterion in existing.values():
        if criterion.pk not in kept:
            audited_delete(instance=criterion, actor=actor)
    # Names are unique per event: park the kept ones on temporary names so a swap of names works.
    for pk in kept:
        Criterion.objects.filter(pk=pk).update(name=_parked(pk))
    result = []
    for position, row in enumerate(rows):
        values = {
            "name": row["name"].strip(),
            "description": row.get("description", ""),
            "weight": row["weight"],
            "position": position,
        }
        if row.get("id"):
            # The row in memory still has its real name, so the trail shows the true old value.
            criterion = existing[row["id"]]
            audited_update(instance=criterion, actor=actor, data=values)
            Criterion.objects.filter(pk=criterion.pk, name=_parked(criterion.pk)).update(name=values["name"])
        else:
            criterion = audited_create(model=Criterion, actor=actor, event=locked, **values)
        result.append(criterion)
    return result


def _parked(pk: int) -> str:
    return f"~renaming~{pk}"


# ---- Candidates and their commitments ----------------------------------------------------------


@transaction.atomic
def candidate_add(
    *,
    event: SelectionEvent,
    actor,
    vendor: Vendor | None = None,
    prospect_name: str = "",
    contact_name: str = "",
    contact_email: str = "",
    website: str = "",
    notes: str = "",
) -> Candidate:
    """Add an existing vendor, or a prospect by name (which must not be a vendor's name already)."""
    check_manager(actor, event)
    locked = lock_event(event)
    _refuse_unless(locked, (EventStatus.DRAFT,), "add candidates")
    prospect_name = prospect_name.strip()
    if (vendor is None) == (not prospect_name):
        raise ValidationError("Choose an existing vendor or name a prospect, not both.")
    if vendor is not None:
        if locked.candidates.filter(vendor=vendor).exists():
            raise ValidationError({"vendor": f"{vendor.name} is already a candidate."})
        fields = {"vendor": vendor}
    else:
        if Vendor.objects.filter(name__iexact=prospect_name).exists():
            raise ValidationError(
                {"prospect_name": f"A vendor called “{prospect_name}” exists; add it as an existing vendor."}
            )
        if locked.candidates.filter(prospect_name__iexact=prospect_name).exists():
            raise ValidationError({"prospect_name": f"“{prospect_name}” is already a candidate."})
        fields = {
            "prospect_name": prospect_name,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "website": website,
        }
    return audited_create(model=Candidate, actor=actor, event=locked, notes=notes, **fields)


@transaction.atomic
def candidate_remove(*, candidate: Candidate, actor) -> None:
    check_manager(actor, candidate.event)
    locked = lock_event(candidate.event)
    _refuse_unless(locked, (EventStatus.DRAFT,), "remove candidates")
    audited_delete(instance=candidate, actor=actor)


COMMITMENT_STATUSES = (EventStatus.DRAFT, EventStatus.SCORING)


@transaction.atomic
def commitment_add(
    *,
    candidate: Candidate,
    actor,
    metric,
    target: Decimal,
    minimum: Decimal | None = None,
    period: str = "monthly",
    note: str = "",
) -> Commitment:
    """Record a service level the candidate commits to; one per metric."""
    check_manager(actor, candidate.event)
    locked = lock_event(candidate.event)
    _refuse_unless(locked, COMMITMENT_STATUSES, "change commitments")
    if candidate.commitments.filter(metric=metric).exists():
        raise ValidationError({"metric": f"{candidate.name} already commits to {metric.name}."})
    return audited_create(
        model=Commitment,
        actor=actor,
        candidate=candidate,
        metric=metric,
        target=target,
        minimum=minimum,
        period=period,
        note=note,
    )


@transaction.atomic
def commitment_remove(*, commitment: Commitment, actor) -> None:
    event = commitment.candidate.event
    check_manager(actor, event)
    locked = lock_event(event)
    _refuse_unless(locked, COMMITMENT_STATUSES, "change commitments")
    audited_delete(instance=commitment, actor=actor)


# ---- Evaluators ------------------------------------------------------------------------------------


@transaction.atomic
def evaluator_add(*, event: SelectionEvent, actor, user) -> Evaluator:
    """Name an internal user to score the event (before any score is revealed)."""
    check_manager(actor, event)
    locked = lock_event(event)
    _refuse_unless(locked, (EventStatus.DRAFT, EventStatus.SCORING), "add evaluators")
    if not (user.is_active and user.is_internal):
        raise ValidationError({"user": "Evaluators are active internal users."})
    evaluators = list(locked.evaluators.all())
    if any(e.user_id == user.pk for e in evaluators):
        raise ValidationError({"user": f"{user} is already an evaluator."})
    if rules.scores_revealed(locked, evaluators):
        raise ValidationError("The scores are revealed already; a new evaluator would score knowing them.")
    return audited_create(model=Evaluator, actor=actor, event=locked, user=user)


@transaction.atomic
def evaluator_remove(*, evaluator: Evaluator, actor) -> None:
    """Take an evaluator off the event, with their unsubmitted scores; a submitted sheet stays."""
    check_manager(actor, evaluator.event)
    locked = lock_event(evaluator.event)
    _refuse_unless(locked, (EventStatus.DRAFT, EventStatus.SCORING), "remove evaluators")
    evaluator = Evaluator.objects.select_for_update().get(pk=evaluator.pk)
    if evaluator.is_submitted:
        raise ValidationError(f"{evaluator.user} has submitted their scores; the sheet stays on record.")
    audited_delete(instance=evaluator, actor=actor)


# ---- Steps of the event ----------------------------------------------------------------------------


def scoring_readiness(event: SelectionEvent) -> list[str]:
    """What stops scoring from opening, in words (empty when it may open)."""
    problems = []
    weights = list(event.criteria.values_list("weight", flat=True))
    try:
        check_weights(weights)
    except ValidationError as error:
        problems.extend(error.messages)
    if not event.candidates.exists():
        problems.append("Add at least one candidate.")
    if not event.evaluators.exists():
        problems.append("Name at least one evaluator.")
    return problems


@transaction.atomic
def scoring_open(*, event: SelectionEvent, actor, now: datetime | None = None) -> SelectionEvent:
    check_manager(actor, event)
    locked = lock_event(event)
    _refuse_unless(locked, (EventStatus.DRAFT,), "open scoring")
    problems = scoring_readiness(locked)
    if problems:
        raise ValidationError(problems)
    return _transition(
        event=locked,
        actor=actor,
        allowed=(EventStatus.DRAFT,),
        doing="open scoring",
        verb="scoring_opened",
        fields={"status": EventStatus.SCORING, "scoring_opened_at": now or timezone.now()},
    )


@transaction.atomic
def scoring_close(*, event: SelectionEvent, actor, now: datetime | None = None) -> SelectionEvent:
    """Stop scoring: unsubmitted sheets no longer count, and the scores are revealed."""
    check_manager(actor, event)
    locked = lock_event(event)
    _refuse_unless(locked, (EventStatus.SCORING,), "close scoring")
    if locked.scoring_closed_at is not None:
        raise ValidationError("Scoring is closed already.")
    if not Evaluator.objects.filter(event=locked, submitted_at__isnull=False).exists():
        raise ValidationError("Nobody has submitted scores yet; there would be nothing to rank.")
    pending = [
        str(e.user)
        for e in locked.evaluators.select_related("user")
        if not e.is_submitted and not e.is_excluded
    ]
    note = f"Closed without the scores of {', '.join(pending)}." if pending else ""
    return _transition(
        event=locked,
        actor=actor,
        allowed=(EventStatus.SCORING,),
        doing="close scoring",
        verb="scoring_closed",
        fields={"scoring_closed_at": now or timezone.now()},
        note=note,
    )


@transaction.atomic
def event_cancel(*, event: SelectionEvent, actor, reason: str, now: datetime | None = None) -> SelectionEvent:
    check_manager(actor, event)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the event is cancelled."})
    return _transition(
        event=event,
        actor=actor,
        allowed=(EventStatus.DRAFT, EventStatus.SCORING, EventStatus.DECIDED),
        doing="cancel it",
        verb="cancelled",
        fields={
            "status": EventStatus.CANCELLED,
            "cancelled_at": now or timezone.now(),
            "cancel_reason": reason,
        },
        note=reason,
    )
