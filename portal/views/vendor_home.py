"""The vendor's home page: what is due from it, its recent scorecards and its contracts."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from ..selectors.vendor_home import vendor_home_for_user


def vendor_member_required(view):
    """The vendor's own pages are for the vendor's users; internal staff go to the portfolio."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.vendor_id is None:
            messages.info(request, "These pages are for vendor users; you are on the portfolio instead.")
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@vendor_member_required
def vendor_home(request):
    return render(request, "portal/vendor_home/home.html", vendor_home_for_user(user=request.user))
