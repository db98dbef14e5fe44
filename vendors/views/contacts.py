"""A vendor's contacts: everyone who may see the vendor reads them; managers add, edit and retire them,
and invite the vendor's administrator."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors
from accounts.models import Role
from accounts.services import invitation_create

from .. import services
from ..forms import ContactForm, ContactRetireForm, VendorAdminInviteForm
from ..selectors import contact_for_user, contacts_for_user, vendor_administrators, vendor_for_user


def _managed_vendor(request, pk):
    vendor = vendor_for_user(user=request.user, pk=pk)
    if not policy.can(request.user, policy.Action.CHANGE, vendor):
        raise PermissionDenied
    return vendor


@require_safe
@login_required
def contact_list(request, pk):
    vendor = vendor_for_user(user=request.user, pk=pk)
    current, retired = contacts_for_user(user=request.user, vendor=vendor)
    context = {
        "vendor": vendor,
        "contacts": current,
        "retired": retired,
        "can_manage": policy.can(request.user, policy.Action.CHANGE, vendor),
        "may_propose": services.may_propose_change(request.user, vendor),
        "administrators": vendor_administrators(vendor=vendor) if request.user.is_internal else None,
    }
    return render(request, "vendors/contact_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def contact_create(request, pk):
    vendor = _managed_vendor(request, pk)
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(vendor=vendor, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            primary = " as the primary contact" if contact.is_primary else ""
            messages.success(request, f"{contact.name} added{primary}.")
            return redirect("vendors:contacts", pk=vendor.pk)
    return render(request, "vendors/contact_form.html", {"form": form, "vendor": vendor})


def _contact_to_change(request, pk, contact_pk):
    """The vendor and its contact, for a user who may change the contact (404 / 403 otherwise)."""
    vendor = vendor_for_user(user=request.user, pk=pk)
    contact = contact_for_user(user=request.user, vendor=vendor, pk=contact_pk)
    if not policy.can(request.user, policy.Action.CHANGE, contact):
        raise PermissionDenied
    return vendor, contact


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def contact_edit(request, pk, contact_pk):
    vendor, contact = _contact_to_change(request, pk, contact_pk)
    if contact.is_retired:
        messages.error(request, f"{contact.name} is retired; add them again as a new contact instead.")
        return redirect("vendors:contacts", pk=vendor.pk)
    form = ContactForm(request.POST if request.method == "POST" else None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.contact_update(contact=contact, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{contact.name} saved." if changed else "Nothing changed.")
            return redirect("vendors:contacts", pk=vendor.pk)
    return render(request, "vendors/contact_form.html", {"form": form, "vendor": vendor, "contact": contact})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def contact_retire(request, pk, contact_pk):
    """A confirmation page first; the contact is retired only by posting it."""
    vendor, contact = _contact_to_change(request, pk, contact_pk)
    if contact.is_retired:
        messages.info(request, f"{contact.name} is retired already.")
        return redirect("vendors:contacts", pk=vendor.pk)
    form = ContactRetireForm(request.POST if request.method == "POST" else None, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_retire(
                contact=contact, actor=request.user, successor=form.cleaned_data.get("successor")
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{contact.name} is retired; the record stays in the history.")
            return redirect("vendors:contacts", pk=vendor.pk)
    return render(
        request, "vendors/contact_retire.html", {"form": form, "vendor": vendor, "contact": contact}
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def vendor_admin_invite(request, pk):
    """A manager invites the vendor's administrator, who then invites the rest of its organisation."""
    vendor = _managed_vendor(request, pk)
    form = VendorAdminInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitation_create(
                vendor=vendor,
                actor=request.user,
                email=form.cleaned_data["email"],
                role=Role.VENDOR_ADMIN,
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. The link works for 7 days.")
            return redirect("vendors:contacts", pk=vendor.pk)
    context = {"vendor": vendor, "form": form, "administrators": vendor_administrators(vendor=vendor)}
    return render(request, "vendors/admin_invite.html", context)
