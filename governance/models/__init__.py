"""Governance of a relationship: structure, forums, issues and escalation, reviews, audits."""

from .audits import Audit, AuditStatus, Finding, FindingEvidence, FindingSeverity, FindingStatus
from .calendar import CalendarFeed
from .issues import Issue, IssueComment, IssueEscalation, IssueOrigin, IssueSeverity, IssueStatus
from .meetings import (
    ACTION_OPEN_STATUSES,
    ActionItem,
    ActionNote,
    ActionStatus,
    AgendaItem,
    Attendance,
    Cadence,
    Decision,
    DecisionLink,
    Forum,
    ForumKind,
    Meeting,
    MeetingComment,
    MeetingStatus,
)
from .reviews import DEFAULT_REVIEW_MONTHS, Review, ReviewCadence, ReviewScore, ReviewStatus
from .structure import EscalationLevel, EscalationPath, ProgressUpdate, Raci, RoleAssignment, Side

__all__ = [
    "ACTION_OPEN_STATUSES",
    "DEFAULT_REVIEW_MONTHS",
    "ActionItem",
    "ActionNote",
    "ActionStatus",
    "AgendaItem",
    "Attendance",
    "Audit",
    "AuditStatus",
    "Cadence",
    "CalendarFeed",
    "Decision",
    "DecisionLink",
    "EscalationLevel",
    "EscalationPath",
    "Finding",
    "FindingEvidence",
    "FindingSeverity",
    "FindingStatus",
    "Forum",
    "ForumKind",
    "Issue",
    "IssueComment",
    "IssueEscalation",
    "IssueOrigin",
    "IssueSeverity",
    "IssueStatus",
    "Meeting",
    "MeetingComment",
    "MeetingStatus",
    "ProgressUpdate",
    "Raci",
    "Review",
    "ReviewCadence",
    "ReviewScore",
    "ReviewStatus",
    "RoleAssignment",
    "Side",
]
