"""Performance review pages: the list, one review and its workflow steps (both sides), the printable
review document, opening a review by hand and the review cadence per tier."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.forms import add_service_errors
from kpis import periods

from ..forms.reviews import STEP_FORMS, CadenceForm, ReviewFilterForm, ReviewOpenForm
from ..models import Review, ReviewStatus
from ..selectors.reviews import (
    review_averages,
    review_for_user,
    review_history,
    review_is_overdue,
    review_list_for_user,
    review_score_rows,
    review_scorecards,
)
from ..services import reviews as services
from ..services.reviews import Step

PAGE_SIZE = 25

STEP_RUN = {
    Step.REQUEST_SELF_ASSESSMENT: (
        lambda r, u, d: services.review_request_self_assessment(review=r, actor=u),
        "Sent to the vendor for its self-assessment.",
    ),
    Step.SELF_ASSESS: (
        lambda r, u, d: services.review_self_assess(review=r, actor=u, **d),
        "Self-assessment sent; the client's manager assesses the period next.",
    ),
    Step.ASSESS: (
        lambda r, u, d: services.review_assess(review=r, actor=u, **d),
        "Assessment recorded; hold the review meeting next.",
    ),
    Step.RECORD_MEETING: (
        lambda r, u, d: services.review_record_meeting(review=r, actor=u, **d),
        "Review meeting recorded; the review waits for both signatures.",
    ),
    Step.SIGN: (lambda r, u, d: services.review_sign(review=r, actor=u), "Review signed."),
}


def may_open_reviews(user) -> bool:
    return policy.sees_internal(user) and policy.role_allows(user, policy.Action.CHANGE)


@login_required
def review_list(request):
    form = ReviewFilterForm(request.GET, user=request.user)
    today = periods.local_today()
    reviews = review_list_for_user(user=request.user, today=today, **form.filters())
    page_obj = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page_obj,
        "today": today,
        "may_open": may_open_reviews(request.user),
        "may_set_cadence": may_open_reviews(request.user),
    }
    return render(request, "governance/reviews/review_list.html", context)


def _step_form(review, step, data=None):
    form_class = STEP_FORMS[step]
    kwargs = {"step": step}
    if step == Step.RECORD_MEETING:
        kwargs["meetings"] = services.meetings_for_review(review)
    return form_class(data, **kwargs)


def _detail_context(request, review, *, bound=None, bound_step=None) -> dict:
    user = request.user
    allowed = services.review_allowed_steps(review=review, actor=user)
    forms = {step: _step_form(review, step) for step in allowed}
    if bound is not None:
        forms[bound_step] = bound
    rows = review_score_rows(review)
    today = periods.local_today()
    return {
        "review": review,
        "forms": forms,
        "score_rows": rows,
        "averages": review_averages(rows),
        "history": review_history(user=user, review=review),
        "side": services.review_side_of(user, review),
        "is_overdue": review_is_overdue(review, today),
        "steps": _progress(review),
    }


def _progress(review: Review) -> list[tuple[str, str]]:
    """The workflow's stages with their state (done, current, todo) for the progress bar."""
    order = [
        (ReviewStatus.DRAFT, "Draft"),
        (ReviewStatus.SELF_ASSESSMENT, "Vendor self-assessment"),
        (ReviewStatus.ASSESSMENT, "Manager assessment"),
        (ReviewStatus.MEETING, "Review meeting"),
        (ReviewStatus.SIGN_OFF, "Sign-off"),
        (ReviewStatus.LOCKED, "Locked"),
    ]
    current = [status for status, _ in order].index(review.status)
    return [
        (
            label,
            "done"
            if i < current or review.status == ReviewStatus.LOCKED
            else "current"
            if i == current
            else "todo",
        )
        for i, (_status, label) in enumerate(order)
    ]


@login_required
def review_detail(request, pk):
    review = review_for_user(user=request.user, pk=pk)
    return render(request, "governance/reviews/review_detail.html", _detail_context(request, review))


@login_required
@require_POST
def review_step(request, pk, step):
    """Take one step; the wrong side or role gets 403, a step out of turn an explanation."""
    review = review_for_user(user=request.user, pk=pk)
    if not services.review_step_permitted(review=review, actor=request.user, step=step):
        raise PermissionDenied("This step of the review is not yours to take.")
    form = _step_form(review, step, request.POST)
    if not form.is_valid():
        return render(
            request,
            "governance/reviews/review_detail.html",
            _detail_context(request, review, bound=form, bound_step=step),
            status=200,
        )
    run, done = STEP_RUN[step]
    data = form.service_kwargs() if hasattr(form, "service_kwargs") else dict(form.cleaned_data)
    data.pop("confirm", None)
    try:
        run(review, request.user, data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            add_service_errors(form, error)
            context = _detail_context(request, review, bound=form, bound_step=step)
            return render(request, "governance/reviews/review_detail.html", context)
        messages.error(request, " ".join(error.messages))
        return redirect("reviews:detail", pk=review.pk)
    review.refresh_from_db(fields=["status"])
    if review.status == ReviewStatus.LOCKED and step == Step.SIGN:
        done = "Review signed by both sides and locked."
    messages.success(request, done)
    return redirect("reviews:detail", pk=review.pk)


@login_required
def review_document(request, pk):
    """The review as a printable document: the period's scorecards, both sides, the meeting, signatures."""
    review = review_for_user(user=request.user, pk=pk)
    rows = review_score_rows(review)
    context = {
        "review": review,
        "score_rows": rows,
        "averages": review_averages(rows),
        "scorecards": review_scorecards(user=request.user, review=review),
        "printed_on": periods.local_today(),
    }
    return render(request, "governance/reviews/review_document.html", context)


@login_required
def review_new(request):
    if not may_open_reviews(request.user):
        raise PermissionDenied("Only managers open reviews.")
    form = ReviewOpenForm(request.POST or None, user=request.user, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_open(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Review opened. Send it to the vendor for its self-assessment.")
            return redirect("reviews:detail", pk=review.pk)
    return render(request, "governance/reviews/review_new.html", {"form": form})


@login_required
def review_cadences(request):
    """Every tier's cadence; managers and administrators change them."""
    if not policy.sees_internal(request.user):
        raise PermissionDenied("Review cadences are the client's settings.")
    may_change = may_open_reviews(request.user)
    cadences = services.review_cadences()
    form = CadenceForm(request.POST if request.method == "POST" else None, cadences=cadences)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Only managers change review cadences.")
        if form.is_valid():
            with transaction.atomic():
                for tier, (months, lead_days) in form.cadences().items():
                    current = cadences[tier]
                    if (months, lead_days) != (current.months, current.lead_days) or not current.configured:
                        services.review_cadence_set(
                            tier=tier, months=months, lead_days=lead_days, actor=request.user
                        )
            messages.success(request, "Review cadences saved; the next scheduling run uses them.")
            return redirect("reviews:cadences")
    context = {"form": form, "cadences": cadences.values(), "may_change": may_change}
    return render(request, "governance/reviews/review_cadences.html", context)
