"""The vendor's monthly progress updates: list, submit, change while the month runs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors
from governance.forms.progress import ProgressUpdateForm
from governance.models import ProgressUpdate
from governance.services import (
    progress_current_month,
    progress_month_closes_at,
    progress_update_change,
    progress_update_is_editable,
    progress_update_submit,
)

from ..selectors.vendor_home import own_vendor, progress_updates_for_user
from .vendor_home import vendor_member_required

PAGE_SIZE = 12


@require_safe
@vendor_member_required
def progress_list(request):
    vendor = own_vendor(request.user)
    updates = progress_updates_for_user(user=request.user, vendor=vendor)
    month = progress_current_month()
    context = {
        "vendor": vendor,
        "page_obj": Paginator(updates, PAGE_SIZE).get_page(request.GET.get("page")),
        "progress_month": month,
        "progress_closes_at": progress_month_closes_at(month),
        "current_update": updates.filter(period_start=month).first(),
        "can_submit": policy.can(request.user, policy.Action.SUBMIT, ProgressUpdate),
    }
    return render(request, "governance/progress_list.html", context)


def _require_submit(user, obj_or_model) -> None:
    if not policy.can(user, policy.Action.SUBMIT, obj_or_model):
        raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
@vendor_member_required
def progress_create(request):
    _require_submit(request.user, ProgressUpdate)
    vendor = own_vendor(request.user)
    month = progress_current_month()
    existing = progress_updates_for_user(user=request.user, vendor=vendor).filter(period_start=month).first()
    if existing and request.method != "POST":
        messages.info(request, f"You have sent the update for {month:%B %Y} already; change it here.")
        return redirect("vendor_portal:progress_edit", progress_update_pk=existing.pk)
    form = ProgressUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            progress_update_submit(
                vendor=vendor, actor=request.user, period_start=month, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Your progress update for {month:%B %Y} has been sent.")
            return redirect("vendor_portal:progress_list")
    context = {
        "vendor": vendor,
        "form": form,
        "progress_month": month,
        "progress_closes_at": progress_month_closes_at(month),
        "existing": existing,
    }
    return render(request, "governance/progress_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@vendor_member_required
def progress_edit(request, progress_update_pk):
    update = policy.get_visible_or_404(
        request.user, ProgressUpdate.objects.select_related("vendor", "submitted_by"), pk=progress_update_pk
    )
    _require_submit(request.user, update)
    if not progress_update_is_editable(update):
        messages.warning(request, f"{update.period_start:%B %Y} has ended; its update can no longer change.")
        return redirect("vendor_portal:progress_list")
    # Initial data rather than the instance: validating a bound ModelForm would overwrite the
    # instance's values before the service compares old with new for the audit trail.
    initial = model_to_dict(update, fields=ProgressUpdateForm._meta.fields)
    form = ProgressUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            progress_update_change(update=update, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Your progress update for {update.period_start:%B %Y} has been saved.")
            return redirect("vendor_portal:progress_list")
    context = {
        "vendor": update.vendor,
        "form": form,
        "update": update,
        "progress_month": update.period_start,
        "progress_closes_at": progress_month_closes_at(update.period_start),
    }
    return render(request, "governance/progress_form.html", context)
