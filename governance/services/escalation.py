"""The escalation scan (Celery beat, every few minutes): opens issues for breaches left without a
response and for overdue audit findings, closes those whose cause went away, and moves every open
issue up its path as each level's time runs out.

Idempotent and safe to run concurrently: every phase takes its rows with
``SELECT … FOR UPDATE SKIP LOCKED`` (a row another scan is working on is left to it) and re-reads them
under the lock; the one-to-one issue per breach or finding and the one-step-per-(issue, level)
constraint refuse any duplicate that got through. Queries per scan do not grow with the number of
issues: each phase reads in bulk and writes with bulk statements.

An issue opened for a breach closes itself once the breach no longer awaits the vendor's response
(responded, resolved, waived or cleared), and one opened for a finding once the finding's remediation is
reported or verified: the reason for the escalation has gone, so its clock stops.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.audit import audit_event
from accounts.models import AuditEvent
from contracts.models import NoticeReminder, ReminderStatus, RenewalDecision
from contracts.services.reminders import ESCALATION
from kpis.models import Breach, Dispute, DisputeStatus
from kpis.selectors.scorecards import AWAITING_RESPONSE

from ..models import (
    EscalationLevel,
    Finding,
    FindingStatus,
    Issue,
    IssueEscalation,
    IssueOrigin,
    IssueSeverity,
    IssueStatus,
    Side,
)
from ..selectors.issues import PathTarget, escalation_paths_for, pending_steps
from .issues import raised_changes

# No level is shorter than an hour (a database constraint), so younger clocks need no look.
SHORTEST_LEVEL = timedelta(hours=1)
SEVERITIES = {value for value, _ in IssueSeverity.choices}


def run_escalations(*, now: datetime) -> dict[str, int]:
    """One scan; returns how many issues it opened, resolved, and how many steps it took."""
    opened = _open_for_breaches(now) + _open_for_findings(now) + _open_for_notices(now)
    resolved = _resolve_settled(now)
    steps = _escalate_due(now)
    return {"opened": opened, "resolved": resolved, "escalated": steps}


def _locked(queryset):
    return queryset.select_for_update(skip_locked=True, of=("self",))


def _severity(value: str) -> str:
    return value if value in SEVERITIES else IssueSeverity.MEDIUM


def _start_of_day_after(day) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


# ---- Opening -----------------------------------------------------------------------------------------


@transaction.atomic
def _open_for_breaches(now: datetime) -> int:
    """One issue per breach still awaiting the vendor's response after its deadline (and not disputed)."""
    open_dispute = Dispute.objects.filter(breach=OuterRef("pk"), status=DisputeStatus.OPEN)
    candidates = _locked(
        Breach.objects.filter(
            status__in=AWAITING_RESPONSE, response_due_at__lte=now, escalation_issue__isnull=True
        ).exclude(Exists(open_dispute))
    ).select_related("service_level__metric", "service_level__contract__vendor")
    breaches = list(candidates.order_by("pk"))
    # Re-read under the locks: an issue committed by another scan since our snapshot is seen now.
    taken = set(Issue.objects.filter(breach__in=breaches).values_list("breach_id", flat=True))
    breaches = [b for b in breaches if b.pk not in taken]
    if not breaches:
        return 0

    def target(breach):
        contract = breach.service_level.contract
        return PathTarget(contract.vendor_id, contract.vendor.tier, contract.pk)

    paths = escalation_paths_for(target(b) for b in breaches)
    issues = []
    for breach in breaches:
        service_level, contract = breach.service_level, breach.service_level.contract
        period = f"{breach.period_start:%d %b} – {breach.period_end:%d %b %Y}"
        due = timezone.localtime(breach.response_due_at)
        issues.append(
            Issue(
                vendor_id=contract.vendor_id,
                contract=contract,
                title=f"No response to the {service_level.metric.name} breach ({period})"[:200],
                description=(
                    f"The breach of {service_level.metric.name} on {contract.reference} for {period} "
                    f"had no root cause and corrective action from the vendor by {due:%d %b %Y %H:%M}."
                ),
                severity=_severity(breach.severity),
                origin=IssueOrigin.BREACH,
                raised_side=Side.INTERNAL,
                raised_at=now,
                path=paths[target(breach)],
                level=1,
                # The clock runs from the missed deadline, not from when the scan noticed it.
                level_started_at=breach.response_due_at,
                breach=breach,
            )
        )
    created = Issue.objects.bulk_create(issues)
    AuditEvent.objects.bulk_create(
        audit_event(actor=None, action="governance.issue.raised", obj=issue, changes=raised_changes(issue))
        for issue in created
    )
    return len(created)


