"""The engine's SQL statements. Each runs once per evaluation, whatever the portfolio size.

Parameters are passed by name (``%(name)s``); identifiers are fixed strings. The
statements read the temporary ``eval_work`` table of (service level, period) pairs.
"""

import re

from django.conf import settings

from . import dialect as d

P_END = 'p."end"'
# Critical service levels carry money: any failure is high. A missed KPI is medium, an unreported one low.
SEVERITY = "CASE WHEN sl.kind = 'csl' THEN 'high' WHEN r.outcome = 'breached' THEN 'medium' ELSE 'low' END"
OPEN_STATUSES = "('open', 'acknowledged', 'action_planned')"
FAILED_OUTCOMES = "('breached', 'missing')"
# Breaches move on settled figures, or on counted figures that already miss the minimum; a period whose
# figures are all waiting or disputed is neither "not reported" nor cleared.
SETTLED_OR_FAILING = "(r.figures_basis = 'validated' OR r.outcome = 'breached')"
# The kind a failing result gives its breach. A "not reported" breach stays one when the contract says
# that late figures do not clear it.
NEW_KIND = "CASE r.outcome WHEN 'missing' THEN 'not_reported' ELSE 'missed_target' END"

WORK_FILTERS = (
    "AND m.service_level_id IN (SELECT service_level_id FROM eval_work) "
    "AND m.measured_on >= (SELECT MIN(period_start) FROM eval_work) "
    "AND m.measured_on <= (SELECT MAX(period_end) FROM eval_work)"
)


def waits_for_review() -> bool:
    """Whether figures wait ``FIGURES_COUNT_AFTER_DAYS`` for the other side before they count."""
    return settings.FIGURES_COUNT_AFTER_DAYS > 0


# An open dispute of a figure (at most one per figure, by a partial unique index).
OPEN_DISPUTE = "SELECT 1 FROM kpis_dispute x WHERE x.measurement_id = m.id AND x.status = 'open'"


def counted_figure(undisputed: str = f"NOT EXISTS ({OPEN_DISPUTE})") -> str:
    """The four-eyes rule for a current figure ``m``: it counts unless disputed (by a manager's review or
    an open vendor dispute), and once the other side has validated it, it was computed by the portal, or
    it has stood ``FIGURES_COUNT_AFTER_DAYS`` (bound as ``%(count_before)s``) without a dispute.

    ``undisputed`` says "no open vendor dispute"; a statement that joins the open disputes passes its test.
    """
    sql = f"m.status <> 'disputed' AND {undisputed}"
    if waits_for_review():
        sql += (
            " AND (m.source = 'system' OR (m.status = 'validated' AND NOT m.entered_by_client)"
            " OR m.submitted_at <= %(count_before)s)"
        )
    return sql


def standing_figure() -> str:
    """The figures a period rests on: the current ones, and a figure a correction superseded for as
    long as that correction does not count — the old figure stands until the new one has had the other
    side's eyes (a manager's correction of a vendor's validated figure, say, or one the vendor
    disputes)."""
    newer = re.sub(r"\bm\.", "n.", counted_figure())
    return (
        "(m.is_current OR EXISTS (SELECT 1 FROM kpis_measurement n WHERE n.supersedes_id = m.id "
        f"AND n.is_current AND NOT ({newer})))"
    )


def _closed(period_end: str, grace: str) -> str:
    """The period is closed on the run's local date ``%(today)s``."""
    return f"{d.add_days(period_end, f'{grace} + 1')} <= %(today)s"


def _scope(vendor_ids: list[int] | None, since_filter: bool) -> str:
    sql = ""
    if vendor_ids:
        sql += " AND c.vendor_id IN (" + ", ".join(str(int(v)) for v in vendor_ids) + ")"
    if since_filter:
        sql += ' AND p."end" >= %(since)s'
    return sql


