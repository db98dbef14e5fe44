"""The target change of a service level, which can be previewed with a what-if replay before it is
applied."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts import policy
from accounts.forms import add_service_errors
from accounts.policy import Action

from .. import services
from ..forms.targets import TargetChangeForm
from ..selectors.targets import service_level_for_user
from ..services.whatif import DEFAULT_WINDOW_MONTHS, whatif_override, whatif_replay


def may_change_targets(user, service_level) -> bool:
    return policy.sees_internal(user) and policy.can(user, Action.CHANGE, service_level)


@login_required
def target_change(request, pk):
    """Managers only. "Preview with what-if" replays the new levels; "Apply" records the change."""
    user = request.user
    service_level = service_level_for_user(user=user, pk=pk)
    if not may_change_targets(user, service_level):
        raise PermissionDenied
    now = timezone.now()
    preview = "preview" in request.POST
    form = TargetChangeForm(request.POST or None, service_level=service_level, now=now)
    if preview:
        form.fields["reason"].required = False
    replay = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if preview:
                override = whatif_override(
                    service_level=service_level, target=data["target"], minimum=data["minimum"]
                )
                replay = whatif_replay(
                    contract=service_level.contract,
                    overrides={service_level.pk: override},
                    months=data.get("months") or DEFAULT_WINDOW_MONTHS,
                    service_level=service_level,
                    now=now,
                )
            else:
                services.service_level_change_target(
                    service_level=service_level,
                    target=data["target"],
                    minimum=data["minimum"],
                    effective_from=data["effective_from"],
                    reason=data["reason"],
                    actor=user,
                    now=now,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not preview:
                messages.success(
                    request, "Target change recorded; periods that started earlier keep their levels."
                )
                return redirect("service_levels:detail", service_level_pk=service_level.pk)
    context = {"sl": service_level, "form": form, "replay": replay}
    return render(request, "targets/target_change.html", context)
