"""The portfolio dashboard: the internal user's start page, and its vendor list as a download."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from accounts import policy
from governance.models import Side
from kpis.models import BreachSeverity
from kpis.selectors.scorecards import BREACH_AGES
from vendors.forms import PortfolioFilterForm

from ..exports import portfolio_export
from ..selectors.dashboard import dashboard_summary_for_user, governance_summary_for_user, portfolio_for_user

PAGE_SIZE = 25
TABLE_ID = "portfolio-table"
# The lists behind the tiles: (URL name, path to use until that page exists).
BREACH_LIST = ("breaches:list", "/breaches/")
VALIDATION_QUEUE = ("measurements:validation", "/measurements/validation/")
ACTION_LIST = ("actions:list", "/actions/")
REVIEW_LIST = ("reviews:list", "/reviews/")
ISSUE_LIST = ("issues:list", "/issues/")
SIDE_LABELS = {Side.INTERNAL: "Owed by us", Side.VENDOR: "Owed by vendors"}
AGE_LABELS = {"0-7": "0–7 days", "8-30": "8–30 days", "31+": "Over 30 days"}
# Column header → sort key of its first click, the way a manager looks first (most breaches first).
SORTABLE_COLUMNS = {"vendor": "name", "standing": "score", "breaches": "-breaches", "tier": "tier"}


def list_url(target: tuple[str, str], **params) -> str:
    name, fallback = target
    try:
        path = reverse(name)
    except NoReverseMatch:
        path = fallback
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{path}?{query}" if query else path


def breach_list_for_vendor() -> str:
    """The open-breach list link of one vendor, waiting for the vendor's pk at the end."""
    return list_url(BREACH_LIST, status="open") + "&vendor="


def summary_tiles(summary) -> dict:
    """The tiles' figures, each with the link to the list behind it."""
    breaches = summary.breaches
    return {
        "breaches": {"count": breaches.total, "url": list_url(BREACH_LIST, status="open")},
        "severity": [
            {
                "key": severity,
                "label": label,
                "count": breaches.by_severity[severity],
                "url": list_url(BREACH_LIST, status="open", severity=severity),
            }
            for severity, label in BreachSeverity.choices
        ],
        "age": [
            {
                "label": AGE_LABELS[key],
                "count": breaches.by_age[key],
                "url": list_url(BREACH_LIST, status="open", age=key),
            }
            for key in BREACH_AGES
        ],
        "missing": {
            "count": breaches.missing_reports,
            "url": list_url(BREACH_LIST, status="open", kind="not_reported"),
        },
        "validation": {
            "count": summary.awaiting_validation,
            "capped": summary.awaiting_validation_capped,
            "url": list_url(VALIDATION_QUEUE),
        },
        "contracts": {"count": len(summary.upcoming_contracts), "within_days": summary.within_days},
    }


def governance_tiles(governance) -> dict:
    """The overdue action items (with the side that owes them) and the reviews due, with their lists."""
    return {
        "actions": {
            "count": governance.overdue_actions,
            "url": list_url(ACTION_LIST, status="overdue"),
            "sides": [
                {
                    "key": side,
                    "label": SIDE_LABELS[side],
                    "count": governance.overdue_actions_by_side[side],
                    "url": list_url(ACTION_LIST, status="overdue", owner_side=side),
                }
                for side in Side.values
            ],
        },
        "reviews": {
            "count": governance.reviews_due,
            "overdue": governance.reviews_overdue,
            "within_days": governance.within_days,
            "url": list_url(REVIEW_LIST, due="1"),
        },
        "filtered": governance.filtered,
    }


def sort_headers(request, current: str) -> dict:
    """Per sortable column: the link that sorts by it (or reverses it) and its aria-sort state."""
    headers = {}
    for column, first in SORTABLE_COLUMNS.items():
        key = first.removeprefix("-")
        active = current.removeprefix("-") == key
        descending = current.startswith("-")
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = ("" if descending else "-") + key if active else first
        headers[column] = {
            "url": f"?{params.urlencode()}",
            "aria_sort": ("descending" if descending else "ascending") if active else None,
        }
    return headers


def _filter_form(request) -> PortfolioFilterForm:
    form = PortfolioFilterForm(request.GET)
    policy.scope_form_choices(request.user, form)
    return form


def _table_context(request, form) -> dict:
    sort = form.sort_key
    vendors = portfolio_for_user(user=request.user, sort=sort, **form.filters())
    return {
        "form": form,
        "page_obj": Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page")),
        "sort_headers": sort_headers(request, sort),
        "vendor_breaches_url": breach_list_for_vendor(),
        "table_id": TABLE_ID,
    }


@login_required
@require_GET
def home(request):
    """Internal users get the portfolio; a vendor user's start page is their own vendor.

    An htmx request aimed at the vendor table (filters, sorting, pages) gets only the table, and the
    governance tiles, which follow the same filters.
    """
    if not request.user.is_internal:
        return redirect("vendor_portal:home")
    form = _filter_form(request)
    context = _table_context(request, form)
    # The governance tiles follow the filters, so a filtered table brings them along (out of band).
    governance = governance_summary_for_user(user=request.user, **form.filters())
    context["governance_tiles"] = governance_tiles(governance)
    if request.htmx and request.htmx.target == TABLE_ID and not request.htmx.history_restore_request:
        response = render(request, "portal/dashboard/_table_response.html", context)
    else:
        summary = dashboard_summary_for_user(user=request.user)
        context.update(summary=summary, tiles=summary_tiles(summary))
        response = render(request, "portal/home.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def portfolio_download(request, fmt):
    """The dashboard's vendor list with the current filters and sort order, as CSV or XLSX."""
    if not request.user.is_internal:
        raise PermissionDenied("The portfolio export is for internal users.")
    form = _filter_form(request)
    vendors = portfolio_for_user(user=request.user, sort=form.sort_key, **form.filters())
    return portfolio_export(vendors, fmt=fmt, today=timezone.localdate())
