"""Meeting pages: one meeting with its agenda, attendance, minutes, decisions, actions and comments;
the client's managers schedule, reschedule, cancel, build the agenda and record the minutes; vendor
members of the forum read it and comment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import policy
from accounts.form_tokens import create_once
from accounts.forms import add_service_errors

from ..forms.meetings import (
    AgendaItemForm,
    AgendaMoveForm,
    CancelMeetingForm,
    CommentForm,
    MeetingForm,
    MeetingRecordForm,
)
from ..models import AgendaItem, MeetingStatus
from ..selectors.meetings import forum_for_user, meeting_for_user, meeting_page
from ..services import agenda as agenda_services
from ..services import meetings as services
from ..services.relationship import acts_for_client

TEMPLATE = "governance/meetings/meeting_detail.html"


def _meeting_forms(request, meeting, bound: dict) -> dict:
    """The forms the page offers this user; a bound (invalid) one replaces its blank twin."""
    forms = {}
    if acts_for_client(request.user, meeting):
        if meeting.status != MeetingStatus.CANCELLED:
            forms["agenda"] = AgendaItemForm()
            present = [a.person_id for a in meeting.attendance.all() if a.present]
            forms["record"] = MeetingRecordForm(
                meeting=meeting, initial={"minutes": meeting.minutes, "present": present}
            )
        if meeting.status == MeetingStatus.SCHEDULED:
            forms["cancel"] = CancelMeetingForm()
    if services.may_comment(request.user, meeting):
        forms["comment"] = CommentForm()
    forms.update(bound)
    return forms


def _render(request, meeting, *, bound=None, status=200):
    page = meeting_page(user=request.user, meeting=meeting)
    context = {
        "meeting": meeting,
        "forum": meeting.forum,
        "page": page,
        "forms": _meeting_forms(request, meeting, bound or {}),
        "can_change": acts_for_client(request.user, meeting),
        "can_add_records": policy.can(request.user, policy.Action.CREATE, meeting),
        "is_past": meeting.scheduled_for <= timezone.now(),
    }
    return render(request, TEMPLATE, context, status=status)


@require_safe
@login_required
def meeting_detail(request, meeting_pk):
    meeting = meeting_for_user(user=request.user, pk=meeting_pk)
    return _render(request, meeting)


def _client_meeting(request, meeting_pk):
    """The meeting, if visible (else 404), and only for the client's managers (else 403)."""
    meeting = meeting_for_user(user=request.user, pk=meeting_pk)
    if not acts_for_client(request.user, meeting):
        raise PermissionDenied
    return meeting


