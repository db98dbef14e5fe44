"""Writes to the governance of a relationship, one module per workflow."""

from .progress import (
    progress_current_month,
    progress_month_closes_at,
    progress_update_change,
    progress_update_is_editable,
    progress_update_submit,
)

__all__ = [
    "progress_current_month",
    "progress_month_closes_at",
    "progress_update_change",
    "progress_update_is_editable",
    "progress_update_submit",
]
