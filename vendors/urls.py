"""URLs of the vendor pages this app owns; config mounts them under /vendors/ beside the vendor 360."""

from django.urls import path

from .views import change_requests, contacts, directory, onboarding

urlpatterns = [
    path("", directory.vendor_list, name="list"),
    path("new/", directory.vendor_create, name="create"),
    path("onboarding-checklist/", onboarding.onboarding_checklist_defaults, name="onboarding_defaults"),
    path("<int:pk>/edit/", directory.vendor_edit, name="edit"),
    path("<int:pk>/contacts/", contacts.contact_list, name="contacts"),
    path("<int:pk>/contacts/new/", contacts.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_pk>/retire/", contacts.contact_retire, name="contact_retire"),
    path("<int:pk>/invite-admin/", contacts.vendor_admin_invite, name="admin_invite"),
    path("<int:pk>/changes/", change_requests.change_request_list, name="change_requests"),
    path("<int:pk>/changes/new/", change_requests.change_request_create, name="change_request_create"),
    path(
        "<int:pk>/changes/<int:vendor_change_request_pk>/",
        change_requests.change_request_detail,
        name="change_request",
    ),
    path(
        "<int:pk>/changes/<int:vendor_change_request_pk>/approve/",
        change_requests.change_request_approve,
        name="change_request_approve",
    ),
    path(
        "<int:pk>/changes/<int:vendor_change_request_pk>/reject/",
        change_requests.change_request_reject,
        name="change_request_reject",
    ),
]
