"""Independent scoring: the conflict-of-interest declaration, the owner's answer to a declared conflict,
and the evaluator's sheet (saved as a draft, then submitted, which locks it).

The trail records that a sheet was saved or submitted and how many cells it holds, never the scores:
the trail is readable by managers, who must not see a score before the scores are revealed.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record

from .. import rules
from ..models import (
    ConflictDecision,
    ConflictStatus,
    Evaluator,
    EventStatus,
    Score,
)
from .events import check_manager, lock_event


def _lock_evaluator(evaluator: Evaluator) -> Evaluator:
    return Evaluator.objects.select_for_update().select_related("event", "user").get(pk=evaluator.pk)


@transaction.atomic
def conflict_declare(
    *, evaluator: Evaluator, actor, has_conflict: bool, statement: str = "", now: datetime | None = None
) -> Evaluator:
    """The evaluator declares no conflict, or a conflict in their own words (which the owner then
    accepts or excludes them for). A new declaration replaces the previous one until the sheet is
    submitted."""
    if evaluator.user_id != actor.pk:
        raise PermissionDenied("Only the evaluator declares their own conflicts of interest.")
    lock_event(evaluator.event)
    evaluator = _lock_evaluator(evaluator)
    if evaluator.event.status not in (EventStatus.DRAFT, EventStatus.SCORING) or (
        evaluator.event.scoring_closed_at is not None
    ):
        raise ValidationError("Scoring has ended; the declaration can no longer change.")
    if evaluator.is_submitted:
        raise ValidationError("Your scores are submitted; the declaration can no longer change.")
    if evaluator.is_excluded:
        raise ValidationError("The owner excluded you for the declared conflict; that decision stands.")
    statement = (statement or "").strip()
    if has_conflict and not statement:
        raise ValidationError({"statement": "Describe the conflict: who, what relationship, since when."})
    new = {
        "conflict_status": ConflictStatus.DECLARED if has_conflict else ConflictStatus.NONE,
        "conflict_statement": statement if has_conflict else "",
        "conflict_declared_at": now or timezone.now(),
        "conflict_decision": ConflictDecision.UNDECIDED,
        "conflict_decision_note": "",
        "conflict_decided_by": None,
        "conflict_decided_at": None,
    }
    old_status = evaluator.conflict_status
    for name, value in new.items():
        setattr(evaluator, name, value)
    evaluator.full_clean()
    evaluator.save(update_fields=list(new))
    audit_record(
        actor=actor,
        action="selection.evaluator.conflict_declared",
        obj=evaluator,
        changes={
            "conflict_status": [old_status, evaluator.conflict_status],
            "conflict_statement": ["", evaluator.conflict_statement],
        },
    )
    return evaluator


@transaction.atomic
def conflict_decide(
    *, evaluator: Evaluator, actor, accept: bool, note: str = "", now: datetime | None = None
) -> Evaluator:
    """The owner accepts a declared conflict (the evaluator scores) or excludes the evaluator."""
    check_manager(actor, evaluator.event)
    lock_event(evaluator.event)
    evaluator = _lock_evaluator(evaluator)
    if evaluator.conflict_status != ConflictStatus.DECLARED:
        raise ValidationError(f"{evaluator.user} has not declared a conflict; there is nothing to decide.")
    if evaluator.is_submitted:
        raise ValidationError(f"{evaluator.user} has submitted their scores; the decision stands.")
    if evaluator.event.status not in (EventStatus.DRAFT, EventStatus.SCORING):
        raise ValidationError("The event has moved on; conflicts can no longer be decided.")
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError({"note": "Say why the evaluator is excluded."})
    old = evaluator.conflict_decision
    evaluator.conflict_decision = ConflictDecision.ACCEPTED if accept else ConflictDecision.EXCLUDED
    evaluator.conflict_decision_note = note
    evaluator.conflict_decided_by = actor
    evaluator.conflict_decided_at = now or timezone.now()
    evaluator.save(
        update_fields=[
            "conflict_decision",
            "conflict_decision_note",
            "conflict_decided_by",
            "conflict_decided_at",
        ]
    )
    audit_record(
        actor=actor,
        action=f"selection.evaluator.conflict_{'accepted' if accept else 'excluded'}",
        obj=evaluator,
        changes={"conflict_decision": [old, evaluator.conflict_decision]},
        note=note,
    )
    return evaluator


def sheet_cells(event) -> list[tuple[int, int]]:
    """Every (candidate id, criterion id) an evaluator scores, in sheet order."""
    candidates = list(event.candidates.values_list("pk", flat=True))
    criteria = list(event.criteria.values_list("pk", flat=True))
    return [(candidate, criterion) for candidate in candidates for criterion in criteria]


@transaction.atomic
def sheet_save(
    *,
    evaluator: Evaluator,
    actor,
    entries: dict[tuple[int, int], tuple[int | None, str]],
    submit: bool = False,
    now: datetime | None = None,
) -> Evaluator:
    """Save the evaluator's scores; with ``submit``, every cell must be scored and the sheet locks.

    ``entries`` maps (candidate id, criterion id) → (score or None, comment). A cell left empty is
    cleared. Of two submits of the same sheet, the second is refused.
    """
    now = now or timezone.now()
    if evaluator.user_id != actor.pk:
        raise PermissionDenied("Only the evaluator fills in their own sheet.")
    event = lock_event(evaluator.event)
    evaluator = _lock_evaluator(evaluator)
    if not rules.scoring_is_open(event):
        raise ValidationError("Scoring is not open, so scores cannot be entered now.")
    if evaluator.is_submitted:
        raise ValidationError("Your scores are submitted and locked.")
    if not evaluator.is_cleared:
        raise ValidationError(
            "Declare your conflicts of interest first (a declared conflict needs the owner)."
        )
    cells = sheet_cells(event)
    unknown = set(entries) - set(cells)
    if unknown:
        raise ValidationError("The sheet no longer matches the event; reload the page.")
    errors = {}
    for cell, (value, _comment) in entries.items():
        if value is not None and not event.scale_min <= value <= event.scale_max:
            errors[cell] = f"Scores run from {event.scale_min} to {event.scale_max}."
    if submit:
        for cell in cells:
            if entries.get(cell, (None, ""))[0] is None:
                errors.setdefault(cell, "Score every criterion before submitting.")
    if errors:
        raise SheetError(errors)
    _write_scores(evaluator, entries, now)
    scored = sum(1 for value, _ in entries.values() if value is not None)
    changes = {"cells_scored": [None, f"{scored} of {len(cells)}"]}
    if submit:
        locked = Evaluator.objects.filter(pk=evaluator.pk, submitted_at__isnull=True).update(submitted_at=now)
        if locked != 1:
            raise ValidationError("Your scores are submitted and locked.")
        evaluator.submitted_at = now
        changes["submitted_at"] = [None, now.isoformat()]
    audit_record(
        actor=actor,
        action=f"selection.evaluator.{'submitted' if submit else 'sheet_saved'}",
        obj=evaluator,
        changes=changes,
    )
    return evaluator


class SheetError(ValidationError):
    """Errors of a sheet, per cell: ``cells`` maps (candidate id, criterion id) → message."""

    def __init__(self, cells: dict[tuple[int, int], str]):
        self.cells = cells
        super().__init__(f"{len(cells)} score{'s' if len(cells) != 1 else ''} need attention.")


def _write_scores(evaluator: Evaluator, entries, now: datetime) -> None:
    existing = {(s.candidate_id, s.criterion_id): s for s in evaluator.scores.all()}
    to_create, to_update, to_delete = [], [], []
    for (candidate_id, criterion_id), (value, comment) in entries.items():
        row = existing.get((candidate_id, criterion_id))
        comment = (comment or "").strip()
        if value is None:
            if row is not None:
                to_delete.append(row.pk)
            continue
        if row is None:
            to_create.append(
                Score(
                    evaluator=evaluator,
                    candidate_id=candidate_id,
                    criterion_id=criterion_id,
                    value=value,
                    comment=comment,
                    updated_at=now,
                )
            )
        elif (row.value, row.comment) != (value, comment):
            row.value, row.comment, row.updated_at = value, comment, now
            to_update.append(row)
    Score.objects.filter(pk__in=to_delete).delete()
    Score.objects.bulk_create(to_create)
    Score.objects.bulk_update(to_update, ["value", "comment", "updated_at"])
