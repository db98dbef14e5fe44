"""The portal shell: the start page, the health check and the error pages."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from config import celery_app
from governance.selectors import escalation_path_for_vendor
from vendors.forms import VendorFilterForm
from vendors.selectors import vendor_activity_for_user

from .selectors import (
    contract_detail_for_user,
    portfolio_for_user,
    vendor_360_for_user,
    vendor_performance_for_user,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 25


@login_required
def home(request):
    """Internal users get the portfolio; a vendor user's start page is their own vendor."""
    if not request.user.is_internal:
        return redirect("vendors:detail", pk=request.user.vendor_id)
    form = VendorFilterForm(request.GET)
    vendors = portfolio_for_user(user=request.user, **form.filters())
    page_obj = Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/home.html", {"form": form, "page_obj": page_obj})


@login_required
def vendor_detail(request, pk):
    """The vendor 360: header, contacts, contracts, service levels, RACI, escalation, activity."""
    vendor = vendor_360_for_user(user=request.user, pk=pk)
    contracts = vendor.contracts.all()
    context = {
        "vendor": vendor,
        "contracts": contracts,
        "service_levels": [sl for contract in contracts for sl in contract.service_levels.all()],
        "role_assignments": vendor.role_assignments.all(),
        "escalation_path": escalation_path_for_vendor(vendor=vendor),
        "activity": vendor_activity_for_user(user=request.user, vendor=vendor),
        **vendor_performance_for_user(user=request.user, vendor=vendor),
    }
    return render(request, "portal/vendor_detail.html", context)


@login_required
def contract_detail(request, pk):
    contract = contract_detail_for_user(user=request.user, pk=pk)
    context = {
        "contract": contract,
        "deliverables": contract.deliverables.all(),
        "service_levels": contract.service_levels.all(),
    }
    return render(request, "portal/contract_detail.html", context)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("Health check: database unreachable: %s", exc)
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok", "vendor": connection.vendor}


def _check_broker() -> dict:
    try:
        conn = celery_app.connection_for_write()
        try:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
        finally:
            conn.close()
    except Exception as exc:
        logger.warning("Health check: broker unreachable: %s", exc)
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok", "transport": str(transport)}


@require_safe
def healthz(request):
    """For load balancers and monitors: 200 when the database and the broker answer, else 503.

    Error details stay in the log; the response names only the kind of failure.
    """
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


# The error pages carry the navigation with its sign-out form, hence the CSRF token.
@requires_csrf_token
def permission_denied(request, exception):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without a request or context: whatever broke (the database, a context
    # processor) must not break the error page too.
    return HttpResponseServerError(loader.get_template("500.html").render())
