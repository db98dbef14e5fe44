"""Admin screens for the metric catalogue, service levels and (read-only) measurements."""

from django.contrib import admin

from accounts.admin_mixins import AuditedModelAdmin

from .models import Measurement, Metric, ServiceLevel


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


@admin.register(Measurement)
class MeasurementAdmin(AuditedModelAdmin, admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
