"""Renewal decisions and snoozes: what stops or pauses the notice reminders of a contract term."""

import datetime as dt
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_update
from accounts.models import AuditEvent

from ..models import Contract, RenewalChoice, RenewalDecision
from .reminders import upcoming_term

RENEWAL_DECIDED = "contracts.contract.renewal_decided"
MAX_SNOOZE_DAYS = 366


def may_manage_renewal(user, contract: Contract) -> bool:
    return policy.sees_internal(user) and policy.can(user, policy.Action.CHANGE, contract)


def _hide_from_vendor(event: AuditEvent) -> None:
    AuditEvent.objects.filter(pk=event.pk).update(internal_only=True)


@transaction.atomic
def renewal_decide(
    *, contract: Contract, actor, decision: str, rationale: str, now: datetime | None = None
) -> RenewalDecision:
    """Record the decision for the term whose notice deadline comes next; it stops that term's reminders."""
    if not may_manage_renewal(actor, contract):
        raise PermissionDenied("Only managers record renewal decisions.")
    now = now or timezone.now()
    if decision not in RenewalChoice.values:
        raise ValidationError({"decision": "Choose renew, renegotiate or terminate."})
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": "Give the rationale for the decision."})
    term = upcoming_term(contract, today=timezone.localdate(now))
    if term is None:
        raise ValidationError("This contract has no notice deadline ahead, so there is nothing to decide.")
    try:
        with transaction.atomic():
            record = RenewalDecision.objects.create(
                contract=contract,
                term_number=term.term_number,
                term_end=term.term_end,
                notice_deadline=term.notice_deadline,
                decision=decision,
                rationale=rationale,
                decided_by=actor,
                decided_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            f"A decision for the term ending {term.term_end:%d %b %Y} has already been recorded."
        ) from None
    event = audit_record(
        actor=actor,
        action=RENEWAL_DECIDED,
        obj=contract,
        changes={
            "decision": [None, decision],
            "term_end": [None, term.term_end.isoformat()],
            "notice_deadline": [None, term.notice_deadline.isoformat()],
        },
        note=rationale,
    )
    _hide_from_vendor(event)
    return record


@transaction.atomic
def reminders_snooze(
    *, contract: Contract, actor, until: dt.date | None, now: datetime | None = None
) -> Contract:
    """Hold the contract's reminders until after ``until`` (None lifts the snooze). A stage that fell due
    meanwhile goes out on the first run after it, once."""
    if not may_manage_renewal(actor, contract):
        raise PermissionDenied("Only managers snooze reminders.")
    today = timezone.localdate(now or timezone.now())
    if until is not None:
        if until < today:
            raise ValidationError({"until": "Choose a day from today on."})
        if until > today + dt.timedelta(days=MAX_SNOOZE_DAYS):
            raise ValidationError({"until": "Snooze for at most a year."})
        term = upcoming_term(contract, today=today)
        if term is not None and until >= term.notice_deadline:
            raise ValidationError(
                {
                    "until": f"The notice deadline is {term.notice_deadline:%d %b %Y}; snooze until "
                    "a day before it, or record a decision instead."
                }
            )
    contract, _changed = audited_update(
        instance=contract, actor=actor, data={"reminders_snoozed_until": until}, note="Notice reminders"
    )
    return contract
