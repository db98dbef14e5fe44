"""The vendor 360 and contract pages: one relationship across every app's data."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from accounts import policy
from contracts import services as contract_services
from contracts.forms import RenewalDecisionForm, SnoozeForm
from vendors import services as vendor_services

from ..selectors import contract_detail_for_user
from ..selectors.contract_page import contract_lifecycle_for_user
from ..selectors.vendor360 import (
    TREND_MONTH_CHOICES,
    parse_trend_months,
    scorecard_trend_for_user,
    timeline_page_for_user,
    vendor_360_for_user,
)
from .dashboard import ACTION_LIST, ISSUE_LIST, list_url

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
            "overdue_actions_url": list_url(ACTION_LIST, status="overdue", vendor=page.vendor.pk),
            # The issue list shows open issues unless asked otherwise.
            "open_issues_url": list_url(ISSUE_LIST, vendor=page.vendor.pk),
            "can_change_vendor": policy.can(request.user, policy.Action.CHANGE, page.vendor),
            "may_propose_change": vendor_services.may_propose_change(request.user, page.vendor),
        }
        response = render(request, "portal/vendor_detail.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
def contract_detail(request, pk):
    today = timezone.localdate()
    contract = contract_detail_for_user(user=request.user, pk=pk, today=today)
    lifecycle = contract_lifecycle_for_user(user=request.user, contract=contract, today=today)
    may_manage_renewal = contract_services.may_manage_renewal(request.user, contract)
    context = {
        "contract": contract,
        "deliverables": contract.deliverables.all(),
        "service_levels": contract.service_level_rows,
        "hierarchy_warnings": lifecycle.warnings,
        "tree": lifecycle.tree,
        "descendant_service_levels": lifecycle.descendant_service_levels,
        "documents": lifecycle.documents,
        "renewal": lifecycle.renewal,
        "may_upload_documents": contract_services.may_upload_documents(request.user, contract),
        "may_edit_contract": contract_services.contract_can_edit(request.user),
        "term_ended": contract_services.contract_term_has_ended(contract, today=today),
        "history": policy.scope(request.user, contract.status_changes.select_related("changed_by")),
        "may_manage_renewal": may_manage_renewal,
        "renewal_form": RenewalDecisionForm() if may_manage_renewal else None,
        "snooze_form": SnoozeForm(initial={"until": contract.reminders_snoozed_until})
        if may_manage_renewal
        else None,
    }
    return render(request, "portal/contract_detail.html", context)