def due_periods(*, vendor_ids: list[int] | None, since_filter: bool) -> str:
    """Every closed period of every active service level (in scope)."""
    return (
        'SELECT sl.id, p.start, p."end" FROM kpis_servicelevel sl '
        "JOIN kpis_period p ON p.kind = sl.period "
        "JOIN contracts_contract c ON c.id = sl.contract_id "
        f'WHERE sl.is_active AND p."end" >= sl.effective_from '
        "AND (sl.effective_to IS NULL OR p.start <= sl.effective_to) "
        f"AND {_closed(P_END, 'sl.grace_days')}"
        f"{_scope(vendor_ids, since_filter)}"
    )


def fill_work_full(*, vendor_ids: list[int] | None, since_filter: bool) -> str:
    return "INSERT INTO eval_work (service_level_id, period_start, period_end) " + due_periods(
        vendor_ids=vendor_ids, since_filter=since_filter
    )


def fill_work_incremental(*, vendor_ids: list[int] | None, since_filter: bool) -> str:
    """Closed periods never evaluated, plus queued re-evaluations of closed periods."""
    return (
        "INSERT INTO eval_work (service_level_id, period_start, period_end) "
        + due_periods(vendor_ids=vendor_ids, since_filter=since_filter)
        + " AND NOT EXISTS (SELECT 1 FROM kpis_servicelevelresult r "
        "WHERE r.service_level_id = sl.id AND r.period_start = p.start) "
        'UNION SELECT sl.id, p.start, p."end" FROM kpis_pendingevaluation pe '
        "JOIN kpis_servicelevel sl ON sl.id = pe.service_level_id "
        "JOIN kpis_period p ON p.kind = sl.period AND p.start = pe.period_start "
        "JOIN contracts_contract c ON c.id = sl.contract_id "
        f"WHERE sl.is_active AND {_closed(P_END, 'sl.grace_days')}"
        f"{_scope(vendor_ids, since_filter)}"
        # A provisional result is looked at again on every run: its waiting figures may count by now.
        ' UNION SELECT sl.id, p.start, p."end" FROM kpis_servicelevelresult r '
        "JOIN kpis_servicelevel sl ON sl.id = r.service_level_id "
        "JOIN kpis_period p ON p.kind = sl.period AND p.start = r.period_start "
        "JOIN contracts_contract c ON c.id = sl.contract_id "
        f"WHERE r.figures_basis <> 'validated' AND sl.is_active{_scope(vendor_ids, since_filter)}"
    )


CLAIM_PENDING = (
    "DELETE FROM kpis_pendingevaluation WHERE EXISTS (SELECT 1 FROM eval_work w "
    "WHERE w.service_level_id = kpis_pendingevaluation.service_level_id "
    "AND w.period_start = kpis_pendingevaluation.period_start)"
)


