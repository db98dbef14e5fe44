"""The onboarding checklist's defaults per tier: which items must be done before a vendor becomes
active. Managers change them; other internal users read them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import policy

from .. import services
from ..forms import OnboardingRequirementsForm
from ..models import OnboardingCheck, OnboardingRequirement, VendorTier
from ..selectors import onboarding_requirements_by_tier


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def onboarding_checklist_defaults(request):
    if not request.user.is_internal:
        raise Http404
    can_change = policy.can(request.user, policy.Action.CHANGE, OnboardingRequirement)
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    required = onboarding_requirements_by_tier()
    forms = {
        tier: OnboardingRequirementsForm(
            request.POST if request.POST.get("tier") == tier else None,
            prefix=tier,
            initial={"required_items": sorted(required.get(tier, set()))},
        )
        for tier in VendorTier.values
    }
    if request.method == "POST":
        tier = request.POST.get("tier")
        form = forms.get(tier)
        if form is not None and form.is_valid():
            changed = services.onboarding_requirements_update(
                actor=request.user, tier=tier, required_items=form.cleaned_data["required_items"]
            )
            messages.success(request, "Checklist saved." if changed else "Nothing changed.")
            return redirect("vendors:onboarding_defaults")
    rows = [
        (
            tier,
            label,
            forms[tier],
            [
                (item, item_label, item in required.get(tier, set()))
                for item, item_label in OnboardingCheck.choices
            ],
        )
        for tier, label in VendorTier.choices
    ]
    return render(request, "vendors/onboarding_defaults.html", {"rows": rows, "can_change": can_change})
