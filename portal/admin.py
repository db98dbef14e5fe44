"""Admin screens of the portal shell: a read-only list of heartbeat runs."""

from django.contrib import admin

from .models import HeartbeatRun


@admin.register(HeartbeatRun)
class HeartbeatRunAdmin(admin.ModelAdmin):
    list_display = ["finished_at", "hostname", "task_id"]
    list_filter = ["hostname"]
    search_fields = ["task_id", "hostname"]
    date_hierarchy = "finished_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