def upsert_results(*, full: bool) -> str:
    """Aggregate each work period's counted figures, judge them, price the credit, upsert.

    A full run aggregates every current measurement in one pass (a sequential scan is the
    cheapest plan); an incremental run restricts the scan to the work set's service levels
    and dates so that it reads only what it needs. Only figures that count under the four-eyes
    rule (``counted_figure``) are aggregated; the others make the result provisional
    (``figures_basis`` pending or disputed). A provisional result keeps the credit it had, so that
    neither side moves money alone, and a provisional period with nothing counted is not priced.
    """
    bucket = d.period_bucket("sl.period", "m.measured_on")
    filters = "" if full else WORK_FILTERS
    counted = counted_figure()
    # The percentile needs sorted values, so it is computed apart, over p95 metrics only; the
    # other aggregates then hash-aggregate without sorting every measurement.
    p95_cte = d.p95_cte(f"AND {standing_figure()} AND {counted} {filters}") + ","
    p95_join = "LEFT JOIN p95 q ON q.sl_id = t.service_level_id AND q.ps = t.period_start"
    p95_col = "q.p95"
    charge_factor = "CASE t.pkind WHEN 'weekly' THEN 12.0 / 52 WHEN 'monthly' THEN 1.0 ELSE 3.0 END"
    shortfall = "CASE WHEN o.direction = 'higher' THEN o.minimum - o.attained ELSE o.attained - o.minimum END"
    new = (
        "service_level_id, period_start, period_end, attained, sample_count, target, minimum, outcome, "
        "period_charge, at_risk_percent, allocation_percent, factor_percent, credit_amount, figures_basis"
    )
    compared = (
        "attained, sample_count, target, minimum, outcome, period_end, "
        "period_charge, at_risk_percent, allocation_percent, factor_percent, credit_amount, figures_basis"
    )
    columns = [c.strip() for c in compared.split(",")]
    held = "excluded.figures_basis <> 'validated'"
    incoming = {c: f"excluded.{c}" for c in columns}
    for c in ("factor_percent", "credit_amount"):
        incoming[c] = f"CASE WHEN {held} THEN kpis_servicelevelresult.{c} ELSE excluded.{c} END"
    current = ", ".join(f"kpis_servicelevelresult.{c}" for c in columns)
    return f"""
WITH {p95_cte} fig AS (
    SELECT m.service_level_id AS sl_id, {bucket} AS ps, m.value, m.denominator,
           CASE WHEN {counted_figure("x.id IS NULL")} THEN 1 ELSE 0 END AS counted,
           CASE WHEN m.status = 'disputed' OR x.id IS NOT NULL THEN 1 ELSE 0 END AS disputed
    FROM kpis_measurement m JOIN kpis_servicelevel sl ON sl.id = m.service_level_id
    -- at most one open dispute per figure (a partial unique index), so the join adds no rows
    LEFT JOIN kpis_dispute x ON x.measurement_id = m.id AND x.status = 'open'
    WHERE {standing_figure()} {filters}
),
agg AS (
    SELECT sl_id, ps, SUM(counted) AS n,
           SUM(CASE WHEN counted = 1 THEN value END) AS v_sum, MIN(CASE WHEN counted = 1 THEN value END) AS v_min,
           MAX(CASE WHEN counted = 1 THEN value END) AS v_max,
           SUM(CASE WHEN counted = 1 THEN denominator END) AS v_den,
           MAX(disputed) AS disputed, MAX(1 - counted) AS waiting
    FROM fig GROUP BY sl_id, ps
),
requested AS (
    SELECT DISTINCT m.service_level_id AS sl_id, {bucket} AS ps
    FROM kpis_measurement m JOIN kpis_servicelevel sl ON sl.id = m.service_level_id
    WHERE m.status = 'requested' {filters}
),
tg AS (
    SELECT service_level_id, effective_from, target, minimum,
           LEAD(effective_from) OVER (PARTITION BY service_level_id ORDER BY effective_from) AS next_from
    FROM kpis_serviceleveltarget
),
t AS (
    SELECT w.service_level_id, w.period_start, w.period_end, sl.kind AS sl_kind, sl.period AS pkind,
           sl.credit_allocation_percent AS allocation, mt.direction, mt.aggregation,
           c.monthly_charge, c.at_risk_percent,
           COALESCE(tg.target, sl.target) AS target, COALESCE(tg.minimum, sl.minimum) AS minimum,
           -- unreported by the deadline, and the contract keeps that a reporting failure whatever comes late
           CASE WHEN nb.id IS NULL THEN 0 ELSE 1 END AS unreported
    FROM eval_work w
    JOIN kpis_servicelevel sl ON sl.id = w.service_level_id
    JOIN kpis_metric mt ON mt.id = sl.metric_id
    JOIN contracts_contract c ON c.id = sl.contract_id
    -- the levels in force on the period's first day
    LEFT JOIN tg ON tg.service_level_id = w.service_level_id AND tg.effective_from <= w.period_start
         AND (tg.next_from IS NULL OR tg.next_from > w.period_start)
    LEFT JOIN kpis_breach nb ON nb.service_level_id = w.service_level_id AND nb.period_start = w.period_start
         AND nb.kind = 'not_reported' AND nb.status <> 'cleared' AND NOT c.late_figures_clear_unreported
),
v AS (
    SELECT t.*, COALESCE(a.n, 0) AS n,
           CASE WHEN a.disputed = 1 THEN 'disputed' WHEN a.waiting = 1 OR rq.sl_id IS NOT NULL THEN 'pending'
                ELSE 'validated' END AS basis,
           ROUND({
        d.real(f'''CASE t.aggregation
               WHEN 'avg' THEN {d.real('a.v_sum')} / a.n WHEN 'sum' THEN a.v_sum WHEN 'min' THEN a.v_min WHEN 'max' THEN a.v_max
               WHEN 'count' THEN NULLIF(a.n, 0) WHEN 'p95' THEN {p95_col}
               WHEN 'ratio' THEN {d.real('a.v_sum')} * 100 / NULLIF(a.v_den, 0) END''')
    }, 4) AS attained,
           ROUND({d.real(f"(t.monthly_charge * {charge_factor})")}, 2) AS period_charge
    FROM t
    LEFT JOIN agg a ON a.sl_id = t.service_level_id AND a.ps = t.period_start
    LEFT JOIN requested rq ON rq.sl_id = t.service_level_id AND rq.ps = t.period_start
    {p95_join}
),
o AS (
    SELECT v.*, CASE
        WHEN v.n = 0 OR v.attained IS NULL THEN 'missing'
        WHEN v.direction = 'higher' THEN
            CASE WHEN v.attained >= v.target THEN 'met' WHEN v.attained >= v.minimum THEN 'warning' ELSE 'breached' END
        ELSE
            CASE WHEN v.attained <= v.target THEN 'met' WHEN v.attained <= v.minimum THEN 'warning' ELSE 'breached' END
        END AS outcome
    FROM v
),
f AS (
    SELECT o.*, CASE
        WHEN o.sl_kind <> 'csl' THEN 0
        WHEN o.unreported = 1 THEN 100
        WHEN o.outcome NOT IN {FAILED_OUTCOMES} THEN 0
        WHEN o.outcome = 'missing' AND o.basis <> 'validated' THEN 0
        WHEN o.outcome = 'missing' THEN 100
        ELSE COALESCE((SELECT ct.factor_percent FROM kpis_credittier ct
                       WHERE ct.service_level_id = o.service_level_id AND ct.shortfall <= {shortfall}
                       ORDER BY ct.shortfall DESC LIMIT 1), 100)
        END AS factor
    FROM o
)
INSERT INTO kpis_servicelevelresult ({new}, evaluated_at)
SELECT service_level_id, period_start, period_end, attained, n, target, minimum, outcome,
       period_charge, at_risk_percent, allocation, factor,
       ROUND({d.real("period_charge * at_risk_percent * allocation * factor")} / 1000000, 2), basis, %(now)s
FROM f WHERE {d.true()}
ON CONFLICT (service_level_id, period_start) DO UPDATE SET
    {", ".join(f"{c} = {incoming[c]}" for c in columns)},
    evaluated_at = excluded.evaluated_at
WHERE {d.distinct(current, ", ".join(incoming[c] for c in columns))}
"""


