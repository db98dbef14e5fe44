"""Contracts set up and kept by the client's managers: create and edit (MSA → SOW → order, terms, notice,
charges), status moves with a reason, "duplicate as new SOW", and the daily expiry of contracts whose
term ended without renewal. The model's ``clean`` and constraints hold the hierarchy's hard rules;
``contracts.hierarchy.hierarchy_warnings`` says what is saved but looks wrong."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_create, audited_update

from ..dates import contract_key_dates
from ..hierarchy import hierarchy_warnings
from ..models import Contract, ContractStatus, ContractStatusChange, ContractType, RenewalChoice, RenewalType

# What the contract form edits; the status moves only through ``contract_change_status``.
CONTRACT_FIELDS = (
    "reference",
    "title",
    "contract_type",
    "parent",
    "owner",
    "start_date",
    "initial_term_end",
    "renewal_type",
    "renewal_term_months",
    "notice_period_unit",
    "notice_period_days",
    "notice_period_months",
    "notice_alignment",
    "currency",
    "total_value",
    "monthly_charge",
    "at_risk_percent",
    "late_figures_clear_unreported",
    "scope_of_work",
    "internal_notes",
)
STATUS_CHANGED = "contracts.contract.status_changed"
DUPLICATED = "contracts.contract.duplicated"
# Fields a duplicate carries over from the contract it copies.
DUPLICATED_FIELDS = tuple(
    f for f in CONTRACT_FIELDS if f not in ("reference", "title", "contract_type", "parent", "internal_notes")
)


def contract_can_edit(user) -> bool:
    return policy.sees_internal(user) and policy.can(user, policy.Action.CHANGE, Contract)


def _require_editor(actor) -> None:
    if not contract_can_edit(actor):
        raise PermissionDenied("Only the client's managers set up and change contracts.")


@dataclass(frozen=True)
class SavedContract:
    contract: Contract
    warnings: list[str]


def _saved(contract: Contract) -> SavedContract:
    return SavedContract(contract, hierarchy_warnings(contract, on=timezone.localdate()))


@transaction.atomic
def contract_create(*, actor, vendor, status: str = ContractStatus.DRAFT, **fields) -> SavedContract:
    """A new contract (draft, or active when it is already in force). Hierarchy rules that are only
    warnings come back with it, to be said out loud."""
    _require_editor(actor)
    if status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise ValidationError({"status": "A new contract starts as a draft or active."})
    unknown = set(fields) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValueError(f"contract_create got unknown fields {sorted(unknown)}")
    contract = audited_create(model=Contract, actor=actor, vendor=vendor, status=status, **fields)
    return _saved(contract)


@transaction.atomic
def contract_update(*, contract: Contract, actor, **fields) -> SavedContract:
    _require_editor(actor)
    unknown = set(fields) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValueError(f"contract_update got unknown fields {sorted(unknown)}")
    contract, _ = audited_update(instance=contract, actor=actor, data=fields)
    return _saved(contract)


def _record_status(*, contract, actor, to_status: str, reason: str, effective_on: dt.date) -> None:
    from_status = contract.status
    contract.status = to_status
    contract.save(update_fields=["status", "updated_at"])
    ContractStatusChange.objects.create(
        contract=contract,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        effective_on=effective_on,
        changed_by=actor,
    )
    audit_record(
        actor=actor,
        action=STATUS_CHANGED,
        obj=contract,
        changes={"status": [from_status, to_status]},
        note=reason,
    )


@transaction.atomic
def contract_change_status(
    *, contract: Contract, actor, status: str, reason: str, effective_on: dt.date | None = None
) -> Contract:
    """Move a contract to another status with the reason; the move joins the contract's history."""
    _require_editor(actor)
    reason = (reason or "").strip()
    errors = {}
    if status not in ContractStatus.values:
        errors["status"] = "Choose a status."
    elif status == contract.status:
        errors["status"] = f"The contract is already {contract.get_status_display().lower()}."
    if not reason:
        errors["reason"] = "Say why the status changes; the reason is kept in the contract's history."
    if (
        not errors
        and status == ContractStatus.ACTIVE
        and _ended_without_renewal(contract, today=effective_on or timezone.localdate())
    ):
        errors["status"] = (
            "Its term has ended without renewal, so it would expire again tonight; extend the term "
            "(or record the renewal) first."
        )
    if errors:
        raise ValidationError(errors)
    # Locked, so two managers moving the same contract at once record two consecutive moves.
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status == status:
        raise ValidationError({"status": f"The contract is already {contract.get_status_display().lower()}."})
    _record_status(
        contract=contract,
        actor=actor,
        to_status=status,
        reason=reason,
        effective_on=effective_on or timezone.localdate(),
    )
    return contract


