"""Audits of a vendor and their findings: recorded by auditors and managers, remediated by the owning
side, verified (closed) or reopened by an auditor or a manager.

Who does what:
- auditors, managers and administrators (``Action.RECORD_AUDIT``) plan audits and record findings;
- the finding's owner side reports the remediation, with evidence files: the vendor's users for a
  vendor-owned finding, managers and administrators (or the internal owner) for an internal one;
- auditors, managers and administrators verify a reported remediation, or reopen the finding with a note.

A finding's internal notes never reach vendor users. Overdue findings (past due, not remediated) are
escalated by ``governance.services.escalation``, which opens an Issue for them.
"""

import hashlib
import re
from datetime import date, datetime
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import files, policy
from accounts.audit import audit_record, audited_create, audited_update, plain_value

from ..models import Audit, AuditStatus, Finding, FindingEvidence, FindingStatus, Side

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")


# ---- Who may do what -----------------------------------------------------------------------------------


def may_record_audits(actor, obj=Audit) -> bool:
    return policy.sees_internal(actor) and policy.can(actor, policy.Action.RECORD_AUDIT, obj)


def may_remediate(actor, finding: Finding) -> bool:
    """The owner side reports remediation: the vendor's users, or the client's managers (or owner)."""
    if finding.owner_side == Side.VENDOR:
        return not policy.sees_internal(actor) and policy.can(actor, policy.Action.RESPOND, finding)
    if not policy.sees_internal(actor):
        return False
    return policy.can(actor, policy.Action.CHANGE, finding) or (
        finding.owner_id is not None and finding.owner_id == getattr(actor, "pk", None)
    )


def may_verify(actor, finding: Finding) -> bool:
    return may_record_audits(actor, finding)


# ---- Audits --------------------------------------------------------------------------------------------


def _check_audit_fields(*, vendor, planned_start: date, planned_end: date, lead) -> None:
    if planned_end < planned_start:
        raise ValidationError({"planned_end": "The audit must end on or after its first day."})
    if lead is not None and (not lead.is_active or lead.vendor_id is not None):
        raise ValidationError({"lead": "The lead auditor is an active member of the client's staff."})


@transaction.atomic
def audit_plan(
    *,
    vendor,
    actor,
    title: str,
    planned_start: date,
    planned_end: date,
    scope: str = "",
    lead=None,
) -> Audit:
    """Plan an audit of a vendor."""
    if not may_record_audits(actor):
        raise PermissionDenied("Only auditors and managers plan audits.")
    _check_audit_fields(vendor=vendor, planned_start=planned_start, planned_end=planned_end, lead=lead)
    return audited_create(
        model=Audit,
        actor=actor,
        vendor=vendor,
        title=title.strip(),
        scope=scope.strip(),
        planned_start=planned_start,
        planned_end=planned_end,
        lead=lead,
        created_by=actor,
    )


@transaction.atomic
def audit_change(*, audit: Audit, actor, data: dict) -> Audit:
    """Change an audit's plan, status or summary."""
    if not may_record_audits(actor, audit):
        raise PermissionDenied("Only auditors and managers change audits.")
    allowed = {"title", "scope", "planned_start", "planned_end", "status", "lead", "summary"}
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items() if k in allowed}
    merged = {
        "planned_start": data.get("planned_start", audit.planned_start),
        "planned_end": data.get("planned_end", audit.planned_end),
        "lead": data.get("lead", audit.lead),
    }
    _check_audit_fields(vendor=audit.vendor, **merged)
    if data.get("status") == AuditStatus.COMPLETED and not (data.get("summary") or audit.summary):
        raise ValidationError({"summary": "Summarise the audit's outcome before completing it."})
    audit, _changed = audited_update(instance=audit, actor=actor, data=data)
    return audit


# ---- Findings ------------------------------------------------------------------------------------------


