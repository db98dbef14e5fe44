"""Audits and their findings: plans, findings, remediation with evidence, verification."""

from django.urls import path

from ..views import audits as views

app_name = "audits"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("new/", views.audit_create, name="create"),
    path("<int:pk>/", views.audit_detail, name="detail"),
    path("<int:pk>/edit/", views.audit_edit, name="edit"),
    path("<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:finding_pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:finding_pk>/edit/", views.finding_edit, name="finding_edit"),
    path("findings/<int:finding_pk>/remediate/", views.finding_remediate, name="finding_remediate"),
    path("findings/<int:finding_pk>/evidence/", views.finding_evidence_add, name="finding_evidence_add"),
    path("findings/<int:finding_pk>/verify/", views.finding_verify, name="finding_verify"),
    path("findings/<int:finding_pk>/reopen/", views.finding_reopen, name="finding_reopen"),
    path("evidence/<int:finding_evidence_pk>/", views.evidence_download, name="evidence_download"),
]
