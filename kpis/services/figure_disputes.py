"""A vendor's challenge of a figure (one a manager entered, corrected or disputed); a manager decides it
with ``dispute_resolve``."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import action_code, audit_record

from ..models import Dispute, Measurement
from .measurements import queue_reevaluation


def may_dispute_figure(actor, measurement: Measurement) -> bool:
    """Only the figure's own vendor's users dispute it; staff correct or review figures instead."""
    if getattr(actor, "vendor_id", None) is None:
        return False
    vendor_id = policy.vendor_id_of(measurement)
    return vendor_id == actor.vendor_id and policy.can(
        actor, policy.Action.RESPOND, Dispute(vendor_id=vendor_id)
    )


@transaction.atomic
def measurement_dispute(
    *, measurement: Measurement, actor, reason: str, now: datetime | None = None
) -> Dispute:
    """Open a dispute of ``measurement`` with the vendor's reason; one open dispute per figure."""
    now = now or timezone.now()
    if not may_dispute_figure(actor, measurement):
        raise PermissionDenied("Only the vendor's own users may dispute its figures.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you dispute this figure."})
    if not Measurement.objects.filter(pk=measurement.pk, is_current=True).exists():
        raise ValidationError("This figure has been corrected since; dispute the current figure instead.")
    try:
        # The partial unique index allows one open dispute per figure, even for concurrent submits.
        with transaction.atomic():
            dispute = Dispute.objects.create(
                measurement=measurement,
                vendor_id=policy.vendor_id_of(measurement),
                raised_by=actor,
                raised_at=now,
                reason=reason,
            )
    except IntegrityError:
        raise ValidationError(
            "This figure is already disputed; the dispute is waiting for a manager's decision."
        ) from None
    audit_record(
        actor=actor,
        action=action_code(dispute, "created"),
        obj=dispute,
        changes={"measurement": [None, measurement.pk], "reason": [None, reason]},
        note=reason,
    )
    # A disputed figure stops counting until the dispute is decided.
    queue_reevaluation([measurement])
    return dispute
