"""The vendor 360 and contract pages: one relationship across every app's data."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from governance.selectors import escalation_path_for_vendor
from vendors.selectors import vendor_activity_for_user

from ..selectors import contract_detail_for_user, vendor_360_for_user, vendor_performance_for_user


@login_required
def vendor_detail(request, pk):
    """The vendor 360: header, contacts, contracts, service levels, RACI, escalation, activity."""
    vendor = vendor_360_for_user(user=request.user, pk=pk)
    contracts = vendor.contracts.all()
    context = {
        "vendor": vendor,
        "contracts": contracts,
        "service_levels": [sl for contract in contracts for sl in contract.service_levels.all()],
        "role_assignments": vendor.role_assignments.all(),
        "escalation_path": escalation_path_for_vendor(vendor=vendor),
        "activity": vendor_activity_for_user(user=request.user, vendor=vendor),
        **vendor_performance_for_user(user=request.user, vendor=vendor),
    }
    return render(request, "portal/vendor_detail.html", context)


@login_required
def contract_detail(request, pk):
    contract = contract_detail_for_user(user=request.user, pk=pk)
    context = {
        "contract": contract,
        "deliverables": contract.deliverables.all(),
        "service_levels": contract.service_levels.all(),
    }
    return render(request, "portal/contract_detail.html", context)
