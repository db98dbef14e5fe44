"""The personal calendar feed: a settings page to issue, replace or revoke the secret address, and the
feed itself, which calendar apps fetch without signing in (the key in the address is the credential)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from .. import ical
from ..models import CalendarFeed
from ..selectors.calendar import calendar_events_for_user
from ..services import calendar as services

# The new key waits in the session between the POST that issues it and the page that shows it once.
SESSION_KEY = "calendar_feed_new_key"


@require_safe
@login_required
def calendar_settings(request):
    key = request.session.pop(SESSION_KEY, None)
    context = {
        "feed": CalendarFeed.objects.filter(user=request.user).first(),
        "feed_url": request.build_absolute_uri(reverse("calendar:feed", args=[key])) if key else None,
    }
    return render(request, "governance/calendar/settings.html", context)


@require_POST
@login_required
def calendar_generate(request):
    had_feed = CalendarFeed.objects.filter(user=request.user).exists()
    request.session[SESSION_KEY] = services.calendar_feed_issue(user=request.user)
    if had_feed:
        messages.success(request, "New address issued; the old one no longer works.")
    else:
        messages.success(request, "Your calendar address is ready.")
    return redirect("calendar:settings")


@require_POST
@login_required
def calendar_revoke(request):
    if services.calendar_feed_revoke(user=request.user):
        messages.success(request, "Calendar address revoked; calendar apps using it get nothing more.")
    else:
        messages.info(request, "You had no calendar address.")
    return redirect("calendar:settings")


@require_safe
def calendar_feed(request, key):
    """The feed of whoever owns ``key``; an unknown or revoked key is simply not found."""
    feed = services.calendar_feed_for_key(key)
    if feed is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    host = request.get_host().split(":")[0]
    events = calendar_events_for_user(
        user=feed.user, now=now, uid_domain=host, absolute=request.build_absolute_uri
    )
    body = ical.calendar(
        events,
        name=f"{settings.PORTAL_NAME} — {feed.user.get_full_name()}",
        stamp=now,
        product=settings.PORTAL_NAME,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="governance.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
