"""The vendor directory for internal users (one vendor's page is the portal's vendor 360)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from .forms import VendorFilterForm
from .selectors import vendor_list_for_user

PAGE_SIZE = 25


@login_required
def vendor_list(request):
    if not request.user.is_internal:
        return redirect("vendors:detail", pk=request.user.vendor_id)
    form = VendorFilterForm(request.GET)
    vendors = vendor_list_for_user(user=request.user, **form.filters())
    page_obj = Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "vendors/vendor_list.html", {"form": form, "page_obj": page_obj})
