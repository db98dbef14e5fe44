"""Issues raised by either side: raising one on its escalation path, the shared comment thread,
escalating by hand and resolving (which stops the clock). The scheduled climb is in ``escalation``."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record
from contracts.models import Contract
from vendors.models import Vendor

from ..models import Issue, IssueComment, IssueEscalation, IssueOrigin, IssueSeverity, IssueStatus, Side
from ..selectors.issues import escalation_path_for

TEXT_LIMIT = 5000
# The steps of an issue page, and who may take them.
STEPS = ("comment", "escalate", "resolve")


def issue_can_raise(actor, vendor: Vendor | None = None) -> bool:
    """Managers raise issues on any vendor; vendor users on their own vendor."""
    if actor.is_internal:
        return policy.can(actor, policy.Action.CREATE, Issue)
    if not policy.can(actor, policy.Action.SUBMIT, Issue):
        return False
    return vendor is None or vendor.pk == actor.vendor_id


def issue_step_permitted(*, issue: Issue, actor, step: str) -> bool:
    """Both sides comment on an open issue; only the client's managers escalate or resolve it."""
    if not issue.is_open:
        return False
    if step == "comment":
        if actor.is_internal:
            return policy.can(actor, policy.Action.CHANGE, issue)
        return policy.can(actor, policy.Action.RESPOND, issue)
    if step in ("escalate", "resolve"):
        return actor.is_internal and policy.can(actor, policy.Action.CHANGE, issue)
    return False


def issue_allowed_steps(*, issue: Issue, actor) -> list[str]:
    return [step for step in STEPS if issue_step_permitted(issue=issue, actor=actor, step=step)]


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > TEXT_LIMIT:
        raise ValidationError({field: f"Keep it under {TEXT_LIMIT:,} characters."})
    return value


@transaction.atomic
def issue_raise(
    *,
    actor,
    vendor: Vendor,
    title: str,
    description: str,
    severity: str = IssueSeverity.MEDIUM,
    contract: Contract | None = None,
    now: datetime | None = None,
) -> Issue:
    """Open an issue at level 1 of the path that applies: the contract's, the vendor's or its tier's."""
    now = now or timezone.now()
    if not issue_can_raise(actor, vendor):
        raise PermissionDenied("You may not raise issues on this vendor.")
    if contract is not None and contract.vendor_id != vendor.pk:
        raise ValidationError({"contract": "The contract belongs to another vendor."})
    issue = Issue(
        vendor=vendor,
        contract=contract,
        title=_text(title, "title", "Give the issue a short title."),
        description=_text(description, "description", "Describe the issue."),
        severity=severity,
        origin=IssueOrigin.RAISED,
        raised_by=actor,
        raised_side=Side.INTERNAL if actor.is_internal else Side.VENDOR,
        raised_at=now,
        path=escalation_path_for(vendor=vendor, contract=contract),
        level=1,
        level_started_at=now,
    )
    issue.full_clean()
    issue.save()
    audit_record(actor=actor, action="governance.issue.raised", obj=issue, changes=raised_changes(issue))
    return issue


def raised_changes(issue: Issue) -> dict:
    changes = {
        "severity": [None, issue.severity],
        "origin": [None, issue.origin],
        "level": [None, issue.level],
        "contract": [None, issue.contract_id],
        "path": [None, issue.path_id],
    }
    return {name: pair for name, pair in changes.items() if pair[1] is not None}


def _locked_open(issue: Issue) -> Issue:
    """The issue's row, locked against the escalation scan, refused once resolved."""
    locked = Issue.objects.select_for_update().get(pk=issue.pk)
    if not locked.is_open:
        raise ValidationError("This issue is resolved already.")
    return locked


@transaction.atomic
def issue_comment(*, issue: Issue, actor, body: str, now: datetime | None = None) -> IssueComment:
    """Add to the thread both sides read."""
    if not issue_step_permitted(issue=issue, actor=actor, step="comment"):
        raise PermissionDenied("You may not comment on this issue.")
    body = _text(body, "body", "Write a comment.")
    issue = _locked_open(issue)
    comment = IssueComment.objects.create(
        issue=issue, author=actor, body=body, created_at=now or timezone.now()
    )
    audit_record(actor=actor, action="governance.issue.commented", obj=issue, note=body[:500])
    return comment


@transaction.atomic
def issue_escalate(
    *, issue: Issue, actor, from_level: int, note: str = "", now: datetime | None = None
) -> IssueEscalation:
    """Move the issue up one level now; the next level's clock starts from this moment.

    ``from_level`` is the level the person saw, and is required: the move is a conditional update
    from exactly that level, so a second click, a colleague or the scheduled scan that moved the issue
    meanwhile makes it a no-op with a message, never a second step.
    """
    now = now or timezone.now()
    if not issue_step_permitted(issue=issue, actor=actor, step="escalate"):
        raise PermissionDenied("Only the client's managers escalate an issue by hand.")
    if from_level is None:
        raise ValidationError({"from_level": "Reload the issue and escalate from the level it shows."})
    issue = _locked_open(issue)
    if issue.level != from_level:
        raise ValidationError(f"The issue is at level {issue.level} already; it was not escalated again.")
    following = (
        [lvl.level for lvl in issue.path.levels.all() if lvl.level > issue.level] if issue.path else []
    )
    if not following:
        raise ValidationError("The issue is at the last level of its escalation path already.")
    old, new = issue.level, min(following)
    moved = Issue.objects.filter(pk=issue.pk, status=IssueStatus.OPEN, level=from_level).update(
        level=new, level_started_at=now
    )
    if moved != 1:
        raise ValidationError("The issue has moved meanwhile; it was not escalated again.")
    step = IssueEscalation.objects.create(issue=issue, level=new, escalated_at=now, automatic=False, by=actor)
    issue.level, issue.level_started_at = new, now
    note = (note or "").strip()[:TEXT_LIMIT] or f"Escalated by hand to level {new}."
    audit_record(
        actor=actor, action="governance.issue.escalated", obj=issue, changes={"level": [old, new]}, note=note
    )
    return step


@transaction.atomic
def issue_resolve(*, issue: Issue, actor, resolution: str, now: datetime | None = None) -> Issue:
    """Record how the issue was resolved; its escalation clock stops."""
    if not issue_step_permitted(issue=issue, actor=actor, step="resolve"):
        raise PermissionDenied("Only the client's managers resolve an issue.")
    resolution = _text(resolution, "resolution", "Say how the issue was resolved.")
    issue = _locked_open(issue)
    issue.status = IssueStatus.RESOLVED
    issue.resolved_at = now or timezone.now()
    issue.resolved_by = actor
    issue.resolution = resolution
    issue.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    audit_record(
        actor=actor,
        action="governance.issue.resolved",
        obj=issue,
        changes={"status": [IssueStatus.OPEN.value, IssueStatus.RESOLVED.value]},
        note=resolution[:500],
    )
    return issue
