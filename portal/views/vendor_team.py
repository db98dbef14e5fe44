"""The vendor administrator's team page: its organisation's users and invitations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy, ratelimits, services
from accounts.forms import InvitationForm, add_service_errors
from accounts.models import Invitation, User

from ..selectors.vendor_home import own_vendor, vendor_team_for_user
from .vendor_home import vendor_member_required


def _require_manage_users(user, obj_or_model) -> None:
    if not policy.can(user, policy.Action.MANAGE_USERS, obj_or_model):
        raise PermissionDenied


@require_http_methods(["GET", "HEAD", "POST"])
@vendor_member_required
def vendor_team(request):
    """The list of users and invitations; posting the form on it sends an invitation."""
    _require_manage_users(request.user, Invitation)
    vendor = own_vendor(request.user)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimits.email_allowed(
            kind="invitation", request=request, address=form.cleaned_data["email"]
        ):
            form.add_error(
                None, "Too many invitations have been sent from here or to this address; try again later."
            )
        else:
            return _invite(request, form, vendor) or _team_page(request, form, vendor)
    return _team_page(request, form, vendor)


def _invite(request, form, vendor):
    try:
        invitation, _token = services.invitation_create(
            vendor=vendor,
            actor=request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, f"Invitation sent to {invitation.email}. The link works for 7 days.")
    return redirect("vendor_portal:team")


def _team_page(request, form, vendor):
    context = {"vendor": vendor, "form": form, **vendor_team_for_user(user=request.user, vendor=vendor)}
    return render(request, "accounts/vendor_team.html", context)


def _managed(request, model, pk):
    """Look the row up first (another vendor's is a 404 to anyone), then check the right to manage it."""
    obj = policy.get_visible_or_404(request.user, model.objects.all(), pk=pk)
    _require_manage_users(request.user, obj)
    return obj


def _apply(request, action, success: str):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("vendor_portal:team")


@require_POST
@vendor_member_required
def invitation_revoke(request, invitation_pk):
    invitation = _managed(request, Invitation, invitation_pk)
    return _apply(
        request,
        lambda: services.invitation_revoke(invitation=invitation, actor=request.user),
        f"The invitation for {invitation.email} has been withdrawn; its link no longer works.",
    )


@require_POST
@vendor_member_required
def user_deactivate(request, user_pk):
    person = _managed(request, User, user_pk)
    return _apply(
        request,
        lambda: services.user_deactivate(user=person, actor=request.user),
        f"{person.get_full_name()} has been deactivated and signed out everywhere.",
    )


@require_POST
@vendor_member_required
def user_reactivate(request, user_pk):
    person = _managed(request, User, user_pk)
    return _apply(
        request,
        lambda: services.user_reactivate(user=person, actor=request.user),
        f"{person.get_full_name()} can sign in again.",
    )
