"""What-if replays for internal users: one service level's proposal, or a whole contract's for a
renegotiation. Read-only for everyone: the replay writes nothing."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from accounts import policy
from accounts.forms import add_service_errors

from ..forms.whatif import ProposalForm, WindowForm, contract_proposal_forms
from ..selectors.targets import contract_for_user, contract_service_levels, service_level_for_user
from ..services.whatif import whatif_override, whatif_replay
from .targets import may_change_targets


def _internal_only(user) -> None:
    """Vendor users reach no what-if page (another vendor's ids are a 404 before this)."""
    if not policy.sees_internal(user):
        raise PermissionDenied


def _overrides(forms) -> dict | None:
    """Each valid form's checked proposal, or None when a form has errors."""
    overrides = {}
    for form in forms:
        if not form.is_valid():
            return None
        try:
            overrides[form.service_level.pk] = whatif_override(
                service_level=form.service_level, **form.proposal()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return None
    return overrides


@login_required
def service_level_whatif(request, pk):
    service_level = service_level_for_user(user=request.user, pk=pk)
    _internal_only(request.user)
    submitted = "replay" in request.GET
    form = ProposalForm(request.GET if submitted else None, service_level=service_level)
    window = WindowForm(request.GET or None)
    replay = None
    if submitted and (overrides := _overrides([form])) is not None:
        replay = whatif_replay(
            contract=service_level.contract,
            overrides=overrides,
            months=window.window(),
            service_level=service_level,
        )
    context = {
        "sl": service_level,
        "form": form,
        "window": window,
        "replay": replay,
        "may_change_targets": may_change_targets(request.user, service_level),
    }
    return render(request, "whatif/service_level_whatif.html", context)


@login_required
def contract_whatif(request, pk):
    contract = contract_for_user(user=request.user, pk=pk)
    _internal_only(request.user)
    service_levels = contract_service_levels(contract)
    submitted = "replay" in request.GET
    forms = contract_proposal_forms(request.GET if submitted else None, service_levels=service_levels)
    window = WindowForm(request.GET or None)
    replay = None
    if submitted and service_levels and (overrides := _overrides(forms)) is not None:
        replay = whatif_replay(contract=contract, overrides=overrides, months=window.window())
    context = {"contract": contract, "forms": forms, "window": window, "replay": replay}
    return render(request, "whatif/contract_whatif.html", context)
