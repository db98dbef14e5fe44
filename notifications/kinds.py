"""The kinds of notification, who they are for, and how each is delivered by default.

A person chooses per kind: an e-mail straight away, only the digest, or nothing by e-mail. The
in-app list always keeps every notification; the choice governs e-mail only.
"""

from django.db import models

from accounts.models import Role


class NotificationKind(models.TextChoices):
    BREACH_OPENED = "breach_opened", "New breach"
    REPORT_LATE = "report_late", "Figures not reported (breach)"
    BREACH_RESPONSE_DUE = "breach_response_due", "Breach response due soon"
    BREACH_RESPONSE_OVERDUE = "breach_response_overdue", "Breach response overdue"
    BREACH_UPDATE = "breach_update", "Breach answered or decided"
    DISPUTE_RAISED = "dispute_raised", "Dispute raised"
    DISPUTE_RESOLVED = "dispute_resolved", "Dispute resolved"
    ISSUE_RAISED = "issue_raised", "Issue raised"
    ISSUE_ESCALATED = "issue_escalated", "Issue escalated"
    REVIEW_STEP = "review_step", "Review step waiting"
    ACTION_OVERDUE = "action_overdue", "Action item overdue"
    FINDING = "finding", "Audit finding"
    NOTICE_DEADLINE = "notice_deadline", "Contract notice deadline approaching"
    DELIVERABLE = "deliverable", "Deliverable update"
    REPORT_DUE = "report_due", "Figures due"
    VALIDATION_WAITING = "validation_waiting", "Figures waiting for validation"


class DeliveryMode(models.TextChoices):
    IMMEDIATE = "immediate", "E-mail me straight away"
    DIGEST = "digest", "Digest only"
    OFF = "off", "No e-mail"


class DigestFrequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Mondays)"


class DigestKind(models.TextChoices):
    MANAGER = "manager", "Portfolio digest"
    VENDOR = "vendor", "Vendor digest"
    SUMMARY = "summary", "Monthly summary"


# Who may receive each kind: "internal" (relationship managers), "vendor" (the vendor's users) and
# "auditor". Preferences offer a person only the kinds their side can receive.
INTERNAL, VENDOR, AUDITOR = "internal", "vendor", "auditor"
AUDIENCES: dict[str, frozenset[str]] = {
    NotificationKind.BREACH_OPENED: frozenset({INTERNAL, VENDOR}),
    NotificationKind.REPORT_LATE: frozenset({INTERNAL, VENDOR}),
    NotificationKind.BREACH_RESPONSE_DUE: frozenset({VENDOR}),
    NotificationKind.BREACH_RESPONSE_OVERDUE: frozenset({INTERNAL, VENDOR}),
    NotificationKind.BREACH_UPDATE: frozenset({INTERNAL, VENDOR}),
    NotificationKind.DISPUTE_RAISED: frozenset({INTERNAL}),
    NotificationKind.DISPUTE_RESOLVED: frozenset({INTERNAL, VENDOR}),
    NotificationKind.ISSUE_RAISED: frozenset({INTERNAL, VENDOR}),
    NotificationKind.ISSUE_ESCALATED: frozenset({INTERNAL, VENDOR}),
    NotificationKind.REVIEW_STEP: frozenset({INTERNAL, VENDOR}),
    NotificationKind.ACTION_OVERDUE: frozenset({INTERNAL, VENDOR}),
    NotificationKind.FINDING: frozenset({INTERNAL, VENDOR, AUDITOR}),
    NotificationKind.NOTICE_DEADLINE: frozenset({INTERNAL}),
    NotificationKind.DELIVERABLE: frozenset({INTERNAL, VENDOR}),
    NotificationKind.REPORT_DUE: frozenset({VENDOR}),
    NotificationKind.VALIDATION_WAITING: frozenset({INTERNAL}),
}

# Urgent kinds reach people by e-mail straight away unless they choose otherwise.
DEFAULT_MODES: dict[str, str] = dict.fromkeys(NotificationKind.values, DeliveryMode.DIGEST.value) | {
    NotificationKind.ISSUE_ESCALATED: DeliveryMode.IMMEDIATE.value,
    NotificationKind.BREACH_RESPONSE_OVERDUE: DeliveryMode.IMMEDIATE.value,
}


def audience_for(role: str) -> str | None:
    """The side a person of ``role`` receives notifications as (None for viewers: the summary only)."""
    if role in (Role.MANAGER, Role.ADMIN):
        return INTERNAL
    if role == Role.AUDITOR:
        return AUDITOR
    if role in (Role.VENDOR_USER, Role.VENDOR_ADMIN):
        return VENDOR
    return None


def kinds_for(role: str) -> list[str]:
    """The kinds a person of ``role`` can receive, in the order of ``NotificationKind``."""
    audience = audience_for(role)
    return [kind for kind in NotificationKind.values if audience in AUDIENCES[kind]]


def digest_kind_for(role: str) -> str:
    """Managers and administrators get the portfolio digest, vendor users the vendor digest, viewers
    and auditors the monthly summary of standings."""
    audience = audience_for(role)
    if audience == INTERNAL:
        return DigestKind.MANAGER
    if audience == VENDOR:
        return DigestKind.VENDOR
    return DigestKind.SUMMARY
