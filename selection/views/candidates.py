"""Candidates of an event: adding one (existing vendor or prospect), its page with the track record and
commitments, and removing one."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kpis.periods import local_today

from .. import rules, services
from ..forms import CandidateForm, CommitmentForm
from ..models import EventStatus
from ..selectors import (
    candidate_for_user,
    commitment_for_user,
    event_for_user,
    open_issues_of,
    track_records,
)
from ..services.events import COMMITMENT_STATUSES
from .common import form_applies, internal_only, require_manager, step_redirect


@internal_only
def candidate_add(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    if event.status != EventStatus.DRAFT:
        messages.error(request, "Candidates are fixed once scoring has opened.")
        return redirect(event)
    form = CandidateForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("kind")
        created = {}

        def add():
            created["candidate"] = services.candidate_add(event=event, actor=request.user, **data)

        if form_applies(form, add):
            messages.success(request, f"{created['candidate'].name} added as a candidate.")
            return redirect("selection:candidate", candidate_pk=created["candidate"].pk)
    return render(request, "selection/candidate_add.html", {"event": event, "form": form})


@internal_only
def candidate_detail(request, candidate_pk):
    candidate = candidate_for_user(user=request.user, pk=candidate_pk)
    event = candidate.event
    manages = rules.can_manage(request.user, event)
    may_commit = manages and event.status in COMMITMENT_STATUSES
    form = CommitmentForm(request.POST or None, candidate=candidate) if may_commit else None
    if request.method == "POST":
        if form is None:
            require_manager(request.user, event)
            messages.error(request, "Commitments are fixed once the decision is recorded.")
            return redirect("selection:candidate", candidate_pk=candidate.pk)
        if form.is_valid() and form_applies(
            form,
            lambda: services.commitment_add(candidate=candidate, actor=request.user, **form.cleaned_data),
        ):
            messages.success(request, "Commitment recorded.")
            return redirect("selection:candidate", candidate_pk=candidate.pk)
    record = None
    issues = []
    if candidate.vendor_id:
        record = track_records([candidate.vendor_id], today=local_today())[candidate.vendor_id]
        issues = open_issues_of(candidate.vendor_id)
    context = {
        "event": event,
        "candidate": candidate,
        "commitments": candidate.commitments.select_related("metric"),
        "record": record,
        "issues": issues,
        "form": form,
        "manages": manages,
        "may_commit": may_commit,
    }
    return render(request, "selection/candidate_detail.html", context)


@internal_only
@require_POST
def candidate_remove(request, candidate_pk):
    candidate = candidate_for_user(user=request.user, pk=candidate_pk)
    require_manager(request.user, candidate.event)
    return step_redirect(
        request,
        lambda: services.candidate_remove(candidate=candidate, actor=request.user),
        done=f"{candidate.name} is no longer a candidate.",
        to=candidate.event,
    )


@internal_only
@require_POST
def commitment_remove(request, commitment_pk):
    commitment = commitment_for_user(user=request.user, pk=commitment_pk)
    require_manager(request.user, commitment.candidate.event)
    return step_redirect(
        request,
        lambda: services.commitment_remove(commitment=commitment, actor=request.user),
        done=f"Commitment on {commitment.metric.name} removed.",
        to=reverse("selection:candidate", kwargs={"candidate_pk": commitment.candidate_id}),
    )
