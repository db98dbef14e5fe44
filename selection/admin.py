"""Read-only admin screens for selection events: the workflow (and its audit trail) runs through the
portal's pages, so the admin only looks. Scores are not shown here; they belong to the ranking page,
which applies the visibility rules."""

from django.contrib import admin

from .models import Approval, Candidate, Commitment, Criterion, Evaluator, SelectionDecision, SelectionEvent


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionInline(_ReadOnly, admin.TabularInline):
    model = Criterion
    fields = ("name", "weight", "description")


class CandidateInline(_ReadOnly, admin.TabularInline):
    model = Candidate
    fields = ("vendor", "prospect_name", "contact_name", "contact_email", "website")


class EvaluatorInline(_ReadOnly, admin.TabularInline):
    model = Evaluator
    fields = ("user", "conflict_status", "conflict_decision", "submitted_at")


@admin.register(SelectionEvent)
class SelectionEventAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("title", "status", "owner", "created_at", "awarded_vendor")
    list_filter = ("status",)
    list_select_related = ("owner", "awarded_vendor")
    search_fields = ("title", "requirement")
    inlines = [CriterionInline, CandidateInline, EvaluatorInline]


@admin.register(Commitment)
class CommitmentAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("candidate", "metric", "target", "minimum", "period")
    list_select_related = ("candidate__vendor", "metric")


class ApprovalInline(_ReadOnly, admin.TabularInline):
    model = Approval
    fields = ("approver", "status", "comment", "answered_at")


@admin.register(SelectionDecision)
class SelectionDecisionAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("event", "candidate", "recorded_at", "revision")
    list_select_related = ("event", "candidate__vendor")
    inlines = [ApprovalInline]
