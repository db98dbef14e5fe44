"""Figures arriving through the API: new figures and corrections, idempotent per client key.

A batch is checked as a whole first (one query each for the keys already used, the service levels
and the corrected figures), then saved in one transaction: new figures through
``kpis.services.measurements_submit_many`` (one bulk insert), corrections through
``measurement_correct``. All or nothing by default; ``all_or_nothing=False`` saves the good items
and reports the others. A key already used for the same item answers with the figure it created.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from kpis import periods
from kpis.models import Measurement, ServiceLevel
from kpis.services import measurement_correct
from kpis.services.measurements import measurement_validate, measurements_submit_many, settled_periods

from ..models import IngestionKey


class IngestionConflict(Exception):
    """Another request with the same idempotency keys committed first; retrying answers with its figures."""


@dataclass
class Item:
    """One figure as the client sent it (already type-checked by the serializer)."""

    index: int
    key: str | None
    value: Decimal
    service_level_id: int | None = None
    measured_on: date | None = None
    denominator: Decimal | None = None
    note: str = ""
    corrects_id: int | None = None
    correction_reason: str = ""

    def fingerprint(self) -> str:
        def plain(number):
            return None if number is None else format(number.normalize(), "f")

        parts = [
            self.service_level_id,
            self.measured_on.isoformat() if self.measured_on else None,
            plain(self.value),
            plain(self.denominator),
            self.note.strip(),
            self.corrects_id,
            self.correction_reason.strip(),
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


CREATED, REPLAYED, FAILED, VALID = "created", "replayed", "error", "valid"


@dataclass
class Outcome:
    index: int
    key: str | None
    status: str = VALID
    measurement: Measurement | None = None
    code: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, code: str, errors: dict[str, list[str]]) -> None:
        self.status, self.code, self.errors, self.measurement = FAILED, code, errors, None


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    saved: bool


def may_enter_figures(user, obj_or_model) -> bool:
    """Vendor users submit their own vendor's figures; managers may enter them on a vendor's behalf."""
    return policy.can(user, policy.Action.SUBMIT, obj_or_model) or (
        policy.sees_internal(user) and policy.can(user, policy.Action.CHANGE, obj_or_model)
    )


def error_messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: list(messages) for name, messages in error.message_dict.items()}
    return {"non_field_errors": list(error.messages)}


def _key_owner(user) -> dict:
    """Vendor users share their vendor's key space; internal staff each have their own."""
    if policy.sees_internal(user):
        return {"user": user, "vendor": None}
    return {"vendor_id": user.vendor_id, "user": None}


def _owner_filter(user) -> dict:
    if policy.sees_internal(user):
        return {"user": user}
    return {"vendor_id": user.vendor_id}


def _check_keys(user, items: list[Item], outcomes: dict[int, Outcome]) -> None:
    """Repeated keys in the batch fail; keys used before replay their figure or, for another item, fail."""
    seen: dict[str, int] = {}
    for item in items:
        if item.key is None:
            continue
        if item.key in seen:
            outcomes[item.index].fail(
                "duplicate_key",
                {
                    "idempotency_key": [
                        f"The key is used twice in this batch (first at item {seen[item.key]})."
                    ]
                },
            )
        else:
            seen[item.key] = item.index
    keys = [item.key for item in items if item.key is not None]
    if not keys:
        return
    used = {
        row.key: row
        for row in IngestionKey.objects.filter(**_owner_filter(user), key__in=keys).select_related(
            "measurement"
        )
    }
    for item in items:
        row = used.get(item.key) if item.key is not None else None
        outcome = outcomes[item.index]
        if row is None or outcome.status == FAILED:
            continue
        if row.fingerprint == item.fingerprint():
            outcome.status, outcome.measurement = REPLAYED, row.measurement
        else:
            outcome.fail(
                "idempotency_conflict",
                {"idempotency_key": ["This key was already used for a different figure."]},
            )


def _load(user, items: list[Item], outcomes: dict[int, Outcome]):
    """The service levels and corrected figures the items name, as this user may see them."""
    pending = [item for item in items if outcomes[item.index].status == VALID]
    level_ids = {item.service_level_id for item in pending if item.corrects_id is None}
    corrected_ids = {item.corrects_id for item in pending if item.corrects_id is not None}
    levels = {}
    if level_ids:
        levels = {
            sl.pk: sl
            for sl in policy.scope(user, ServiceLevel.objects.filter(pk__in=level_ids)).select_related(
                "metric", "contract"
            )
        }
    corrected = {}
    if corrected_ids:
        corrected = {
            m.pk: m
            for m in policy.scope(user, Measurement.objects.filter(pk__in=corrected_ids)).select_related(
                "service_level__metric", "service_level__contract"
            )
        }
    return levels, corrected


def _check_new(user, items, levels, outcomes) -> list[tuple[Item, dict]]:
    figures = []
    for item in items:
        outcome = outcomes[item.index]
        if outcome.status != VALID or item.corrects_id is not None:
            continue
        service_level = levels.get(item.service_level_id)
        # Another vendor's service level reads exactly like one that does not exist.
        if service_level is None:
            outcome.fail("invalid", {"service_level": ["Unknown service level."]})
            continue
        if not may_enter_figures(user, Measurement(service_level=service_level)):
            outcome.fail("permission_denied", {"service_level": ["You may not enter figures here."]})
            continue
        if not service_level.is_active:
            outcome.fail("invalid", {"service_level": ["This service level is no longer active."]})
            continue
        figures.append(
            (
                item,
                {
                    "service_level": service_level,
                    "measured_on": item.measured_on,
                    "value": item.value,
                    "denominator": item.denominator,
                    "note": item.note,
                },
            )
        )
    return figures


