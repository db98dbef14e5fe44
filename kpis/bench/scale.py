"""A large synthetic portfolio for benchmarks, loaded with set-based SQL.

Vendors, contracts and service levels are bulk-created; the daily measurements are
generated inside the database (generate_series on PostgreSQL, a recursive CTE on SQLite),
so millions of rows load in minutes rather than hours.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from contracts.models import Contract, ContractStatus, ContractType
from kpis.engine import dialect
from kpis.models import Metric, ServiceLevel
from vendors.models import Vendor, VendorStatus, VendorTier

PREFIX = "Scale vendor "

# code, name, unit, direction, aggregation, category, target, minimum, centre, spread
SCALE_METRICS = [
    ("scale-availability", "Scale: availability", "%", "higher", "avg", "quality", "99.5", "99.0", 99.6, 0.8),
    (
        "scale-p1-response",
        "Scale: P1 response (p95)",
        "minutes",
        "lower",
        "p95",
        "responsiveness",
        "15",
        "30",
        12,
        10,
    ),
    (
        "scale-resolved-in-time",
        "Scale: resolved within target",
        "%",
        "higher",
        "ratio",
        "delivery",
        "95",
        "90",
        0,
        0,
    ),
    ("scale-backlog", "Scale: backlog (max)", "count", "lower", "max", "delivery", "40", "60", 30, 15),
    ("scale-defects", "Scale: defects (sum)", "count", "lower", "sum", "quality", "20", "30", 0.6, 0.6),
    (
        "scale-csat",
        "Scale: satisfaction (min)",
        "score",
        "higher",
        "min",
        "relationship",
        "3.5",
        "3.0",
        4.2,
        0.8,
    ),
    (
        "scale-speed-answer",
        "Scale: speed to answer",
        "seconds",
        "lower",
        "avg",
        "responsiveness",
        "30",
        "60",
        28,
        12,
    ),
    ("scale-changes", "Scale: days reported (count)", "count", "higher", "count", "delivery", "7", "6", 0, 0),
    ("scale-backup", "Scale: backup success", "%", "higher", "avg", "quality", "99", "98", 99.2, 0.9),
    ("scale-patching", "Scale: patch compliance", "%", "higher", "avg", "quality", "95", "90", 95.5, 3),
]


def scale_vendors():
    return Vendor.objects.filter(name__startswith=PREFIX)


def _metrics() -> list[Metric]:
    metrics = []
    for code, name, unit, direction, aggregation, category, *_ in SCALE_METRICS:
        metric, _ = Metric.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "aggregation": aggregation,
                "category": category,
            },
        )
        metrics.append(metric)
    return metrics


@transaction.atomic
def seed_scale(*, vendors: int, slas_per_vendor: int, days: int, end: date) -> dict:
    """Create the portfolio with ``days`` daily measurements per service level ending on ``end``."""
    start = end - timedelta(days=days - 1)
    metrics = _metrics()
    tiers = list(VendorTier.values)
    Vendor.objects.bulk_create(
        [
            Vendor(name=f"{PREFIX}{i:05d}", status=VendorStatus.ACTIVE, tier=tiers[i % len(tiers)])
            for i in range(vendors)
        ],
        batch_size=2000,
    )
    vendor_rows = list(scale_vendors().order_by("id"))
    Contract.objects.bulk_create(
        [
            Contract(
                vendor=v,
                reference=f"SCALE-{v.pk}",
                title="Managed services",
                contract_type=ContractType.MSA,
                status=ContractStatus.ACTIVE,
                start_date=start,
                initial_term_end=start + timedelta(days=3 * 365),
                monthly_charge=Decimal(50000 + (v.pk % 7) * 10000),
                at_risk_percent=Decimal("12"),
            )
            for v in vendor_rows
        ],
        batch_size=2000,
    )
    contracts = Contract.objects.filter(vendor__in=scale_vendors()).order_by("id")
    service_levels = []
    for contract in contracts:
        for i in range(slas_per_vendor):
            code, _n, _u, _d, _a, _c, target, minimum, *_ = SCALE_METRICS[i % len(SCALE_METRICS)]
            period = "weekly" if i % 10 == 7 else "quarterly" if i % 10 == 9 else "monthly"
            kind = "csl" if i < 3 else "kpi"
            service_levels.append(
                ServiceLevel(
                    contract=contract,
                    metric=metrics[i % len(metrics)],
                    kind=kind,
                    target=Decimal(target),
                    minimum=Decimal(minimum),
                    period=period,
                    grace_days=5,
                    credit_allocation_percent=Decimal(60 if kind == "csl" else 0),
                    weight=10,
                    effective_from=start,
                )
            )
    ServiceLevel.objects.bulk_create(service_levels, batch_size=2000)
    measurements = _generate_measurements(start=start, end=end)
    return {"vendors": len(vendor_rows), "service_levels": len(service_levels), "measurements": measurements}


def _value_sql() -> tuple[str, str]:
    """Per-metric value and denominator expressions over ``u`` (a uniform 0–1 draw) and ``u2``."""
    cases, dens = [], []
    for code, *_rest, centre, spread in SCALE_METRICS:
        aggregation = _rest[3]
        if aggregation == "ratio":
            cases.append(f"WHEN '{code}' THEN 30 - CAST(u * u2 * 4 AS INTEGER)")
            dens.append(f"WHEN '{code}' THEN 30")
        elif aggregation == "count":
            cases.append(f"WHEN '{code}' THEN 1")
        else:
            cases.append(
                f"WHEN '{code}' THEN ROUND({dialect.real(f'{centre} + ({spread}) * (u + u2 - 1.0)')}, 2)"
            )
    value = "CASE g.code " + " ".join(cases) + " END"
    denominator = "CASE g.code " + " ".join(dens) + " ELSE NULL END"
    return value, denominator


def _generate_measurements(*, start: date, end: date) -> int:
    """Insert one measurement per service level per day, skipping ~2% of months as unreported."""
    value, denominator = _value_sql()
    if dialect.is_postgres():
        days = (
            "SELECT d::date AS day FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') d"
        )
        draw = "random()"
        month = "EXTRACT(MONTH FROM days.day)::int"
    else:
        days = (
            "SELECT date(%(start)s) AS day UNION ALL SELECT date(day, '+1 day') FROM days WHERE day < %(end)s"
        )
        draw = "(ABS(RANDOM()) %% 1000000) / 1000000.0"
        month = "CAST(strftime('%%m', days.day) AS INTEGER)"
    prefix = (
        "WITH RECURSIVE days(day) AS (" + days + ")"
        if not dialect.is_postgres()
        else "WITH days AS (" + days + ")"
    )
    sql = f"""
{prefix}
INSERT INTO kpis_measurement (service_level_id, measured_on, value, denominator, source, status, submitted_at,
                              is_current, correction_reason, is_late, note, review_reason)
