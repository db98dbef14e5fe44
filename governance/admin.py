"""Admin screens for RACI role assignments and escalation paths with their levels; every change is audited."""

from django.contrib import admin
from django.db.models import Count

from accounts.admin_mixins import AuditedModelAdmin

from .models import EscalationLevel, EscalationPath, ReviewCadence, RoleAssignment


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("vendor", "area", "role_title", "side", "holder", "raci", "contract")
    list_filter = ("side", "raci", "area")
    list_select_related = ("vendor", "contract", "person", "contact")
    search_fields = (
        "area",
        "role_title",
        "vendor__name",
        "person__email",
        "person__full_name",
        "contact__name",
    )
    autocomplete_fields = ("vendor", "contract", "person", "contact")

    @admin.display(description="Held by")
    def holder(self, obj):
        return obj.person or (obj.contact.name if obj.contact else "")


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0
    fields = (
        "level",
        "name",
        "internal_person",
        "internal_role",
        "vendor_contact",
        "vendor_role",
        "time_limit_hours",
    )
    autocomplete_fields = ("internal_person", "vendor_contact")
    ordering = ("level",)


@admin.register(EscalationPath)
class EscalationPathAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("name", "applies_to", "level_count")
    list_filter = ("tier",)
    list_select_related = ("vendor", "contract")
    search_fields = ("name", "vendor__name", "contract__reference")
    autocomplete_fields = ("vendor", "contract")
    inlines = (EscalationLevelInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(level_count=Count("levels"))

    @admin.display(description="Applies to")
    def applies_to(self, obj):
        if obj.contract_id:
            return f"Contract {obj.contract.reference}"
        if obj.vendor_id:
            return f"Vendor {obj.vendor.name}"
        return f"Default for {obj.get_tier_display().lower()} tier"

    @admin.display(description="Levels", ordering="level_count")
    def level_count(self, obj):
        return obj.level_count


@admin.register(ReviewCadence)
class ReviewCadenceAdmin(AuditedModelAdmin, admin.ModelAdmin):
    """How often each tier is reviewed; a tier without a row uses the default cadence."""

    list_display = ("tier", "months", "lead_days")
    ordering = ("tier",)
