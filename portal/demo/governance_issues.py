"""Demo issues on the two demo vendors: one freshly raised by the client, one raised by the vendor that
has already climbed a level, and one whose first two time limits passed while nothing ran — the first
escalation scan moves it up two levels on its own. Idempotent: issues are found by vendor and title."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from governance.models import Issue, IssueEscalation, IssueSeverity
from governance.services.issues import issue_comment, issue_raise
from vendors.models import Vendor

from . import data

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class DemoIssue:
    vendor: str
    raised_by: str
    hours_ago: float
    title: str
    description: str
    severity: str
    # (hours after raising, author e-mail, text)
    comments: tuple[tuple[float, str, str], ...] = ()
    escalated_once: bool = False  # the first level's time has run out and the scan took the step


ISSUES = (
    DemoIssue(
        vendor=data.ACME,
        raised_by=data.MARIA,
        hours_ago=3,
        title="Major incidents reach our desk before Acme's",
        description="Three P1 incidents this month were reported by our own users to the client service desk "
        "20–40 minutes before Acme's monitoring raised them. We need the monitoring gaps closed and an "
        "interim plan for early warning.",
        severity=IssueSeverity.HIGH,
        comments=(
            (
                1,
                "ops@acme.example.com",
                "Confirmed: the synthetic checks on the VPN gateways were disabled "
                "during the March change freeze. We re-enabled them this morning and are reviewing the rest.",
            ),
            (
                2,
                data.MARIA,
                "Thanks. Please send the list of checks you found disabled, with the date each "
                "one is back, before the operational review.",
            ),
        ),
    ),
    DemoIssue(
        vendor=data.GLOBEX,
        raised_by="ops@globex.example.com",
        hours_ago=20,
        title="Change approvals take longer than the agreed two days",
        description="Standard changes submitted to the client's CAB wait five working days on average, so "
        "the patching window for April is at risk. We ask for a fast track for pre-approved standard "
        "changes.",
        severity=IssueSeverity.MEDIUM,
        comments=(
            (
                4,
                data.MARIA,
                "The CAB chair agrees in principle; we need your list of standard change "
                "templates to pre-approve them.",
            ),
            (15, "ops@globex.example.com", "List sent by e-mail; 14 templates, all low risk and rehearsed."),
        ),
        escalated_once=True,
    ),
    DemoIssue(
        vendor=data.ACME,
        raised_by=data.MARIA,
        hours_ago=40,
        title="Weekend on-call rota not staffed",
        description="Nobody answered the on-call number on Saturday night for the storage platform; the "
        "rota for the coming weekends shows two unfilled slots.",
        severity=IssueSeverity.CRITICAL,
    ),
)


def seed_governance_issues(*, now: datetime) -> int:
    """Create the demo issues that are missing; returns how many were created."""
    vendors = {v.name: v for v in Vendor.objects.filter(name__in={i.vendor for i in ISSUES})}
    emails = {i.raised_by for i in ISSUES} | {c[1] for i in ISSUES for c in i.comments}
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    existing = set(Issue.objects.filter(vendor__in=vendors.values()).values_list("vendor__name", "title"))
    created = 0
    for spec in ISSUES:
        if (spec.vendor, spec.title) in existing or spec.vendor not in vendors or spec.raised_by not in users:
            continue
        with transaction.atomic():
            _create(spec, vendors[spec.vendor], users, now)
        created += 1
    return created


def _create(spec: DemoIssue, vendor: Vendor, users: dict[str, User], now: datetime) -> None:
    raised_at = now - spec.hours_ago * HOUR
    first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    issue = issue_raise(
        actor=users[spec.raised_by],
        vendor=vendor,
        title=spec.title,
        description=spec.description,
        severity=spec.severity,
        now=raised_at,
    )
    moments = [raised_at]
    first_level = issue.path.levels.filter(level=1).first() if issue.path else None
    steps = []
    if spec.escalated_once and first_level and first_level.time_limit_hours < spec.hours_ago:
        steps.append((first_level.time_limit_hours, None))
    timeline = sorted([(c[0], c) for c in spec.comments if c[1] in users] + steps, key=lambda item: item[0])
    for after, comment in timeline:
        at = raised_at + after * HOUR
        if comment is None:
            _escalate(issue, at)
        else:
            issue_comment(issue=issue, actor=users[comment[1]], body=comment[2], now=at)
        moments.append(at)
    # The trail tells the story at the moments it happened, not when the demo was loaded.
    events = AuditEvent.objects.filter(
        pk__gt=first_event, object_type="governance.issue", object_id=str(issue.pk)
    )
    for event, moment in zip(events.order_by("pk"), moments, strict=False):
        AuditEvent.objects.filter(pk=event.pk).update(occurred_at=moment)


def _escalate(issue: Issue, at: datetime) -> None:
    """The step the escalation scan would have taken when the first level's time ran out."""
    IssueEscalation.objects.create(issue=issue, level=issue.level + 1, escalated_at=at)
    old = issue.level
    issue.level, issue.level_started_at = old + 1, at
    issue.save(update_fields=["level", "level_started_at"])
    audit_record(
        actor=None,
        action="governance.issue.escalated",
        obj=issue,
        changes={"level": [old, issue.level]},
        note=f"Level {old}'s time ran out; escalated to level {issue.level}.",
    )
