"""Action item pages: the list with its filters, one action with its notes, creating and editing
(the client's managers), status changes (the owning side) and progress notes (both sides)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import policy
from accounts.form_tokens import create_once
from accounts.forms import add_service_errors
from kpis import periods

from ..forms.actions import ActionCreateForm, ActionFilterForm, ActionForm, ActionNoteForm, ActionStatusForm
from ..forms.meetings import VendorPickForm, vendor_from_query
from ..models import ActionItem, Decision, Meeting
from ..selectors.actions import action_for_user, action_list_for_user, action_notes
from ..services import actions as services
from ..services.relationship import acts_for_client

PAGE_SIZE = 25
DEFAULT_DUE_DAYS = 14


@require_safe
@login_required
def action_list(request):
    form = ActionFilterForm(request.GET, user=request.user)
    today = periods.local_today()
    actions = action_list_for_user(user=request.user, today=today, **form.filters())
    context = {
        "form": form,
        "page_obj": Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page")),
        "today": today,
        "can_create": policy.can(request.user, policy.Action.CREATE, ActionItem),
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    return render(request, "governance/actions/action_list.html", context)


def _render_detail(request, action, *, bound=None, status=200):
    statuses = services.allowed_statuses(request.user, action)
    forms = {}
    if statuses:
        forms["status"] = ActionStatusForm(statuses=statuses)
    if services.may_add_note(request.user, action):
        forms["note"] = ActionNoteForm()
    forms.update(bound or {})
    context = {
        "action": action,
        "notes": action_notes(action),
        "forms": forms,
        "today": periods.local_today(),
        "can_edit": acts_for_client(request.user, action),
        "meeting_visible": action.meeting_id is not None
        and policy.scope(request.user, Meeting.objects.filter(pk=action.meeting_id)).exists(),
    }
    return render(request, "governance/actions/action_detail.html", context, status=status)


@require_safe
@login_required
def action_detail(request, pk):
    return _render_detail(request, action_for_user(user=request.user, pk=pk))


def _source(request):
    """The meeting or decision named in the query string (when visible), and the vendor it fixes."""
    meeting = decision = None
    meeting_pk, decision_pk = request.GET.get("meeting", ""), request.GET.get("decision", "")
    if meeting_pk.isdigit():
        meetings = policy.scope(request.user, Meeting.objects.select_related("forum__vendor"))
        meeting = meetings.filter(pk=int(meeting_pk)).first()
    if decision_pk.isdigit():
        decisions = policy.scope(request.user, Decision.objects.select_related("vendor", "meeting"))
        decision = decisions.filter(pk=int(decision_pk)).first()
    if meeting is not None:
        vendor = meeting.forum.vendor
    elif decision is not None:
        vendor = decision.vendor
    else:
        vendor = vendor_from_query(request)
    if decision is not None and meeting is None:
        meeting = decision.meeting
    return vendor, meeting, decision


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def action_create(request):
    if not policy.can(request.user, policy.Action.CREATE, ActionItem):
        raise PermissionDenied
    vendor, meeting, decision = _source(request)
    if vendor is None:
        pick = VendorPickForm(user=request.user)
        return render(request, "governance/actions/action_form.html", {"pick": pick})
    initial = {
        "due_on": periods.local_today() + timedelta(days=DEFAULT_DUE_DAYS),
        "meeting": meeting,
        "decision": decision,
    }
    form = ActionCreateForm(request.POST or None, user=request.user, vendor=vendor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            url, created = create_once(
                token=form.cleaned_data["form_token"],
                user=request.user,
                create=lambda: services.action_create(
                    actor=request.user, vendor=vendor, **form.service_kwargs()
                ),
                url_of=lambda action: reverse("actions:detail", kwargs={"pk": action.pk}),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if created:
                messages.success(request, "Action item created.")
            return redirect(url)
    context = {"form": form, "vendor": vendor, "meeting": meeting, "decision": decision}
    return render(request, "governance/actions/action_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def action_edit(request, pk):
    action = action_for_user(user=request.user, pk=pk)
    if not acts_for_client(request.user, action):
        raise PermissionDenied
    fields = ("title", "description", "owner_side", "owner", "due_on")
    initial = {name: getattr(action, name) for name in fields}
    form = ActionForm(request.POST or None, vendor=action.vendor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Action item saved.")
            return redirect("actions:detail", pk=action.pk)
    context = {"form": form, "vendor": action.vendor, "action": action}
    return render(request, "governance/actions/action_form.html", context)


@require_POST
@login_required
def action_status(request, pk):
    action = action_for_user(user=request.user, pk=pk)
    statuses = services.allowed_statuses(request.user, action)
    if not statuses:
        raise PermissionDenied
    form = ActionStatusForm(request.POST, statuses=statuses)
    if not form.is_valid():
        return _render_detail(request, action, bound={"status": form})
    try:
        action = services.action_set_status(action=action, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_detail(request, action, bound={"status": form})
    messages.success(request, f"Action item is now {action.get_status_display().lower()}.")
    return redirect("actions:detail", pk=action.pk)


@require_POST
@login_required
def action_note(request, pk):
    action = action_for_user(user=request.user, pk=pk)
    if not services.may_add_note(request.user, action):
        raise PermissionDenied
    form = ActionNoteForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, action, bound={"note": form})
    services.action_add_note(action=action, actor=request.user, body=form.cleaned_data["body"])
    messages.success(request, "Progress note added.")
    return redirect("actions:detail", pk=action.pk)
