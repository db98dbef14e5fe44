"""The metric catalogue pages: the list (internal roles; read-only for viewers and auditors) and the
managers' add and edit forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts import policy
from accounts.forms import add_service_errors

from ..forms.metrics import MetricFilterForm, MetricForm
from ..models import Metric
from ..services import metrics as services

PAGE_SIZE = 50


def _require_internal(user) -> None:
    if not policy.sees_internal(user):
        raise PermissionDenied


@require_safe
@login_required
def metric_list(request):
    _require_internal(request.user)
    form = MetricFilterForm(request.GET or None)
    metrics = policy.scope(request.user, Metric.objects.annotate(in_use=Count("service_levels")))
    filters = form.cleaned_data if form.is_valid() else {}
    if not filters.get("include_inactive"):
        metrics = metrics.filter(is_active=True)
    if filters.get("q"):
        q = filters["q"]
        metrics = metrics.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(description__icontains=q))
    page_obj = Paginator(metrics.order_by("category", "name"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page_obj, "may_edit": services.metric_can_edit(request.user)}
    return render(request, "metrics/list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def metric_new(request):
    if not services.metric_can_edit(request.user):
        raise PermissionDenied
    form = MetricForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            metric = services.metric_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{metric.name} added to the catalogue.")
            return redirect("metrics:list")
    return render(request, "metrics/form.html", {"form": form, "metric": None})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def metric_edit(request, metric_pk):
    metric = policy.get_visible_or_404(request.user, Metric.objects.all(), pk=metric_pk)
    if not services.metric_can_edit(request.user):
        raise PermissionDenied
    fixed = services.fixed_fields(metric)
    # The form validates a copy, so the service still sees the stored values as the old ones.
    form = MetricForm(request.POST or None, instance=Metric.objects.get(pk=metric.pk), fixed=fixed)
    if request.method == "POST" and form.is_valid():
        try:
            services.metric_update(metric=metric, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['name']} saved.")
            return redirect("metrics:list")
    context = {"form": form, "metric": metric, "in_use": services.metric_in_use(metric)}
    return render(request, "metrics/form.html", context)
