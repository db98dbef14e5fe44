"""Service level pages: one service level (every role that sees its contract; vendor users without the
internal fields) and the managers' add, edit, retire and delete forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors
from contracts.models import Contract

from .. import periods
from ..forms.service_levels import CreditTierFormSet, RetireForm, ServiceLevelForm, credit_tier_initial
from ..models import ServiceLevel
from ..selectors.targets import recent_results, target_history
from ..services import service_levels as services
from .targets import may_change_targets


def _service_level_for_user(user, pk) -> ServiceLevel:
    queryset = ServiceLevel.objects.select_related("metric", "contract__vendor")
    return policy.get_visible_or_404(user, queryset, pk=pk)


def _require_editor(user) -> None:
    if not services.service_level_can_edit(user):
        raise PermissionDenied


def _contract_url(service_level_or_contract) -> str:
    contract = getattr(service_level_or_contract, "contract", service_level_or_contract)
    return contract.get_absolute_url() + "#service-levels"


@require_safe
@login_required
def service_level_detail(request, service_level_pk):
    service_level = _service_level_for_user(request.user, service_level_pk)
    internal = policy.sees_internal(request.user)
    context = {
        "service_level": service_level,
        "contract": service_level.contract,
        "credit_tiers": list(service_level.credit_tiers.all()) if internal else [],
        "history": target_history(service_level, today=periods.local_today()),
        "results": recent_results(service_level),
        "may_change_targets": may_change_targets(request.user, service_level),
        "may_edit": services.service_level_can_edit(request.user),
        "has_figures": services.has_figures(service_level),
        "pool_warning": services.pool_allocation_warning(service_level.contract) if internal else None,
        "retired": service_level.effective_to is not None,
    }
    return render(request, "service_levels/detail.html", context)


def _form_page(request, *, contract, service_level=None):
    locked = service_level is not None and services.has_figures(service_level)
    if service_level is not None:
        # The form validates a copy, so the service still sees the stored values as the old ones.
        instance = ServiceLevel.objects.get(pk=service_level.pk)
        form = ServiceLevelForm(request.POST or None, instance=instance, contract=contract, locked=locked)
        tiers = CreditTierFormSet(
            request.POST or None, prefix="tiers", initial=credit_tier_initial(service_level)
        )
    else:
        initial = {"effective_from": contract.start_date}
        form = ServiceLevelForm(request.POST or None, contract=contract, initial=initial)
        tiers = CreditTierFormSet(request.POST or None, prefix="tiers")
    if request.method == "POST" and form.is_valid() and tiers.is_valid():
        data = {name: form.cleaned_data[name] for name in services.SERVICE_LEVEL_FIELDS}
        try:
            if service_level is None:
                saved, warning = services.service_level_create(
                    actor=request.user, contract=contract, credit_tiers=tiers.tiers(), **data
                )
            else:
                saved, warning = services.service_level_update(
                    service_level=service_level, actor=request.user, credit_tiers=tiers.tiers(), **data
                )
        except ValidationError as error:
            add_service_errors(form, error, field_names={"credit_tiers": None})
        else:
            messages.success(request, f"{saved.metric.name} saved on {contract.reference}.")
            if warning:
                messages.warning(request, warning)
            return redirect("service_levels:detail", service_level_pk=saved.pk)
    context = {
        "form": form,
        "tiers": tiers,
        "contract": contract,
        "service_level": service_level,
        "locked": locked,
    }
    return render(request, "service_levels/form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def service_level_new(request, contract_pk):
    contract = policy.get_visible_or_404(
        request.user, Contract.objects.select_related("vendor"), pk=contract_pk
    )
    _require_editor(request.user)
    return _form_page(request, contract=contract)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def service_level_edit(request, service_level_pk):
    service_level = _service_level_for_user(request.user, service_level_pk)
    _require_editor(request.user)
    return _form_page(request, contract=service_level.contract, service_level=service_level)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def service_level_retire(request, service_level_pk):
    service_level = _service_level_for_user(request.user, service_level_pk)
    _require_editor(request.user)
    form = RetireForm(request.POST or None, initial={"effective_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.service_level_retire(
                service_level=service_level, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{service_level.metric.name} is retired after {service_level.effective_to:%d %b %Y}.",
            )
            return redirect("service_levels:detail", service_level_pk=service_level.pk)
    return render(request, "service_levels/retire.html", {"form": form, "service_level": service_level})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def service_level_delete(request, service_level_pk):
    service_level = _service_level_for_user(request.user, service_level_pk)
    _require_editor(request.user)
    has_figures = services.has_figures(service_level)
    if request.method == "POST" and not has_figures:
        try:
            services.service_level_delete(service_level=service_level, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("service_levels:detail", service_level_pk=service_level.pk)
        messages.success(
            request, f"{service_level.metric.name} removed from {service_level.contract.reference}."
        )
        return redirect(_contract_url(service_level))
    context = {"service_level": service_level, "has_figures": has_figures}
    return render(
        request, "service_levels/delete.html", context, status=409 if request.method == "POST" else 200
    )
