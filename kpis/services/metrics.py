"""The metric catalogue, kept by the client's managers. A metric in use by a service level keeps its
code, direction and aggregation: changing them would re-read every figure already reported against it.
Metrics the portal computes itself (deliverables, signed reviews) are created by the portal; their code
stays as the portal knows it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policy
from accounts.audit import audited_create, audited_update

from ..models import Metric

METRIC_FIELDS = (
    "code",
    "name",
    "unit",
    "direction",
    "aggregation",
    "category",
    "min_value",
    "max_value",
    "description",
    "is_active",
)
FIXED_IN_USE = ("code", "direction", "aggregation")


def metric_can_edit(user) -> bool:
    return policy.sees_internal(user) and policy.can(user, policy.Action.CHANGE, Metric)


def _require_editor(actor) -> None:
    if not metric_can_edit(actor):
        raise PermissionDenied("Only the client's managers keep the metric catalogue.")


def metric_in_use(metric: Metric) -> bool:
    return metric.pk is not None and metric.service_levels.exists()


def fixed_fields(metric: Metric) -> tuple[str, ...]:
    """The fields of ``metric`` that can no longer change."""
    if metric_in_use(metric):
        return FIXED_IN_USE
    if metric.computed_by_portal:
        return ("code",)
    return ()


@transaction.atomic
def metric_create(*, actor, **fields) -> Metric:
    _require_editor(actor)
    unknown = set(fields) - set(METRIC_FIELDS)
    if unknown:
        raise ValueError(f"metric_create got unknown fields {sorted(unknown)}")
    return audited_create(model=Metric, actor=actor, **fields)


@transaction.atomic
def metric_update(*, metric: Metric, actor, **fields) -> Metric:
    _require_editor(actor)
    unknown = set(fields) - set(METRIC_FIELDS)
    if unknown:
        raise ValueError(f"metric_update got unknown fields {sorted(unknown)}")
    metric = Metric.objects.select_for_update().get(pk=metric.pk)
    fixed = fixed_fields(metric)
    errors = {
        name: f"{metric.name} is used by service levels, so its {Metric._meta.get_field(name).verbose_name} "
        "stays as it is; add a new metric instead."
        if name != "code" or metric_in_use(metric)
        else "The portal computes this metric's figures and finds it by its code."
        for name in fixed
        if name in fields and fields[name] != getattr(metric, name)
    }
    if errors:
        raise ValidationError(errors)
    metric, _ = audited_update(instance=metric, actor=actor, data=fields)
    return metric
