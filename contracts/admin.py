"""Admin screens for contracts and their deliverables; every change is audited."""

from django.contrib import admin, messages
from django.utils import timezone

from accounts.admin_mixins import AuditedModelAdmin

from .hierarchy import hierarchy_warnings
from .models import Contract, ContractDocument, Deliverable, NoticeReminder, RenewalDecision


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
        (
            "Commercials",
            {
                "fields": (
                    "currency",
                    "total_value",
                    "monthly_charge",
                    "at_risk_percent",
                    "late_figures_clear_unreported",
                )
            },
        ),
        ("Scope and notes", {"fields": ("scope_of_work", "internal_notes", "reminders_snoozed_until")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (DeliverableInline,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The hierarchy rules that are warnings rather than errors: saved, but said out loud.
        for warning in hierarchy_warnings(obj, on=timezone.localdate()):
            messages.warning(request, f"{obj.reference}: {warning}")


@admin.register(Deliverable)
class DeliverableAdmin(AuditedModelAdmin, admin.ModelAdmin):
    list_display = ("title", "contract", "kind", "due_date", "status", "approver", "accepted_at")
    list_filter = ("kind", "status")
    list_select_related = ("contract", "approver")
    search_fields = ("title", "contract__reference", "contract__vendor__name")
    autocomplete_fields = ("contract", "approver", "accepted_by")
    date_hierarchy = "due_date"


@admin.register(ContractDocument)
class ContractDocumentAdmin(AuditedModelAdmin, admin.ModelAdmin):
    """Uploads go through the contract page (checked files); here only sharing and notes change."""

    list_display = ("title", "version", "contract", "shared_with_vendor", "uploaded_by", "uploaded_at")
    list_filter = ("shared_with_vendor",)
    list_select_related = ("contract", "uploaded_by")
    search_fields = ("title", "contract__reference", "contract__vendor__name")
    fields = (
        "contract",
        "title",
        "version",
        "original_name",
        "size",
        "uploaded_by",
        "uploaded_at",
        "changes",
    )
    fields += ("shared_with_vendor",)
    readonly_fields = ("contract", "title", "version", "original_name", "size", "uploaded_by", "uploaded_at")

    def has_add_permission(self, request):
        return False


@admin.register(RenewalDecision)
class RenewalDecisionAdmin(admin.ModelAdmin):
    list_display = ("contract", "term_end", "decision", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("contract", "decided_by")
    search_fields = ("contract__reference", "contract__vendor__name", "rationale")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NoticeReminder)
class NoticeReminderAdmin(admin.ModelAdmin):
    """The reminder ledger, read-only: it is written by the schedule only."""

    list_display = ("contract", "term_end", "stage", "due_on", "status", "sent_at")
    list_filter = ("status", "stage")
    list_select_related = ("contract",)
    search_fields = ("contract__reference", "contract__vendor__name")
    date_hierarchy = "due_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
