"""Reads of partner selection, scoped by the access policy and prefetched for their pages.

Vendor users see no selection event at all (the models are internal-only); the scores are further
limited by ``rules.score_view``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts import policy
from governance.models import Issue, IssueStatus
from kpis.models import Breach, BreachSeverity, Scorecard
from kpis.models.results import OPEN_BREACH_STATUSES

from . import rules
from .models import (
    Approval,
    Candidate,
    Commitment,
    Criterion,
    Evaluator,
    Score,
    SelectionDecision,
    SelectionEvent,
)
from .ranking import CandidateResult, as_points, rank_candidates

TRACK_RECORD_MONTHS = 12
TRACK_RECORD_SCORECARDS = 6


def event_list_for_user(*, user, status: str = "") -> QuerySet:
    events = policy.scope(user, SelectionEvent.objects.select_related("owner")).annotate(
        candidate_count=Count("candidates", distinct=True),
        evaluator_count=Count("evaluators", distinct=True),
        submitted_count=Count("evaluators", filter=Q(evaluators__submitted_at__isnull=False), distinct=True),
    )
    if status == "open":
        events = events.filter(status__in=["draft", "scoring", "decided"])
    elif status:
        events = events.filter(status=status)
    return events.order_by("-created_at", "-id")


def event_for_user(*, user, pk) -> SelectionEvent:
    queryset = SelectionEvent.objects.select_related("owner", "awarded_vendor", "awarded_contract")
    return policy.get_visible_or_404(user, queryset, pk=pk)


def candidate_for_user(*, user, pk) -> Candidate:
    queryset = Candidate.objects.select_related("event__owner", "vendor")
    return policy.get_visible_or_404(user, queryset, pk=pk)


def commitment_for_user(*, user, pk) -> Commitment:
    queryset = Commitment.objects.select_related("candidate__event__owner", "candidate__vendor", "metric")
    return policy.get_visible_or_404(user, queryset, pk=pk)


def evaluator_for_user(*, user, pk) -> Evaluator:
    return policy.get_visible_or_404(user, Evaluator.objects.select_related("event__owner", "user"), pk=pk)


# ---- Track record of existing vendors --------------------------------------------------------------


@dataclass
class TrackRecord:
    scorecards: list[Scorecard] = field(default_factory=list)  # most recent first
    breaches: dict[str, int] = field(default_factory=dict)  # severity → count over the window
    open_breaches: int = 0
    open_issues: dict[str, int] = field(default_factory=dict)  # severity → count

    @property
    def latest(self) -> Scorecard | None:
        return self.scorecards[0] if self.scorecards else None

    @property
    def breach_rows(self) -> list[tuple[str, str, int]]:
        return [(s.value, s.label, self.breaches.get(s.value, 0)) for s in BreachSeverity]

    @property
    def breach_total(self) -> int:
        return sum(self.breaches.values())

    @property
    def open_issue_total(self) -> int:
        return sum(self.open_issues.values())


def track_records(vendor_ids, *, today: date) -> dict[int, TrackRecord]:
    """Recent scorecards, breaches by severity and open issues of each vendor: three queries in all."""
    vendor_ids = sorted({pk for pk in vendor_ids if pk})
    records = {pk: TrackRecord() for pk in vendor_ids}
    if not vendor_ids:
        return records
    since = today - timedelta(days=TRACK_RECORD_MONTHS * 31)
    for card in Scorecard.objects.filter(vendor_id__in=vendor_ids, period_start__gte=since).order_by(
        "vendor_id", "-period_start"
    ):
        if len(records[card.vendor_id].scorecards) < TRACK_RECORD_SCORECARDS:
            records[card.vendor_id].scorecards.append(card)
    breach_rows = (
        Breach.objects.filter(service_level__contract__vendor_id__in=vendor_ids, period_start__gte=since)
        .values("service_level__contract__vendor_id", "severity")
        .annotate(total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_BREACH_STATUSES)))
    )
    for row in breach_rows:
        record = records[row["service_level__contract__vendor_id"]]
        record.breaches[row["severity"]] = row["total"]
        record.open_breaches += row["open"]
    issue_rows = (
        Issue.objects.filter(vendor_id__in=vendor_ids, status=IssueStatus.OPEN)
        .values("vendor_id", "severity")
        .annotate(total=Count("id"))
    )
    for row in issue_rows:
        records[row["vendor_id"]].open_issues[row["severity"]] = row["total"]
    return records


def open_issues_of(vendor_id: int, limit: int = 5) -> list[Issue]:
    return list(
        Issue.objects.filter(vendor_id=vendor_id, status=IssueStatus.OPEN).order_by("-raised_at")[:limit]
    )


# ---- One event -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakdownLine:
    criterion: Criterion
    cells: list[tuple[Evaluator, Score | None]]  # one per submitted evaluator
    median_score: Decimal | None
    points: Decimal | None

    @property
    def comments(self) -> list[tuple[Evaluator, Score]]:
        return [(evaluator, score) for evaluator, score in self.cells if score is not None and score.comment]


@dataclass
class CandidateRow:
    candidate: Candidate
    track_record: TrackRecord | None
    result: CandidateResult | None = None
    lines: list[BreakdownLine] = field(default_factory=list)
    totals: list[Decimal | None] = field(default_factory=list)  # in the order of the submitted evaluators

    @property
    def has_comments(self) -> bool:
        return any(line.comments for line in self.lines)


@dataclass
class EventOverview:
    """Everything the event's pages show, loaded in a fixed number of queries."""

    event: SelectionEvent
    criteria: list[Criterion]
    candidates: list[CandidateRow]
    evaluators: list[Evaluator]
    mine: Evaluator | None
    score_view: rules.ScoreView
    revealed: bool
    decision: SelectionDecision | None
    approvals: list[Approval]
    ranking: list[CandidateRow] = field(default_factory=list)
    scores: dict[tuple[int, int, int], Score] = field(default_factory=dict)  # (evaluator, cand, crit)
    my_approval: Approval | None = None

    @property
    def weight_total(self) -> int:
        return sum(c.weight for c in self.criteria)

    @property
    def submitted(self) -> list[Evaluator]:
        return [e for e in self.evaluators if e.is_submitted]

    @property
    def active(self) -> list[Evaluator]:
        return rules.active_evaluators(self.evaluators)

    @property
    def shows_scores(self) -> bool:
        return self.score_view != rules.ScoreView.NONE


