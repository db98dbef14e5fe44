"""The vendor 360 and contract pages: one relationship across every app's data."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from ..selectors import contract_detail_for_user
from ..selectors.vendor360 import (
    TREND_MONTH_CHOICES,
    parse_trend_months,
    scorecard_trend_for_user,
    timeline_page_for_user,
    vendor_360_for_user,
)

# The element ids the page's htmx links target; a request aimed at one gets only that fragment.
TREND_TARGET = "scorecard-trend"
TIMELINE_TARGET = "timeline-older"


def _cursor(value) -> int | None:
    try:
        cursor = int(value)
    except (TypeError, ValueError):
        return None
    return cursor if cursor > 0 else None


def _fragment_target(request) -> str | None:
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request:
        return None
    return htmx.target


@login_required
def vendor_detail(request, pk):
    """The vendor 360: standing, trend, service levels, contracts, breaches, people, timeline."""
    months = parse_trend_months(request.GET.get("months"))
    before = _cursor(request.GET.get("before"))
    target = _fragment_target(request)
    if target == TREND_TARGET:
        trend = scorecard_trend_for_user(user=request.user, pk=pk, months=months)
        context = {"trend": trend, "vendor_id": pk, "month_choices": TREND_MONTH_CHOICES}
        response = render(request, "portal/vendor360/_trend.html", context)
    elif target == TIMELINE_TARGET:
        timeline = timeline_page_for_user(user=request.user, pk=pk, before=before)
        context = {"timeline": timeline, "vendor_id": pk, "months": months}
        response = render(request, "portal/vendor360/_timeline_page.html", context)
    else:
        page = vendor_360_for_user(user=request.user, pk=pk, trend_months=months, timeline_before=before)
        context = {
            "page": page,
            "vendor": page.vendor,
            "vendor_id": page.vendor.pk,
            "contracts": page.contracts,
            "service_levels": page.service_levels,
            "escalation_path": page.escalation_path,
            "activity": [entry.event for entry in page.timeline.entries],
            "timeline": page.timeline,
            "trend": page.trend,
            "months": months,
            "month_choices": TREND_MONTH_CHOICES,
            "scorecards": page.scorecards,
            "open_breaches": page.open_breaches,
        }
        response = render(request, "portal/vendor_detail.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
def contract_detail(request, pk):
    contract = contract_detail_for_user(user=request.user, pk=pk)
    context = {
        "contract": contract,
        "deliverables": contract.deliverables.all(),
        "service_levels": contract.service_level_rows,
    }
    return render(request, "portal/contract_detail.html", context)
