"""The portfolio dashboard's vendor list as a CSV or XLSX download.

The writer (``export_response``, ``Column``: formula injection neutralised, numbers kept as numbers)
is ``accounts.exports``, at the bottom of the house so that every app's pages share it.
"""

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse

from accounts.exports import Column, export_response
from kpis.models.scoring import Trend

CENTS = Decimal("0.01")
PORTFOLIO_COLUMNS = [
    Column("Vendor", lambda v: v.name),
    Column("Standing", lambda v: v.standing_rag.capitalize() if v.standing_rag else ""),
    Column("Score", lambda v: None if v.standing_score is None else v.standing_score.quantize(CENTS)),
    Column("Scorecard month", lambda v: v.standing_month),
    Column("Trend", lambda v: Trend(v.standing_trend).label if v.standing_trend else ""),
    Column("Open breaches", lambda v: v.open_breach_count),
    Column("Tier", lambda v: v.get_tier_display()),
    Column("Status", lambda v: v.get_status_display()),
    Column("Owner", lambda v: v.internal_owner.get_full_name() if v.internal_owner else ""),
    Column("Service categories", lambda v: ", ".join(c.name for c in v.service_categories.all())),
    Column("Active contracts", lambda v: v.active_contract_count),
    Column("Service levels", lambda v: v.service_level_count),
]


def portfolio_export(vendors, *, fmt: str, today: dt.date) -> HttpResponse:
    """The dashboard's vendor list (every row the filters keep, not one page) as a dated download."""
    return export_response(vendors, PORTFOLIO_COLUMNS, f"portfolio-{today.isoformat()}", fmt)