def _check_owner(*, audit: Audit, owner_side: str, owner) -> None:
    if owner is None:
        raise ValidationError({"owner": "Name the person who owns the remediation."})
    if not owner.is_active:
        raise ValidationError({"owner": f"{owner.get_full_name()} no longer has access to the portal."})
    if owner_side == Side.VENDOR and owner.vendor_id != audit.vendor_id:
        raise ValidationError({"owner": "A vendor-owned finding is owned by a user of the audited vendor."})
    if owner_side == Side.INTERNAL and owner.vendor_id is not None:
        raise ValidationError({"owner": "An internal finding is owned by a member of the client's staff."})


@transaction.atomic
def finding_record(
    *,
    audit: Audit,
    actor,
    title: str,
    description: str,
    severity: str,
    owner_side: str,
    owner,
    due_on: date,
    internal_notes: str = "",
    now: datetime | None = None,
) -> Finding:
    """Record a finding of an audit, owned by one side and a named person, due on a date."""
    if not may_record_audits(actor, audit):
        raise PermissionDenied("Only auditors and managers record findings.")
    if audit.status == AuditStatus.CANCELLED:
        raise ValidationError("The audit was cancelled; it takes no findings.")
    _check_owner(audit=audit, owner_side=owner_side, owner=owner)
    finding = Finding(
        audit=audit,
        title=title.strip(),
        description=description.strip(),
        severity=severity,
        owner_side=owner_side,
        owner=owner,
        due_on=due_on,
        internal_notes=internal_notes.strip(),
        created_at=now or timezone.now(),
    )
    finding.full_clean()
    finding.save()
    changes = {
        name: [None, plain_value(getattr(finding, name))]
        for name in ("title", "description", "severity", "owner_side", "owner", "due_on")
    }
    audit_record(actor=actor, action="governance.finding.recorded", obj=finding, changes=changes)
    if finding.internal_notes:
        # A separate event, so that vendor users' view of the trail never carries the notes.
        audit_record(
            actor=actor,
            action="governance.finding.updated",
            obj=finding,
            changes={"internal_notes": [None, finding.internal_notes]},
        )
    return finding


@transaction.atomic
def finding_change(*, finding: Finding, actor, data: dict) -> Finding:
    """Change a finding that is not closed yet (title, description, severity, owner, due date, notes)."""
    if not may_record_audits(actor, finding):
        raise PermissionDenied("Only auditors and managers change findings.")
    if finding.status == FindingStatus.VERIFIED:
        raise ValidationError("The finding is verified and closed; it no longer changes.")
    allowed = {"title", "description", "severity", "owner_side", "owner", "due_on", "internal_notes"}
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items() if k in allowed}
    _check_owner(
        audit=finding.audit,
        owner_side=data.get("owner_side", finding.owner_side),
        owner=data.get("owner", finding.owner),
    )
    notes = {k: data.pop(k) for k in ("internal_notes",) if k in data}
    finding, _changed = audited_update(instance=finding, actor=actor, data=data)
    if notes:
        # Internal notes in an event of their own, marked internal-only by the trail.
        finding, _changed = audited_update(instance=finding, actor=actor, data=notes)
    return finding


def _display_name(filename: str) -> str:
    """The original name as shown and offered on download: no path, no control characters or quotes."""
    name = _UNSAFE_NAME.sub("_", PurePath((filename or "").replace("\\", "/")).name).strip()
    if len(name) > 255:
        name = name[:245] + files.extension_of(name)[:10]
    return name or "evidence"


def _attach(*, finding: Finding, uploaded_file, actor, now: datetime, field: str) -> FindingEvidence:
    data = files.read_limited(uploaded_file, field=field)
    kind = files.sniff(data, uploaded_file.name, field=field)
    return audited_create(
        model=FindingEvidence,
        actor=actor,
        finding=finding,
        # Only the sniffed type's extension reaches the storage name; upload_to adds a random stem.
        file=ContentFile(data, name=f"evidence{kind.extension}"),
        original_name=_display_name(uploaded_file.name),
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
        uploaded_at=now,
    )


def evidence_check(uploaded_file, *, field: str = "evidence") -> None:
    """Raise a field error when the file is too large, empty or of a type not accepted."""
    data = files.read_limited(uploaded_file, field=field)
    files.sniff(data, uploaded_file.name, field=field)


