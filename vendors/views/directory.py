"""The vendor directory for internal users, and the manager's form for a vendor's master record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors

from .. import services
from ..forms import VendorFilterForm, VendorForm
from ..models import Vendor
from ..selectors import vendor_for_user, vendor_list_for_user, with_pending_change_requests

PAGE_SIZE = 25


@require_safe
@login_required
def vendor_list(request):
    if not request.user.is_internal:
        return redirect("vendors:detail", pk=request.user.vendor_id)
    form = VendorFilterForm(request.GET)
    vendors = with_pending_change_requests(vendor_list_for_user(user=request.user, **form.filters()))
    page_obj = Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page_obj,
        "can_create": policy.can(request.user, policy.Action.CREATE, Vendor),
    }
    return render(request, "vendors/vendor_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def vendor_create(request):
    if not policy.can(request.user, policy.Action.CREATE, Vendor):
        raise PermissionDenied
    form = VendorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            vendor = services.vendor_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{vendor.name} added as a prospect. Add its contacts next.")
            return redirect("vendors:contacts", pk=vendor.pk)
    return render(request, "vendors/vendor_form.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def vendor_edit(request, pk):
    vendor = vendor_for_user(user=request.user, pk=pk)
    if not policy.can(request.user, policy.Action.CHANGE, vendor):
        raise PermissionDenied
    form = VendorForm(request.POST if request.method == "POST" else None, instance=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.vendor_update(vendor=vendor, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Vendor saved." if changed else "Nothing changed.")
            return redirect("vendors:detail", pk=vendor.pk)
    return render(request, "vendors/vendor_form.html", {"form": form, "vendor": vendor})
