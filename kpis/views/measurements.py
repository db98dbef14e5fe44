"""Figure pages: the list, one figure, file uploads, corrections, evidence, the validation queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.files import download_response
from accounts.forms import add_service_errors
from accounts.policy import Action
from vendors.models import Vendor

from .. import periods, services
from ..forms.measurements import (
    CorrectionDecisionForm,
    CorrectionForm,
    DisputeResolveForm,
    EvidenceForm,
    FigureDisputeForm,
    MeasurementFilterForm,
    MeasurementForm,
    ReviewForm,
    UploadForm,
    ValidationFilterForm,
)
from ..models import (
    Aggregation,
    Dispute,
    DisputeStatus,
    Measurement,
    MeasurementStatus,
    MeasurementUpload,
    UploadStatus,
)
from ..selectors.measurements import (
    OPEN_DISPUTES_SHOWN,
    OPEN_REQUESTS_SHOWN,
    correction_requests_of,
    evidence_for_user,
    figure_disputes,
    measurement_for_user,
    measurement_history,
    measurements_for_user,
    open_correction_requests_for_user,
    open_figure_disputes_for_user,
    service_levels_for_user,
    upload_for_user,
    uploads_for_user,
    validation_queue_for_user,
    validation_queue_service_levels,
    validation_queue_vendors,
)
from ..services.files import XLSX
from ..services.measurements import correction_needs_review
from ..services.upload_files import MAX_ROWS, upload_template

PAGE_SIZE = 50
PREVIEW_PAGE_SIZE = 100


def may_enter_figures(user, obj_or_model) -> bool:
    """Vendor users submit their own vendor's figures; managers may enter them on a vendor's behalf."""
    return policy.can(user, Action.SUBMIT, obj_or_model) or (
        policy.sees_internal(user) and policy.can(user, Action.CHANGE, obj_or_model)
    )


def may_review(user) -> bool:
    return policy.sees_internal(user) and policy.role_allows(user, Action.CHANGE)


def _posted(request) -> tuple:
    """Form data and files on POST (even when empty), nothing on GET, so an empty POST shows errors."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _plain(number):
    """A stored decimal as people write it (99.7000 → 99.7, 124.0000 → 124) for a form's initial value."""
    if number is None:
        return None
    return number.quantize(1) if number == number.to_integral_value() else number.normalize()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _vendor_choices(user) -> list:
    """Staff choose the vendor whose figures they enter or look at; vendor users have only their own."""
    if not policy.sees_internal(user):
        return []
    return list(policy.scope(user, Vendor.objects.only("pk", "name").order_by("name")))


@login_required
def measurement_list(request):
    user = request.user
    internal = policy.sees_internal(user)
    vendors = _vendor_choices(user)
    vendor_id = _int(request.GET.get("vendor_id")) if internal else user.vendor_id
    service_levels = (
        service_levels_for_user(user=user, vendor_id=vendor_id, active_only=False) if vendor_id else []
    )
    form = MeasurementFilterForm(request.GET, user=user, vendors=vendors, service_levels=service_levels)
    figures = measurements_for_user(user=user, with_disputes=True, **form.filters())
    page_obj = Paginator(figures, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page_obj,
        "may_enter": may_enter_figures(user, Measurement),
        "may_review": may_review(user),
        "uploads": uploads_for_user(user=user)[:5],
    }
    return render(request, "measurements/measurement_list.html", context)


def _service_level_facts(form: MeasurementForm):
    """The chosen service level and its current period, shown beside the form."""
    field = form["service_level"]
    chosen = _int(field.value())
    if not chosen:
        return None
    service_level = form.fields["service_level"].queryset.filter(pk=chosen).first()
    if service_level is None:
        return None
    today = periods.local_today()
    start, end = periods.period_bounds(service_level.period, today)
    return {
        "service_level": service_level,
        "period_start": start,
        "period_end": end,
        "closes_at": periods.closes_at(end, service_level.grace_days),
    }


