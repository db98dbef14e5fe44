"""Reads of one service level's page: the service level, its target history and recent results."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from accounts import policy
from contracts.models import Contract

from .. import periods
from ..models import ServiceLevel, ServiceLevelResult, ServiceLevelTarget

RECENT_RESULTS = 12


def service_level_for_user(*, user, pk: int) -> ServiceLevel:
    service_levels = ServiceLevel.objects.select_related("metric", "contract__vendor")
    return policy.get_visible_or_404(user, service_levels, pk=pk)


def contract_for_user(*, user, pk: int) -> Contract:
    return policy.get_visible_or_404(user, Contract.objects.select_related("vendor"), pk=pk)


@dataclass
class TargetStep:
    """Levels in force from ``effective_from`` (until the next step)."""

    effective_from: date
    target: object
    minimum: object
    reason: str
    state: str  # "past", "in force" or "scheduled"


def target_history(service_level: ServiceLevel, *, today: date | None = None) -> list[TargetStep]:
    """Every level the service level has had or will have, newest first. Without recorded
    changes, the levels agreed at the start."""
    today = today or periods.local_today()
    rows = list(ServiceLevelTarget.objects.filter(service_level=service_level).order_by("effective_from"))
    if not rows:
        rows = [
            ServiceLevelTarget(
                effective_from=service_level.effective_from,
                target=service_level.target,
                minimum=service_level.minimum,
                reason="Levels agreed at the start",
            )
        ]
    # The period open today is judged by the levels in force on its first day.
    open_start = periods.period_start(service_level.period, today)
    in_force = max((r.effective_from for r in rows if r.effective_from <= open_start), default=None)
    steps = []
    for row in rows:
        if row.effective_from > open_start:
            state = "scheduled"
        elif row.effective_from == in_force:
            state = "in force"
        else:
            state = "past"
        steps.append(TargetStep(row.effective_from, row.target, row.minimum, row.reason, state))
    return steps[::-1]


def recent_results(service_level: ServiceLevel, *, limit: int = RECENT_RESULTS) -> QuerySet:
    return ServiceLevelResult.objects.filter(service_level=service_level).order_by("-period_start")[:limit]


def contract_service_levels(contract: Contract) -> list[ServiceLevel]:
    return list(
        ServiceLevel.objects.filter(contract=contract, is_active=True)
        .select_related("metric")
        .order_by("metric__name")
    )
