"""Breach pages: the list (filters, sorting, export), one breach with its figures and thread, and the
workflow steps both sides take on it. Steps are POST-only; with htmx the case redraws in place."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.exports import FORMATS, Column, export_response

from .. import services
from ..forms.breaches import (
    AcceptResponseForm,
    AcknowledgeForm,
    BreachFilterForm,
    CloseForm,
    CommentForm,
    DisputeForm,
    RequestMoreForm,
    ResolveDisputeForm,
    RespondForm,
    WaiveForm,
)
from ..selectors.breaches import (
    BreachCase,
    breach_case_for_user,
    breach_for_user,
    breach_is_overdue,
    breach_list_for_user,
)
from ..selectors.scorecards import DEFAULT_BREACH_SORT

PAGE_SIZE = 25
RESULTS_TARGET = "breach-results"
CASE_TARGET = "breach-case"
CASE_TEMPLATE = "breaches/_case.html"


@login_required
def breach_list(request):
    form = BreachFilterForm(request.GET, user=request.user)
    filters = form.filters()
    breaches = breach_list_for_user(user=request.user, **filters)
    page_obj = Paginator(breaches, PAGE_SIZE).get_page(request.GET.get("page"))
    sort = filters.get("sort", DEFAULT_BREACH_SORT)
    context = {"form": form, "page_obj": page_obj, "sort": sort, "now": timezone.now()}
    if request.htmx and request.htmx.target == RESULTS_TARGET:
        return render(request, "breaches/_results.html", context)
    return render(request, "breaches/breach_list.html", context)


def _local(value):
    return timezone.localtime(value) if value else None


EXPORT_COLUMNS = [
    Column("Vendor", lambda b: b.service_level.contract.vendor.name),
    Column("Contract", lambda b: b.service_level.contract.reference),
    Column("Service level", lambda b: b.service_level.metric.name),
    Column("Period start", lambda b: b.period_start),
    Column("Period end", lambda b: b.period_end),
    Column("Kind", lambda b: b.get_kind_display()),
    Column("Severity", lambda b: b.get_severity_display()),
    Column("Status", lambda b: b.get_status_display()),
    Column("Disputed", lambda b: b.has_open_dispute),
    Column("Opened", lambda b: _local(b.opened_at)),
    Column("Response due", lambda b: _local(b.response_due_at)),
    Column("Response overdue", lambda b: b.is_overdue),
    Column("Root cause", lambda b: b.root_cause),
    Column("Corrective action", lambda b: b.corrective_action),
    Column("Action due on", lambda b: b.action_due_on),
    Column("Closed", lambda b: _local(b.closed_at)),
    Column("Closure reason", lambda b: b.closure_reason),
]


@login_required
def breach_export(request):
    """Every breach the filters keep (not only one page), as CSV or XLSX."""
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest("Unknown export format; use csv or xlsx.")
    form = BreachFilterForm(request.GET, user=request.user)
    breaches = breach_list_for_user(user=request.user, **form.filters())
    filename = f"breaches-{timezone.localdate().isoformat()}"
    return export_response(breaches.iterator(chunk_size=2000), EXPORT_COLUMNS, filename, fmt)


# ---- One breach and its workflow -------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    form: type[forms.Form]
    done: str
    run: Callable  # (breach, actor, cleaned_data, case) → None; raises ValidationError to refuse


def _respond(breach, actor, data, case):
    # The response and its evidence file stand or fall together.
    with transaction.atomic():
        services.breach_respond(
            breach=breach,
            actor=actor,
            root_cause=data["root_cause"],
            corrective_action=data["corrective_action"],
            action_due_on=data["action_due_on"],
        )
        if data.get("evidence"):
            services.evidence_attach(uploaded_file=data["evidence"], actor=actor, breach=breach)


def _resolve_dispute(breach, actor, data, case: BreachCase):
    if case.open_dispute is None:
        raise ValidationError("There is no open dispute on this breach.")
    services.dispute_resolve(
        dispute=case.open_dispute,
        actor=actor,
        upheld=data["decision"] == "upheld",
        resolution=data["resolution"],
    )


STEPS: dict[str, Step] = {
    "acknowledge": Step(
        AcknowledgeForm,
        "Breach acknowledged.",
        lambda b, u, d, c: services.breach_acknowledge(breach=b, actor=u, note=d["note"]),
    ),
    "respond": Step(RespondForm, "Response sent: root cause and corrective action.", _respond),
    "dispute": Step(
        DisputeForm,
        "Dispute raised; the client's manager will decide it.",
        lambda b, u, d, c: services.breach_dispute(breach=b, actor=u, reason=d["reason"]),
    ),
    "request_more": Step(
        RequestMoreForm,
        "Sent back to the vendor for more information.",
        lambda b, u, d, c: services.breach_request_more(breach=b, actor=u, message=d["message"]),
    ),
    "accept_response": Step(
        AcceptResponseForm,
        "Response accepted; the breach is resolved.",
        lambda b, u, d, c: services.breach_accept_response(breach=b, actor=u, note=d["note"]),
    ),
    "waive": Step(
        WaiveForm,
        "Breach waived.",
        lambda b, u, d, c: services.breach_waive(breach=b, actor=u, reason=d["reason"]),
    ),
    "close": Step(
        CloseForm,
        "Breach closed.",
        lambda b, u, d, c: services.breach_close(breach=b, actor=u, note=d["note"]),
    ),
    "resolve_dispute": Step(ResolveDisputeForm, "Dispute decided.", _resolve_dispute),
    "comment": Step(
        CommentForm,
        "Comment added.",
        lambda b, u, d, c: services.breach_comment(breach=b, actor=u, body=d["body"]),
    ),
}


def _case_context(request, breach, *, case=None, bound=None, bound_step=None, notice=None) -> dict:
    case = case or breach_case_for_user(user=request.user, breach=breach)
    allowed = services.breach_allowed_steps(
        breach=breach, actor=request.user, has_open_dispute=case.open_dispute is not None
    )
    step_forms = {step: STEPS[step].form(step=step) for step in allowed}
    if bound is not None:
        step_forms[bound_step] = bound
    return {
        "breach": breach,
        "case": case,
        "forms": step_forms,
        "is_overdue": breach_is_overdue(breach),
        "for_vendor": services.breach_step_permitted(breach=breach, actor=request.user, step="respond"),
        "show_credit": policy.sees_internal(request.user),
        "notice": notice,
    }


def _redraws_case(request) -> bool:
    """An htmx request from the case itself (not a boosted link to the page)."""
    return bool(request.htmx) and request.htmx.target == CASE_TARGET


def _render_case(request, breach, **kwargs):
    template = CASE_TEMPLATE if _redraws_case(request) else "breaches/breach_detail.html"
    return render(request, template, _case_context(request, breach, **kwargs))


@login_required
def breach_detail(request, pk):
    breach = breach_for_user(user=request.user, pk=pk)
    return _render_case(request, breach)


@login_required
@require_POST
def breach_step(request, pk, step):
    """Take one workflow step; a refused step (already taken, status moved on) explains itself."""
    breach = breach_for_user(user=request.user, pk=pk)
    if not services.breach_step_permitted(breach=breach, actor=request.user, step=step):
        raise PermissionDenied
    spec = STEPS[step]
    form = spec.form(request.POST, request.FILES, step=step)
    if not form.is_valid():
        return _render_case(request, breach, bound=form, bound_step=step)
    case = breach_case_for_user(user=request.user, breach=breach)
    try:
        spec.run(breach, request.user, form.cleaned_data, case)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            form.add_error(None, error)
            return _render_case(request, breach, case=case, bound=form, bound_step=step)
        refusal = " ".join(error.messages)
        if _redraws_case(request):
            breach.refresh_from_db()
            return _render_case(request, breach, notice=("error", refusal))
        messages.error(request, refusal)
        return redirect("breaches:detail", pk=breach.pk)
    if _redraws_case(request):
        breach = breach_for_user(user=request.user, pk=pk)
        return _render_case(request, breach, notice=("success", spec.done))
    messages.success(request, spec.done)
    return redirect("breaches:detail", pk=breach.pk)