@transaction.atomic
def contract_duplicate_as_sow(*, contract: Contract, actor, reference: str, title: str) -> SavedContract:
    """A new draft statement of work with this contract's terms, commercials and scope: under the same
    master services agreement (or under this one, when it is the MSA). Internal notes stay behind."""
    _require_editor(actor)
    parent = contract if contract.contract_type == ContractType.MSA else contract.parent
    data = {name: getattr(contract, name) for name in DUPLICATED_FIELDS}
    saved = contract_create(
        actor=actor,
        vendor=contract.vendor,
        reference=(reference or "").strip(),
        title=(title or "").strip(),
        contract_type=ContractType.SOW,
        parent=parent,
        **data,
    )
    audit_record(
        actor=actor,
        action=DUPLICATED,
        obj=saved.contract,
        changes={"duplicated_from": [None, contract.pk]},
        note=f"Duplicated from {contract.reference}.",
    )
    return saved


def contract_term_has_ended(contract: Contract, *, today: dt.date) -> bool:
    """An active contract past the end of its term that did not renew: tacit renewals roll on by
    themselves, an express renewal agreed for this term ("renew" recorded) keeps it going."""
    return contract.status == ContractStatus.ACTIVE and _ended_without_renewal(contract, today=today)


def _ended_without_renewal(contract: Contract, *, today: dt.date) -> bool:
    dates = contract_key_dates(contract, on=today)
    if not dates.has_ended:
        return False
    if contract.renewal_type == RenewalType.EXPRESS:
        # Read through .all(), so the daily run's prefetch serves every contract at once.
        return not any(
            decision.term_end == dates.term_end and decision.decision == RenewalChoice.RENEW
            for decision in contract.renewal_decisions.all()
        )
    return True


def contracts_expire_ended(*, today: dt.date | None = None) -> list[int]:
    """Expire every active contract whose term has ended without renewal; the ids it expired.

    Idempotent: each contract moves in a conditional update on its active status, so two runs at once
    expire it (and record the move) once."""
    today = today or timezone.localdate()
    candidates = Contract.objects.filter(status=ContractStatus.ACTIVE, initial_term_end__lt=today).exclude(
        renewal_type=RenewalType.TACIT, renewal_term_months__gt=0
    )
    expired = []
    for contract in candidates.prefetch_related("renewal_decisions"):
        if not contract_term_has_ended(contract, today=today):
            continue
        term_end = contract_key_dates(contract, on=today).term_end
        with transaction.atomic():
            moved = Contract.objects.filter(pk=contract.pk, status=ContractStatus.ACTIVE).update(
                status=ContractStatus.EXPIRED, updated_at=timezone.now()
            )
            if moved != 1:
                continue
            reason = f"The term ended on {term_end:%d %b %Y} without renewal."
            ContractStatusChange.objects.create(
                contract=contract,
                from_status=ContractStatus.ACTIVE,
                to_status=ContractStatus.EXPIRED,
                reason=reason,
                effective_on=term_end + dt.timedelta(days=1),
            )
            contract.status = ContractStatus.EXPIRED
            audit_record(
                actor=None,
                action=STATUS_CHANGED,
                obj=contract,
                changes={"status": [ContractStatus.ACTIVE, ContractStatus.EXPIRED]},
                note=reason,
            )
        expired.append(contract.pk)
    return expired
