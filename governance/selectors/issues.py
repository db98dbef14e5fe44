"""Reads of issues and their escalation: which path applies, where an issue stands on it, and when it
climbs next. The clock arithmetic here is shared by the pages and the scheduled escalation scan."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet

from accounts import policy
from contracts.models import Contract
from vendors.models import Vendor

from ..models import EscalationLevel, EscalationPath, Issue, IssueComment, IssueEscalation, IssueStatus

# ---- Which path applies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathTarget:
    """What an issue is about, as far as choosing its escalation path goes."""

    vendor_id: int
    tier: str
    contract_id: int | None = None


def escalation_paths_for(targets: Iterable[PathTarget]) -> dict[PathTarget, EscalationPath | None]:
    """The most specific path for each target, in one query: the contract's, else the vendor's, else
    the vendor tier's default."""
    targets = set(targets)
    if not targets:
        return {}
    contract_ids = {t.contract_id for t in targets if t.contract_id}
    paths = EscalationPath.objects.filter(
        Q(contract_id__in=contract_ids)
        | Q(vendor_id__in={t.vendor_id for t in targets}, contract__isnull=True)
        | Q(vendor__isnull=True, tier__in={t.tier for t in targets})
    )
    by_contract, by_vendor, by_tier = {}, {}, {}
    for path in paths:
        if path.contract_id:
            by_contract[path.contract_id] = path
        elif path.vendor_id:
            by_vendor[path.vendor_id] = path
        else:
            by_tier[path.tier] = path
    return {
        t: by_contract.get(t.contract_id) or by_vendor.get(t.vendor_id) or by_tier.get(t.tier)
        for t in targets
    }


def escalation_path_for(*, vendor: Vendor, contract: Contract | None = None) -> EscalationPath | None:
    target = PathTarget(vendor.pk, vendor.tier, contract.pk if contract else None)
    return escalation_paths_for([target])[target]


# ---- The clock ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step up the path: the level reached and the moment the previous level's time ran out."""

    level: int
    due_at: datetime


def pending_steps(
    *, level: int, started_at: datetime, levels: Sequence[EscalationLevel], now: datetime
) -> list[Step]:
    """Every step an open issue should have climbed by ``now``.

    Each level's clock starts when the previous one ran out, so after a pause in the schedule an issue
    climbs as many levels as their time limits add up to, each step at its own due time.
    """
    by_level = {lvl.level: lvl for lvl in levels}
    steps = []
    while (current := by_level.get(level)) is not None:
        following = [lvl for lvl in levels if lvl.level > level]
        due_at = started_at + timedelta(hours=current.time_limit_hours)
        if not following or due_at > now:
            break
        level, started_at = following[0].level, due_at
        steps.append(Step(level, due_at))
    return steps


@dataclass
class IssueClock:
    """Where an issue stands on its path at a moment."""

    issue: Issue
    levels: list[EscalationLevel]
    now: datetime

    @property
    def current(self) -> EscalationLevel | None:
        return next((lvl for lvl in self.levels if lvl.level == self.issue.level), None)

    @property
    def next(self) -> EscalationLevel | None:
        return next((lvl for lvl in self.levels if lvl.level > self.issue.level), None)

    @property
    def is_running(self) -> bool:
        return self.issue.is_open and self.current is not None

    @property
    def limit_ends_at(self) -> datetime | None:
        """When the current level's time limit runs out (the next escalation, unless at the last level)."""
        if not self.is_running:
            return None
        return self.issue.level_started_at + timedelta(hours=self.current.time_limit_hours)

    @property
    def escalates_at(self) -> datetime | None:
        return self.limit_ends_at if self.next is not None else None

    @property
    def is_overdue(self) -> bool:
        ends = self.limit_ends_at
        return ends is not None and ends <= self.now

    @property
    def remaining(self) -> timedelta | None:
        ends = self.limit_ends_at
        return None if ends is None else ends - self.now

    @property
    def overdue_by(self) -> timedelta | None:
        remaining = self.remaining
        return -remaining if remaining is not None and remaining <= timedelta(0) else None

    @property
    def at_last_level(self) -> bool:
        return self.current is not None and self.next is None

    @property
    def progress_percent(self) -> int:
        """How much of the current level's time is used (for the clock bar)."""
        ends = self.limit_ends_at
        if ends is None:
            return 0
        total = (ends - self.issue.level_started_at).total_seconds()
        used = (self.now - self.issue.level_started_at).total_seconds()
        return max(0, min(100, round(100 * used / total))) if total > 0 else 100


