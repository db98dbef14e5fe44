"""Contract lifecycle URLs, mounted beside the contract page in the "contracts" namespace (config/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.contract_new, name="new"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("<int:pk>/status/", views.contract_status, name="status"),
    path("<int:pk>/duplicate/", views.contract_duplicate, name="duplicate"),
    path("<int:pk>/deliverables/", views.contract_deliverables, name="deliverables"),
    path("<int:pk>/documents/new/", views.document_upload, name="document_upload"),
    path("<int:pk>/renewal/decide/", views.renewal_decide, name="renewal_decide"),
    path("<int:pk>/renewal/snooze/", views.reminders_snooze, name="reminders_snooze"),
    path("deliverables/", views.deliverable_portfolio, name="deliverable_list"),
    path("deliverables/<int:deliverable_pk>/", views.deliverable_detail, name="deliverable_detail"),
    path("deliverables/<int:deliverable_pk>/deliver/", views.deliverable_deliver, name="deliverable_deliver"),
    path("deliverables/<int:deliverable_pk>/accept/", views.deliverable_accept, name="deliverable_accept"),
    path("deliverables/<int:deliverable_pk>/reject/", views.deliverable_reject, name="deliverable_reject"),
    path(
        "deliverables/evidence/<int:deliverable_evidence_pk>/",
        views.deliverable_evidence,
        name="deliverable_evidence",
    ),
    path("documents/<int:contract_document_pk>/", views.document_download, name="document"),
    path("documents/<int:contract_document_pk>/share/", views.document_share, name="document_share"),
]