def _breach_failing_join() -> str:
    return (
        "FROM kpis_servicelevelresult r "
        "JOIN eval_work w ON w.service_level_id = r.service_level_id AND w.period_start = r.period_start "
        "JOIN kpis_servicelevel sl ON sl.id = r.service_level_id "
    )


def open_breaches() -> str:
    return f"""
INSERT INTO kpis_breach (service_level_id, period_start, period_end, kind, severity, status, opened_at,
                         response_due_at, closure_reason, root_cause, corrective_action, reported_late,
                         last_evaluation_run_id)
SELECT r.service_level_id, r.period_start, r.period_end,
       CASE r.outcome WHEN 'missing' THEN 'not_reported' ELSE 'missed_target' END,
       {SEVERITY},
       'open', %(now)s, %(response_due)s, '', '', '', {"FALSE" if d.is_postgres() else "0"}, %(run)s
{_breach_failing_join()}
WHERE r.outcome IN {FAILED_OUTCOMES} AND {SETTLED_OR_FAILING}
ON CONFLICT (service_level_id, period_start) DO NOTHING
"""


def mark_reported_late() -> str:
    """A "not reported" breach whose period has figures now was reported late; it says so."""
    return f"""
UPDATE kpis_breach SET reported_late = {d.true()}, last_evaluation_run_id = %(run)s
FROM kpis_servicelevelresult r
JOIN eval_work w ON w.service_level_id = r.service_level_id AND w.period_start = r.period_start
WHERE kpis_breach.service_level_id = r.service_level_id AND kpis_breach.period_start = r.period_start
  AND kpis_breach.kind = 'not_reported' AND NOT kpis_breach.reported_late
  AND (r.outcome <> 'missing' OR r.figures_basis <> 'validated')
"""


