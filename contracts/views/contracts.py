"""Managers' contract pages: create and edit, status moves with a reason, duplicate as a new SOW.

The contract page itself (read by every role) lives in ``portal``; these forms are the client's
managers' only, and vendor users get a 404 for another vendor's contract before anything else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import policy
from accounts.forms import add_service_errors
from vendors.models import Vendor

from ..forms import ContractForm, ContractStatusForm, DuplicateSowForm
from ..models import Contract
from ..services import contracts as services


def _contract_for_user(user, pk) -> Contract:
    return policy.get_visible_or_404(user, Contract.objects.select_related("vendor", "parent"), pk=pk)


def _require_editor(user) -> None:
    if not services.contract_can_edit(user):
        raise PermissionDenied


def _say_saved(request, saved: services.SavedContract, text: str) -> None:
    messages.success(request, text)
    for warning in saved.warnings:
        messages.warning(request, f"{saved.contract.reference}: {warning}")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def contract_new(request):
    _require_editor(request.user)
    initial = {}
    vendor_pk = request.GET.get("vendor", "")
    if vendor_pk.isdigit():
        vendor = policy.scope(request.user, Vendor.objects.filter(pk=vendor_pk)).first()
        initial["vendor"] = vendor.pk if vendor else None
    parent_pk = request.GET.get("parent", "")
    if parent_pk.isdigit():
        parent = policy.scope(request.user, Contract.objects.filter(pk=parent_pk)).first()
        if parent is not None:
            initial.update(vendor=parent.vendor_id, parent=parent.pk)
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.contract_create(
                actor=request.user,
                vendor=form.cleaned_data["vendor"],
                status=form.cleaned_data["status"],
                **form.service_kwargs(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _say_saved(request, saved, f"Contract {saved.contract.reference} created.")
            return redirect(saved.contract.get_absolute_url())
    return render(request, "contracts/contract_form.html", {"form": form, "contract": None})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def contract_edit(request, pk):
    contract = _contract_for_user(request.user, pk)
    _require_editor(request.user)
    # The form validates a copy, so the service still sees the stored values as the "old" ones.
    form = ContractForm(request.POST or None, instance=_contract_for_user(request.user, pk), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.contract_update(contract=contract, actor=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _say_saved(request, saved, "Contract saved.")
            return redirect(contract.get_absolute_url())
    return render(request, "contracts/contract_form.html", {"form": form, "contract": contract})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def contract_status(request, pk):
    contract = _contract_for_user(request.user, pk)
    _require_editor(request.user)
    form = ContractStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_change_status(
                contract=contract, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{contract.reference} is now {contract.get_status_display().lower()}.")
            return redirect(contract.get_absolute_url() + "#history")
    context = {
        "form": form,
        "contract": contract,
        "history": contract.status_changes.select_related("changed_by"),
    }
    return render(request, "contracts/contract_status.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def contract_duplicate(request, pk):
    contract = _contract_for_user(request.user, pk)
    _require_editor(request.user)
    form = DuplicateSowForm(request.POST or None, initial={"title": f"{contract.title} (copy)"})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.contract_duplicate_as_sow(
                contract=contract, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _say_saved(
                request, saved, f"{saved.contract.reference} created as a draft copy of {contract.reference}."
            )
            return redirect(saved.contract.get_absolute_url())
    return render(request, "contracts/contract_duplicate.html", {"form": form, "contract": contract})
