"""Service levels agreed in a contract, set up by the client's managers: add a catalogue metric with its
expected and minimum levels, period, grace, weight, kind, pool allocation and credit tiers; edit; retire
(an effective-to date); delete only while no figure was ever reported against it.

Validation is the model's (``ServiceLevel.clean``: levels in the metric's direction; constraints: credit
only for CSLs, the effective range). Target changes once figures exist are effective-dated and go
through ``service_level_change_target``, never through an edit that would reach back.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum

from accounts import policy
from accounts.audit import audit_record, audited_create, audited_delete, audited_update
from contracts.models import Contract

from ..models import CreditTier, Measurement, ServiceLevel, ServiceLevelKind, ServiceLevelResult

# The field's usual range for the sum of a contract's CSL pool allocations (see SERVICE-LEVELS.md).
USUAL_POOL_TOTAL = (Decimal("100"), Decimal("250"))
SERVICE_LEVEL_FIELDS = (
    "metric",
    "kind",
    "target",
    "minimum",
    "period",
    "grace_days",
    "weight",
    "credit_allocation_percent",
    "effective_from",
)
# Fields that decide how past periods were judged: fixed once figures exist.
LOCKED_WITH_FIGURES = ("metric", "kind", "target", "minimum", "period", "effective_from")
RETIRED = "kpis.servicelevel.retired"


def service_level_can_edit(user) -> bool:
    return policy.sees_internal(user) and policy.can(user, policy.Action.CHANGE, ServiceLevel)


def _require_editor(actor) -> None:
    if not service_level_can_edit(actor):
        raise PermissionDenied("Only the client's managers set up service levels.")


def has_figures(service_level: ServiceLevel) -> bool:
    """Figures reported, or periods judged (an unreported period is a result too): its history."""
    return (
        Measurement.objects.filter(service_level=service_level).exists()
        or ServiceLevelResult.objects.filter(service_level=service_level).exists()
    )


def pool_allocation_total(contract: Contract, *, on: dt.date | None = None) -> Decimal:
    """The sum of the pool allocations of the contract's critical service levels in force (on ``on``)."""
    levels = ServiceLevel.objects.filter(contract=contract, kind=ServiceLevelKind.CSL, is_active=True)
    if on is not None:
        levels = levels.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
    return levels.aggregate(total=Sum("credit_allocation_percent"))["total"] or Decimal("0")


def pool_allocation_warning(contract: Contract, *, on: dt.date | None = None) -> str | None:
    """A warning (never a refusal) when the CSL pool allocations add up beyond the usual 100–250 %."""
    total = pool_allocation_total(contract, on=on)
    low, high = USUAL_POOL_TOTAL
    if total > high:
        return (
            f"The critical service levels of {contract.reference} now carry pool allocations of "
            f"{total.normalize():f} % in total, above the usual {low.normalize():f}–{high.normalize():f} %: "
            "check that one bad month cannot reach the at-risk cap on a single failure."
        )
    return None


def _check_tiers(credit_tiers) -> list[tuple[Decimal, Decimal]]:
    tiers = [(Decimal(shortfall), Decimal(factor)) for shortfall, factor in credit_tiers or ()]
    shortfalls = [shortfall for shortfall, _ in tiers]
    if len(set(shortfalls)) != len(shortfalls):
        raise ValidationError({"credit_tiers": "Each credit tier needs its own shortfall."})
    return sorted(tiers)


def _write_tiers(*, service_level: ServiceLevel, actor, tiers) -> None:
    existing = {tier.shortfall: tier for tier in service_level.credit_tiers.all()}
    wanted = dict(tiers)
    for shortfall, tier in existing.items():
        if shortfall not in wanted:
            audited_delete(instance=tier, actor=actor)
        elif tier.factor_percent != wanted[shortfall]:
            audited_update(instance=tier, actor=actor, data={"factor_percent": wanted[shortfall]})
    for shortfall, factor in tiers:
        if shortfall not in existing:
            audited_create(
                model=CreditTier,
                actor=actor,
                service_level=service_level,
                shortfall=shortfall,
                factor_percent=factor,
            )


