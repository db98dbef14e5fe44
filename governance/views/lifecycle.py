"""The vendor lifecycle page (prospect → onboarding → active → exiting → exited): the moves so far, the
onboarding checklist, the exit plan, and for managers the move form. Internal users only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors
from kpis import periods
from vendors import services as vendor_services
from vendors.models import VendorStatus
from vendors.selectors import status_history_for_user, vendor_for_user

from ..forms.lifecycle import CONFIRMED_MOVES, ExitStepFormSet, LifecycleMoveForm
from ..selectors.onboarding import onboarding_checklist
from ..services.lifecycle import ExitStep, vendor_lifecycle_move

CHECKLIST_STATUSES = (VendorStatus.PROSPECT, VendorStatus.ONBOARDING)


def _internal_vendor(request, pk):
    """The vendor (404 when not visible); vendor users do not see the lifecycle (403)."""
    vendor = vendor_for_user(user=request.user, pk=pk)
    if not request.user.is_internal:
        raise PermissionDenied
    return vendor


@require_safe
@login_required
def vendor_lifecycle(request, pk):
    vendor = _internal_vendor(request, pk)
    context = {
        "vendor": vendor,
        "history": status_history_for_user(user=request.user, vendor=vendor),
        "checklist": onboarding_checklist(vendor=vendor),
        "show_checklist": vendor.status in CHECKLIST_STATUSES,
        "moves": [(move, VendorStatus(move).label) for move in vendor_services.allowed_moves(vendor)],
        "lifecycle_steps": VendorStatus.choices,
        "can_move": policy.can(request.user, policy.Action.CHANGE, vendor),
    }
    return render(request, "governance/lifecycle/vendor_lifecycle.html", context)


def _exit_steps(formset) -> tuple[ExitStep, ...]:
    return tuple(
        ExitStep(
            form.cleaned_data["title"].strip(), form.cleaned_data["owner_side"], form.cleaned_data["due_on"]
        )
        for form in formset.forms
        if form.cleaned_data.get("title", "").strip()
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def vendor_lifecycle_move_view(request, pk):
    vendor = _internal_vendor(request, pk)
    if not policy.can(request.user, policy.Action.CHANGE, vendor):
        raise PermissionDenied
    moves = vendor_services.allowed_moves(vendor)
    target = request.GET.get("to") if request.GET.get("to") in moves else None
    data = request.POST if request.method == "POST" else None
    initial = {"effective_on": periods.local_today()}
    form = LifecycleMoveForm(data, vendor=vendor, moves=moves, target=target, initial=initial)
    # Exit steps only where an exit may be chosen.
    wants_steps = target in (None, VendorStatus.EXITING) and VendorStatus.EXITING in moves
    steps = ExitStepFormSet(data, prefix="steps") if wants_steps else None
    if request.method == "POST" and form.is_valid() and (steps is None or steps.is_valid()):
        try:
            change, actions = vendor_lifecycle_move(
                vendor=vendor,
                actor=request.user,
                exit_steps=_exit_steps(steps) if steps is not None else (),
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = f"{vendor.name} is now {change.get_to_status_display().lower()}."
            if actions:
                text += f" {len(actions)} exit plan action item{'s' if len(actions) != 1 else ''} created."
            messages.success(request, text)
            return redirect("vendors:lifecycle", pk=vendor.pk)
    context = {
        "vendor": vendor,
        "form": form,
        "steps": steps,
        "checklist": onboarding_checklist(vendor=vendor),
        "wanted": target or form["to_status"].value(),
        "wanted_label": VendorStatus(target).label if target else "",
        "confirmed_moves": CONFIRMED_MOVES,
        "statuses": VendorStatus,
    }
    return render(request, "governance/lifecycle/lifecycle_move.html", context)