def event_overview(*, user, event: SelectionEvent, today: date) -> EventOverview:
    criteria = list(event.criteria.all())
    candidates = list(
        event.candidates.select_related("vendor").prefetch_related(
            Prefetch("commitments", queryset=Commitment.objects.select_related("metric"))
        )
    )
    evaluators = list(event.evaluators.select_related("user", "conflict_decided_by"))
    decision = (
        SelectionDecision.objects.select_related("candidate__vendor", "recorded_by")
        .filter(event=event)
        .first()
    )
    approvals = list(decision.approvals.select_related("approver")) if decision else []
    records = track_records([c.vendor_id for c in candidates], today=today)
    view = rules.score_view(user, event, evaluators)
    overview = EventOverview(
        event=event,
        criteria=criteria,
        candidates=[CandidateRow(c, records.get(c.vendor_id)) for c in candidates],
        evaluators=evaluators,
        mine=rules.evaluator_of(user, evaluators),
        score_view=view,
        revealed=rules.scores_revealed(event, evaluators),
        decision=decision,
        approvals=approvals,
        my_approval=next((a for a in approvals if a.approver_id == user.pk), None),
    )
    if view != rules.ScoreView.NONE:
        _rank(overview)
    return overview


def _rank(overview: EventOverview) -> None:
    """Rank from the submitted sheets only: a draft never counts, nor is it ever shown to others."""
    submitted = {e.pk for e in overview.submitted}
    scores = Score.objects.filter(evaluator_id__in=submitted).only(
        "evaluator_id", "candidate_id", "criterion_id", "value", "comment"
    )
    sheets = defaultdict(dict)
    for score in scores:
        sheets[score.evaluator_id][(score.candidate_id, score.criterion_id)] = score.value
        overview.scores[(score.evaluator_id, score.candidate_id, score.criterion_id)] = score
    event = overview.event
    results = rank_candidates(
        candidate_ids=[row.candidate.pk for row in overview.candidates],
        weights={c.pk: c.weight for c in overview.criteria},
        scale_max=event.scale_max,
        sheets={pk: sheets.get(pk, {}) for pk in submitted},
        spread_threshold=event.spread_threshold,
    )
    rows = {row.candidate.pk: row for row in overview.candidates}
    criteria = {c.pk: c for c in overview.criteria}
    evaluators = overview.submitted
    for result in results:
        row = rows[result.candidate_id]
        row.result = result
        row.totals = [as_points(result.totals.get(e.pk)) for e in evaluators]
        row.lines = [
            BreakdownLine(
                criterion=criteria[cell.criterion_id],
                cells=[
                    (
                        e,
                        overview.scores.get((e.pk, row.candidate.pk, cell.criterion_id))
                        if e.pk in result.totals
                        else None,
                    )
                    for e in evaluators
                ],
                median_score=as_points(cell.median_score),
                points=as_points(cell.contribution),
            )
            for cell in result.criteria
        ]
    overview.ranking = [rows[result.candidate_id] for result in results]


def my_sheet_scores(evaluator: Evaluator) -> dict[tuple[int, int], Score]:
    return {(s.candidate_id, s.criterion_id): s for s in evaluator.scores.all()}
