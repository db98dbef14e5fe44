"""Writes to partner selection, one module per stage; every write is audited."""

from .decisions import (
    approval_answer,
    award_blockers,
    decision_blockers,
    decision_record,
    event_award,
)
from .events import (
    candidate_add,
    candidate_remove,
    check_manager,
    commitment_add,
    commitment_remove,
    criteria_replace,
    evaluator_add,
    evaluator_remove,
    event_cancel,
    event_create,
    event_update,
    scoring_close,
    scoring_open,
    scoring_readiness,
)
from .scoring import SheetError, conflict_decide, conflict_declare, sheet_cells, sheet_save

__all__ = [
    "SheetError",
    "approval_answer",
    "award_blockers",
    "candidate_add",
    "candidate_remove",
    "check_manager",
    "commitment_add",
    "commitment_remove",
    "conflict_decide",
    "conflict_declare",
    "criteria_replace",
    "decision_blockers",
    "decision_record",
    "evaluator_add",
    "evaluator_remove",
    "event_award",
    "event_cancel",
    "event_create",
    "event_update",
    "scoring_close",
    "scoring_open",
    "scoring_readiness",
    "sheet_cells",
    "sheet_save",
]
