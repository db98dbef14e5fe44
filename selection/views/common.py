"""What every selection view shares: internal users only, and one way to turn a refusal into a message."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect

from accounts import policy

from .. import rules


def internal_only(view):
    """Signed-in internal users only; for a vendor user every selection URL is a 404."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not policy.sees_internal(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def require_manager(user, event) -> None:
    if not rules.can_manage(user, event):
        raise PermissionDenied


def form_applies(form, call) -> bool:
    """Run a service call for a form: field errors land on their fields, refusals on the form."""
    try:
        call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return False
    return True


def step_redirect(request, call, *, done: str, to):
    """Run a POST-only step; a refusal (wrong status, already done) comes back as a message."""
    try:
        call()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(to)
