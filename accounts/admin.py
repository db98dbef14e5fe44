"""Admin screens for users (e-mail login, role, vendor membership) and the read-only audit trail."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from .admin_mixins import AuditedModelAdmin
from .forms import AdminLoginForm, UserAddForm, UserEditForm
from .models import AuditEvent, User

admin.site.login_form = AdminLoginForm
admin.site.site_header = f"{settings.PORTAL_NAME} administration"
admin.site.site_title = settings.PORTAL_NAME


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "job_title")}),
        ("Organisation and role", {"fields": ("role", "vendor")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "deactivated_at", "deactivated_by")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "role",
                    "vendor",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("email", "full_name", "role", "vendor", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    list_select_related = ("vendor",)
    search_fields = ("email", "full_name", "job_title", "vendor__name")
    ordering = ("email",)
    autocomplete_fields = ("vendor",)
    readonly_fields = ("last_login", "date_joined", "deactivated_at", "deactivated_by")

    def save_model(self, request, obj, form, change):
        # Recorded like a deactivation on the team page: the client's decision, and the cut-off for
        # the user's API tokens.
        if change and "is_active" in form.changed_data and not obj.is_active:
            obj.deactivated_at, obj.deactivated_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail is written by the services only; here it can be searched and read, never edited."""

    list_display = (
        "occurred_at",
        "action",
        "object_type",
        "object_repr",
        "actor",
        "vendor_id",
        "internal_only",
    )
    list_filter = ("object_type", "internal_only", "occurred_at")
    list_select_related = ("actor",)
    search_fields = ("action", "object_repr", "object_id", "actor__email", "actor__full_name", "note")
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
