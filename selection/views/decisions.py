"""The decision of an event, the approvers' answers, and the award."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kpis.periods import local_today

from .. import services
from ..forms import ApprovalForm, AwardForm, DecisionForm
from ..models import EventStatus
from ..selectors import event_for_user, event_overview
from .common import form_applies, internal_only, require_manager, step_redirect


@internal_only
def decide(request, pk):
    """Record the decision (or revise it before the award), with the ranking beside the form."""
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    overview = event_overview(user=request.user, event=event, today=local_today())
    blockers = services.decision_blockers(event, overview.evaluators)
    if blockers:
        messages.error(request, " ".join(blockers))
        return redirect(event)
    initial = {}
    if overview.decision:
        initial = {
            "candidate": overview.decision.candidate_id,
            "rationale": overview.decision.rationale,
            "approvers": [a.approver_id for a in overview.approvals],
        }
    elif overview.ranking and overview.ranking[0].result.rank == 1:
        initial = {"candidate": overview.ranking[0].candidate.pk}
    form = DecisionForm(request.POST or None, event=event, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_applies(
            form, lambda: services.decision_record(event=event, actor=request.user, **form.cleaned_data)
        )
    ):
        messages.success(request, "Decision recorded; the approvers are asked to approve it.")
        return redirect(event)
    return render(request, "selection/decide.html", {"event": event, "o": overview, "form": form})


@internal_only
@require_POST
def approve(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    decision = getattr(event, "decision", None) if event.status == EventStatus.DECIDED else None
    if decision is None:
        messages.error(request, "There is no decision awaiting approval.")
        return redirect(event)
    approval = decision.approvals.filter(approver=request.user).first()
    if approval is None:
        raise PermissionDenied
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
        return redirect(event)
    approved = form.cleaned_data["answer"] == "approve"
    return step_redirect(
        request,
        lambda: services.approval_answer(
            approval=approval, actor=request.user, approve=approved, comment=form.cleaned_data["comment"]
        ),
        done="You approved the decision."
        if approved
        else "You rejected the decision; the owner is told why.",
        to=event,
    )


@internal_only
def award(request, pk):
    event = event_for_user(user=request.user, pk=pk)
    require_manager(request.user, event)
    overview = event_overview(user=request.user, event=event, today=local_today())
    blockers = (
        services.award_blockers(event, overview.approvals) if overview.decision else ["No decision yet."]
    )
    if blockers:
        messages.error(request, " ".join(blockers))
        return redirect(event)
    # The overview's candidate has its commitments prefetched.
    winner = next(
        row.candidate for row in overview.candidates if row.candidate.pk == overview.decision.candidate_id
    )
    # Suggested: from the first of next month, a three-year initial term.
    start = (local_today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    initial = {
        "title": f"{event.title} — {winner.name}",
        "start_date": start,
        "initial_term_end": start.replace(year=start.year + 3) - dt.timedelta(days=1),
    }
    form = AwardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        created = {}

        def run():
            created["contract"] = services.event_award(event=event, actor=request.user, **form.cleaned_data)

        if form_applies(form, run):
            contract = created["contract"]
            messages.success(
                request,
                f"Awarded to {contract.vendor.name}: draft contract {contract.reference} created with "
                f"{contract.service_levels.count()} service level(s) from the commitments.",
            )
            return redirect(event)
    context = {"event": event, "o": overview, "form": form, "winner": winner}
    return render(request, "selection/award.html", context)
