"""The benchmark's reference: one hand-written SQL statement that computes, for every service
level and closed period, the attained value and outcome the engine must also produce.

It counts figures by the same four-eyes rule as the engine, written out on its own: a current figure
counts unless disputed (by a manager or by an open vendor dispute), and, when figures wait, only once
validated by the other side, computed by the portal, or submitted at or before ``count_before``; a
figure a correction superseded stands while that correction does not count."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection

from kpis.engine import dialect


def reference_sql() -> str:
    counted = (
        "m.status <> 'disputed' AND NOT EXISTS (SELECT 1 FROM kpis_dispute x "
        "WHERE x.measurement_id = m.id AND x.status = 'open')"
    )
    if settings.FIGURES_COUNT_AFTER_DAYS > 0:
        counted += (
            " AND (m.source = 'system' OR (m.status = 'validated' AND NOT m.entered_by_client)"
            " OR m.submitted_at <= %(count_before)s)"
        )
    # A superseded figure stands while the correction that superseded it does not count.
    newer = counted.replace("m.", "n.")
    standing = (
        "(m.is_current OR EXISTS (SELECT 1 FROM kpis_measurement n WHERE n.supersedes_id = m.id "
        f"AND n.is_current AND NOT ({newer})))"
    )
    bucket = dialect.period_bucket("sl.period", "m.measured_on")
    closed = dialect.add_days('p."end"', "sl.grace_days + 1") + " <= %(today)s"
    if dialect.is_postgres():
        p95_select = ", percentile_cont(0.95) WITHIN GROUP (ORDER BY m.value) FILTER (WHERE mt.aggregation = 'p95') AS p95"
        p95_cte, p95_join, p95_col = "", "", "a.p95"
    else:
        p95_select = ""
        p95_cte = dialect.p95_cte(f"AND {standing} AND {counted}") + ","
        p95_join = "LEFT JOIN p95 q ON q.sl_id = sl.id AND q.ps = p.start"
        p95_col = "q.p95"
    target = (
        "COALESCE((SELECT tg.{col} FROM kpis_serviceleveltarget tg WHERE tg.service_level_id = sl.id "
        "AND tg.effective_from <= p.start ORDER BY tg.effective_from DESC LIMIT 1), sl.{col})"
    )
    return f"""
WITH {p95_cte} agg AS (
    SELECT m.service_level_id AS sl_id, {
        bucket
    } AS ps, COUNT(*) AS n, AVG(m.value) AS v_avg, SUM(m.value) AS v_sum,
           MIN(m.value) AS v_min, MAX(m.value) AS v_max, SUM(m.denominator) AS v_den {p95_select}
    FROM kpis_measurement m JOIN kpis_servicelevel sl ON sl.id = m.service_level_id
    JOIN kpis_metric mt ON mt.id = sl.metric_id
    WHERE {standing} AND {counted}
    GROUP BY m.service_level_id, {bucket}
),
v AS (
    SELECT sl.id AS sl_id, p.start AS ps, mt.direction, {target.format(col="target")} AS target,
           {target.format(col="minimum")} AS minimum, COALESCE(a.n, 0) AS n,
           ROUND({
        dialect.real(f'''CASE mt.aggregation WHEN 'avg' THEN a.v_avg WHEN 'sum' THEN a.v_sum
               WHEN 'min' THEN a.v_min WHEN 'max' THEN a.v_max WHEN 'count' THEN a.n WHEN 'p95' THEN {p95_col}
               WHEN 'ratio' THEN {dialect.real("a.v_sum")} * 100 / NULLIF(a.v_den, 0) END''')
    }, 4) AS attained
    FROM kpis_servicelevel sl
    JOIN kpis_metric mt ON mt.id = sl.metric_id
    JOIN kpis_period p ON p.kind = sl.period AND p."end" >= sl.effective_from
         AND (sl.effective_to IS NULL OR p.start <= sl.effective_to) AND {closed}
    LEFT JOIN agg a ON a.sl_id = sl.id AND a.ps = p.start
    {p95_join}
    WHERE sl.is_active
)
SELECT sl_id, ps, attained, CASE
    WHEN n = 0 OR attained IS NULL THEN 'missing'
    WHEN direction = 'higher' THEN
        CASE WHEN attained >= target THEN 'met' WHEN attained >= minimum THEN 'warning' ELSE 'breached' END
    ELSE CASE WHEN attained <= target THEN 'met' WHEN attained <= minimum THEN 'warning' ELSE 'breached' END
    END AS outcome
FROM v
"""


def reference_results(*, today: date, now: datetime) -> dict[tuple[int, date], tuple[Decimal | None, str]]:
    count_before = connection.ops.adapt_datetimefield_value(
        now - timedelta(days=settings.FIGURES_COUNT_AFTER_DAYS)
    )
    with connection.cursor() as cursor:
        cursor.execute(reference_sql(), {"today": today, "count_before": count_before})
        rows = cursor.fetchall()
    return {(sl_id, _as_date(ps)): (_as_decimal(attained), outcome) for sl_id, ps, attained, outcome in rows}


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _as_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001"))
