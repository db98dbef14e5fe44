"""The deliverable workflow: the vendor delivers with evidence, the approver accepts or rejects with a
reason, and the schedule flags what is overdue (once).

planned ──deliver──▶ delivered ──accept──▶ accepted
   ▲                     │
   └──── rejected ◀──reject (reason)      rejected ──deliver──▶ delivered …
"""

import datetime as dt
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_create
from accounts.models import AuditEvent

from ..models import Deliverable, DeliverableEvidence, DeliverableStatus
from .files import EVIDENCE_KINDS, checked_file

OPEN_STATUSES = (DeliverableStatus.PLANNED, DeliverableStatus.REJECTED)
NOTE_MAX_LENGTH = 2000


def may_deliver(user, deliverable: Deliverable) -> bool:
    """Users of the deliverable's own vendor hand it over (the client's staff accept it)."""
    return (
        getattr(user, "vendor_id", None) is not None
        and policy.can(user, policy.Action.SUBMIT, deliverable)
        and deliverable.status in OPEN_STATUSES
    )


def may_decide(user, deliverable: Deliverable) -> bool:
    """The named approver, or a manager, accepts or rejects a delivered deliverable."""
    if not policy.sees_internal(user) or deliverable.status != DeliverableStatus.DELIVERED:
        return False
    return deliverable.approver_id == user.pk or policy.can(user, policy.Action.CHANGE, deliverable)


def _vendor_ids(deliverables) -> dict[int, int]:
    return {d.pk: d.contract.vendor_id for d in deliverables}


def _audit(actor, verb: str, deliverable: Deliverable, changes: dict, note: str = "") -> None:
    audit_record(
        actor=actor, action=f"contracts.deliverable.{verb}", obj=deliverable, changes=changes, note=note
    )


def _claim(deliverable: Deliverable, from_statuses, **values) -> None:
    """Move the deliverable on only if it is still in one of ``from_statuses`` (two clicks, two tabs or
    two people at once change it once)."""
    updated = Deliverable.objects.filter(pk=deliverable.pk, status__in=from_statuses).update(**values)
    if updated != 1:
        raise ValidationError("This deliverable has changed meanwhile; reload the page.")
    for name, value in values.items():
        setattr(deliverable, name, value)


@transaction.atomic
def deliverable_deliver(
    *, deliverable: Deliverable, actor, evidence, note: str = "", now: datetime | None = None
) -> Deliverable:
    """The vendor marks the deliverable delivered, with an evidence file and an optional note."""
    if not may_deliver(actor, deliverable):
        raise PermissionDenied("Only the vendor's users deliver an open deliverable.")
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"Keep the note to {NOTE_MAX_LENGTH} characters."})
    if evidence is None:
        raise ValidationError({"evidence": "Attach the deliverable or evidence of it."})
    stored = checked_file(uploaded_file=evidence, field="evidence", kinds=EVIDENCE_KINDS, stem="deliverable")
    old_status = deliverable.status
    _claim(
        deliverable,
        OPEN_STATUSES,
        status=DeliverableStatus.DELIVERED,
        delivered_at=now,
        delivered_by=actor,
        delivery_note=note,
        first_delivered_at=deliverable.first_delivered_at or now,
    )
    audited_create(
        model=DeliverableEvidence,
        actor=actor,
        deliverable=deliverable,
        delivery_number=deliverable.rejection_count + 1,
        uploaded_by=actor,
        uploaded_at=now,
        **stored,
    )
    _audit(actor, "delivered", deliverable, {"status": [old_status, DeliverableStatus.DELIVERED.value]}, note)
    return deliverable


@transaction.atomic
def deliverable_accept(*, deliverable: Deliverable, actor, now: datetime | None = None) -> Deliverable:
    if not may_decide(actor, deliverable):
        raise PermissionDenied("Only the named approver or a manager accepts a delivered deliverable.")
    now = now or timezone.now()
    _claim(
        deliverable,
        (DeliverableStatus.DELIVERED,),
        status=DeliverableStatus.ACCEPTED,
        accepted_by=actor,
        accepted_at=now,
    )
    changes = {"status": [DeliverableStatus.DELIVERED.value, DeliverableStatus.ACCEPTED.value]}
    _audit(actor, "accepted", deliverable, changes)
    return deliverable


@transaction.atomic
def deliverable_reject(
    *, deliverable: Deliverable, actor, reason: str, now: datetime | None = None
) -> Deliverable:
    """Send the deliverable back to the vendor with a reason it sees; it is delivered again afterwards."""
    if not may_decide(actor, deliverable):
        raise PermissionDenied("Only the named approver or a manager rejects a delivered deliverable.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the deliverable is rejected; the vendor sees the reason."})
    if len(reason) > NOTE_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason to {NOTE_MAX_LENGTH} characters."})
    now = now or timezone.now()
    _claim(
        deliverable,
        (DeliverableStatus.DELIVERED,),
        status=DeliverableStatus.REJECTED,
        rejection_reason=reason,
        rejected_at=now,
        rejection_count=deliverable.rejection_count + 1,
    )
    changes = {
        "status": [DeliverableStatus.DELIVERED.value, DeliverableStatus.REJECTED.value],
        "rejection_reason": ["", reason],
    }
    _audit(actor, "rejected", deliverable, changes, reason)
    return deliverable


def flag_overdue_deliverables(*, now: datetime | None = None) -> list[int]:
    """Flag every deliverable past its due date and still open, once: one audit event each.

    The rows are claimed under a lock that concurrent runs skip, then flagged with one UPDATE, so a
    deliverable is flagged (and audited) exactly once however often or concurrently this runs.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        candidates = Deliverable.objects.filter(
            due_date__lt=today, status__in=OPEN_STATUSES, overdue_flagged_at__isnull=True
        )
        ids = list(candidates.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True))
        if not ids:
            return []
        Deliverable.objects.filter(pk__in=ids, overdue_flagged_at__isnull=True).update(overdue_flagged_at=now)
        flagged = list(Deliverable.objects.filter(pk__in=ids).select_related("contract").order_by("pk"))
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    occurred_at=now,
                    action="contracts.deliverable.overdue",
                    object_type=d._meta.label_lower,
                    object_id=str(d.pk),
                    object_repr=str(d)[:200],
                    vendor_id=d.contract.vendor_id,
                    changes={"due_date": [None, d.due_date.isoformat()]},
                    note=f"Due {d.due_date:%d %b %Y} and still waiting for delivery.",
                )
                for d in flagged
            ]
        )
    return ids


def is_overdue(deliverable: Deliverable, *, today: dt.date) -> bool:
    return deliverable.due_date < today and deliverable.status in OPEN_STATUSES
