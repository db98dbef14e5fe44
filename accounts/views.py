"""Sign-in, sign-out and password reset (Django's views with the portal's templates), and the page
where an invited person joins their vendor's organisation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import lockout, ratelimits, services
from .forms import InvitationAcceptForm, LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.remember_device(response, form.get_user())
        return response

    def form_invalid(self, form):
        lockout.device_failed(self.request)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); the session is flushed, then a fresh one carries the notice."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You have been signed out.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/emails/password-reset-subject.txt"
    email_template_name = "accounts/emails/password-reset-body.txt"
    html_email_template_name = "accounts/emails/password-reset-body.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        return {"portal_name": settings.PORTAL_NAME}

    def form_valid(self, form):
        # Over the limit nothing is sent, and the answer is the usual one.
        if not ratelimits.email_allowed(
            kind="password_reset", request=self.request, address=form.cleaned_data["email"]
        ):
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@sensitive_post_parameters("password", "password_confirm")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token):
    """The invitee sets a name and password, and is signed in; a dead link says why it is dead."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationUnusable as exc:
        return _invitation_unusable(request, exc)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password"]
            )
        except services.InvitationUnusable as exc:
            return _invitation_unusable(request, exc)
        except ValidationError as exc:
            for field, errors in exc.update_error_dict({}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {settings.PORTAL_NAME}, {user.get_short_name()}.")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


def _invitation_unusable(request, exc):
    return render(
        request,
        "accounts/invitation_unusable.html",
        {"reason": exc.reason},
        status=410 if exc.known else 404,
    )
