"""Scorecard pages: the list (filters, export), one month's score explained result by result, and
the figures behind one result (corrections included)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from accounts import policy
from accounts.exports import FORMATS, Column, export_response

from ..forms.breaches import ScorecardFilterForm
from ..selectors.scorecards import (
    result_figures_for_user,
    result_for_user,
    scorecard_explanation,
    scorecard_for_user,
    scorecard_list_for_user,
    scorecards_for_user,
)

PAGE_SIZE = 25
HISTORY_MONTHS = 12


@login_required
def scorecard_list(request):
    form = ScorecardFilterForm(request.GET, user=request.user)
    scorecards = scorecard_list_for_user(user=request.user, **form.filters())
    page_obj = Paginator(scorecards, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "scorecards/scorecard_list.html", {"form": form, "page_obj": page_obj})


EXPORT_COLUMNS = [
    Column("Vendor", lambda s: s.vendor.name),
    Column("Month", lambda s: s.period_start),
    Column("Score", lambda s: s.score),
    Column("Standing", lambda s: s.band),
    Column("Rank", lambda s: s.rank),
    Column("Previous score", lambda s: s.previous_score),
    Column("Trend", lambda s: s.get_trend_display()),
    Column("Quality", lambda s: s.quality_score),
    Column("Delivery", lambda s: s.delivery_score),
    Column("Responsiveness", lambda s: s.responsiveness_score),
    Column("Relationship", lambda s: s.relationship_score),
    Column("Results", lambda s: s.result_count),
]


@login_required
def scorecard_export(request):
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest("Unknown export format; use csv or xlsx.")
    form = ScorecardFilterForm(request.GET, user=request.user)
    scorecards = scorecard_list_for_user(user=request.user, **form.filters())
    filename = f"scorecards-{timezone.localdate().isoformat()}"
    return export_response(scorecards.iterator(chunk_size=2000), EXPORT_COLUMNS, filename, fmt)


@login_required
def scorecard_detail(request, pk):
    """How one month's score came about: every result's points, weight and contribution."""
    scorecard = scorecard_for_user(user=request.user, pk=pk)
    context = {
        "scorecard": scorecard,
        "explanation": scorecard_explanation(scorecard=scorecard, user=request.user),
        "history": list(
            scorecards_for_user(user=request.user, vendor_id=scorecard.vendor_id)[:HISTORY_MONTHS]
        ),
    }
    return render(request, "scorecards/scorecard_detail.html", context)


@login_required
def result_detail(request, pk):
    """The figures behind one service level's result for one period."""
    result = result_for_user(user=request.user, pk=pk)
    context = {
        "result": result,
        "figures": result_figures_for_user(user=request.user, result=result),
        "show_credit": policy.sees_internal(request.user),
    }
    return render(request, "scorecards/result_detail.html", context)
