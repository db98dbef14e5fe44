"""The breach workflow: the vendor acknowledges, responds or disputes; the client accepts the response,
asks for more, waives, closes and resolves disputes. Every step adds to the thread both sides see and
to the audit trail, and claims the breach with a conditional update so a double submit applies once.
"""

import json
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_create

from .. import periods
from ..models import (
    Breach,
    BreachNote,
    BreachNoteKind,
    BreachStatus,
    Dispute,
    DisputeStatus,
    Measurement,
    MeasurementStatus,
)
from ..models.results import OPEN_BREACH_STATUSES
from .measurements import queue_reevaluation

VENDOR, CLIENT, EITHER = "vendor", "client", "either"
OPEN = frozenset(OPEN_BREACH_STATUSES)


# Each step: which side takes it, and the statuses it starts from.
BREACH_STEPS: dict[str, tuple[str, frozenset[str]]] = {
    "acknowledge": (VENDOR, frozenset({BreachStatus.OPEN})),
    "respond": (VENDOR, frozenset({BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED})),
    "dispute": (VENDOR, OPEN),
    "request_more": (CLIENT, frozenset({BreachStatus.ACTION_PLANNED})),
    "accept_response": (CLIENT, frozenset({BreachStatus.ACTION_PLANNED})),
    "waive": (CLIENT, OPEN),
    "close": (CLIENT, OPEN),
    "resolve_dispute": (CLIENT, frozenset(BreachStatus)),
    "comment": (EITHER, frozenset(BreachStatus)),
}
# How a step reads in a refusal ("cannot be waived now") and its audit action code.
STEP_WORDS = {
    "acknowledge": ("acknowledged", "kpis.breach.acknowledged"),
    "respond": ("responded to", "kpis.breach.responded"),
    "dispute": ("disputed", "kpis.breach.disputed"),
    "request_more": ("sent back for more information", "kpis.breach.more_info_requested"),
    "accept_response": ("accepted", "kpis.breach.response_accepted"),
    "waive": ("waived", "kpis.breach.waived"),
    "close": ("closed", "kpis.breach.closed"),
}


def acts_for_vendor(actor, breach: Breach) -> bool:
    """The vendor's own users answer for a breach; internal staff never respond on its behalf."""
    return getattr(actor, "vendor_id", None) is not None and policy.can(actor, policy.Action.RESPOND, breach)


def acts_for_client(actor, breach: Breach) -> bool:
    return policy.can(actor, policy.Action.CHANGE, breach)


def _may(actor, breach: Breach, side: str) -> bool:
    if side == VENDOR:
        return acts_for_vendor(actor, breach)
    if side == CLIENT:
        return acts_for_client(actor, breach)
    return acts_for_vendor(actor, breach) or acts_for_client(actor, breach)


def breach_allowed_steps(*, breach: Breach, actor, has_open_dispute: bool) -> set[str]:
    """The steps ``actor`` may take on ``breach`` as it stands (which forms a page offers)."""
    allowed = {
        step
        for step, (side, statuses) in BREACH_STEPS.items()
        if breach.status in statuses and _may(actor, breach, side)
    }
    if has_open_dispute:
        # The dispute is decided first; closing around it would leave it hanging.
        allowed -= {"dispute", "accept_response", "close"}
    else:
        allowed.discard("resolve_dispute")
    return allowed


def breach_step_permitted(*, breach: Breach, actor, step: str) -> bool:
    """Whether ``actor`` is on the side that takes ``step`` (whatever the breach's status)."""
    return _may(actor, breach, BREACH_STEPS[step][0])


def _check_side(actor, breach: Breach, step: str) -> None:
    if not breach_step_permitted(breach=breach, actor=actor, step=step):
        raise PermissionDenied("You may not do this on this breach.")


