"""The portal shell: the health check and the error pages."""

import ipaddress
import logging

from celery import current_app as celery_app
from django.conf import settings
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from accounts.ratelimits import client_of
from api.services.tokens import api_token_authenticate

logger = logging.getLogger(__name__)


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


def _may_see_details(request) -> bool:
    """An API token holder, or a caller on one of ``HEALTHZ_DETAIL_NETWORKS`` (the proxy-aware address)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip() and api_token_authenticate(token.strip()) is not None:
        return True
    try:
        address = ipaddress.ip_address(client_of(request))
    except ValueError:
        return False
    return any(address in network for network in settings.HEALTHZ_DETAIL_NETWORKS)


@require_safe
def healthz(request):
    """For load balancers and monitors: 200 when the database and the broker answer, else 503.

    Anonymous callers learn only ok or not; which check failed (and the database and broker kinds)
    is for API token holders and the internal network. Error details stay in the log.
    """
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(check["status"] == "ok" for check in checks.values())
    body = {"status": "ok" if healthy else "error"}
    if _may_see_details(request):
        body.update(checks)
    return JsonResponse(body, status=200 if healthy else 503)


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
