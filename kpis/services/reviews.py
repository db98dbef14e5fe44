"""Managers review vendor figures: validate them, or dispute them with a reason the vendor sees."""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import policy

from ..models import Measurement, MeasurementStatus
from .measurements import audit_many, queue_reevaluation


class ReviewDecision(StrEnum):
    VALIDATE = "validate"
    DISPUTE = "dispute"


REVIEW_STATUS = {
    ReviewDecision.VALIDATE: MeasurementStatus.VALIDATED,
    ReviewDecision.DISPUTE: MeasurementStatus.DISPUTED,
}


@transaction.atomic
def measurement_review(
    *,
    measurements: Iterable[Measurement],
    actor,
    decision: str,
    reason: str = "",
    now: datetime | None = None,
) -> list[int]:
    """A manager validates or disputes vendor figures waiting for review, one or many at once.

    Only current figures still waiting are changed (a conditional update), so reviewing twice, or two
    managers at once, changes each figure once. Returns the ids this call changed.
    """
    if not (policy.sees_internal(actor) and policy.role_allows(actor, policy.Action.CHANGE)):
        raise PermissionDenied("Only managers review figures.")
    try:
        decision = ReviewDecision(decision)
    except ValueError:
        raise ValidationError({"decision": "Choose to validate or to dispute."}) from None
    reason = (reason or "").strip()
    if decision == ReviewDecision.DISPUTE and not reason:
        raise ValidationError({"reason": "Say why the figures are disputed; the vendor sees the reason."})
    now = now or timezone.now()
    waiting = Measurement.objects.filter(
        pk__in=[m.pk for m in measurements], status=MeasurementStatus.SUBMITTED, is_current=True
    )
    claimed = dict(
        waiting.select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "service_level__contract__vendor_id")
    )
    if not claimed:
        return []
    new_status = REVIEW_STATUS[decision]
    Measurement.objects.filter(pk__in=list(claimed), status=MeasurementStatus.SUBMITTED).update(
        status=new_status, reviewed_by=actor, reviewed_at=now, review_reason=reason
    )
    reviewed = Measurement.objects.filter(pk__in=list(claimed)).select_related("service_level").order_by("pk")
    changes = {"status": [MeasurementStatus.SUBMITTED.value, new_status.value]}
    if reason:
        changes["review_reason"] = ["", reason]
    audit_many(
        actor=actor,
        verb=new_status.value,
        objects=reviewed,
        changes=lambda _obj: changes,
        vendor_ids=claimed,
        note=reason,
    )
    if decision == ReviewDecision.DISPUTE:
        _reinstate_corrected(reviewed, actor=actor, reason=reason)
    # A validated figure counts at once and a disputed one no longer does: the periods are evaluated again.
    queue_reevaluation(reviewed)
    return list(claimed)


def _reinstate_corrected(disputed, *, actor, reason: str) -> None:
    """A disputed correction is reverted: the figure it replaced is current again (and counts as it did),
    the correction stays beside it as a disputed request. Nothing is deleted."""
    reverted = {m.pk: m.supersedes_id for m in disputed if m.supersedes_id}
    if not reverted:
        return
    # The correction lets go of the figure first (one correction per figure), then the figure returns.
    Measurement.objects.filter(pk__in=list(reverted)).update(
        is_current=False, corrects_id=F("supersedes_id"), supersedes=None
    )
    reinstated = Measurement.objects.filter(pk__in=list(reverted.values()))
    reinstated.update(is_current=True)
    audit_many(
        actor=actor,
        verb="reinstated",
        objects=reinstated.order_by("pk"),
        changes=lambda _obj: {"is_current": [False, True]},
        vendor_ids={old: policy.vendor_id_of(m) for m in disputed for old in [reverted.get(m.pk)] if old},
        note=f"Its correction was disputed: {reason}",
    )