def _required(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _refusal(step: str, status: str) -> ValidationError:
    label = BreachStatus(status).label.lower()
    return ValidationError(f"This breach is {label}, so it cannot be {STEP_WORDS[step][0]} now.")


def _has_open_dispute(breach: Breach) -> bool:
    return Dispute.objects.filter(breach=breach, status=DisputeStatus.OPEN).exists()


def _transition(*, breach: Breach, actor, step: str, changes: dict, note_kind: str, note: str, now) -> Breach:
    """Move the breach on by one step: claim it, apply ``changes``, add the note and the audit row.

    The row is locked and re-read (so the trail records the true old values), then updated only
    while still in a status the step starts from: of two identical submits the second is refused.
    """
    _check_side(actor, breach, step)
    allowed = BREACH_STEPS[step][1]
    fields = {name: Breach._meta.get_field(name).attname for name in changes}
    columns = {"status", *fields.values()}
    before = Breach.objects.select_for_update().filter(pk=breach.pk).values(*columns).get()
    if before["status"] not in allowed:
        raise _refusal(step, before["status"])
    claimed = Breach.objects.filter(pk=breach.pk, status__in=allowed).update(**changes)
    if claimed != 1:
        raise _refusal(step, Breach.objects.values_list("status", flat=True).get(pk=breach.pk))
    breach.refresh_from_db()
    BreachNote.objects.create(breach=breach, author=actor, kind=note_kind, body=note, created_at=now)
    audit_record(
        actor=actor,
        action=STEP_WORDS[step][1],
        obj=breach,
        changes={
            name: [_plain(before[attname]), _plain(getattr(breach, attname))]
            for name, attname in fields.items()
            if _plain(before[attname]) != _plain(getattr(breach, attname))
        },
        note=note,
    )
    return breach


def _closing(actor, now, reason: str) -> dict:
    return {"closed_at": now, "closed_by": actor, "closure_reason": reason[:300]}


# ---- The vendor's side -----------------------------------------------------------------------------


@transaction.atomic
def breach_acknowledge(*, breach: Breach, actor, note: str = "", now: datetime | None = None) -> Breach:
    """The vendor has seen the breach and is working on it."""
    now = now or timezone.now()
    return _transition(
        breach=breach,
        actor=actor,
        step="acknowledge",
        changes={"status": BreachStatus.ACKNOWLEDGED, "acknowledged_at": now},
        note_kind=BreachNoteKind.ACKNOWLEDGEMENT,
        note=(note or "").strip() or "Breach acknowledged.",
        now=now,
    )


@transaction.atomic
def breach_respond(
    *,
    breach: Breach,
    actor,
    root_cause: str,
    corrective_action: str,
    action_due_on: date,
    now: datetime | None = None,
) -> Breach:
    """The vendor's answer: the root cause and a corrective action plan with its due date."""
    now = now or timezone.now()
    _check_side(actor, breach, "respond")
    root_cause = _required(root_cause, "root_cause", "Say what caused the breach.")
    corrective_action = _required(
        corrective_action, "corrective_action", "Say what you will do so it does not happen again."
    )
    if action_due_on is None:
        raise ValidationError({"action_due_on": "Give the date the corrective action will be done by."})
    if action_due_on < periods.local_today(now):
        raise ValidationError({"action_due_on": "The corrective action cannot be due in the past."})
    acknowledged_at = Breach.objects.values_list("acknowledged_at", flat=True).get(pk=breach.pk)
    return _transition(
        breach=breach,
        actor=actor,
        step="respond",
        changes={
            "status": BreachStatus.ACTION_PLANNED,
            "root_cause": root_cause,
            "corrective_action": corrective_action,
            "action_due_on": action_due_on,
            "responded_by": actor,
            "responded_at": now,
            "acknowledged_at": acknowledged_at or now,
        },
        note_kind=BreachNoteKind.RESPONSE,
        note=(
            f"Root cause: {root_cause}\n\nCorrective action: {corrective_action}\n\n"
            f"Due by {action_due_on:%d %b %Y}."
        ),
        now=now,
    )


@transaction.atomic
def breach_dispute(*, breach: Breach, actor, reason: str, now: datetime | None = None) -> Dispute:
    """The vendor challenges the breach itself; the client decides (``dispute_resolve``)."""
    now = now or timezone.now()
    _check_side(actor, breach, "dispute")
    reason = _required(reason, "reason", "Say why you dispute this breach.")
    status = Breach.objects.select_for_update().values_list("status", flat=True).get(pk=breach.pk)
    if status not in BREACH_STEPS["dispute"][1]:
        raise _refusal("dispute", status)
    already = ValidationError("This breach is already disputed; the dispute is waiting for a decision.")
    if _has_open_dispute(breach):
        raise already
    try:
        # The partial unique index allows one open dispute per breach, even for concurrent submits.
        with transaction.atomic():
            dispute = audited_create(
                model=Dispute,
                actor=actor,
                breach=breach,
                vendor_id=policy.vendor_id_of(breach),
                raised_by=actor,
                raised_at=now,
                reason=reason,
            )
    except IntegrityError:
        raise already from None
    BreachNote.objects.create(
        breach=breach, author=actor, kind=BreachNoteKind.DISPUTE, body=reason, created_at=now
    )
    return dispute


# ---- The client's side -----------------------------------------------------------------------------


@transaction.atomic
def breach_request_more(*, breach: Breach, actor, message: str, now: datetime | None = None) -> Breach:
    """The response is not enough yet: back to the vendor, with what is missing."""
    now = now or timezone.now()
    _check_side(actor, breach, "request_more")
    message = _required(message, "message", "Say what the vendor's response is missing.")
    return _transition(
        breach=breach,
        actor=actor,
        step="request_more",
        changes={"status": BreachStatus.ACKNOWLEDGED},
        note_kind=BreachNoteKind.MORE_INFO_REQUESTED,
        note=message,
        now=now,
    )


def _refuse_while_disputed(breach: Breach, step: str) -> None:
    if _has_open_dispute(breach):
        raise ValidationError(
            f"The vendor disputes this breach; resolve the dispute before it is {STEP_WORDS[step][0]}."
        )


@transaction.atomic
def breach_accept_response(*, breach: Breach, actor, note: str = "", now: datetime | None = None) -> Breach:
    """The vendor's root cause and plan are accepted; the breach is resolved."""
    now = now or timezone.now()
    _check_side(actor, breach, "accept_response")
    _refuse_while_disputed(breach, "accept_response")
    note = (note or "").strip() or "Response accepted."
    return _transition(
        breach=breach,
        actor=actor,
        step="accept_response",
        changes={
            "status": BreachStatus.RESOLVED,
            "response_accepted_at": now,
            **_closing(actor, now, "Response accepted"),
        },
        note_kind=BreachNoteKind.RESPONSE_ACCEPTED,
        note=note,
        now=now,
    )


@transaction.atomic
def breach_waive(*, breach: Breach, actor, reason: str, now: datetime | None = None) -> Breach:
    """The breach is excused (outside the vendor's control, agreed exception …); the reason is required."""
    now = now or timezone.now()
    _check_side(actor, breach, "waive")
    reason = _required(reason, "reason", "Say why the breach is waived.")
    return _transition(
        breach=breach,
        actor=actor,
        step="waive",
        changes={"status": BreachStatus.WAIVED, **_closing(actor, now, reason)},
        note_kind=BreachNoteKind.WAIVED,
        note=reason,
        now=now,
    )


@transaction.atomic
def breach_close(*, breach: Breach, actor, note: str, now: datetime | None = None) -> Breach:
    """Close the breach as resolved without accepting a response (say why)."""
    now = now or timezone.now()
    _check_side(actor, breach, "close")
    note = _required(note, "note", "Say why the breach is closed.")
    _refuse_while_disputed(breach, "close")
    return _transition(
        breach=breach,
        actor=actor,
        step="close",
        changes={"status": BreachStatus.RESOLVED, **_closing(actor, now, note)},
        note_kind=BreachNoteKind.CLOSED,
        note=note,
        now=now,
    )


@transaction.atomic
def dispute_resolve(
    *, dispute: Dispute, actor, upheld: bool, resolution: str, now: datetime | None = None
) -> Dispute:
    """Decide a dispute of a figure or of a breach. An upheld breach dispute waives the breach."""
    now = now or timezone.now()
    if not policy.can(actor, policy.Action.CHANGE, dispute):
        raise PermissionDenied("You may not resolve disputes.")
    resolution = _required(resolution, "resolution", "Explain the decision to the vendor.")
    status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
    claimed = Dispute.objects.filter(pk=dispute.pk, status=DisputeStatus.OPEN).update(
        status=status, resolved_by=actor, resolved_at=now, resolution=resolution
    )
    if claimed != 1:
        raise ValidationError("This dispute has already been decided.")
    dispute.refresh_from_db()
    audit_record(
        actor=actor,
        action="kpis.dispute.resolved",
        obj=dispute,
        changes={"status": [DisputeStatus.OPEN.value, status.value], "resolution": ["", resolution]},
        note=resolution,
    )
    if dispute.breach_id is None:
        _figure_dispute_decided(dispute=dispute, actor=actor, upheld=upheld, resolution=resolution, now=now)
        return dispute
    breach = dispute.breach
    BreachNote.objects.create(
        breach=breach,
        author=actor,
        kind=BreachNoteKind.DISPUTE_RESOLVED,
        body=f"{status.label}: {resolution}",
        created_at=now,
    )
    if upheld and breach.status in OPEN:
        _transition(
            breach=breach,
            actor=actor,
            step="waive",
            changes={"status": BreachStatus.WAIVED, **_closing(actor, now, resolution)},
            note_kind=BreachNoteKind.WAIVED,
            note=f"Waived: the vendor's dispute was upheld. {resolution}",
            now=now,
        )
    return dispute


def _figure_dispute_decided(*, dispute: Dispute, actor, upheld: bool, resolution: str, now: datetime) -> None:
    """Rejected, the figure counts again; upheld, it stays out (disputed) until it is corrected."""
    figure = dispute.measurement
    if upheld:
        changed = Measurement.objects.filter(pk=figure.pk, is_current=True).update(
            status=MeasurementStatus.DISPUTED, reviewed_by=actor, reviewed_at=now, review_reason=resolution
        )
        if changed:
            audit_record(
                actor=actor,
                action="kpis.measurement.disputed",
                obj=figure,
                changes={"status": [figure.status, MeasurementStatus.DISPUTED.value]},
                note=f"The vendor's dispute was upheld: {resolution}",
            )
    queue_reevaluation([figure])


# ---- Both sides --------------------------------------------------------------------------------


@transaction.atomic
def breach_comment(*, breach: Breach, actor, body: str, now: datetime | None = None) -> BreachNote:
    """A message in the breach's thread, from either side."""
    now = now or timezone.now()
    _check_side(actor, breach, "comment")
    body = _required(body, "body", "Write the comment.")
    return audited_create(
        model=BreachNote,
        actor=actor,
        breach=breach,
        author=actor,
        kind=BreachNoteKind.COMMENT,
        body=body,
        created_at=now,
    )
