"""Admin screens for vendors, their contacts and the service categories; every change is audited."""

from django.contrib import admin

from accounts.admin_mixins import AuditedModelAdmin

from .models import ServiceCategory, Vendor, VendorContact


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class VendorContactInline(admin.TabularInline):
    model = VendorContact
    extra = 0
    fields = (
        "name",
        "job_title",
        "email",
        "phone",
        "is_primary",
        "is_escalation_contact",
        "notes",
        "retired_on",
    )


@admin.register(Vendor)
class VendorAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("name", "tier", "status", "internal_owner", "updated_at")
    list_filter = ("tier", "status", "service_categories")
    list_select_related = ("internal_owner",)
    search_fields = ("name", "legal_name", "registration_number", "vat_number")
    autocomplete_fields = ("internal_owner", "parent")
    filter_horizontal = ("service_categories",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "legal_name",
                    "parent",
                    "status",
                    "tier",
                    "service_categories",
                    "internal_owner",
                )
            },
        ),
        (
            "Identifiers",
            {"fields": ("registration_number", "vat_number", "lei", "duns", "website", "address")},
        ),
        ("Notes", {"fields": ("description", "internal_notes")}),
        ("Exit", {"fields": ("exit_on", "exit_plan")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (VendorContactInline,)


@admin.register(VendorContact)
class VendorContactAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("name", "vendor", "job_title", "email", "is_primary", "is_escalation_contact")
    list_filter = ("is_primary", "is_escalation_contact")
    list_select_related = ("vendor",)
    search_fields = ("name", "email", "job_title", "vendor__name")
    autocomplete_fields = ("vendor",)
