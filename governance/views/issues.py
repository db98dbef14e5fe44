"""Issue pages: the list, raising one, and one issue with its clock, path, history and thread, where
both sides comment and the client's managers escalate or resolve."""

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
from accounts.trail import object_trail_for_user
from vendors.models import Vendor

from ..forms.issues import STEP_FORMS, IssueFilterForm, IssueRaiseForm
from ..models import Issue
from ..selectors.issues import clock_for, issue_case_for_user, issue_for_user, issue_list_for_user
from ..services import issues as services

PAGE_SIZE = 25
STEP_DONE = {
    "comment": "Comment added.",
    "escalate": "Issue escalated to the next level.",
    "resolve": "Issue resolved; its escalation clock has stopped.",
}


@require_safe
@login_required
def issue_list(request):
    form = IssueFilterForm(request.GET, user=request.user)
    issues = issue_list_for_user(user=request.user, **form.filters())
    page_obj = Paginator(issues, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {
        "form": form,
        "page_obj": page_obj,
        "rows": [clock_for(issue, now) for issue in page_obj],
        "now": now,
        "can_raise": services.issue_can_raise(request.user),
    }
    return render(request, "governance/issues/issue_list.html", context)


def _vendor_from_query(request) -> Vendor | None:
    try:
        pk = int(request.GET.get("vendor", ""))
    except ValueError:
        return None
    return policy.scope(request.user, Vendor.objects.all()).filter(pk=pk).first()


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def issue_raise(request):
    if not services.issue_can_raise(request.user):
        raise PermissionDenied
    form = IssueRaiseForm(request.POST or None, user=request.user, vendor=_vendor_from_query(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        vendor = data.get("vendor") or Vendor.objects.get(pk=request.user.vendor_id)
        try:
            url, created = create_once(
                token=data["form_token"],
                user=request.user,
                create=lambda: services.issue_raise(
                    actor=request.user,
                    vendor=vendor,
                    contract=data["contract"],
                    title=data["title"],
                    description=data["description"],
                    severity=data["severity"],
                ),
                url_of=lambda issue: reverse("issues:detail", kwargs={"issue_pk": issue.pk}),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                messages.success(request, "Issue raised; its escalation clock is running.")
            return redirect(url)
    return render(request, "governance/issues/issue_form.html", {"form": form})


def _render_issue(request, issue: Issue, *, bound=None, bound_step=None, status=200):
    now = timezone.now()
    allowed = services.issue_allowed_steps(issue=issue, actor=request.user)
    forms = {step: STEP_FORMS[step](step=step) for step in allowed}
    if "escalate" in forms:
        forms["escalate"].initial["from_level"] = issue.level
    if bound is not None:
        forms[bound_step] = bound
    context = {
        "issue": issue,
        "case": issue_case_for_user(user=request.user, issue=issue, now=now),
        "forms": forms,
        "now": now,
        "trail": object_trail_for_user(user=request.user, obj=issue),
    }
    return render(request, "governance/issues/issue_detail.html", context, status=status)


@require_safe
@login_required
def issue_detail(request, issue_pk):
    return _render_issue(request, issue_for_user(user=request.user, pk=issue_pk))


def _run_step(step: str, issue: Issue, actor, data: dict):
    if step == "comment":
        # A comment sent twice (a double click) is added once.
        return create_once(
            token=data["form_token"],
            user=actor,
            create=lambda: services.issue_comment(issue=issue, actor=actor, body=data["body"]),
            url_of=lambda comment: reverse("issues:detail", kwargs={"issue_pk": issue.pk}) + "#thread",
        )
    if step == "escalate":
        return services.issue_escalate(
            issue=issue, actor=actor, note=data["note"], from_level=data["from_level"]
        )
    return services.issue_resolve(issue=issue, actor=actor, resolution=data["resolution"])


@require_POST
@login_required
def issue_step(request, issue_pk, step):
    """Take one step on the issue; a refused step (resolved meanwhile, last level) explains itself."""
    issue = issue_for_user(user=request.user, pk=issue_pk)
    if not services.issue_step_permitted(issue=issue, actor=request.user, step=step):
        if issue.is_open:
            raise PermissionDenied
        messages.error(request, "This issue is resolved; nothing more can be done on it.")
        return redirect("issues:detail", issue_pk=issue.pk)
    form = STEP_FORMS[step](request.POST, step=step)
    if not form.is_valid():
        return _render_issue(request, issue, bound=form, bound_step=step)
    try:
        _run_step(step, issue, request.user, form.cleaned_data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            add_service_errors(form, error)
            return _render_issue(request, issue, bound=form, bound_step=step)
        messages.error(request, " ".join(error.messages))
        return redirect("issues:detail", issue_pk=issue.pk)
    messages.success(request, STEP_DONE[step])
    anchor = "#thread" if step == "comment" else ""
    return redirect(reverse("issues:detail", kwargs={"issue_pk": issue.pk}) + anchor)
