"""RACI pages: the overview of relationships, one relationship's matrix (read-only for the vendor), and
the managers' add, change and remove forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors
from vendors.models import Vendor

from ..forms.raci import RoleAssignmentForm
from ..selectors.raci import (
    raci_matrix_for_user,
    raci_overview_rows,
    raci_overview_vendors,
    role_assignment_for_user,
)
from ..services import raci as services

PAGE_SIZE = 25
# Model errors about the holder belong under the form's one holder field.
HOLDER_FIELDS = {"person": "holder", "contact": "holder", "side": "holder"}


@require_safe
@login_required
def raci_index(request):
    if not policy.sees_internal(request.user):
        if request.user.vendor_id is None:
            raise PermissionDenied
        return redirect("raci:matrix", vendor_pk=request.user.vendor_id)
    page_obj = Paginator(raci_overview_vendors(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page_obj": page_obj, "rows": raci_overview_rows(vendors=page_obj.object_list)}
    return render(request, "governance/raci/raci_index.html", context)


@require_safe
@login_required
def raci_matrix(request, vendor_pk):
    matrix = raci_matrix_for_user(user=request.user, vendor_pk=vendor_pk)
    context = {"matrix": matrix, "vendor": matrix.vendor, "can_edit": services.raci_can_edit(request.user)}
    return render(request, "governance/raci/raci_matrix.html", context)


def _require_editor(user) -> None:
    if not services.raci_can_edit(user):
        raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def raci_add(request, vendor_pk):
    vendor = policy.get_visible_or_404(request.user, Vendor.objects.all(), pk=vendor_pk)
    _require_editor(request.user)
    areas = set(vendor.role_assignments.values_list("area", flat=True))
    initial = {"area": request.GET.get("area", "")}
    form = RoleAssignmentForm(request.POST or None, vendor=vendor, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.role_assignment_create(
                actor=request.user, vendor=vendor, **form.service_kwargs()
            )
        except ValidationError as error:
            add_service_errors(form, error, field_names=HOLDER_FIELDS)
        else:
            messages.success(
                request,
                f"{assignment.holder_name} is now {assignment.get_raci_display()} in {assignment.area}.",
            )
            if "add_another" in request.POST:
                return redirect(f"{request.path}?{urlencode({'area': assignment.area})}")
            return redirect("raci:matrix", vendor_pk=vendor.pk)
    return render(request, "governance/raci/assignment_form.html", {"form": form, "vendor": vendor})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def raci_edit(request, role_assignment_pk):
    assignment = role_assignment_for_user(user=request.user, pk=role_assignment_pk)
    _require_editor(request.user)
    vendor = assignment.vendor
    areas = set(vendor.role_assignments.values_list("area", flat=True))
    form = RoleAssignmentForm(
        request.POST or None, vendor=vendor, areas=areas, initial=RoleAssignmentForm.initial_for(assignment)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.role_assignment_update(
                assignment=assignment, actor=request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            add_service_errors(form, error, field_names=HOLDER_FIELDS)
        else:
            messages.success(request, "Role assignment saved.")
            return redirect("raci:matrix", vendor_pk=vendor.pk)
    context = {"form": form, "vendor": vendor, "assignment": assignment}
    return render(request, "governance/raci/assignment_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def raci_remove(request, role_assignment_pk):
    assignment = role_assignment_for_user(user=request.user, pk=role_assignment_pk)
    _require_editor(request.user)
    if request.method == "POST":
        vendor_pk = assignment.vendor_id
        services.role_assignment_delete(assignment=assignment, actor=request.user)
        messages.success(
            request,
            f"{assignment.holder_name} no longer holds “{assignment.role_title}” in {assignment.area}.",
        )
        return redirect("raci:matrix", vendor_pk=vendor_pk)
    return render(request, "governance/raci/assignment_remove.html", {"assignment": assignment})
