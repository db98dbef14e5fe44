"""Writes to the KPI domain, one module per concept; every write is audited."""

from .measurements import (
    measurement_correct,
    measurement_submit,
    measurement_validate,
    service_level_change_target,
)

__all__ = ["measurement_correct", "measurement_submit", "measurement_validate", "service_level_change_target"]
