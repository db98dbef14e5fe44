"""Admin screens for the KPI catalogue and service levels, the scoring scheme, and (read-only)
measurements and engine output."""

from django.contrib import admin

from accounts.admin_mixins import AuditedModelAdmin

from .forms.scoring import StandingBandFormSet
from .models import (
    Breach,
    CreditTier,
    EvaluationRun,
    Measurement,
    Metric,
    Scorecard,
    ScoringScheme,
    ServiceCredit,
    ServiceLevel,
    ServiceLevelResult,
    ServiceLevelTarget,
    StandingBand,
)


class ReadOnlyAdminMixin:
    """Rows written by the engine or appended by submissions: readable, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceLevelTargetInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ServiceLevelTarget
    extra = 0
    fields = ("effective_from", "target", "minimum", "reason")
    verbose_name_plural = "target history (changed through the portal, which re-evaluates affected periods)"


class CreditTierInline(admin.TabularInline):
    model = CreditTier
    extra = 0


@admin.register(Metric)
class MetricAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("name", "code", "unit", "direction", "aggregation", "category", "is_active")
    list_filter = ("category", "direction", "aggregation", "is_active")
    search_fields = ("name", "code", "description")
    prepopulated_fields = {"code": ("name",)}


@admin.register(ServiceLevel)
class ServiceLevelAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("metric", "contract", "kind", "target", "minimum", "period", "weight", "is_active")
    list_filter = ("kind", "period", "is_active", "metric__category")
    list_select_related = ("metric", "contract")
    search_fields = ("metric__name", "contract__reference", "contract__vendor__name")
    autocomplete_fields = ("contract", "metric")
    readonly_fields = ("created_at", "updated_at")
    inlines = (ServiceLevelTargetInline, CreditTierInline)


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Measurements are append-only facts submitted through the portal; here they are only read."""

    list_display = (
        "measured_on",
        "service_level",
        "value",
        "denominator",
        "source",
        "status",
        "is_current",
        "is_late",
        "submitted_by",
        "submitted_at",
    )
    list_filter = ("status", "source", "is_current", "is_late")
    list_select_related = ("service_level__metric", "service_level__contract", "submitted_by")
    search_fields = ("service_level__metric__name", "service_level__contract__reference", "note")
    date_hierarchy = "measured_on"


@admin.register(ServiceLevelResult)
class ServiceLevelResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "service_level",
        "period_start",
        "period_end",
        "attained",
        "target",
        "minimum",
        "outcome",
        "credit_amount",
    )
    list_filter = ("outcome", "service_level__period", "service_level__kind")
    list_select_related = ("service_level__metric", "service_level__contract")
    search_fields = (
        "service_level__metric__name",
        "service_level__contract__reference",
        "service_level__contract__vendor__name",
    )
    date_hierarchy = "period_start"


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "service_level",
        "period_start",
        "kind",
        "severity",
        "status",
        "response_due_at",
        "closed_at",
    )
    list_filter = ("status", "kind", "severity")
    list_select_related = ("service_level__metric", "service_level__contract")
    search_fields = (
        "service_level__metric__name",
        "service_level__contract__reference",
        "service_level__contract__vendor__name",
    )
    date_hierarchy = "period_start"


@admin.register(ServiceCredit)
class ServiceCreditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "contract",
        "period_kind",
        "period_start",
        "failures",
        "gross_amount",
        "cap_amount",
        "amount",
        "currency",
    )
    list_filter = ("period_kind",)
    list_select_related = ("contract",)
    search_fields = ("contract__reference", "contract__vendor__name")
    date_hierarchy = "period_start"


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("vendor", "period_start", "score", "band", "rank", "trend", "result_count")
    list_filter = ("rag", "trend")
    list_select_related = ("vendor",)
    search_fields = ("vendor__name",)
    date_hierarchy = "period_start"


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "status",
        "full",
        "periods_evaluated",
        "results_written",
        "breaches_opened",
        "breaches_cleared",
        "scorecards_written",
        "finished_at",
    )
    list_filter = ("status", "full")


class StandingBandInline(admin.TabularInline):
    model = StandingBand
    formset = StandingBandFormSet
    extra = 0


@admin.register(ScoringScheme)
class ScoringSchemeAdmin(AuditedModelAdmin, admin.ModelAdmin):
    """Weights must add up to 100 (model validation) and bands cover 0–100 (formset validation)."""

    list_display = (
        "name",
        "is_active",
        "weight_quality",
        "weight_delivery",
        "weight_responsiveness",
        "weight_relationship",
        "warning_points",
    )
    inlines = (StandingBandInline,)
