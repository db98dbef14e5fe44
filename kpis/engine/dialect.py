"""The few SQL expressions that differ between PostgreSQL and SQLite.

The engine's statements are written once; these helpers supply date bucketing, date
arithmetic, the 95th percentile and null-safe comparison for the connected database.
"""

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def period_bucket(kind: str, day: str) -> str:
    """The first day of the period of kind-column ``kind`` containing date ``day``."""
    if is_postgres():
        # Truncating a plain timestamp avoids a per-row time-zone conversion of the date.
        stamp = f"({day})::timestamp"
        return (
            f"(CASE {kind} WHEN 'weekly' THEN date_trunc('week', {stamp}) "
            f"WHEN 'monthly' THEN date_trunc('month', {stamp}) "
            f"ELSE date_trunc('quarter', {stamp}) END)::date"
        )
    return (
        f"(CASE {kind} "
        f"WHEN 'weekly' THEN date({day}, '-' || ((CAST(strftime('%%w', {day}) AS INTEGER) + 6) %% 7) || ' days') "
        f"WHEN 'monthly' THEN date({day}, 'start of month') "
        f"ELSE date({day}, 'start of month', '-' || ((CAST(strftime('%%m', {day}) AS INTEGER) - 1) %% 3) "
        f"|| ' months') END)"
    )


def month_start(day: str) -> str:
    if is_postgres():
        return f"date_trunc('month', ({day})::timestamp)::date"
    return f"date({day}, 'start of month')"


def month_end(month_first_day: str) -> str:
    if is_postgres():
        return f"(({month_first_day}) + interval '1 month' - interval '1 day')::date"
    return f"date({month_first_day}, '+1 month', '-1 day')"


def add_days(day: str, days: str) -> str:
    if is_postgres():
        return f"({day} + ({days}))"
    return f"date({day}, '+' || ({days}) || ' days')"


def least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if is_postgres() else f"MIN({a}, {b})"


def distinct(a: str, b: str) -> str:
    """Null-safe 'differs' between two row values."""
    return f"({a}) IS DISTINCT FROM ({b})" if is_postgres() else f"({a}) IS NOT ({b})"


def text(expr: str) -> str:
    return f"CAST({expr} AS TEXT)"


def real(expr: str) -> str:
    """Numeric arithmetic that keeps fractions (SQLite integer division truncates)."""
    return f"CAST({expr} AS NUMERIC)" if is_postgres() else f"CAST({expr} AS REAL)"


def true() -> str:
    return "TRUE" if is_postgres() else "1"


def create_work_table() -> list[str]:
    """A temporary table holding the (service level, period) pairs this run evaluates."""
    columns = (
        "service_level_id bigint NOT NULL, period_start date NOT NULL, period_end date NOT NULL, "
        "PRIMARY KEY (service_level_id, period_start)"
    )
    if is_postgres():
        return [
            "DROP TABLE IF EXISTS eval_work",
            f"CREATE TEMP TABLE eval_work ({columns}) ON COMMIT DROP",
        ]
    return ["DROP TABLE IF EXISTS temp.eval_work", f"CREATE TEMP TABLE eval_work ({columns})"]


def analyze_work_table() -> list[str]:
    """Give the planner the work table's real size (temporary tables are never auto-analysed)."""
    return ["ANALYZE eval_work"] if is_postgres() else []


def drop_work_table() -> list[str]:
    return [] if is_postgres() else ["DROP TABLE IF EXISTS temp.eval_work"]


def p95_cte(filters: str) -> str:
    """A CTE ``p95(sl_id, ps, p95)``: the linearly interpolated 95th percentile per period of the
    figures ``filters`` (``AND …`` conditions on ``m``) keep."""
    bucket = period_bucket("sl.period", "m.measured_on")
    source = (
        "FROM kpis_measurement m JOIN kpis_servicelevel sl ON sl.id = m.service_level_id "
        "JOIN kpis_metric mt ON mt.id = sl.metric_id "
        f"WHERE mt.aggregation = 'p95' {filters}"
    )
    if is_postgres():
        return (
            f"p95 AS (SELECT m.service_level_id AS sl_id, {bucket} AS ps, "
            f"percentile_cont(0.95) WITHIN GROUP (ORDER BY m.value) AS p95 {source} GROUP BY 1, 2)"
        )
    return (
        f"p95_ranked AS (SELECT m.service_level_id AS sl_id, {bucket} AS ps, CAST(m.value AS REAL) AS v, "
        f"ROW_NUMBER() OVER (PARTITION BY m.service_level_id, {bucket} ORDER BY m.value) - 1 AS rn, "
        f"COUNT(*) OVER (PARTITION BY m.service_level_id, {bucket}) AS n {source}), "
        "p95 AS (SELECT sl_id, ps, SUM(CASE "
        "WHEN rn = CAST(0.95 * (n - 1) AS INTEGER) THEN v * (1 - (0.95 * (n - 1) - CAST(0.95 * (n - 1) AS INTEGER))) "
        "WHEN rn = CAST(0.95 * (n - 1) AS INTEGER) + 1 THEN v * (0.95 * (n - 1) - CAST(0.95 * (n - 1) AS INTEGER)) "
        "ELSE 0 END) AS p95 FROM p95_ranked GROUP BY sl_id, ps)"
    )


def advisory_lock() -> list[str]:
    """Serialise engine runs on PostgreSQL (SQLite serialises writers by itself)."""
    return ["SELECT pg_advisory_xact_lock(727001)"] if is_postgres() else []


def empty_json() -> str:
    return "'{}'::jsonb" if is_postgres() else "'{}'"


def session_settings() -> list[str]:
    """Per-transaction planner settings for the engine's large set-based statements.

    Enough memory to hash-aggregate a portfolio-year in RAM; no JIT, whose compile time
    for these expression-heavy statements exceeds what it saves.
    """
    if not is_postgres():
        return []
    return ["SET LOCAL work_mem = '256MB'", "SET LOCAL jit = off"]
