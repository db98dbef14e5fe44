"""The vendor's own pages: what is due, progress updates, the vendor's team."""

from django.urls import path

from ..views import vendor_home, vendor_progress, vendor_team

app_name = "vendor_portal"

urlpatterns = [
    path("", vendor_home.vendor_home, name="home"),
    path("progress/", vendor_progress.progress_list, name="progress_list"),
    path("progress/new/", vendor_progress.progress_create, name="progress_create"),
    path("progress/<int:progress_update_pk>/edit/", vendor_progress.progress_edit, name="progress_edit"),
    path("team/", vendor_team.vendor_team, name="team"),
    path(
        "team/invitations/<int:invitation_pk>/revoke/",
        vendor_team.invitation_revoke,
        name="invitation_revoke",
    ),
    path("team/users/<int:user_pk>/deactivate/", vendor_team.user_deactivate, name="user_deactivate"),
    path("team/users/<int:user_pk>/reactivate/", vendor_team.user_reactivate, name="user_reactivate"),
]