def _check_corrections(user, items, corrected, outcomes, now) -> list[tuple[Item, Measurement]]:
    corrections = []
    wanted = [item for item in items if outcomes[item.index].status == VALID and item.corrects_id is not None]
    figures = [corrected[item.corrects_id] for item in wanted if item.corrects_id in corrected]
    settled = settled_periods({m.service_level_id for m in figures}) if figures else set()
    today = periods.local_today(now)
    for item in wanted:
        outcome = outcomes[item.index]
        figure = corrected.get(item.corrects_id)
        if figure is None:
            outcome.fail("invalid", {"corrects": ["Unknown figure."]})
            continue
        if not may_enter_figures(user, figure):
            outcome.fail("permission_denied", {"corrects": ["You may not correct this figure."]})
            continue
        if not figure.is_current:
            outcome.fail(
                "conflict",
                {"corrects": ["This figure has already been corrected; correct the current figure."]},
            )
            continue
        mismatch = {}
        if item.service_level_id is not None and item.service_level_id != figure.service_level_id:
            mismatch["service_level"] = ["A correction keeps the service level of the figure it corrects."]
        if item.measured_on is not None and item.measured_on != figure.measured_on:
            mismatch["measured_on"] = ["A correction keeps the day of the figure it corrects."]
        if not item.correction_reason.strip():
            mismatch["correction_reason"] = ["Say why the figure is corrected."]
        if mismatch:
            outcome.fail("invalid", mismatch)
            continue
        try:
            measurement_validate(
                service_level=figure.service_level,
                measured_on=figure.measured_on,
                value=item.value,
                denominator=item.denominator,
                today=today,
                settled=settled,
            )
        except ValidationError as error:
            outcome.fail("invalid", error_messages(error))
            continue
        corrections.append((item, figure))
    return corrections


class _Rollback(Exception):
    pass


def measurements_ingest(
    *,
    user,
    items: list[Item],
    all_or_nothing: bool = True,
    check_only: bool = False,
    now: datetime | None = None,
) -> BatchResult:
    """Check and save a batch of figures and corrections; see the module docstring for the rules.

    ``check_only`` reports every item without saving any. Raises ``IngestionConflict`` when a
    concurrent request with the same keys committed first.
    """
    if not may_enter_figures(user, Measurement):
        raise PermissionDenied("You may not enter figures.")
    now = now or timezone.now()
    # Keyed by the item's position in the client's batch, which the caller may have thinned out.
    outcomes = {item.index: Outcome(index=item.index, key=item.key) for item in items}
    _check_keys(user, items, outcomes)
    levels, corrected = _load(user, items, outcomes)
    new = _check_new(user, items, levels, outcomes)
    corrections = _check_corrections(user, items, corrected, outcomes, now)
    failed = any(o.status == FAILED for o in outcomes.values())
    # The happy path of an atomic batch checks its new figures once, while saving them.
    if new and (check_only or failed or not all_or_nothing):
        checked = measurements_submit_many(figures=[f for _, f in new], actor=user, save=False, now=now)
        _mark_invalid(new, checked, outcomes)
        new = [(item, figure) for item, figure in new if outcomes[item.index].status == VALID]
    if check_only or (all_or_nothing and any(o.status == FAILED for o in outcomes.values())):
        return BatchResult(outcomes=list(outcomes.values()), saved=False)
    try:
        with transaction.atomic():
            _save(user, new, corrections, outcomes, all_or_nothing=all_or_nothing, now=now)
    except _Rollback:
        return BatchResult(outcomes=list(outcomes.values()), saved=False)
    except IntegrityError as error:
        raise IngestionConflict("A request with the same idempotency keys was saved meanwhile.") from error
    return BatchResult(outcomes=list(outcomes.values()), saved=True)


def _mark_invalid(new, checked, outcomes) -> bool:
    """Record the figures the KPI service refused; True when there were any."""
    refused = False
    for (item, _), result in zip(new, checked, strict=True):
        if isinstance(result, ValidationError):
            outcomes[item.index].fail("invalid", error_messages(result))
            refused = True
    return refused


def _save(user, new, corrections, outcomes, *, all_or_nothing: bool, now) -> None:
    if new:
        saved = measurements_submit_many(figures=[figure for _, figure in new], actor=user, now=now)
        if _mark_invalid(new, saved, outcomes):
            raise _Rollback  # the service saved nothing
        for (item, _), measurement in zip(new, saved, strict=True):
            outcomes[item.index].status, outcomes[item.index].measurement = CREATED, measurement
    for item, figure in corrections:
        try:
            with transaction.atomic():
                corrected = measurement_correct(
                    measurement=figure,
                    value=item.value,
                    denominator=item.denominator,
                    reason=item.correction_reason,
                    actor=user,
                    now=now,
                )
        except ValidationError as error:
            # Corrected by someone else since the check: the correction no longer applies.
            outcomes[item.index].fail("conflict", error_messages(error))
            if all_or_nothing:
                for outcome in outcomes.values():
                    if outcome.status == CREATED:
                        outcome.status, outcome.measurement = VALID, None
                raise _Rollback from error
            continue
        outcomes[item.index].status, outcomes[item.index].measurement = CREATED, corrected
    owner = _key_owner(user)
    IngestionKey.objects.bulk_create(
        [
            IngestionKey(
                key=item.key, fingerprint=item.fingerprint(), measurement=outcome.measurement, **owner
            )
            for item, outcome in (
                (item, outcomes[item.index]) for item, _ in [*new, *corrections] if item.key is not None
            )
            if outcome.status == CREATED
        ],
        batch_size=500,
    )
