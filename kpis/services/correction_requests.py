"""A manager decides a vendor's correction request: accepted, the corrected figure replaces the old one;
rejected (with the reason the vendor reads), the old figure keeps counting. Either way the period is
evaluated again."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record

from .. import periods
from ..models import Measurement, MeasurementStatus
from .measurements import period_lock_reason, queue_reevaluation


def may_decide_corrections(actor) -> bool:
    return policy.sees_internal(actor) and policy.role_allows(actor, policy.Action.CHANGE)


@transaction.atomic
def correction_request_decide(
    *, request: Measurement, actor, accept: bool, reason: str = "", now: datetime | None = None
) -> Measurement:
    """Accept or reject one correction request; a second decision changes nothing and says so."""
    if not may_decide_corrections(actor):
        raise PermissionDenied("Only managers decide correction requests.")
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": "Say why the correction is rejected; the vendor sees the reason."})
    new_status = MeasurementStatus.VALIDATED if accept else MeasurementStatus.REJECTED
    decided = {"reviewed_by": actor, "reviewed_at": now, "review_reason": reason}
    if accept:
        today = periods.local_today(now)
        locked = period_lock_reason(
            service_level=request.service_level, measured_on=request.measured_on, today=today
        )
        if locked:
            raise ValidationError(locked)
        # Claim the request, then the figure it replaces; both or neither (the transaction).
        claimed = Measurement.objects.filter(pk=request.pk, status=MeasurementStatus.REQUESTED).update(
            status=new_status, is_current=True, supersedes_id=request.corrects_id, **decided
        )
        if claimed == 1:
            replaced = Measurement.objects.filter(pk=request.corrects_id, is_current=True)
            if replaced.update(is_current=False) != 1:
                raise ValidationError(
                    "The figure has been corrected since; this request no longer applies. Reject it instead."
                )
    else:
        claimed = Measurement.objects.filter(pk=request.pk, status=MeasurementStatus.REQUESTED).update(
            status=new_status, **decided
        )
    if claimed != 1:
        raise ValidationError("This correction request has already been decided.")
    request.refresh_from_db()
    audit_record(
        actor=actor,
        action=f"kpis.measurement.correction_{'accepted' if accept else 'rejected'}",
        obj=request,
        changes={
            "status": [MeasurementStatus.REQUESTED.value, new_status.value],
            **({"is_current": [False, True]} if accept else {}),
            **({"review_reason": ["", reason]} if reason else {}),
        },
        note=reason,
    )
    queue_reevaluation([request])
    return request