def _refused(request, meeting, error: ValidationError):
    messages.error(request, " ".join(error.messages))
    return redirect("forums:meeting_detail", meeting_pk=meeting.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def meeting_create(request, pk):
    forum = forum_for_user(user=request.user, pk=pk)
    if not acts_for_client(request.user, forum):
        raise PermissionDenied
    suggestion = timezone.localtime(services.next_meeting_slot(forum, now=timezone.now()))
    initial = {"scheduled_for": suggestion, "location": forum.location}
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(forum=forum, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Meeting scheduled; its agenda has been built from what is open.")
            return redirect("forums:meeting_detail", meeting_pk=meeting.pk)
    return render(request, "governance/meetings/meeting_form.html", {"forum": forum, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def meeting_edit(request, meeting_pk):
    meeting = _client_meeting(request, meeting_pk)
    if meeting.status != MeetingStatus.SCHEDULED:
        status = meeting.get_status_display().lower()
        messages.warning(request, f"This meeting is {status}; it cannot be moved.")
        return redirect("forums:meeting_detail", meeting_pk=meeting.pk)
    initial = {"scheduled_for": timezone.localtime(meeting.scheduled_for), "location": meeting.location}
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_reschedule(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Meeting saved.")
            return redirect("forums:meeting_detail", meeting_pk=meeting.pk)
    context = {"forum": meeting.forum, "meeting": meeting, "form": form}
    return render(request, "governance/meetings/meeting_form.html", context)


@require_POST
@login_required
def meeting_record(request, meeting_pk):
    """Minutes and attendance, and (ticked) marking the meeting held, in one step."""
    meeting = _client_meeting(request, meeting_pk)
    form = MeetingRecordForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _render(request, meeting, bound={"record": form})
    data = form.cleaned_data
    try:
        with transaction.atomic():
            services.meeting_record(
                meeting=meeting, actor=request.user, minutes=data["minutes"], present=data["present"]
            )
            if data.get("mark_held"):
                services.meeting_mark_held(meeting=meeting, actor=request.user)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render(request, meeting, bound={"record": form})
    if data.get("mark_held"):
        messages.success(request, "Meeting marked held; minutes and attendance recorded.")
    else:
        messages.success(request, "Minutes and attendance saved.")
    return redirect("forums:meeting_detail", meeting_pk=meeting.pk)


@require_POST
@login_required
def meeting_cancel(request, meeting_pk):
    meeting = _client_meeting(request, meeting_pk)
    form = CancelMeetingForm(request.POST)
    if not form.is_valid():
        return _render(request, meeting, bound={"cancel": form})
    try:
        services.meeting_cancel(meeting=meeting, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _refused(request, meeting, exc)
    messages.success(request, "Meeting cancelled.")
    return redirect("forums:meeting_detail", meeting_pk=meeting.pk)


@require_POST
@login_required
def meeting_comment(request, meeting_pk):
    meeting = meeting_for_user(user=request.user, pk=meeting_pk)
    if not services.may_comment(request.user, meeting):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render(request, meeting, bound={"comment": form})
    _url, created = create_once(
        token=form.cleaned_data["form_token"],
        user=request.user,
        create=lambda: services.meeting_comment(
            meeting=meeting, actor=request.user, body=form.cleaned_data["body"]
        ),
        url_of=lambda comment: f"{meeting_url(meeting)}#comments",
    )
    if created:
        messages.success(request, "Comment added.")
    return redirect(f"{meeting_url(meeting)}#comments")


def meeting_url(meeting) -> str:
    return reverse("forums:meeting_detail", kwargs={"meeting_pk": meeting.pk})


# ---- Agenda -------------------------------------------------------------------------------------------


@require_POST
@login_required
def agenda_build(request, meeting_pk):
    meeting = _client_meeting(request, meeting_pk)
    try:
        result = agenda_services.build_agenda(meeting, request.user)
    except ValidationError as exc:
        return _refused(request, meeting, exc)
    messages.success(request, result.summary)
    return redirect(f"{meeting_url(meeting)}#agenda")


@require_POST
@login_required
def agenda_add(request, meeting_pk):
    meeting = _client_meeting(request, meeting_pk)
    form = AgendaItemForm(request.POST)
    if not form.is_valid():
        return _render(request, meeting, bound={"agenda": form})
    try:
        agenda_services.agenda_add(meeting=meeting, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render(request, meeting, bound={"agenda": form})
    messages.success(request, "Agenda item added.")
    return redirect(f"{meeting_url(meeting)}#agenda")


def _client_agenda_item(request, agenda_item_pk) -> AgendaItem:
    item = policy.get_visible_or_404(
        request.user, AgendaItem.objects.select_related("meeting", "meeting__forum"), pk=agenda_item_pk
    )
    if not acts_for_client(request.user, item.meeting):
        raise PermissionDenied
    return item


@require_POST
@login_required
def agenda_move(request, agenda_item_pk):
    item = _client_agenda_item(request, agenda_item_pk)
    form = AgendaMoveForm(request.POST)
    if form.is_valid():
        try:
            direction = form.cleaned_data["direction"]
            agenda_services.agenda_move(item=item, actor=request.user, direction=direction)
        except ValidationError as exc:
            return _refused(request, item.meeting, exc)
    else:
        messages.error(request, "Choose whether to move the item up or down.")
    return redirect(f"{meeting_url(item.meeting)}#agenda")


@require_POST
@login_required
def agenda_remove(request, agenda_item_pk):
    item = _client_agenda_item(request, agenda_item_pk)
    meeting = item.meeting
    try:
        agenda_services.agenda_remove(item=item, actor=request.user)
    except ValidationError as exc:
        return _refused(request, meeting, exc)
    messages.success(request, f"“{item.title}” removed from the agenda.")
    return redirect(f"{meeting_url(meeting)}#agenda")
