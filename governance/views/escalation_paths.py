"""Escalation path pages: the paths (vendor users see their own vendor's, read-only), one path with its
levels, and the managers' create, edit and delete forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors
from contracts.models import Contract
from vendors.models import Vendor

from ..forms.escalation_paths import EscalationPathForm, LevelFormSet, level_initial
from ..models import EscalationPath
from ..services import escalation_paths as services

PAGE_SIZE = 50


def _path_for_user(user, pk) -> EscalationPath:
    return policy.get_visible_or_404(user, EscalationPath.objects.select_related("vendor", "contract"), pk=pk)


def _require_editor(user) -> None:
    if not services.escalation_path_can_edit(user):
        raise PermissionDenied


@require_safe
@login_required
def path_list(request):
    paths = policy.scope(
        request.user,
        EscalationPath.objects.select_related("vendor", "contract").annotate(level_count=Count("levels")),
    ).order_by("tier", "vendor__name", "contract__reference", "name")
    page_obj = Paginator(paths, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, "may_edit": services.escalation_path_can_edit(request.user)}
    return render(request, "governance/escalation_paths/list.html", context)


@require_safe
@login_required
def path_detail(request, path_pk):
    path = _path_for_user(request.user, path_pk)
    levels = path.levels.select_related("internal_person", "vendor_contact").order_by("level")
    context = {"path": path, "levels": levels, "may_edit": services.escalation_path_can_edit(request.user)}
    return render(request, "governance/escalation_paths/detail.html", context)


def _initial_scope(request) -> dict:
    initial = {}
    vendor_pk, contract_pk = request.GET.get("vendor", ""), request.GET.get("contract", "")
    if contract_pk.isdigit():
        contract = policy.scope(
            request.user, Contract.objects.select_related("vendor").filter(pk=contract_pk)
        ).first()
        if contract is not None:
            initial.update(
                contract=contract.pk, vendor=contract.vendor_id, name=f"{contract.reference} escalation"
            )
    elif vendor_pk.isdigit():
        vendor = policy.scope(request.user, Vendor.objects.filter(pk=vendor_pk)).first()
        if vendor is not None:
            initial.update(vendor=vendor.pk, name=f"{vendor.name} escalation")
    return initial


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def path_new(request):
    _require_editor(request.user)
    form = EscalationPathForm(request.POST or None, initial=_initial_scope(request))
    vendor = None
    if form.is_bound and form.is_valid():
        vendor = form.cleaned_data.get("vendor")
    elif not form.is_bound and form.initial.get("vendor"):
        vendor = Vendor.objects.filter(pk=form.initial["vendor"]).first()
    levels = LevelFormSet(request.POST or None, prefix="levels", form_kwargs={"vendor": vendor})
    if request.method == "POST" and form.is_valid() and levels.is_valid():
        data = form.cleaned_data
        try:
            path = services.escalation_path_create(
                actor=request.user,
                name=data["name"],
                contract=data.get("contract"),
                vendor=data.get("vendor"),
                tier=data.get("tier", ""),
                levels=levels.levels(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Escalation path “{path.name}” created.")
            return redirect("escalation_paths:detail", path_pk=path.pk)
    return render(
        request, "governance/escalation_paths/form.html", {"form": form, "levels": levels, "path": None}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def path_edit(request, path_pk):
    path = _path_for_user(request.user, path_pk)
    _require_editor(request.user)
    form = EscalationPathForm(
        request.POST or None, instance=EscalationPath.objects.get(pk=path.pk), editing=True
    )
    levels = LevelFormSet(
        request.POST or None,
        prefix="levels",
        initial=level_initial(path),
        form_kwargs={"vendor": path.vendor},
    )
    if request.method == "POST" and form.is_valid() and levels.is_valid():
        try:
            services.escalation_path_update(
                path=path, actor=request.user, name=form.cleaned_data["name"], levels=levels.levels()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Escalation path saved.")
            return redirect("escalation_paths:detail", path_pk=path.pk)
    return render(
        request, "governance/escalation_paths/form.html", {"form": form, "levels": levels, "path": path}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def path_delete(request, path_pk):
    path = _path_for_user(request.user, path_pk)
    _require_editor(request.user)
    if request.method == "POST":
        try:
            services.escalation_path_delete(path=path, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("escalation_paths:detail", path_pk=path.pk)
        messages.success(request, f"Escalation path “{path.name}” deleted.")
        return redirect("escalation_paths:list")
    return render(request, "governance/escalation_paths/delete.html", {"path": path})