SELECT g.sl_id, g.day, {value}, {denominator}, 'api', 'submitted', %(now)s, {dialect.true()}, '', {"FALSE" if dialect.is_postgres() else "0"}, '', ''
FROM (SELECT sl.id AS sl_id, days.day, mt.code, {draw} AS u, {draw} AS u2, {month} AS mon
      FROM kpis_servicelevel sl JOIN contracts_contract c ON c.id = sl.contract_id
      JOIN vendors_vendor v ON v.id = c.vendor_id JOIN kpis_metric mt ON mt.id = sl.metric_id
      CROSS JOIN days
      WHERE v.name LIKE %(prefix)s) g
WHERE (g.sl_id * 31 + g.mon) %% 47 <> 0
"""
    with connection.cursor() as cursor:
        if dialect.is_postgres():
            cursor.execute("SELECT setseed(0.42)")
        cursor.execute(sql, {"start": start, "end": end, "now": end, "prefix": PREFIX + "%"})
        if cursor.rowcount >= 0:
            return cursor.rowcount
        cursor.execute("SELECT changes()")
        return cursor.fetchone()[0]


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load, so the first queries plan well."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@transaction.atomic
def delete_scale() -> None:
    """Remove the scale portfolio and everything derived from it."""
    with connection.cursor() as cursor:
        for table, column in (
            ("kpis_measurement", "service_level_id"),
            ("kpis_servicelevelresult", "service_level_id"),
            ("kpis_breach", "service_level_id"),
            ("kpis_pendingevaluation", "service_level_id"),
        ):
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} IN (SELECT sl.id FROM kpis_servicelevel sl "  # noqa: S608
                "JOIN contracts_contract c ON c.id = sl.contract_id JOIN vendors_vendor v ON v.id = c.vendor_id "
                "WHERE v.name LIKE %s)",
                [PREFIX + "%"],
            )
    from kpis.models import Scorecard, ServiceCredit

    ServiceCredit.objects.filter(contract__vendor__in=scale_vendors()).delete()
    Scorecard.objects.filter(vendor__in=scale_vendors()).delete()
    ServiceLevel.objects.filter(contract__vendor__in=scale_vendors()).delete()
    Contract.objects.filter(vendor__in=scale_vendors()).delete()
    scale_vendors().delete()
