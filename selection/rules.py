"""Who may do what in a selection event, and who may see which scores.

The access policy already keeps vendor users out (every selection model is internal-only); these
rules add the event's own roles: the owner runs it, the named evaluators score it, the named approvers
approve its decision, and every other internal user reads it.

Score visibility:
- scores are **revealed** once every evaluator still taking part has submitted, the owner has closed
  scoring, or the event has been decided; from then on every internal user sees them;
- before that, an evaluator who has submitted sees the other submitted sheets; nobody else (the
  owner included) sees any score, only who has submitted.
"""

from enum import StrEnum

from accounts import policy
from accounts.models import Role

from .models import Evaluator, EventStatus, SelectionEvent


class ScoreView(StrEnum):
    NONE = "none"  # progress only
    SUBMITTED = "submitted"  # the submitted sheets, while others are still scoring
    ALL = "all"  # scores revealed


def can_create(user) -> bool:
    return policy.can(user, policy.Action.CREATE, SelectionEvent)


def can_own(user) -> bool:
    """Managers and administrators may own (run) an event."""
    return bool(user and user.is_active and user.is_internal and user.role in (Role.MANAGER, Role.ADMIN))


def can_manage(user, event: SelectionEvent) -> bool:
    """The owner runs the event; an administrator may step in."""
    if not policy.can(user, policy.Action.CHANGE, event):
        return False
    return event.owner_id == user.pk or user.role == Role.ADMIN


def active_evaluators(evaluators) -> list[Evaluator]:
    """Evaluators still taking part: not excluded for a conflict."""
    return [e for e in evaluators if not e.is_excluded]


def scores_revealed(event: SelectionEvent, evaluators) -> bool:
    if event.status in (EventStatus.DECIDED, EventStatus.AWARDED):
        return True
    if event.scoring_closed_at is not None:
        return True
    if event.status != EventStatus.SCORING:
        return False
    active = active_evaluators(evaluators)
    return bool(active) and all(e.is_submitted for e in active)


def evaluator_of(user, evaluators) -> Evaluator | None:
    return next((e for e in evaluators if e.user_id == getattr(user, "pk", None)), None)


def score_view(user, event: SelectionEvent, evaluators) -> ScoreView:
    """What ``user`` may see of the scores of ``event``, given all its evaluators."""
    if not policy.sees_internal(user):
        return ScoreView.NONE
    if scores_revealed(event, evaluators):
        return ScoreView.ALL
    mine = evaluator_of(user, evaluators)
    if mine is not None and mine.is_submitted:
        return ScoreView.SUBMITTED
    return ScoreView.NONE


def scoring_is_open(event: SelectionEvent) -> bool:
    return event.status == EventStatus.SCORING and event.scoring_closed_at is None


def may_score(user, event: SelectionEvent, evaluator: Evaluator | None) -> bool:
    return (
        evaluator is not None
        and evaluator.user_id == user.pk
        and scoring_is_open(event)
        and evaluator.is_cleared
        and not evaluator.is_submitted
    )
