"""Builders for partner selection: events set up through the services, as the pages would, and the
rows the isolation sweep needs."""

from decimal import Decimal

from selection import services
from selection.models import (
    Candidate,
    Commitment,
    ConflictStatus,
    Criterion,
    Evaluator,
    EventStatus,
    SelectionEvent,
)


def make_event(
    *,
    owner,
    vendors=(),
    prospects=(),
    evaluators=(),
    criteria=(("Quality", 40), ("Cost", 35), ("Security", 25)),
    scale_min=0,
    scale_max=5,
    spread_threshold=Decimal("20"),
    open_scoring=True,
    title="Service desk re-tender",
) -> SelectionEvent:
    """An event with its candidates and evaluators, scoring opened unless told otherwise."""
    event = services.event_create(
        actor=owner,
        title=title,
        requirement="24×7 service desk for 4,500 staff in six countries.",
        owner=owner,
        scale_min=scale_min,
        scale_max=scale_max,
        spread_threshold=spread_threshold,
        criteria=[{"name": name, "weight": weight} for name, weight in criteria],
    )
    for vendor in vendors:
        services.candidate_add(event=event, actor=owner, vendor=vendor)
    for name in prospects:
        services.candidate_add(
            event=event,
            actor=owner,
            prospect_name=name,
            contact_name="Nora North",
            contact_email="nora@prospect.test",
            website="https://prospect.test",
        )
    for user in evaluators:
        services.evaluator_add(event=event, actor=owner, user=user)
    if open_scoring:
        event = services.scoring_open(event=event, actor=owner)
    return event


def evaluator_of(event, user) -> Evaluator:
    return Evaluator.objects.get(event=event, user=user)


def score(event, user, table: dict, *, submit=True, declare=True):
    """``table`` maps candidate → list of scores in criteria order (one comment per cell)."""
    evaluator = evaluator_of(event, user)
    if declare and evaluator.conflict_status == ConflictStatus.PENDING:
        evaluator = services.conflict_declare(evaluator=evaluator, actor=user, has_conflict=False)
    criteria = list(event.criteria.all())
    entries = {}
    for candidate, values in table.items():
        for criterion, value in zip(criteria, values, strict=True):
            entries[(candidate.pk, criterion.pk)] = (value, f"{user.get_short_name()} on {criterion.name}")
    return services.sheet_save(evaluator=evaluator, actor=user, entries=entries, submit=submit)


def candidates_of(event) -> list[Candidate]:
    return list(event.candidates.select_related("vendor").order_by("pk"))


# ---- Rows for the isolation and role sweeps (one event per portfolio vendor) ---------------------------


def sweep_event(side) -> SelectionEvent:
    """A scoring event owned by the portfolio's manager, who also evaluates it, with the side's vendor
    as candidate. Internal-only: every vendor user gets 404 for it."""
    manager = side.sow.owner
    title = f"Sweep selection {side.vendor.pk}"
    event = SelectionEvent.objects.filter(title=title).first()
    if event is not None:
        return event
    event = SelectionEvent.objects.create(
        title=title, requirement="Sweep.", owner=manager, status=EventStatus.SCORING
    )
    criterion = Criterion.objects.create(event=event, name="Quality", weight=100)
    candidate = Candidate.objects.create(event=event, vendor=side.vendor)
    Commitment.objects.create(candidate=candidate, metric=side.service_level.metric, target=Decimal("99"))
    Evaluator.objects.create(event=event, user=manager, conflict_status=ConflictStatus.NONE)
    assert criterion.pk
    return event


def sweep_candidate(side) -> Candidate:
    return sweep_event(side).candidates.get()


def sweep_commitment(side) -> Commitment:
    return sweep_candidate(side).commitments.get()


def sweep_evaluator(side) -> Evaluator:
    return sweep_event(side).evaluators.get()
