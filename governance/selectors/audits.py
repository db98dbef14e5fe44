"""Reads of audits and findings, scoped to the user: the audit list with finding counts, one audit with
its findings, one finding with its evidence and its escalation issue."""

from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet

from accounts import policy

from ..models import Audit, Finding, FindingEvidence, FindingStatus


def audit_list_for_user(*, user, today: date, vendor=None, status: str = "") -> QuerySet[Audit]:
    """Audits the user may see, latest first, with their open and overdue finding counts."""
    audits = policy.scope(user, Audit.objects.all()).select_related("vendor", "lead")
    if vendor is not None:
        audits = audits.filter(vendor=vendor)
    if status:
        audits = audits.filter(status=status)
    return audits.annotate(
        finding_count=Count("findings"),
        open_count=Count("findings", filter=~Q(findings__status=FindingStatus.VERIFIED)),
        overdue_count=Count(
            "findings", filter=Q(findings__status=FindingStatus.OPEN, findings__due_on__lt=today)
        ),
    ).order_by("-planned_start", "vendor__name", "pk")


def audit_for_user(*, user, pk: int) -> Audit:
    audits = Audit.objects.select_related("vendor", "lead", "created_by")
    return policy.get_visible_or_404(user, audits, pk=pk)


def findings_of_audit(*, user, audit: Audit) -> list[Finding]:
    findings = policy.scope(user, Finding.objects.filter(audit=audit)).select_related("owner")
    return list(findings.annotate(evidence_count=Count("evidence")).order_by("status", "due_on", "pk"))


def finding_for_user(*, user, pk: int) -> Finding:
    findings = Finding.objects.select_related("audit__vendor", "owner", "verified_by")
    return policy.get_visible_or_404(user, findings, pk=pk)


def finding_evidence(*, user, finding: Finding) -> list[FindingEvidence]:
    evidence = policy.scope(user, FindingEvidence.objects.filter(finding=finding))
    return list(evidence.select_related("uploaded_by").order_by("-uploaded_at", "-pk"))


def finding_evidence_for_user(*, user, pk: int) -> FindingEvidence:
    return policy.get_visible_or_404(user, FindingEvidence.objects.all(), pk=pk)


def finding_is_overdue(finding: Finding, today: date) -> bool:
    return finding.status == FindingStatus.OPEN and finding.due_on < today


def finding_escalation_issue(*, user, finding: Finding):
    """The issue that escalates the overdue finding, if one was opened and the user may see it."""
    try:
        issue = finding.escalation_issue
    except (AttributeError, ObjectDoesNotExist):
        return None
    if issue is None:
        return None
    return policy.scope(user, type(issue).objects.filter(pk=issue.pk)).first()