def _kind_after_late_data() -> str:
    return f"CASE WHEN kpis_breach.kind = 'not_reported' AND NOT c.late_figures_clear_unreported THEN 'not_reported' ELSE {NEW_KIND} END"


# A breach whose period fails again after being cleared reopens; one that was "not reported"
# and now has late data that still misses becomes a missed target, unless its contract keeps it a
# reporting failure.
def reassess_breaches() -> str:
    return f"""
UPDATE kpis_breach SET
    kind = {_kind_after_late_data()},
    severity = {SEVERITY},
    status = CASE WHEN kpis_breach.status = 'cleared' THEN 'open' ELSE kpis_breach.status END,
    closed_at = CASE WHEN kpis_breach.status = 'cleared' THEN NULL ELSE kpis_breach.closed_at END,
    closure_reason = CASE WHEN kpis_breach.status = 'cleared' THEN '' ELSE kpis_breach.closure_reason END,
    response_due_at = CASE WHEN kpis_breach.status = 'cleared' THEN %(response_due)s
                           ELSE kpis_breach.response_due_at END,
    last_evaluation_run_id = %(run)s
FROM kpis_servicelevelresult r
JOIN eval_work w ON w.service_level_id = r.service_level_id AND w.period_start = r.period_start
JOIN kpis_servicelevel sl ON sl.id = r.service_level_id
JOIN contracts_contract c ON c.id = sl.contract_id
WHERE kpis_breach.service_level_id = r.service_level_id AND kpis_breach.period_start = r.period_start
  AND r.outcome IN {FAILED_OUTCOMES} AND {SETTLED_OR_FAILING}
  AND kpis_breach.opened_at <> %(now)s
  AND (kpis_breach.status = 'cleared' OR kpis_breach.kind <> {_kind_after_late_data()}
       OR kpis_breach.severity <> {SEVERITY})
"""


def clear_breaches() -> str:
    """A period met on settled figures clears its open breach, unless the breach is a reporting failure
    that its contract keeps whatever comes late."""
    return f"""
UPDATE kpis_breach SET
    status = 'cleared', closed_at = %(now)s, last_evaluation_run_id = %(run)s,
    closure_reason = 'Cleared by corrected data: the period now attains ' || {d.text("r.attained")}
                     || ' (' || r.outcome || ')'
FROM kpis_servicelevelresult r
JOIN eval_work w ON w.service_level_id = r.service_level_id AND w.period_start = r.period_start
JOIN kpis_servicelevel sl ON sl.id = r.service_level_id
JOIN contracts_contract c ON c.id = sl.contract_id
WHERE kpis_breach.service_level_id = r.service_level_id AND kpis_breach.period_start = r.period_start
  AND r.outcome IN ('met', 'warning') AND r.figures_basis = 'validated'
  AND kpis_breach.status IN {OPEN_STATUSES}
  AND (kpis_breach.kind <> 'not_reported' OR c.late_figures_clear_unreported)
"""


