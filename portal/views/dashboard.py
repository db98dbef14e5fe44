"""The portfolio dashboard: the internal user's start page."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from vendors.forms import VendorFilterForm

from ..selectors import portfolio_for_user

PAGE_SIZE = 25


@login_required
def home(request):
    """Internal users get the portfolio; a vendor user's start page is their own vendor."""
    if not request.user.is_internal:
        return redirect("vendors:detail", pk=request.user.vendor_id)
    form = VendorFilterForm(request.GET)
    vendors = portfolio_for_user(user=request.user, **form.filters())
    page_obj = Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/home.html", {"form": form, "page_obj": page_obj})
