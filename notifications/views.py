"""The notification list with its read marks, the preferences page, the nav badge and the one-click
unsubscribe link of the digest e-mails (which works without signing in, per RFC 8058)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User

from .emails import unsubscribe_user_id
from .forms import PreferencesForm
from .kinds import digest_kind_for
from .models import time_zone_names
from .selectors import notification_for_user, notifications_for_user, unread_count
from .services.preferences import (
    digests_unsubscribe,
    notification_mark_read,
    notifications_mark_all_read,
    preference_for,
    preferences_update,
)

PAGE_SIZE = 25


@login_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    rows = notifications_for_user(user=request.user, unread_only=unread_only)
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "unread_only": unread_only,
        "unread": unread_count(request.user),
    }
    return render(request, "notifications/list.html", context)


def _safe(request, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())


def _back(request, fallback: str = "notifications:list"):
    target = request.POST.get("next", "")
    return redirect(target if _safe(request, target) else fallback)


@login_required
@require_POST
def notification_read(request, pk):
    notification = notification_for_user(user=request.user, pk=pk)
    notification_mark_read(notification=notification)
    if request.POST.get("open") and _safe(request, notification.url):
        return redirect(notification.url)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return _back(request)


def notification_badge(request):
    """The unread count beside "Notifications" in the navigation, loaded after the page."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return render(request, "notifications/_badge.html", {"unread": unread_count(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    preference = preference_for(request.user)
    form = PreferencesForm(request.POST or None, user=request.user, preference=preference)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        preferences_update(
            user=request.user,
            actor=request.user,
            modes=form.modes(),
            digests_enabled=data["digests_enabled"],
            digest_frequency=data["digest_frequency"],
            delivery_time=data["delivery_time"],
            time_zone=data["time_zone"],
        )
        messages.success(request, "Your notification preferences are saved.")
        return redirect("notifications:preferences")
    context = {
        "form": form,
        "preference": preference,
        "digest_kind": digest_kind_for(request.user.role),
        "time_zones": sorted(time_zone_names()),
    }
    return render(request, "notifications/preferences.html", context, status=400 if form.errors else 200)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows a confirmation button (link checkers never unsubscribe anyone); POST, from the page or
    from a mail client's one-click ``List-Unsubscribe-Post``, unsubscribes. The signed token is the
    only credential, so the view is exempt from CSRF (a mail client has no token to send)."""
    user_id = unsubscribe_user_id(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    done = False
    if request.method == "POST":
        digests_unsubscribe(user=user, via="one-click link" if "List-Unsubscribe" in request.POST else "link")
        done = True
    context = {"email": user.email, "done": done, "token": token}
    return render(request, "notifications/unsubscribe.html", context)