def audit_breaches() -> str:
    return f"""
INSERT INTO accounts_auditevent (occurred_at, actor_id, action, object_type, object_id, object_repr, vendor_id,
                                 changes, note, internal_only)
SELECT %(now)s, NULL,
       CASE WHEN b.status = 'cleared' THEN 'kpis.breach.cleared'
            WHEN b.opened_at = %(now)s THEN 'kpis.breach.opened'
            ELSE 'kpis.breach.reassessed' END,
       'kpis.breach', {d.text("b.id")},
       mt.name || ' — ' || c.reference || ', period from ' || {d.text("b.period_start")},
       c.vendor_id, {d.empty_json()},
       CASE WHEN b.status = 'cleared' THEN b.closure_reason
            WHEN r.outcome = 'missing' AND r.figures_basis <> 'validated'
                 THEN 'Figures were reported but none counts yet (awaiting review or disputed).'
            WHEN r.outcome = 'missing' THEN 'No figures were reported for the period by its deadline.'
            WHEN b.kind = 'not_reported' THEN 'Reported late: attained ' || {d.text("r.attained")}
                 || ' (' || r.outcome || ') once the figures arrived; it stays a reporting failure.'
            ELSE 'Attained ' || {d.text("r.attained")} || ' against minimum ' || {d.text("r.minimum")}
                 || ' (expected ' || {d.text("r.target")} || ').' END,
       {"FALSE" if d.is_postgres() else "0"}
FROM kpis_breach b
JOIN kpis_servicelevelresult r ON r.service_level_id = b.service_level_id AND r.period_start = b.period_start
JOIN kpis_servicelevel sl ON sl.id = b.service_level_id
JOIN kpis_metric mt ON mt.id = sl.metric_id
JOIN contracts_contract c ON c.id = sl.contract_id
WHERE b.last_evaluation_run_id = %(run)s
"""


def upsert_credits() -> str:
    """The credit ledger of every contract month touched by this run: gross, cap, capped amount.

    The at-risk cap applies per contract and calendar month across all its critical service
    levels, whatever their period: a result belongs to the month its period ends in.
    """
    month = d.month_start("r.period_end")
    cap = "ROUND(c.monthly_charge * c.at_risk_percent / 100, 2)"
    compared = "failures, gross_amount, cap_amount, amount, period_end, currency"
    current = ", ".join(f"kpis_servicecredit.{x.strip()}" for x in compared.split(","))
    excluded = ", ".join(f"excluded.{x.strip()}" for x in compared.split(","))
    return f"""
INSERT INTO kpis_servicecredit (contract_id, period_kind, period_start, period_end, failures, gross_amount,
                                cap_amount, amount, currency, evaluated_at)
SELECT sl.contract_id, 'monthly', k.ms, {d.month_end("k.ms")},
       SUM(CASE WHEN r.credit_amount > 0 THEN 1 ELSE 0 END), SUM(r.credit_amount), {cap},
       {d.least("SUM(r.credit_amount)", cap)}, c.currency, %(now)s
FROM (SELECT DISTINCT s2.contract_id, {d.month_start("w.period_end")} AS ms FROM eval_work w
      JOIN kpis_servicelevel s2 ON s2.id = w.service_level_id WHERE s2.kind = 'csl') k
JOIN kpis_servicelevel sl ON sl.contract_id = k.contract_id AND sl.kind = 'csl'
JOIN kpis_servicelevelresult r ON r.service_level_id = sl.id AND {month} = k.ms
JOIN contracts_contract c ON c.id = sl.contract_id
GROUP BY sl.contract_id, k.ms, c.currency, c.at_risk_percent, c.monthly_charge
HAVING SUM(r.credit_amount) > 0 OR EXISTS (
    SELECT 1 FROM kpis_servicecredit x WHERE x.contract_id = sl.contract_id AND x.period_kind = 'monthly'
    AND x.period_start = k.ms)
ON CONFLICT (contract_id, period_kind, period_start) DO UPDATE SET
    failures = excluded.failures, gross_amount = excluded.gross_amount, cap_amount = excluded.cap_amount,
    amount = excluded.amount, period_end = excluded.period_end, currency = excluded.currency,
    evaluated_at = excluded.evaluated_at
WHERE {d.distinct(current, excluded)}
"""


