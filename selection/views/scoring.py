"""Evaluators and their scoring: naming and removing evaluators, the conflict-of-interest declaration
and the owner's answer to it, the evaluator's own sheet, and the ranking."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kpis.periods import local_today

from .. import rules, services
from ..forms import ConflictDecisionForm, DeclarationForm, EvaluatorForm, SheetForm
from ..models import ConflictStatus
from ..selectors import evaluator_for_user, event_for_user, event_overview, my_sheet_scores
from .common import form_applies, internal_only, require_manager, step_redirect


@internal_only
@require_POST
def evaluator_add(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    form = EvaluatorForm(request.POST, event=event)
    if not form.is_valid():
        messages.error(request, "Choose an internal user who is not an evaluator yet.")
        return redirect(event)
    user = form.cleaned_data["user"]
    return step_redirect(
        request,
        lambda: services.evaluator_add(event=event, actor=request.user, user=user),
        done=f"{user} will evaluate this event.",
        to=event,
    )


@internal_only
@require_POST
def evaluator_remove(request, evaluator_pk):
    evaluator = evaluator_for_user(user=request.user, pk=evaluator_pk)
    require_manager(request.user, evaluator.event)
    return step_redirect(
        request,
        lambda: services.evaluator_remove(evaluator=evaluator, actor=request.user),
        done=f"{evaluator.user} is no longer an evaluator.",
        to=evaluator.event,
    )


@internal_only
@require_POST
def conflict_decide(request, evaluator_pk):
    evaluator = evaluator_for_user(user=request.user, pk=evaluator_pk)
    require_manager(request.user, evaluator.event)
    form = ConflictDecisionForm(request.POST)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, f"{evaluator.user}'s conflict: {' '.join(errors)}")
        return redirect(evaluator.event)
    accept = form.cleaned_data["decision"] == "accept"
    return step_redirect(
        request,
        lambda: services.conflict_decide(
            evaluator=evaluator, actor=request.user, accept=accept, note=form.cleaned_data["note"]
        ),
        done=f"{evaluator.user} {'may score' if accept else 'is excluded from scoring'}.",
        to=evaluator.event,
    )


def _my_evaluator(request, event):
    evaluator = event.evaluators.select_related("user").filter(user=request.user).first()
    if evaluator is None:
        raise PermissionDenied
    return evaluator


@internal_only
def declaration(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    evaluator = _my_evaluator(request, event)
    initial = {}
    if evaluator.conflict_status != ConflictStatus.PENDING:
        initial = {"conflict": evaluator.conflict_status, "statement": evaluator.conflict_statement}
    form = DeclarationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        declared = form.cleaned_data["conflict"] == "declared"
        if form_applies(
            form,
            lambda: services.conflict_declare(
                evaluator=evaluator,
                actor=request.user,
                has_conflict=declared,
                statement=form.cleaned_data["statement"],
            ),
        ):
            if declared:
                messages.success(request, "Conflict declared. The owner decides whether you score.")
                return redirect(event)
            messages.success(request, "Declaration recorded: you can score.")
            return redirect("selection:sheet", pk=event.pk)
    candidates = event.candidates.select_related("vendor")
    context = {"event": event, "evaluator": evaluator, "form": form, "candidates": candidates}
    return render(request, "selection/declaration.html", context)


@internal_only
def sheet(request, pk):
    """The evaluator's own sheet: save a draft any time while scoring is open, or submit and lock it."""
    event = event_for_user(user=request.user, pk=pk)
    evaluator = _my_evaluator(request, event)
    if evaluator.conflict_status == ConflictStatus.PENDING and rules.scoring_is_open(event):
        messages.warning(request, "Declare any conflict of interest before you score.")
        return redirect("selection:declaration", pk=event.pk)
    candidates = list(event.candidates.select_related("vendor"))
    criteria = list(event.criteria.all())
    editable = rules.may_score(request.user, event, evaluator)
    form = SheetForm(
        request.POST if request.method == "POST" else None,
        event=event,
        candidates=candidates,
        criteria=criteria,
        initial_scores=my_sheet_scores(evaluator),
    )
    if request.method == "POST":
        if not editable:
            messages.error(request, _why_locked(event, evaluator))
            return redirect("selection:sheet", pk=event.pk)
        submit = "submit" in request.POST
        if form.is_valid() and _save_sheet(form, evaluator, request.user, submit):
            if submit:
                messages.success(
                    request, "Scores submitted and locked. You can now see the submitted scores."
                )
                return redirect("selection:ranking", pk=event.pk)
            messages.success(request, "Draft saved. Nobody else sees it; submit when you are done.")
            return redirect("selection:sheet", pk=event.pk)
    rows = [
        {
            "candidate": candidate,
            "cells": [
                {"criterion": criterion, "fields": form.field_pair(candidate.pk, criterion.pk)}
                for criterion in criteria
            ],
        }
        for candidate in candidates
    ]
    context = {
        "event": event,
        "evaluator": evaluator,
        "form": form,
        "rows": rows,
        "editable": editable,
        "locked_reason": "" if editable else _why_locked(event, evaluator),
    }
    return render(request, "selection/sheet.html", context)


def _save_sheet(form, evaluator, actor, submit) -> bool:
    try:
        services.sheet_save(evaluator=evaluator, actor=actor, entries=form.entries(), submit=submit)
    except services.SheetError as error:
        form.add_cell_errors(error.cells)
        form.add_error(None, error.messages)
        return False
    except ValidationError as error:
        form.add_error(None, error.messages)
        return False
    return True


def _why_locked(event, evaluator) -> str:
    if evaluator.is_submitted:
        return f"You submitted your scores on {evaluator.submitted_at:%d %b %Y}; they are locked."
    if evaluator.is_excluded:
        return "The owner excluded you from scoring because of the declared conflict."
    if evaluator.awaits_owner:
        return "You declared a conflict; the owner decides whether you score."
    if not rules.scoring_is_open(event):
        return "Scoring is not open."
    return "You cannot score this event."


@internal_only
def ranking(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    overview = event_overview(user=request.user, event=event, today=local_today())
    return render(request, "selection/ranking.html", {"event": event, "o": overview})