@transaction.atomic
def finding_add_evidence(
    *, finding: Finding, actor, uploaded_file, now: datetime | None = None, field: str = "evidence"
) -> FindingEvidence:
    """The owner side adds an evidence file to an open finding (or one waiting for verification)."""
    if not may_remediate(actor, finding):
        raise PermissionDenied("Only the finding's owner side adds evidence.")
    if finding.status == FindingStatus.VERIFIED:
        raise ValidationError("The finding is verified and closed; it takes no more evidence.")
    return _attach(
        finding=finding, uploaded_file=uploaded_file, actor=actor, now=now or timezone.now(), field=field
    )


def _move(finding: Finding, *, expected: str, to: str, fields: dict, actor, action: str, note: str = ""):
    """Move the finding on from ``expected`` once; a repeated or concurrent call is refused."""
    claimed = Finding.objects.filter(pk=finding.pk, status=expected).update(status=to, **fields)
    if claimed != 1:
        finding.refresh_from_db()
        raise ValidationError(
            f"The finding is {finding.get_status_display().lower()} now; reload the page to see why."
        )
    changes = {"status": [expected, to]}
    for name, value in fields.items():
        old = plain_value(getattr(finding, name))
        new = plain_value(value)
        if old != new:
            changes[name] = [old, new]
        setattr(finding, name, value)
    finding.status = to
    audit_record(actor=actor, action=action, obj=finding, changes=changes, note=note)


@transaction.atomic
def finding_remediate(
    *, finding: Finding, actor, remediation: str, evidence=None, now: datetime | None = None
) -> Finding:
    """The owner side reports what it did, optionally with an evidence file; the finding then waits
    for verification."""
    if not may_remediate(actor, finding):
        raise PermissionDenied("Only the finding's owner side reports its remediation.")
    remediation = (remediation or "").strip()
    if not remediation:
        raise ValidationError({"remediation": "Say what was done to remediate the finding."})
    if finding.status != FindingStatus.OPEN:
        raise ValidationError(
            "The remediation has been reported already; it is waiting for verification."
            if finding.status == FindingStatus.REMEDIATED
            else "The finding is verified and closed."
        )
    now = now or timezone.now()
    _move(
        finding,
        expected=FindingStatus.OPEN,
        to=FindingStatus.REMEDIATED,
        fields={"remediation": remediation, "remediated_at": now},
        actor=actor,
        action="governance.finding.remediated",
    )
    if evidence is not None:
        _attach(finding=finding, uploaded_file=evidence, actor=actor, now=now, field="evidence")
    return finding


@transaction.atomic
def finding_verify(*, finding: Finding, actor, note: str = "", now: datetime | None = None) -> Finding:
    """An auditor or a manager checks the reported remediation and closes the finding."""
    if not may_verify(actor, finding):
        raise PermissionDenied("Only auditors and managers verify findings.")
    if finding.status != FindingStatus.REMEDIATED:
        raise ValidationError(
            "Nothing to verify yet: the owner has not reported the remediation."
            if finding.status == FindingStatus.OPEN
            else "The finding is verified and closed already."
        )
    now = now or timezone.now()
    note = (note or "").strip()
    _move(
        finding,
        expected=FindingStatus.REMEDIATED,
        to=FindingStatus.VERIFIED,
        fields={"verified_by": actor, "verified_at": now, "verification_note": note},
        actor=actor,
        action="governance.finding.verified",
        note=note,
    )
    return finding


@transaction.atomic
def finding_reopen(*, finding: Finding, actor, note: str, now: datetime | None = None) -> Finding:
    """The remediation does not hold: the finding goes back to its owner, with a note saying why."""
    if not may_verify(actor, finding):
        raise PermissionDenied("Only auditors and managers reopen findings.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why the remediation is not accepted; the owner reads it."})
    if finding.status != FindingStatus.REMEDIATED:
        raise ValidationError(
            "The finding is open already."
            if finding.status == FindingStatus.OPEN
            else "The finding is closed."
        )
    _move(
        finding,
        expected=FindingStatus.REMEDIATED,
        to=FindingStatus.OPEN,
        fields={"verification_note": note, "remediated_at": None},
        actor=actor,
        action="governance.finding.reopened",
        note=note,
    )
    return finding
