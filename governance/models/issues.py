"""Issues raised by either side, and the escalation ledger that moves them up a path."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from contracts.models import Contract
from vendors.models import Vendor

from .structure import EscalationPath, Side


class IssueSeverity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class IssueOrigin(models.TextChoices):
    RAISED = "raised", "Raised by a person"
    BREACH = "breach", "Breach left without response"
    FINDING = "finding", "Overdue audit finding"
    NOTICE = "notice", "Renewal decision missing near the notice deadline"


class Issue(models.Model):
    """A problem in the relationship that climbs its escalation path until someone resolves it.

    ``level`` is the current escalation level (1 = first level of the path); the clock for
    the next step runs from ``level_started_at``. Resolution stops the clock.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="issues")
    contract = models.ForeignKey(
        Contract, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues"
    )
    title = models.CharField(max_length=200)
    description = models.TextField()
    severity = models.CharField(max_length=10, choices=IssueSeverity.choices, default=IssueSeverity.MEDIUM)
    origin = models.CharField(max_length=10, choices=IssueOrigin.choices, default=IssueOrigin.RAISED)
    status = models.CharField(max_length=10, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_side = models.CharField(max_length=10, choices=Side.choices)
    raised_at = models.DateTimeField(default=timezone.now)
    path = models.ForeignKey(
        EscalationPath, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues"
    )
    level = models.PositiveSmallIntegerField(default=1)
    level_started_at = models.DateTimeField(default=timezone.now)
    breach = models.OneToOneField(
        "kpis.Breach", on_delete=models.CASCADE, null=True, blank=True, related_name="escalation_issue"
    )
    finding = models.OneToOneField(
        "governance.Finding", on_delete=models.CASCADE, null=True, blank=True, related_name="escalation_issue"
    )
    notice_reminder = models.OneToOneField(
        "contracts.NoticeReminder",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_issue",
        help_text="The reminder ledger's escalation row for a contract term nobody decided on.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"submit", "respond"})  # raise, comment

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["status", "level_started_at"], name="issue_status_clock_idx")]
        constraints = [
            models.CheckConstraint(name="issue_level_positive", condition=Q(level__gte=1)),
            models.CheckConstraint(
                name="issue_resolved_has_time",
                condition=Q(status="open", resolved_at__isnull=True)
                | Q(status="resolved", resolved_at__isnull=False),
                violation_error_message="A resolved issue records when it was resolved.",
            ),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def policy_vendor_q(cls, user):
        """An undecided renewal is the client's own position: vendor users never see those issues."""
        return ~Q(origin=IssueOrigin.NOTICE)

    @property
    def policy_internal_row(self) -> bool:
        """Trail rows about this issue are internal-only (see ``policy_vendor_q``)."""
        return self.origin == IssueOrigin.NOTICE

    @property
    def is_open(self) -> bool:
        return self.status == IssueStatus.OPEN


class IssueEscalation(models.Model):
    """One step up the path, recorded exactly once per (issue, level)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(help_text="The level the issue moved to.")
    escalated_at = models.DateTimeField(default=timezone.now)
    automatic = models.BooleanField(default=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    policy_vendor_path = "issue__vendor"

    class Meta:
        ordering = ["issue", "level"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "level"], name="issueescalation_once_per_level"),
        ]

    def __str__(self):
        return f"{self.issue} → level {self.level}"

    @classmethod
    def policy_vendor_q(cls, user):
        return ~Q(issue__origin=IssueOrigin.NOTICE)


class IssueComment(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "issue__vendor"
    policy_vendor_actions = frozenset({"respond"})

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment by {self.author} on {self.issue}"

    @classmethod
    def policy_vendor_q(cls, user):
        return ~Q(issue__origin=IssueOrigin.NOTICE)

    @property
    def policy_internal_row(self) -> bool:
        return self.issue.policy_internal_row