def upsert_scorecards() -> str:
    """Monthly scorecards of every vendor month touched by this run (a result belongs to the
    month its period ends in): SLA points weighted within categories, categories weighted by
    the scheme (renormalised over the categories that have results), banded."""
    compared = (
        "score, quality_score, delivery_score, responsiveness_score, relationship_score, "
        "result_count, band, rag, period_end"
    )
    current = ", ".join(f"kpis_scorecard.{x.strip()}" for x in compared.split(","))
    excluded = ", ".join(f"excluded.{x.strip()}" for x in compared.split(","))

    def cat(name):
        return f"ROUND(MAX(CASE WHEN category = '{name}' THEN cscore END), 2)"

    return f"""
WITH months AS (
    SELECT DISTINCT c.vendor_id, {d.month_start("w.period_end")} AS ms
    FROM eval_work w JOIN kpis_servicelevel sl ON sl.id = w.service_level_id
    JOIN contracts_contract c ON c.id = sl.contract_id
),
res AS (
    SELECT m.vendor_id, m.ms, mt.category, sl.weight,
           CASE r.outcome WHEN 'met' THEN 100 WHEN 'warning' THEN %(warning_points)s ELSE 0 END AS pts
    FROM months m
    JOIN contracts_contract c ON c.vendor_id = m.vendor_id
    JOIN kpis_servicelevel sl ON sl.contract_id = c.id
    JOIN kpis_metric mt ON mt.id = sl.metric_id
    JOIN kpis_servicelevelresult r ON r.service_level_id = sl.id AND {d.month_start("r.period_end")} = m.ms
    WHERE sl.weight > 0
),
cat AS (
    SELECT vendor_id, ms, category, {d.real("SUM(weight * pts)")} / SUM(weight) AS cscore, COUNT(*) AS n,
           CASE category WHEN 'quality' THEN %(w_quality)s WHEN 'delivery' THEN %(w_delivery)s
                WHEN 'responsiveness' THEN %(w_responsiveness)s ELSE %(w_relationship)s END AS cw
    FROM res GROUP BY vendor_id, ms, category
),
overall AS (
    SELECT vendor_id, ms, ROUND({d.real("SUM(cscore * cw)")} / SUM(cw), 2) AS score, SUM(n) AS n,
           {cat("quality")} AS q, {cat("delivery")} AS dl, {cat("responsiveness")} AS rs,
           {cat("relationship")} AS rl
    FROM cat WHERE cw > 0 GROUP BY vendor_id, ms
)
INSERT INTO kpis_scorecard (vendor_id, period_start, period_end, score, quality_score, delivery_score,
                            responsiveness_score, relationship_score, result_count, band, rag, trend, evaluated_at)
SELECT o.vendor_id, o.ms, {d.month_end("o.ms")}, o.score, o.q, o.dl, o.rs, o.rl, o.n,
       COALESCE(b.name, ''), COALESCE(b.rag, ''), 'new', %(now)s
FROM overall o
LEFT JOIN kpis_standingband b ON b.scheme_id = %(scheme)s AND o.score >= b.lower
     AND (o.score < b.upper OR (b.upper = 100 AND o.score <= 100))
WHERE {d.true()}
ON CONFLICT (vendor_id, period_start) DO UPDATE SET
    score = excluded.score, quality_score = excluded.quality_score, delivery_score = excluded.delivery_score,
    responsiveness_score = excluded.responsiveness_score, relationship_score = excluded.relationship_score,
    result_count = excluded.result_count, band = excluded.band, rag = excluded.rag,
    period_end = excluded.period_end, evaluated_at = excluded.evaluated_at
WHERE {d.distinct(current, excluded)}
"""


def rank_and_trend() -> str:
    """Rank each month's scorecards and compare each with the vendor's previous one.

    The trend is compared as well as rank and previous score: a corrected month can change
    its own score while its rank and its predecessor stay the same.
    """
    return f"""
UPDATE kpis_scorecard SET rank = x.rnk, previous_score = x.prev, trend = x.trend
FROM (SELECT id, rnk, prev,
             CASE WHEN prev IS NULL THEN 'new' WHEN score - prev > 1 THEN 'up'
                  WHEN prev - score > 1 THEN 'down' ELSE 'flat' END AS trend
      FROM (SELECT id, score,
                   RANK() OVER (PARTITION BY period_start ORDER BY score DESC) AS rnk,
                   LAG(score) OVER (PARTITION BY vendor_id ORDER BY period_start) AS prev
            FROM kpis_scorecard) ranked) x
WHERE x.id = kpis_scorecard.id
  AND {d.distinct("kpis_scorecard.rank, kpis_scorecard.previous_score, kpis_scorecard.trend", "x.rnk, x.prev, x.trend")}
"""
