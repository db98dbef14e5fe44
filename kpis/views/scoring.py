"""The scoring scheme page: weights and standing bands in force, and the managers' form to change them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors

from ..forms.scoring import BandFormSet, ScoringSchemeForm
from ..models import ScoringScheme
from ..models.scoring import CATEGORY_WEIGHT_FIELDS
from ..scoring import active_scheme
from ..services import scoring as services


def _require_internal(user) -> None:
    if not policy.sees_internal(user):
        raise PermissionDenied


@require_safe
@login_required
def scheme_detail(request):
    _require_internal(request.user)
    scheme = ScoringScheme.objects.filter(is_active=True).first()
    if scheme is None:
        # Nothing to read yet: the engine (or a manager's first edit) creates the default scheme.
        context = {"scheme": None, "may_edit": services.scoring_scheme_can_edit(request.user)}
        return render(request, "scoring/scheme.html", context)
    context = {
        "scheme": scheme,
        "bands": scheme.bands.order_by("lower"),
        "weights": [
            (name.removeprefix("weight_").capitalize(), getattr(scheme, name))
            for name in CATEGORY_WEIGHT_FIELDS
        ],
        "may_edit": services.scoring_scheme_can_edit(request.user),
    }
    return render(request, "scoring/scheme.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def scheme_edit(request):
    if not services.scoring_scheme_can_edit(request.user):
        raise PermissionDenied
    scheme = active_scheme()
    # The forms validate copies, so the service still sees the stored values as the old ones.
    copy = ScoringScheme.objects.get(pk=scheme.pk)
    form = ScoringSchemeForm(request.POST or None, instance=copy)
    bands = BandFormSet(request.POST or None, instance=copy, prefix="bands")
    if request.method == "POST" and form.is_valid() and bands.is_valid():
        data = {name: form.cleaned_data[name] for name in ("name", "warning_points", *CATEGORY_WEIGHT_FIELDS)}
        try:
            services.scoring_scheme_update(scheme=scheme, actor=request.user, bands=bands.bands(), **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Scoring scheme saved; scorecards the engine writes from now on use it."
            )
            return redirect("scoring:scheme")
    return render(request, "scoring/scheme_form.html", {"form": form, "bands": bands, "scheme": scheme})