def _ordered_levels(*related: str) -> QuerySet[EscalationLevel]:
    return EscalationLevel.objects.select_related(*related).order_by("level")


def clock_for(issue: Issue, now: datetime) -> IssueClock:
    """The clock of an issue fetched with ``path__levels`` prefetched (or without a path)."""
    levels = list(issue.path.levels.all()) if issue.path_id else []
    return IssueClock(issue, levels, now)


# ---- Lists and pages ---------------------------------------------------------------------------------

ESCALATED_CHOICES = {"yes": Q(level__gt=1), "no": Q(level=1)}


def issue_list_for_user(
    *,
    user,
    vendor: Vendor | None = None,
    status: str | None = None,
    severity: str | None = None,
    level: int | None = None,
    escalated: str | None = None,
    origin: str | None = None,
) -> QuerySet[Issue]:
    """Issues the user may see, filtered, newest first, with vendor, contract and path levels at hand.

    ``status`` is an issue status or "all"; no status means the open ones.
    """
    issues = policy.scope(user, Issue.objects.all()).select_related("vendor", "contract", "path")
    issues = issues.prefetch_related(Prefetch("path__levels", queryset=_ordered_levels()))
    status = status or IssueStatus.OPEN
    if status != "all":
        issues = issues.filter(status=status)
    if vendor is not None:
        issues = issues.filter(vendor=vendor)
    if severity:
        issues = issues.filter(severity=severity)
    if level:
        issues = issues.filter(level=level)
    if escalated in ESCALATED_CHOICES:
        issues = issues.filter(ESCALATED_CHOICES[escalated])
    if origin:
        issues = issues.filter(origin=origin)
    return issues.order_by("-raised_at", "-id")


def issue_for_user(*, user, pk: int) -> Issue:
    """One issue the user may see, with what its page names; its path levels come prefetched."""
    issues = Issue.objects.select_related(
        "vendor",
        "contract",
        "path",
        "raised_by__vendor",
        "resolved_by",
        "breach__service_level__metric",
        "finding__audit",
    ).prefetch_related(
        Prefetch("path__levels", queryset=_ordered_levels("internal_person", "vendor_contact"))
    )
    return policy.get_visible_or_404(user, issues, pk=pk)


@dataclass
class IssueCase:
    """Everything an issue page shows around the issue: its clock, steps taken and thread."""

    clock: IssueClock
    escalations: list[IssueEscalation]
    comments: list[IssueComment]

    @property
    def history(self) -> list["HistoryStep"]:
        """Level 1 from when the issue was raised, then each step up with the level's name."""
        names = {lvl.level: lvl.name for lvl in self.clock.levels}
        issue = self.clock.issue
        first = HistoryStep(1, names.get(1, ""), issue.raised_at, None)
        return [
            first,
            *(HistoryStep(s.level, names.get(s.level, ""), s.escalated_at, s) for s in self.escalations),
        ]


@dataclass(frozen=True)
class HistoryStep:
    level: int
    name: str
    at: datetime
    escalation: IssueEscalation | None  # None for the level the issue was raised at


def issue_case_for_user(*, user, issue: Issue, now: datetime) -> IssueCase:
    """Two queries: the escalation steps and the comment thread."""
    escalations = policy.scope(user, IssueEscalation.objects.filter(issue=issue)).select_related("by")
    comments = policy.scope(user, IssueComment.objects.filter(issue=issue)).select_related("author__vendor")
    return IssueCase(clock=clock_for(issue, now), escalations=list(escalations), comments=list(comments))