@transaction.atomic
def _open_for_findings(now: datetime) -> int:
    """One issue per audit finding still open after its due date; the finding is flagged overdue once."""
    today = timezone.localdate(now)
    candidates = _locked(
        Finding.objects.filter(status=FindingStatus.OPEN, due_on__lt=today, escalation_issue__isnull=True)
    ).select_related("audit__vendor")
    findings = list(candidates.order_by("pk"))
    taken = set(Issue.objects.filter(finding__in=findings).values_list("finding_id", flat=True))
    findings = [f for f in findings if f.pk not in taken]
    if not findings:
        return 0

    def target(finding):
        vendor = finding.audit.vendor
        return PathTarget(vendor.pk, vendor.tier, None)

    paths = escalation_paths_for(target(f) for f in findings)
    issues = [
        Issue(
            vendor_id=finding.audit.vendor_id,
            title=f"Overdue audit finding: {finding.title}"[:200],
            description=(
                f"The finding “{finding.title}” of the audit “{finding.audit.title}” was due on "
                f"{finding.due_on:%d %b %Y} and is not remediated."
            ),
            severity=_severity(finding.severity),
            origin=IssueOrigin.FINDING,
            raised_side=Side.INTERNAL,
            raised_at=now,
            path=paths[target(finding)],
            level=1,
            level_started_at=_start_of_day_after(finding.due_on),
            finding=finding,
        )
        for finding in findings
    ]
    created = Issue.objects.bulk_create(issues)
    events = []
    for issue, finding in zip(created, findings, strict=True):
        events.append(
            audit_event(
                actor=None, action="governance.issue.raised", obj=issue, changes=raised_changes(issue)
            )
        )
        events.append(
            audit_event(
                actor=None,
                action="governance.finding.overdue",
                obj=finding,
                note=f"Due on {finding.due_on:%d %b %Y}; escalated as an issue.",
            )
        )
    AuditEvent.objects.bulk_create(events)
    return len(created)


def _decision_for_term():
    return RenewalDecision.objects.filter(contract=OuterRef("contract_id"), term_end=OuterRef("term_end"))


@transaction.atomic
def _open_for_notices(now: datetime) -> int:
    """One issue per contract term whose reminders reached their escalation stage with no renewal decision.

    The contracts app sends the staged reminders (it cannot see escalation paths); from the escalation
    stage on, the term's decision climbs the contract's escalation path like any other issue.
    """
    candidates = _locked(
        NoticeReminder.objects.filter(
            stage=ESCALATION, status=ReminderStatus.SENT, escalation_issue__isnull=True
        ).exclude(Exists(_decision_for_term()))
    ).select_related("contract__vendor")
    reminders = list(candidates.order_by("pk"))
    taken = set(
        Issue.objects.filter(notice_reminder__in=reminders).values_list("notice_reminder_id", flat=True)
    )
    reminders = [r for r in reminders if r.pk not in taken]
    if not reminders:
        return 0

    def target(reminder):
        contract = reminder.contract
        return PathTarget(contract.vendor_id, contract.vendor.tier, contract.pk)

    paths = escalation_paths_for(target(r) for r in reminders)
    issues = [
        Issue(
            vendor_id=reminder.contract.vendor_id,
            contract=reminder.contract,
            title=f"No renewal decision for {reminder.contract.reference}"[:200],
            description=(
                f"Notice on {reminder.contract.reference} ({reminder.contract.title}) must be given by "
                f"{reminder.notice_deadline:%d %b %Y}, or the term ending {reminder.term_end:%d %b %Y} "
                "rolls over; nobody has recorded whether to renew, renegotiate or terminate."
            ),
            severity=IssueSeverity.HIGH,
            origin=IssueOrigin.NOTICE,
            raised_side=Side.INTERNAL,
            raised_at=now,
            path=paths[target(reminder)],
            level=1,
            level_started_at=reminder.sent_at or now,
            notice_reminder=reminder,
        )
        for reminder in reminders
    ]
    created = Issue.objects.bulk_create(issues)
    AuditEvent.objects.bulk_create(
        audit_event(actor=None, action="governance.issue.raised", obj=issue, changes=raised_changes(issue))
        for issue in created
    )
    return len(created)