def _check_new(*, contract: Contract, metric, kind: str, credit_tiers) -> None:
    errors = {}
    if ServiceLevel.objects.filter(contract=contract, metric=metric).exists():
        errors["metric"] = f"{contract.reference} already has a service level for {metric.name}."
    if credit_tiers and kind != ServiceLevelKind.CSL:
        errors["credit_tiers"] = "Only critical service levels carry credit tiers."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_level_create(
    *, actor, contract: Contract, credit_tiers=(), **fields
) -> tuple[ServiceLevel, str | None]:
    """Add a catalogue metric to a contract. Returns the service level and the pool allocation warning
    for its contract, if any."""
    _require_editor(actor)
    unknown = set(fields) - set(SERVICE_LEVEL_FIELDS)
    if unknown:
        raise ValueError(f"service_level_create got unknown fields {sorted(unknown)}")
    metric = fields["metric"]
    if metric is not None and not metric.is_active:
        raise ValidationError({"metric": f"{metric.name} is no longer offered in the catalogue."})
    _check_new(contract=contract, metric=metric, kind=fields.get("kind"), credit_tiers=credit_tiers)
    tiers = _check_tiers(credit_tiers)
    service_level = audited_create(model=ServiceLevel, actor=actor, contract=contract, **fields)
    _write_tiers(service_level=service_level, actor=actor, tiers=tiers)
    return service_level, pool_allocation_warning(contract)


@transaction.atomic
def service_level_update(
    *, service_level: ServiceLevel, actor, credit_tiers=(), **fields
) -> tuple[ServiceLevel, str | None]:
    """Edit a service level. Once figures exist, its metric, levels, period and start are fixed: a new
    target is an effective-dated change that never reaches back."""
    _require_editor(actor)
    unknown = set(fields) - set(SERVICE_LEVEL_FIELDS)
    if unknown:
        raise ValueError(f"service_level_update got unknown fields {sorted(unknown)}")
    if has_figures(service_level):
        locked = dict.fromkeys(
            _locked_changes(service_level, fields),
            "Figures have been reported against this service level, so this stays as it is.",
        )
        if locked:
            raise ValidationError(locked)
    if credit_tiers and fields.get("kind", service_level.kind) != ServiceLevelKind.CSL:
        raise ValidationError({"credit_tiers": "Only critical service levels carry credit tiers."})
    new_metric = fields.get("metric", service_level.metric)
    if (
        new_metric != service_level.metric
        and ServiceLevel.objects.filter(contract=service_level.contract, metric=new_metric).exists()
    ):
        raise ValidationError(
            {"metric": f"{service_level.contract.reference} already has a service level for this metric."}
        )
    tiers = _check_tiers(credit_tiers)
    service_level, _ = audited_update(instance=service_level, actor=actor, data=fields)
    _write_tiers(service_level=service_level, actor=actor, tiers=tiers)
    return service_level, pool_allocation_warning(service_level.contract)


def _locked_changes(service_level: ServiceLevel, fields: dict) -> list[str]:
    """The fixed fields ``fields`` would change."""
    changed = []
    for name in LOCKED_WITH_FIGURES:
        if name not in fields:
            continue
        field = ServiceLevel._meta.get_field(name)
        old = getattr(service_level, field.attname)
        new = fields[name].pk if name == "metric" and fields[name] is not None else fields[name]
        if field.to_python(old) != field.to_python(new):
            changed.append(name)
    return changed


@transaction.atomic
def service_level_retire(
    *, service_level: ServiceLevel, actor, effective_to: dt.date, reason: str
) -> ServiceLevel:
    """End a service level on ``effective_to``: periods up to that day are still judged, none after."""
    _require_editor(actor)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why the service level is retired; the reason is kept in the audit trail."
    if effective_to is None:
        errors["effective_to"] = "Give the last day the service level applies."
    elif effective_to < service_level.effective_from:
        errors["effective_to"] = (
            f"The service level starts on {service_level.effective_from:%d %b %Y}; it cannot end before that."
        )
    else:
        last = Measurement.objects.filter(service_level=service_level, is_current=True).aggregate(
            last=Max("measured_on")
        )["last"]
        if last is not None and last > effective_to:
            errors["effective_to"] = (
                f"Figures have been reported up to {last:%d %b %Y}; retire it on that day or later."
            )
    if errors:
        raise ValidationError(errors)
    old = service_level.effective_to
    service_level.effective_to = effective_to
    service_level.full_clean()
    service_level.save(update_fields=["effective_to", "updated_at"])
    audit_record(
        actor=actor,
        action=RETIRED,
        obj=service_level,
        changes={"effective_to": [old.isoformat() if old else None, effective_to.isoformat()]},
        note=reason,
    )
    return service_level


@transaction.atomic
def service_level_delete(*, service_level: ServiceLevel, actor) -> None:
    """Delete a service level set up by mistake; one with figures is retired instead, never deleted."""
    _require_editor(actor)
    locked = ServiceLevel.objects.select_for_update().get(pk=service_level.pk)
    if has_figures(locked):
        raise ValidationError(
            "Figures have been reported against this service level, so it cannot be deleted; "
            "retire it instead."
        )
    for tier in locked.credit_tiers.all():
        audited_delete(instance=tier, actor=actor)
    audited_delete(instance=locked, actor=actor)