@login_required
def measurement_new(request):
    """One figure for one service level and day; a figure after the reporting deadline is marked late."""
    user = request.user
    if not may_enter_figures(user, Measurement):
        raise PermissionDenied
    vendor_id = _int(request.GET.get("vendor")) if policy.sees_internal(user) else None
    initial = {"service_level": request.GET.get("service_level"), "measured_on": periods.local_today()}
    form = MeasurementForm(*_posted(request), user=user, vendor_id=vendor_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            figure = services.measurement_submit(
                service_level=data["service_level"],
                measured_on=data["measured_on"],
                value=data["value"],
                denominator=data["denominator"],
                note=data["note"],
                evidence=data["evidence"],
                actor=user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if figure.is_late:
                messages.warning(
                    request, "Figure saved, marked late: the period's reporting deadline has passed."
                )
            else:
                messages.success(request, "Figure saved.")
            return redirect("measurements:detail", pk=figure.pk)
    context = {
        "form": form,
        "facts": _service_level_facts(form),
        "vendors": _vendor_choices(user),
        "vendor_id": vendor_id,
    }
    return render(request, "measurements/measurement_form.html", context)


def _detail_context(request, figure, **forms):
    user = request.user
    decide = services.may_decide_corrections(user)
    may_enter = may_enter_figures(user, figure)
    disputes = figure_disputes(measurement=figure)
    may_dispute = (
        figure.is_current
        and services.may_dispute_figure(user, figure)
        and not any(d.status == DisputeStatus.OPEN for d in disputes)
    )
    return {
        "figure": figure,
        "current_pk": figure.pk,
        "history": measurement_history(measurement=figure),
        "may_enter": may_enter,
        "may_review": may_review(user) and figure.is_current and figure.status == MeasurementStatus.SUBMITTED,
        "evidence_form": forms.get("evidence_form") or (EvidenceForm() if may_enter else None),
        "review_form": ReviewForm(initial={"ids": [figure.pk]}),
        "disputes": disputes,
        "dispute_form": forms.get("dispute_form") or (FigureDisputeForm() if may_dispute else None),
        "correction_requests": [
            (
                r,
                CorrectionDecisionForm(request_id=r.pk)
                if decide and r.status == MeasurementStatus.REQUESTED
                else None,
            )
            for r in correction_requests_of(measurement=figure)
        ],
    }


@login_required
def measurement_detail(request, pk):
    figure = measurement_for_user(user=request.user, pk=pk)
    return render(request, "measurements/measurement_detail.html", _detail_context(request, figure))


@login_required
def measurement_correct_view(request, pk):
    """Correct a figure: a new figure supersedes it with a reason; both stay visible."""
    figure = measurement_for_user(user=request.user, pk=pk)
    if not may_enter_figures(request.user, figure):
        raise PermissionDenied
    ratio = figure.service_level.metric.aggregation == Aggregation.RATIO
    initial = {"value": _plain(figure.value), "denominator": _plain(figure.denominator)}
    form = CorrectionForm(*_posted(request), initial=initial, ratio=ratio)
    if request.method == "POST" and figure.is_current and form.is_valid():
        data = form.cleaned_data
        try:
            corrected = services.measurement_correct(
                measurement=figure,
                value=data["value"],
                denominator=data.get("denominator"),
                reason=data["correction_reason"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if corrected.status == MeasurementStatus.REQUESTED:
                messages.success(
                    request,
                    "Correction requested: the figure keeps counting until a manager accepts the correction.",
                )
                return redirect(reverse("measurements:detail", args=[figure.pk]) + "#corrections")
            messages.success(request, "Correction saved; the old figure stays in the history.")
            return redirect("measurements:detail", pk=corrected.pk)
    needs_review = correction_needs_review(measurement=figure, actor=request.user, now=timezone.now())
    context = {"figure": figure, "form": form, "needs_review": needs_review}
    return render(request, "measurements/measurement_correct.html", context)


@login_required
@require_POST
def evidence_add(request, pk):
    figure = measurement_for_user(user=request.user, pk=pk)
    if not may_enter_figures(request.user, figure):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_attach(
                uploaded_file=form.cleaned_data["evidence"], actor=request.user, measurement=figure
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Evidence attached.")
            return redirect("measurements:detail", pk=figure.pk)
    context = _detail_context(request, figure, evidence_form=form)
    return render(request, "measurements/measurement_detail.html", context)


@login_required
@require_POST
def measurement_dispute_view(request, pk):
    """The vendor disputes a figure with a reason; a manager decides it from the validation queue."""
    figure = measurement_for_user(user=request.user, pk=pk)
    if not services.may_dispute_figure(request.user, figure):
        raise PermissionDenied
    form = FigureDisputeForm(request.POST)
    if form.is_valid():
        try:
            services.measurement_dispute(
                measurement=figure, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Dispute raised; the client's managers will decide it.")
            return redirect("measurements:detail", pk=figure.pk)
    context = _detail_context(request, figure, dispute_form=form)
    return render(request, "measurements/measurement_detail.html", context)


@login_required
def evidence_download(request, pk):
    """The file, only to those who may see it, always as a download under its original name."""
    return download_response(evidence_for_user(user=request.user, pk=pk))


@login_required
def upload_new(request):
    """Step 1 of 3: choose a file; it is checked and kept for the preview, nothing is saved yet."""
    user = request.user
    if not may_enter_figures(user, MeasurementUpload):
        raise PermissionDenied
    form = UploadForm(*_posted(request), user=user)
    if request.method == "POST" and form.is_valid():
        vendor = form.cleaned_data.get("vendor") or user.vendor
        upload = services.upload_check(uploaded_file=form.cleaned_data["file"], vendor=vendor, actor=user)
        return redirect("measurements:upload_detail", pk=upload.pk)
    context = {"form": form, "max_rows": f"{MAX_ROWS:,}", "uploads": uploads_for_user(user=user)[:5]}
    return render(request, "measurements/upload_form.html", context)


@login_required
def upload_detail(request, pk):
    """Step 2 of 3: the rows that will be saved, or every bad row with its reason."""
    upload = upload_for_user(user=request.user, pk=pk)
    context = {
        "upload": upload,
        "rows_page": Paginator(upload.rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page")),
        "may_confirm": upload.status == UploadStatus.VALIDATED and may_enter_figures(request.user, upload),
    }
    return render(request, "measurements/upload_detail.html", context)


@login_required
@require_POST
def upload_confirm_view(request, pk):
    """Step 3 of 3: save every row at once; a second confirmation saves nothing again."""
    upload = upload_for_user(user=request.user, pk=pk)
    if not may_enter_figures(request.user, upload):
        raise PermissionDenied
    outcome = services.upload_confirm(upload=upload, actor=request.user)
    if outcome.already_confirmed:
        messages.info(request, "This file was already confirmed or rejected; nothing was saved again.")
    elif outcome.errors:
        messages.error(request, "Some rows are no longer valid, so nothing was saved. See the list below.")
    else:
        count = len(outcome.saved)
        messages.success(request, f"{count} figure{'s' if count != 1 else ''} saved.")
    return redirect("measurements:upload_detail", pk=upload.pk)


@login_required
def upload_list(request):
    page_obj = Paginator(uploads_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page_obj, "may_enter": may_enter_figures(request.user, MeasurementUpload)}
    return render(request, "measurements/upload_list.html", context)


@login_required
def upload_template_download(request, fmt):
    """The template to fill in, listing the service levels the user reports on (one vendor's, for staff)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    user = request.user
    vendor = None
    if policy.sees_internal(user) and request.GET.get("vendor"):
        vendor = policy.scope(user, Vendor.objects.filter(pk=_int(request.GET["vendor"]))).first()
    content = upload_template(user=user, fmt=fmt, vendor=vendor)
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else XLSX.content_type
    response = HttpResponse(content, content_type=content_type)
    stem = slugify(f"figures {vendor.name if vendor else user.vendor or 'template'}")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def validation_queue(request):
    """Vendor figures waiting for a manager: filter, tick, validate or dispute with a reason."""
    user = request.user
    if not policy.sees_internal(user):
        raise PermissionDenied
    vendors = validation_queue_vendors(user=user)
    vendor_id = _int(request.GET.get("vendor_id"))
    service_levels = validation_queue_service_levels(user=user, vendor_id=vendor_id) if vendor_id else []
    form = ValidationFilterForm(request.GET, vendors=vendors, service_levels=service_levels)
    queue = validation_queue_for_user(user=user, **form.filters())
    disputes = open_figure_disputes_for_user(user=user)
    correction_requests = open_correction_requests_for_user(user=user)
    may_decide = may_review(user)
    context = {
        "disputes": [
            (d, DisputeResolveForm(dispute_id=d.pk) if may_decide else None)
            for d in disputes[:OPEN_DISPUTES_SHOWN]
        ],
        "more_disputes": len(disputes) > OPEN_DISPUTES_SHOWN,
        "correction_requests": [
            (r, CorrectionDecisionForm(request_id=r.pk) if may_decide else None)
            for r in correction_requests[:OPEN_REQUESTS_SHOWN]
        ],
        "more_requests": len(correction_requests) > OPEN_REQUESTS_SHOWN,
        "form": form,
        "page_obj": Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page")),
        "waiting": sum(v["waiting"] for v in vendors),
        "may_review": may_review(user),
        "review_form": ReviewForm(),
    }
    return render(request, "measurements/validation_queue.html", context)


@login_required
@require_POST
def validation_review(request):
    """Validate or dispute the ticked figures in one request."""
    if not may_review(request.user):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Choose figures and a decision.")
        return _back(request)
    data = form.cleaned_data
    figures = policy.scope(request.user, Measurement.objects.filter(pk__in=data["ids"]))
    try:
        changed = services.measurement_review(
            measurements=figures, actor=request.user, decision=data["decision"], reason=data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request)
    verb = "validated" if data["decision"] == "validate" else "disputed"
    if request.htmx and data.get("only"):
        # The row's own button, enhanced: the row is replaced by the outcome, the queue stays in place.
        context = {
            "figure": figures.select_related("service_level__metric").first(),
            "changed": bool(changed),
        }
        return render(request, "measurements/_reviewed_row.html", context)
    text = f"{len(changed)} figure{'s' if len(changed) != 1 else ''} {verb}."
    skipped = len(set(data["ids"])) - len(changed)
    if skipped:
        text += f" {skipped} had already been reviewed or corrected and were left as they were."
    messages.success(request, text)
    return _back(request)


def _back(request):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("measurements:validation")
    return redirect(target)


@login_required
@require_POST
def dispute_resolve_view(request, pk):
    """A manager upholds or rejects a vendor's dispute of a figure, with the reason the vendor reads."""
    dispute = policy.get_visible_or_404(
        request.user, Dispute.objects.filter(measurement__isnull=False).select_related("measurement"), pk=pk
    )
    if not may_review(request.user):
        raise PermissionDenied
    form = DisputeResolveForm(request.POST, dispute_id=dispute.pk)
    if not form.is_valid():
        messages.error(
            request, "The dispute was not decided: choose uphold or reject and explain the decision."
        )
        return _back(request)
    data = form.cleaned_data
    try:
        services.dispute_resolve(
            dispute=dispute,
            actor=request.user,
            upheld=data["decision"] == "upheld",
            resolution=data["resolution"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request)
    verb = "upheld" if data["decision"] == "upheld" else "rejected"
    messages.success(request, f"Dispute {verb}; the vendor sees the decision on the figure.")
    return _back(request)


@login_required
@require_POST
def correction_decide_view(request, pk):
    """A manager accepts or rejects a vendor's correction request, with the reason the vendor reads."""
    correction = policy.get_visible_or_404(
        request.user, Measurement.objects.select_related("service_level__metric"), pk=pk
    )
    if not services.may_decide_corrections(request.user):
        raise PermissionDenied
    if correction.corrects_id is None:
        messages.error(request, "This figure is not a correction request; there is nothing to decide.")
        return _back(request)
    form = CorrectionDecisionForm(request.POST, request_id=correction.pk)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, "The correction was not decided: " + " ".join(errors))
        return _back(request)
    data = form.cleaned_data
    try:
        services.correction_request_decide(
            request=correction, actor=request.user, accept=data["decision"] == "accept", reason=data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request)
    if data["decision"] == "accept":
        messages.success(
            request, "Correction accepted; it replaces the old figure and the period is re-evaluated."
        )
    else:
        messages.success(
            request, "Correction rejected; the old figure keeps counting and the vendor sees why."
        )
    return _back(request)