# ---- Closing issues whose cause went away -------------------------------------------------------------


def _settled_reason(issue: Issue) -> str | None:
    if issue.origin == IssueOrigin.BREACH and issue.breach and issue.breach.status not in AWAITING_RESPONSE:
        breach = issue.breach
        if breach.responded_at:
            return (
                f"Closed automatically: the vendor responded to the breach on {_local(breach.responded_at)}."
            )
        return f"Closed automatically: the breach is {breach.get_status_display().lower()}."
    if issue.origin == IssueOrigin.FINDING and issue.finding and issue.finding.status != FindingStatus.OPEN:
        return f"Closed automatically: the finding is {issue.finding.get_status_display().lower()}."
    if issue.origin == IssueOrigin.NOTICE and issue.notice_reminder_id:
        decision = RenewalDecision.objects.filter(
            contract_id=issue.notice_reminder.contract_id, term_end=issue.notice_reminder.term_end
        ).first()
        if decision is not None:
            return (
                f"Closed automatically: the decision to {decision.get_decision_display().lower()} was "
                f"recorded on {_local(decision.decided_at)}."
            )
    return None


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M}"


@transaction.atomic
def _resolve_settled(now: datetime) -> int:
    decided = RenewalDecision.objects.filter(
        contract=OuterRef("notice_reminder__contract_id"), term_end=OuterRef("notice_reminder__term_end")
    )
    settled = (
        (Q(origin=IssueOrigin.BREACH) & ~Q(breach__status__in=AWAITING_RESPONSE))
        | (Q(origin=IssueOrigin.FINDING) & ~Q(finding__status=FindingStatus.OPEN))
        | (Q(origin=IssueOrigin.NOTICE) & Exists(decided))
    )
    candidates = _locked(Issue.objects.filter(settled, status=IssueStatus.OPEN)).select_related(
        "breach", "finding", "notice_reminder"
    )
    resolved, events = [], []
    for issue in candidates.order_by("pk"):
        reason = _settled_reason(issue)
        if reason is None:
            continue
        issue.status, issue.resolved_at, issue.resolution = IssueStatus.RESOLVED, now, reason
        resolved.append(issue)
        events.append(
            audit_event(
                actor=None,
                action="governance.issue.resolved",
                obj=issue,
                changes={"status": [IssueStatus.OPEN.value, IssueStatus.RESOLVED.value]},
                note=reason,
            )
        )
    Issue.objects.bulk_update(resolved, ["status", "resolved_at", "resolution"])
    AuditEvent.objects.bulk_create(events)
    return len(resolved)


# ---- Climbing ----------------------------------------------------------------------------------------


@transaction.atomic
def _escalate_due(now: datetime) -> int:
    """Every open issue whose level's time ran out climbs, step by step, to where it should be now."""
    candidates = _locked(
        Issue.objects.filter(
            status=IssueStatus.OPEN, path__isnull=False, level_started_at__lte=now - SHORTEST_LEVEL
        )
    )
    issues = list(candidates.order_by("pk"))
    levels = defaultdict(list)
    for level in EscalationLevel.objects.filter(path_id__in={i.path_id for i in issues}).order_by("level"):
        levels[level.path_id].append(level)
    names = {(lvl.path_id, lvl.level): lvl.name for lvls in levels.values() for lvl in lvls}
    moved, steps, events = [], [], []
    for issue in issues:
        pending = pending_steps(
            level=issue.level, started_at=issue.level_started_at, levels=levels[issue.path_id], now=now
        )
        for step in pending:
            steps.append(IssueEscalation(issue=issue, level=step.level, escalated_at=step.due_at))
            events.append(
                audit_event(
                    actor=None,
                    action="governance.issue.escalated",
                    obj=issue,
                    changes={"level": [issue.level, step.level]},
                    note=(
                        f"Level {issue.level}'s time ran out on {_local(step.due_at)}; "
                        f"escalated to level {step.level} ({names[(issue.path_id, step.level)]})."
                    ),
                )
            )
            issue.level, issue.level_started_at = step.level, step.due_at
        if pending:
            moved.append(issue)
    IssueEscalation.objects.bulk_create(steps)
    Issue.objects.bulk_update(moved, ["level", "level_started_at"])
    AuditEvent.objects.bulk_create(events)
    return len(steps)
