"""Selection events: the list, creating one with its criteria, the event page, editing, and the
event's steps (open scoring, close scoring, cancel)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kpis.periods import local_today

from .. import rules, services
from ..forms import (
    CancelForm,
    ConflictDecisionForm,
    CriterionFormSet,
    EvaluatorForm,
    EventFilterForm,
    EventForm,
    default_criteria_initial,
)
from ..models import EventStatus
from ..selectors import event_for_user, event_list_for_user, event_overview
from .common import form_applies, internal_only, require_manager, step_redirect

PAGE_SIZE = 25


@internal_only
def event_list(request):
    form = EventFilterForm(request.GET)
    events = event_list_for_user(user=request.user, status=form.status_filter())
    page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page_obj, "can_create": rules.can_create(request.user)}
    return render(request, "selection/event_list.html", context)


@internal_only
def event_create(request):
    if not rules.can_create(request.user):
        raise PermissionDenied
    initial = {"owner": request.user.pk if rules.can_own(request.user) else None}
    form = EventForm(request.POST or None, initial=initial)
    formset = CriterionFormSet(request.POST or None, initial=default_criteria_initial(), prefix="criteria")
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        created = {}

        def create():
            created["event"] = services.event_create(
                actor=request.user, criteria=formset.rows(), **form.cleaned_data
            )

        if form_applies(form, create):
            messages.success(request, "Selection event created. Add candidates and evaluators next.")
            return redirect("selection:detail", pk=created["event"].pk)
    return render(request, "selection/event_create.html", {"form": form, "formset": formset})


@internal_only
def event_detail(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    overview = event_overview(user=request.user, event=event, today=local_today())
    manages = rules.can_manage(request.user, event)
    context = {
        "event": event,
        "o": overview,
        "manages": manages,
        "may_score": rules.may_score(request.user, event, overview.mine),
        "readiness": services.scoring_readiness(event)
        if manages and event.status == EventStatus.DRAFT
        else [],
        "decision_blockers": services.decision_blockers(event, overview.evaluators),
        "award_blockers": services.award_blockers(event, overview.approvals) if overview.decision else [],
        "evaluator_form": EvaluatorForm(event=event) if manages else None,
        "conflict_form": ConflictDecisionForm() if manages else None,
        "cancel_form": CancelForm() if manages else None,
        "scoring_open": rules.scoring_is_open(event),
    }
    return render(request, "selection/event_detail.html", context)


@internal_only
def event_edit(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    if event.status not in (EventStatus.DRAFT, EventStatus.SCORING):
        messages.error(
            request, f"The event is {event.get_status_display().lower()}; it can no longer change."
        )
        return redirect(event)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        # The form's instance has the new values already; the service compares with the stored row.
        event = event_for_user(user=request.user, pk=pk)
        if form_applies(form, lambda: services.event_update(event=event, actor=request.user, data=data)):
            messages.success(request, "Event updated." if data else "Nothing changed.")
            return redirect("selection:detail", pk=pk)
    return render(request, "selection/event_edit.html", {"event": event, "form": form})


@internal_only
def criteria_edit(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    if event.status != EventStatus.DRAFT:
        messages.error(request, "Criteria are fixed once scoring has opened.")
        return redirect("selection:detail", pk=pk)
    initial = [
        {"id": c.pk, "name": c.name, "weight": c.weight, "description": c.description}
        for c in event.criteria.all()
    ]
    formset = CriterionFormSet(request.POST or None, initial=initial, prefix="criteria")
    if request.method == "POST" and formset.is_valid():
        try:
            services.criteria_replace(event=event, actor=request.user, rows=formset.rows())
        except ValidationError as error:
            formset._non_form_errors = formset.error_class(error.messages, renderer=formset.renderer)
        else:
            messages.success(request, "Criteria saved.")
            return redirect("selection:detail", pk=pk)
    return render(request, "selection/criteria_edit.html", {"event": event, "formset": formset})


@internal_only
@require_POST
def scoring_open(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    return step_redirect(
        request,
        lambda: services.scoring_open(event=event, actor=request.user),
        done="Scoring is open: the evaluators can declare conflicts and score.",
        to=event,
    )


@internal_only
@require_POST
def scoring_close(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    return step_redirect(
        request,
        lambda: services.scoring_close(event=event, actor=request.user),
        done="Scoring is closed; the submitted scores are revealed.",
        to=event,
    )


@internal_only
@require_POST
def event_cancel(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason for cancelling.")
        return redirect(event)
    return step_redirect(
        request,
        lambda: services.event_cancel(event=event, actor=request.user, reason=form.cleaned_data["reason"]),
        done="Event cancelled.",
        to=event,
    )
