"""The decision log: searchable list, one decision with the objects it concerns and its actions,
recording a decision (the client's managers) and acknowledging it (the vendor's users)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import policy
from accounts.form_tokens import create_once
from accounts.forms import add_service_errors

from ..forms.decisions import DecisionFilterForm, DecisionForm
from ..forms.meetings import VendorPickForm, vendor_from_query
from ..models import ActionItem, Decision, Meeting
from ..selectors.actions import decision_for_user, decision_links, decision_list_for_user
from ..services import decisions as services

PAGE_SIZE = 25


@require_safe
@login_required
def decision_list(request):
    form = DecisionFilterForm(request.GET, user=request.user)
    decisions = decision_list_for_user(user=request.user, **form.filters())
    context = {
        "form": form,
        "page_obj": Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_create": policy.can(request.user, policy.Action.CREATE, Decision),
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    return render(request, "governance/decisions/decision_list.html", context)


@require_safe
@login_required
def decision_detail(request, pk):
    decision = decision_for_user(user=request.user, pk=pk)
    actions = policy.scope(request.user, ActionItem.objects.filter(decision=decision)).select_related("owner")
    context = {
        "decision": decision,
        "links": decision_links(user=request.user, decision=decision),
        "actions": list(actions),
        "may_acknowledge": services.may_acknowledge(request.user, decision),
        "can_add_action": policy.can(request.user, policy.Action.CREATE, ActionItem),
        "meeting_visible": decision.meeting_id is not None
        and policy.scope(request.user, Meeting.objects.filter(pk=decision.meeting_id)).exists(),
    }
    return render(request, "governance/decisions/decision_detail.html", context)


def _source_meeting(request):
    """The meeting named by ``?meeting=`` when the user may see it."""
    meeting_pk = request.GET.get("meeting", "")
    if not meeting_pk.isdigit():
        return None
    meetings = policy.scope(request.user, Meeting.objects.select_related("forum__vendor"))
    return meetings.filter(pk=int(meeting_pk)).first()


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def decision_create(request):
    if not policy.can(request.user, policy.Action.CREATE, Decision):
        raise PermissionDenied
    meeting = _source_meeting(request)
    vendor = meeting.forum.vendor if meeting else vendor_from_query(request)
    if vendor is None:
        pick = VendorPickForm(user=request.user)
        return render(request, "governance/decisions/decision_form.html", {"pick": pick})
    initial = {"decided_on": timezone.localdate(), "meeting": meeting, "owner": request.user}
    form = DecisionForm(request.POST or None, user=request.user, vendor=vendor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            url, created = create_once(
                token=form.cleaned_data["form_token"],
                user=request.user,
                create=lambda: services.decision_record(
                    actor=request.user, vendor=vendor, **form.service_kwargs()
                ),
                url_of=lambda decision: reverse("decisions:detail", kwargs={"pk": decision.pk}),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if created:
                messages.success(request, "Decision recorded; the vendor's users can now acknowledge it.")
            return redirect(url)
    context = {"form": form, "vendor": vendor, "meeting": meeting}
    return render(request, "governance/decisions/decision_form.html", context)


@require_POST
@login_required
def decision_acknowledge(request, pk):
    decision = decision_for_user(user=request.user, pk=pk)
    try:
        services.decision_acknowledge(decision=decision, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Decision acknowledged.")
    return redirect("decisions:detail", pk=decision.pk)
