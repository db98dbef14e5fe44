"""A year of generated measurements for the demo service levels, following the story in ``data``.

Each period gets an outcome (met, warning, breached or a missing report) from the story or the vendor's
profile, and then figures whose aggregate lands on that side of the expected and minimum levels. Each
service level draws from its own seeded generator, so a fresh seed on the same day always gives the same
figures, whatever else already exists.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from accounts.models import Role, User
from kpis.models import (
    Aggregation,
    Direction,
    Measurement,
    MeasurementSource,
    MeasurementStatus,
    Metric,
    ServiceLevel,
)
from kpis.periods import period_bounds, periods_between

from . import data
from .clock import aware, shift_months

SEED = "vendor-governance-portal-demo"
HISTORY_MONTHS = 12
DECIMALS_BY_UNIT = {"%": 3, "minutes": 0, "hours": 1, "seconds": 1, "score": 2, "count": 0}


@dataclass(frozen=True)
class _Run:
    now: datetime
    today: date
    first_day: date
    last_day: date
    users: dict[str, User]


def history_start(today: date) -> date:
    """The first day with figures: the first of the month, twelve months before the current one."""
    return shift_months(today.replace(day=1), -HISTORY_MONTHS)


def measurements_seed(*, service_levels, users: dict[str, User], now: datetime, today: date) -> int:
    """Figures for every ``(service level, contract reference, metric code)`` that has none yet.

    Covers the twelve whole months before the current one and the current month up to yesterday.
    Returns the number of rows created.
    """
    ids = [service_level.pk for service_level, _, _ in service_levels]
    measured = set(
        Measurement.objects.filter(service_level_id__in=ids).values_list("service_level_id", flat=True)
    )
    run = _Run(
        now=now,
        today=today,
        first_day=history_start(today),
        last_day=today - timedelta(days=1),
        users=users,
    )
    vendor_of = {spec["reference"]: spec["vendor"] for spec in data.CONTRACTS}
    rows, by_period = [], {}
    for service_level, reference, code in service_levels:
        if service_level.pk in measured:
            continue
        vendor_name = vendor_of[reference]
        story = data.STORY.get((reference, code), {})
        met, warning, breached, missing = data.PROFILES[vendor_name]
        # Where the story scripts a service level, its other periods hold no further failures or gaps.
        profile = (met, warning, 0, 0) if story else (met, warning, breached, missing)
        figures = _service_level_figures(
            run,
            service_level,
            story=story,
            profile=profile,
            submitters=_submitters(run, vendor_name),
            rng=random.Random(f"{SEED}:{reference}:{code}"),
        )
        by_period[(reference, code)] = figures
        rows.extend(m for period in figures.values() for m in period)
    Measurement.objects.bulk_create(rows, batch_size=500)
    return len(rows) + _seed_corrections(run, by_period)


def _submitters(run: _Run, vendor_name: str) -> tuple[User, User]:
    """Who sends the vendor's routine feeds, and who keys in its monthly figures.

    Vendors without portal accounts e-mail their reports and the internal owner keys them in.
    """
    own = [run.users[email] for email, _, _, vendor, _ in data.USERS if vendor == vendor_name]
    owner = next(spec["owner"] for spec in data.VENDORS if spec["name"] == vendor_name)
    reporter = next((user for user in own if user.role == Role.VENDOR_USER), run.users[owner])
    keyer = next((user for user in own if user.role == Role.VENDOR_ADMIN), reporter)
    return reporter, keyer


def _service_level_figures(run, service_level, *, story, profile, submitters, rng) -> dict[int, list]:
    """The measurements of one service level by period, 0 being the current period, 1 the last closed one."""
    spec = data.METRICS[service_level.metric.code]
    first = max(run.first_day, service_level.effective_from)
    last = min(run.last_day, service_level.effective_to or run.last_day)
    if first > last:
        return {}
    periods = periods_between(service_level.period, first, last)
    figures = {}
    for ago, (start, end) in enumerate(reversed(periods)):
        outcome = story.get(ago) or _draw_outcome(rng, profile)
        days = _figure_days(spec, max(start, first), min(end, last), end, rng)
        if outcome == data.MISSING or not days:
            continue
        level = _level(outcome, service_level, rng)
        values = _values(service_level.metric, spec.cadence, level, len(days), spec.base, rng)
        figures[ago] = [
            _measurement(run, service_level, spec.cadence, day, value, denominator, end, rng, submitters)
            for day, (value, denominator) in zip(days, values, strict=True)
        ]
    return figures


def _draw_outcome(rng: random.Random, profile) -> str:
    _, warning, breached, missing = profile
    draw = rng.random()
    if draw < missing:
        return data.MISSING
    if draw < missing + breached:
        return data.BREACHED
    if draw < missing + breached + warning:
        return data.WARNING
    return data.MET


def _figure_days(spec: data.MetricSpec, first: date, last: date, period_end: date, rng) -> list[date]:
    """The days within [first, last] of a period ending on ``period_end`` that the vendor reports on."""
    if first > last:
        return []
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if spec.cadence == data.DAILY:
        return days
    if spec.cadence == data.WEEKLY:
        return [day for day in days if day.weekday() == 6]
    if spec.cadence == data.EVENT:
        count = max(1, round(spec.base * rng.uniform(0.5, 1.5)))
        return sorted(rng.sample(days, min(count, len(days))))
    return [period_end] if last == period_end else []


def _level(outcome: str, service_level: ServiceLevel, rng: random.Random) -> float:
    """The value a period attains for ``outcome``, on the right side of the expected and minimum levels."""
    target, minimum = float(service_level.target), float(service_level.minimum)
    better = 1 if service_level.metric.direction == Direction.HIGHER else -1
    # With expected = minimum (e.g. 100 / 100) a miss has to be far enough off to survive rounding.
    span = abs(target - minimum) or max(abs(target) * 0.5, 1.0)
    if outcome == data.WARNING and target != minimum:
        level = minimum + (target - minimum) * rng.uniform(0.2, 0.8)
    elif outcome == data.BREACHED:
        level = minimum - better * span * rng.uniform(0.3, 1.5)
    else:
        level = target + better * span * rng.uniform(0.0, 0.6)
    return _clamp(level, service_level.metric)


def _clamp(value: float, metric: Metric) -> float:
    if metric.min_value is not None:
        value = max(value, float(metric.min_value))
    if metric.max_value is not None:
        value = min(value, float(metric.max_value))
    return value


def _values(
    metric: Metric, cadence: str, level: float, count: int, base, rng
) -> list[tuple[float, int | None]]:
    """``count`` figures (value, denominator) whose aggregate is about ``level``."""
    if metric.aggregation == Aggregation.RATIO:
        return _ratio_figures(level, count, base, rng)
    if metric.aggregation == Aggregation.SUM:
        return [(value, None) for value in _split_total(round(level), count, rng)]
    if metric.aggregation == Aggregation.AVG:
        return [(value, None) for value in _average_figures(metric, cadence, level, count, rng)]
    return [(value, None) for value in _extreme_figures(metric, level, count, rng)]


def _ratio_figures(level: float, count: int, base: int, rng) -> list[tuple[int, int]]:
    denominators = [max(1, round(base * rng.uniform(0.85, 1.15))) for _ in range(count)]
    total = sum(denominators)
    hits = min(total, max(0, round(total * level / 100)))
    numerators = [d * hits // total for d in denominators]
    remainder = hits - sum(numerators)
    while remainder:
        i = rng.randrange(count)
        if numerators[i] < denominators[i]:
            numerators[i] += 1
            remainder -= 1
    return list(zip(numerators, denominators, strict=True))


def _split_total(total: int, count: int, rng) -> list[int]:
    parts = [0] * count
    for _ in range(total):
        parts[rng.randrange(count)] += 1
    return parts


def _average_figures(metric: Metric, cadence: str, level: float, count: int, rng) -> list[float]:
    if count == 1:
        return [level]
    if cadence == data.DAILY and metric.max_value is not None:
        # Availability: most days are perfect and a few outage days carry the whole shortfall.
        top = float(metric.max_value)
        shortfall = (top - level) * count
        outage_days = rng.sample(range(count), min(count, rng.randint(1, 4)))
        weights = [rng.uniform(0.2, 1.0) for _ in outage_days]
        values = [top] * count
        for day, weight in zip(outage_days, weights, strict=True):
            values[day] = _clamp(top - shortfall * weight / sum(weights), metric)
        return values
    if level == 0:
        return [0.0] * count
    values = [level * (1 + 0.15 * rng.uniform(-1, 1)) for _ in range(count)]
    scale = level * count / sum(values)
    return [_clamp(value * scale, metric) for value in values]


def _extreme_figures(metric: Metric, level: float, count: int, rng) -> list[float]:
    """Figures whose worst one is ``level`` (the maximum when lower is better, the minimum otherwise).

    For a 95th percentile the runner-up sits close to the worst so the percentile lands near ``level``.
    """
    lower_is_better = metric.direction == Direction.LOWER
    top = float(metric.max_value) if metric.max_value is not None else level * 1.5
    others = []
    for _ in range(count - 1):
        if lower_is_better:
            others.append(level * rng.uniform(0.3, 0.9))
        else:
            others.append(top if rng.random() < 0.85 else top - (top - level) * rng.uniform(0.0, 0.5))
    if metric.aggregation == Aggregation.P95 and others:
        others[0] = level * rng.uniform(0.92, 1.0) if lower_is_better else level + (top - level) * 0.05
    values = [*others, level]
    rng.shuffle(values)
    return values


def _measurement(run, service_level, cadence, day, value, denominator, period_end, rng, submitters):
    reporter, keyer = submitters
    source, submitter, delay_days = {
        data.DAILY: (MeasurementSource.API, reporter, 1),
        data.WEEKLY: (MeasurementSource.UPLOAD, reporter, rng.randint(1, 2)),
        data.EVENT: (MeasurementSource.FORM, keyer, rng.randint(0, 2)),
    }.get(cadence, (MeasurementSource.FORM, keyer, rng.randint(1, 4)))
    deadline = period_end + timedelta(days=service_level.grace_days)
    if cadence != data.DAILY and rng.random() < 0.04:
        submitted_on = deadline + timedelta(days=rng.randint(1, 6))
    else:
        submitted_on = day + timedelta(days=delay_days)
    hour = 2 if source == MeasurementSource.API else rng.randint(8, 17)
    submitted_at = min(
        aware(submitted_on, hour, rng.randint(0, 59)), run.now - timedelta(minutes=rng.randint(1, 30))
    )
    validated = deadline < run.today - timedelta(days=10) and rng.random() < 0.95
    metric = service_level.metric
    bad_day = metric.code == "availability" and value < 99
    return Measurement(
        service_level=service_level,
        measured_on=day,
        value=_decimal(value, metric),
        denominator=Decimal(denominator) if denominator is not None else None,
        source=source,
        status=MeasurementStatus.VALIDATED if validated else MeasurementStatus.SUBMITTED,
        submitted_by=submitter,
        submitted_at=submitted_at,
        is_late=submitted_at.date() > deadline,
        note=rng.choice(data.OUTAGE_NOTES) if bad_day else "",
    )


def _decimal(value, metric: Metric) -> Decimal:
    if metric.aggregation == Aggregation.RATIO:
        return Decimal(int(value))
    places = DECIMALS_BY_UNIT.get(metric.unit, 2)
    return Decimal(str(round(float(value), places))).quantize(Decimal(1).scaleb(-places))


def _worst(figures: list[Measurement], metric: Metric) -> Measurement:
    def score(measurement):
        return measurement.value / measurement.denominator if measurement.denominator else measurement.value

    return (max if metric.direction == Direction.LOWER else min)(figures, key=score)


CORRECTION_RULES = {
    # Part of a bad day fell in agreed maintenance: a quarter of its shortfall is given back.
    "maintenance_window": lambda m: (
        m.value + (m.service_level.metric.max_value - m.value) / 4,
        m.denominator,
    ),
    "drop_duplicates": lambda m: (max(m.value - 6, 0), max(m.denominator - 6, 1)),
    "worsen": lambda m: (m.value * Decimal("1.4"), m.denominator),
    "reclassify": lambda m: (max(m.value - 2, 0), m.denominator),
}


def _seed_corrections(run: _Run, by_period: dict) -> int:
    """Supersede the worst figure of a few periods with a corrected one; return how many were made."""
    made = 0
    for correction in data.CORRECTIONS:
        figures = by_period.get((correction.contract, correction.metric), {}).get(correction.periods_ago)
        if not figures:
            continue
        original = _worst(figures, figures[0].service_level.metric)
        value, denominator = CORRECTION_RULES[correction.rule](original)
        service_level = original.service_level
        submitted_at = min(original.submitted_at + timedelta(days=3), run.now)
        deadline = period_bounds(service_level.period, original.measured_on)[1] + timedelta(
            days=service_level.grace_days
        )
        original.is_current = False
        original.save(update_fields=["is_current"])
        # Four eyes: a vendor's correction was a request the manager accepted a day later; the
        # manager's own correction is the client's figure, which the vendor let stand.
        corrector = run.users[correction.corrected_by]
        by_client = corrector.vendor_id is None
        Measurement.objects.create(
            service_level=service_level,
            measured_on=original.measured_on,
            value=_decimal(value, service_level.metric),
            denominator=denominator,
            source=MeasurementSource.FORM,
            status=MeasurementStatus.VALIDATED,
            submitted_by=corrector,
            submitted_at=submitted_at,
            reviewed_by=corrector if by_client else run.users[data.MARIA],
            reviewed_at=min(submitted_at + timedelta(days=1), run.now),
            entered_by_client=by_client,
            supersedes=original,
            corrects=None if by_client else original,
            correction_reason=correction.reason,
            is_late=submitted_at.date() > deadline,
            note=original.note,
        )
        made += 1
    return made
