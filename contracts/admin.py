"""Admin screens for contracts and their deliverables; every change is audited."""

from django.contrib import admin

from accounts.admin_mixins import AuditedModelAdmin

from .models import Contract, Deliverable


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    extra = 0
    fields = ("kind", "title", "due_date", "status", "approver")
    autocomplete_fields = ("approver",)
    show_change_link = True


@admin.register(Contract)
class ContractAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = (
        "reference",
        "title",
        "vendor",
        "contract_type",
        "status",
        "start_date",
        "initial_term_end",
    )
    list_filter = ("status", "contract_type", "renewal_type")
    list_select_related = ("vendor",)
    search_fields = ("reference", "title", "vendor__name")
    autocomplete_fields = ("vendor", "parent", "owner")
    date_hierarchy = "start_date"
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("vendor", "reference", "title", "contract_type", "parent", "status", "owner")}),
        (
            "Term",
            {
                "fields": (
                    "start_date",
                    "initial_term_end",
                    "renewal_type",
                    "renewal_term_months",
                    "notice_period_days",
                )
            },
        ),
        ("Commercials", {"fields": ("currency", "total_value", "monthly_charge", "at_risk_percent")}),
        ("Scope and notes", {"fields": ("scope_of_work", "internal_notes")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (DeliverableInline,)


@admin.register(Deliverable)
class DeliverableAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("title", "contract", "kind", "due_date", "status", "approver", "accepted_at")
    list_filter = ("kind", "status")
    list_select_related = ("contract", "approver")
    search_fields = ("title", "contract__reference", "contract__vendor__name")
    autocomplete_fields = ("contract", "approver", "accepted_by")
    date_hierarchy = "due_date"
