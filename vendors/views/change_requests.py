"""Change requests: a vendor administrator proposes a change to its company's record or contacts, a
manager approves or rejects it; both sides read the history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import policy
from accounts.forms import add_service_errors

from .. import services
from ..forms import ContactChangeRequestForm, DecisionForm, DetailsChangeRequestForm
from ..models import ChangeRequestKind, Vendor, VendorContact
from ..selectors import change_request_for_user, change_requests_for_user, contacts_for_user, vendor_for_user

PAGE_SIZE = 25


@require_safe
@login_required
def change_request_list(request, pk):
    vendor = vendor_for_user(user=request.user, pk=pk)
    requests = change_requests_for_user(user=request.user, vendor=vendor)
    context = {
        "vendor": vendor,
        "page_obj": Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page")),
        "may_propose": services.may_propose_change(request.user, vendor),
        "contacts": contacts_for_user(user=request.user, vendor=vendor)[0],
    }
    return render(request, "vendors/change_request_list.html", context)


def _contact_from_query(request, vendor):
    contact_pk = request.GET.get("contact", "")
    if not contact_pk.isdigit():
        return None
    current, _retired = contacts_for_user(user=request.user, vendor=vendor)
    return next((contact for contact in current if contact.pk == int(contact_pk)), None)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def change_request_create(request, pk):
    vendor = vendor_for_user(user=request.user, pk=pk)
    if policy.can(request.user, policy.Action.CHANGE, vendor):
        # The client's managers change the record themselves; requests are the vendor's way in.
        return redirect(
            "vendors:contacts" if request.GET.get("kind") == "contact" else "vendors:edit", pk=vendor.pk
        )
    if not services.may_propose_change(request.user, vendor):
        raise PermissionDenied
    kind = ChangeRequestKind.CONTACT if request.GET.get("kind") == "contact" else ChangeRequestKind.DETAILS
    contact = _contact_from_query(request, vendor) if kind == ChangeRequestKind.CONTACT else None
    if kind == ChangeRequestKind.DETAILS:
        initial = {name: getattr(vendor, name) for name in services.PROPOSABLE_DETAILS}
        form = DetailsChangeRequestForm(request.POST if request.method == "POST" else None, initial=initial)
    else:
        initial = (
            {name: getattr(contact, name) for name in services.PROPOSABLE_CONTACT_FIELDS} if contact else {}
        )
        form = ContactChangeRequestForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change_request = services.change_request_submit(
                vendor=vendor,
                actor=request.user,
                kind=kind,
                contact=contact,
                proposed=form.proposed(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Change proposed. The client's managers will approve or reject it.")
            return redirect(
                "vendors:change_request", pk=vendor.pk, vendor_change_request_pk=change_request.pk
            )
    context = {"vendor": vendor, "form": form, "kind": kind, "contact": contact}
    return render(request, "vendors/change_request_form.html", context)


def _label(change_request, name: str) -> str:
    model = VendorContact if change_request.kind == ChangeRequestKind.CONTACT else Vendor
    return str(model._meta.get_field(name).verbose_name)


def _render_detail(request, change_request, *, form=None, status=200):
    may_decide = services.may_decide_change(request.user, change_request)
    context = {
        "vendor": change_request.vendor,
        "change_request": change_request,
        "rows": [
            (_label(change_request, name), change_request.current.get(name, ""), value)
            for name, value in change_request.proposed.items()
        ],
        "may_decide": may_decide,
        "form": form or (DecisionForm() if may_decide else None),
    }
    return render(request, "vendors/change_request_detail.html", context, status=status)


@require_safe
@login_required
def change_request_detail(request, pk, vendor_change_request_pk):
    vendor = vendor_for_user(user=request.user, pk=pk)
    change_request = change_request_for_user(user=request.user, vendor=vendor, pk=vendor_change_request_pk)
    return _render_detail(request, change_request)


def _decide(request, pk, vendor_change_request_pk, *, decide, success):
    vendor = vendor_for_user(user=request.user, pk=pk)
    change_request = change_request_for_user(user=request.user, vendor=vendor, pk=vendor_change_request_pk)
    if not policy.can(request.user, policy.Action.CHANGE, change_request):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, change_request, form=form)
    try:
        decide(change_request=change_request, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        add_service_errors(form, exc)
        change_request.refresh_from_db()
        return _render_detail(request, change_request, form=form)
    messages.success(request, success)
    return redirect("vendors:change_request", pk=vendor.pk, vendor_change_request_pk=change_request.pk)


@require_POST
@login_required
def change_request_approve(request, pk, vendor_change_request_pk):
    return _decide(
        request,
        pk,
        vendor_change_request_pk,
        decide=services.change_request_approve,
        success="Change approved and applied.",
    )


@require_POST
@login_required
def change_request_reject(request, pk, vendor_change_request_pk):
    return _decide(
        request,
        pk,
        vendor_change_request_pk,
        decide=services.change_request_reject,
        success="Change rejected.",
    )
