"""The decision of a selection event, its approvals, and the award.

The award turns a prospect into a vendor in onboarding (an existing vendor keeps its status unless it
was a prospect or had exited) and creates a draft contract whose service levels are the winner's
commitments. It needs every named approver's approval.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record, audited_create, audited_update, plain_value
from contracts.models import Contract, ContractStatus, ContractType
from kpis.models import ServiceLevel
from vendors.models import Vendor, VendorContact, VendorStatus

from .. import rules
from ..models import (
    Approval,
    ApprovalStatus,
    Candidate,
    Evaluator,
    EventStatus,
    SelectionDecision,
    SelectionEvent,
)
from .events import check_manager, lock_event

# Vendors in these statuses move to onboarding when they win.
REONBOARDED = (VendorStatus.PROSPECT, VendorStatus.EXITED)
AWARD_CONTRACT_TYPES = (ContractType.MSA, ContractType.SOW)


def decision_blockers(event: SelectionEvent, evaluators) -> list[str]:
    """Why a decision cannot be recorded yet (empty when it can)."""
    if event.status == EventStatus.DECIDED:
        return []
    if event.status != EventStatus.SCORING:
        return [f"The event is {event.get_status_display().lower()}."]
    if not any(e.is_submitted for e in evaluators):
        return ["Nobody has submitted scores yet."]
    if not rules.scores_revealed(event, evaluators):
        waiting = [str(e.user) for e in rules.active_evaluators(evaluators) if not e.is_submitted]
        return [f"Waiting for {', '.join(waiting)} to submit, or close scoring first."]
    return []


@transaction.atomic
def decision_record(
    *,
    event: SelectionEvent,
    actor,
    candidate: Candidate,
    rationale: str,
    approvers,
    now: datetime | None = None,
) -> SelectionDecision:
    """Record (or revise, before the award) the chosen candidate, why, and who must approve.

    Recording closes scoring. A revision asks every approver again.
    """
    now = now or timezone.now()
    check_manager(actor, event)
    locked = lock_event(event)
    evaluators = list(Evaluator.objects.filter(event=locked).select_related("user"))
    blockers = decision_blockers(locked, evaluators)
    if blockers:
        raise ValidationError(blockers)
    if candidate.event_id != locked.pk:
        raise ValidationError({"candidate": "Choose one of this event's candidates."})
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": "Explain the choice: the ranking, the flags, what tipped it."})
    approvers = list(approvers)
    if not approvers:
        raise ValidationError({"approvers": "Name at least one approver."})
    if any(not (user.is_active and user.is_internal) for user in approvers):
        raise ValidationError({"approvers": "Approvers are active internal users."})

    decision = SelectionDecision.objects.filter(event=locked).first()
    if decision is None:
        decision = audited_create(
            model=SelectionDecision,
            actor=actor,
            event=locked,
            candidate=candidate,
            rationale=rationale,
            recorded_by=actor,
            recorded_at=now,
        )
    else:
        audited_update(
            instance=decision,
            actor=actor,
            data={
                "candidate": candidate,
                "rationale": rationale,
                "recorded_by": actor,
                "recorded_at": now,
                "revision": decision.revision + 1,
            },
            note="Decision revised; every approver is asked again.",
        )
        decision.approvals.all().delete()
    Approval.objects.bulk_create(Approval(decision=decision, approver=user) for user in approvers)
    audit_record(
        actor=actor,
        action="selection.selectiondecision.recorded",
        obj=decision,
        changes={
            "candidate": [None, candidate.pk],
            "approvers": [None, sorted(user.pk for user in approvers)],
            "revision": [None, decision.revision],
        },
        note=f"{candidate.name}: {rationale}",
    )
    if locked.status == EventStatus.SCORING:
        fields = {"status": EventStatus.DECIDED, "decided_at": now}
        if locked.scoring_closed_at is None:
            fields["scoring_closed_at"] = now
        changes = {
            name: [plain_value(getattr(locked, name)), plain_value(value)] for name, value in fields.items()
        }
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
        audit_record(actor=actor, action="selection.selectionevent.decided", obj=locked, changes=changes)
    return decision


@transaction.atomic
def approval_answer(
    *, approval: Approval, actor, approve: bool, comment: str = "", now: datetime | None = None
) -> Approval:
    """The approver approves the decision or rejects it with a reason (the owner may then revise it)."""
    if approval.approver_id != actor.pk:
        raise PermissionDenied("Only the named approver answers.")
    event = lock_event(approval.decision.event)
    if event.status != EventStatus.DECIDED:
        raise ValidationError(f"The event is {event.get_status_display().lower()}; approvals are closed.")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": "Say why you reject the decision."})
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    claimed = Approval.objects.filter(pk=approval.pk, status=ApprovalStatus.PENDING).update(
        status=status, comment=comment, answered_at=now or timezone.now()
    )
    if claimed != 1:
        raise ValidationError("You have answered already.")
    approval.refresh_from_db()
    audit_record(
        actor=actor,
        action=f"selection.approval.{status}",
        obj=approval,
        changes={"status": [ApprovalStatus.PENDING, status]},
        note=comment,
    )
    return approval


def award_blockers(event: SelectionEvent, approvals) -> list[str]:
    if event.status != EventStatus.DECIDED:
        return [f"The event is {event.get_status_display().lower()}; only a decided event is awarded."]
    if not approvals:
        return ["The decision has no approvers."]
    rejected = [str(a.approver) for a in approvals if a.status == ApprovalStatus.REJECTED]
    if rejected:
        return [f"Rejected by {', '.join(rejected)}: revise the decision first."]
    waiting = [str(a.approver) for a in approvals if a.status != ApprovalStatus.APPROVED]
    if waiting:
        return [f"Waiting for the approval of {', '.join(waiting)}."]
    return []


@transaction.atomic
def event_award(
    *,
    event: SelectionEvent,
    actor,
    reference: str,
    title: str,
    contract_type: str,
    start_date: date,
    initial_term_end: date,
    now: datetime | None = None,
) -> Contract:
    """Award the event to the decided candidate: the vendor (created from a prospect), a draft
    contract, and its service levels seeded from the candidate's commitments."""
    now = now or timezone.now()
    check_manager(actor, event)
    locked = lock_event(event)
    decision = SelectionDecision.objects.select_related("candidate__vendor").filter(event=locked).first()
    approvals = list(decision.approvals.select_related("approver")) if decision else []
    blockers = award_blockers(locked, approvals) if decision else ["No decision has been recorded."]
    if blockers:
        raise ValidationError(blockers)
    if contract_type not in AWARD_CONTRACT_TYPES:
        raise ValidationError({"contract_type": "The new contract is an MSA or a stand-alone SOW."})
    reference = reference.strip()
    if Contract.objects.filter(reference__iexact=reference).exists():
        raise ValidationError({"reference": f"A contract with the reference {reference} exists already."})

    candidate = decision.candidate
    vendor = _winning_vendor(candidate, locked, actor)
    contract = audited_create(
        model=Contract,
        actor=actor,
        note=f"Awarded by selection event “{locked.title}”",
        vendor=vendor,
        reference=reference,
        title=title.strip(),
        contract_type=contract_type,
        status=ContractStatus.DRAFT,
        owner=locked.owner,
        start_date=start_date,
        initial_term_end=initial_term_end,
        scope_of_work=locked.requirement,
    )
    for commitment in candidate.commitments.select_related("metric"):
        audited_create(
            model=ServiceLevel,
            actor=actor,
            note=f"Committed by {candidate.name} in selection event “{locked.title}”",
            contract=contract,
            metric=commitment.metric,
            target=commitment.target,
            minimum=commitment.target if commitment.minimum is None else commitment.minimum,
            period=commitment.period,
            effective_from=start_date,
        )
    old_status = locked.status
    locked.status = EventStatus.AWARDED
    locked.awarded_at = now
    locked.awarded_vendor = vendor
    locked.awarded_contract = contract
    locked.save(update_fields=["status", "awarded_at", "awarded_vendor", "awarded_contract", "updated_at"])
    audit_record(
        actor=actor,
        action="selection.selectionevent.awarded",
        obj=locked,
        changes={
            "status": [old_status, EventStatus.AWARDED],
            "awarded_vendor": [None, vendor.pk],
            "awarded_contract": [None, contract.pk],
        },
        note=f"Awarded to {vendor.name}; draft contract {contract.reference}.",
    )
    return contract


def _winning_vendor(candidate: Candidate, event: SelectionEvent, actor) -> Vendor:
    note = f"Won selection event “{event.title}”"
    if candidate.vendor_id is not None:
        vendor = candidate.vendor
        if vendor.status in REONBOARDED:
            audited_update(instance=vendor, actor=actor, data={"status": VendorStatus.ONBOARDING}, note=note)
        return vendor
    if Vendor.objects.filter(name__iexact=candidate.prospect_name).exists():
        raise ValidationError(
            f"A vendor called “{candidate.prospect_name}” was added meanwhile; "
            "make that vendor the candidate or rename the prospect."
        )
    vendor = audited_create(
        model=Vendor,
        actor=actor,
        note=note,
        name=candidate.prospect_name,
        website=candidate.website,
        status=VendorStatus.ONBOARDING,
        internal_owner=event.owner,
    )
    if candidate.contact_name:
        audited_create(
            model=VendorContact,
            actor=actor,
            note=note,
            vendor=vendor,
            name=candidate.contact_name,
            email=candidate.contact_email,
            is_primary=True,
        )
    audited_update(instance=candidate, actor=actor, data={"vendor": vendor}, note=note)
    return vendor
