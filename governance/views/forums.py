"""Forum pages: the list (internal staff see all forums, vendor users the ones they sit in), one forum
with its upcoming and past meetings, and setting a forum up or changing it (the client's managers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors

from ..forms.meetings import ForumForm, VendorPickForm, vendor_from_query
from ..models import Forum
from ..selectors.meetings import forum_for_user, forum_list_for_user, forum_page
from ..services import forums as services
from ..services.meetings import next_meeting_slot

PAGE_SIZE = 25


@require_safe
@login_required
def forum_list(request):
    show_inactive = policy.sees_internal(request.user) and request.GET.get("inactive") == "1"
    forums = forum_list_for_user(user=request.user, include_inactive=show_inactive)
    context = {
        "page_obj": Paginator(forums, PAGE_SIZE).get_page(request.GET.get("page")),
        "show_inactive": show_inactive,
        "can_create": policy.can(request.user, policy.Action.CREATE, Forum),
    }
    return render(request, "governance/forums/forum_list.html", context)


@require_safe
@login_required
def forum_detail(request, pk):
    forum = forum_for_user(user=request.user, pk=pk)
    page = forum_page(user=request.user, forum=forum)
    context = {
        "forum": forum,
        "page": page,
        "can_change": policy.can(request.user, policy.Action.CHANGE, forum),
        "next_slot": next_meeting_slot(forum, now=timezone.now()) if forum.active else None,
    }
    return render(request, "governance/forums/forum_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def forum_create(request):
    if not policy.can(request.user, policy.Action.CREATE, Forum):
        raise PermissionDenied
    vendor = vendor_from_query(request)
    if vendor is None:
        pick = VendorPickForm(user=request.user)
        return render(request, "governance/forums/forum_form.html", {"pick": pick})
    initial = {"first_meeting_on": timezone.localdate(), "meeting_time": "10:00", "chair": request.user}
    form = ForumForm(request.POST or None, vendor=vendor, initial=initial)
    del form.fields["active"]  # a new forum is active
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        try:
            forum = services.forum_create(actor=request.user, vendor=vendor, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Forum “{forum.name}” set up; its first meeting is scheduled.")
            return redirect("forums:detail", pk=forum.pk)
    return render(request, "governance/forums/forum_form.html", {"form": form, "vendor": vendor})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def forum_edit(request, pk):
    forum = forum_for_user(user=request.user, pk=pk)
    if not policy.can(request.user, policy.Action.CHANGE, forum):
        raise PermissionDenied
    initial = {name: getattr(forum, name) for name in services.FORUM_FIELDS}
    initial["members"] = list(forum.members.values_list("pk", flat=True))
    form = ForumForm(request.POST or None, vendor=forum.vendor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        members = data.pop("members")
        try:
            services.forum_update(forum=forum, actor=request.user, members=members, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Forum saved.")
            return redirect("forums:detail", pk=forum.pk)
    context = {"form": form, "vendor": forum.vendor, "forum": forum}
    return render(request, "governance/forums/forum_form.html", context)
