"""Audits and findings: planning, findings with owners, remediation with evidence by the owning side,
verification or reopening, internal notes never shown to the vendor, access-checked evidence downloads."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from governance.models import Audit, AuditStatus, Finding, FindingEvidence, FindingStatus, Side
from governance.services import audits as services
from tests import factories
from tests.factories import INTERNAL_MARK
from tests.factories_gov_audits import AuditFactory, FindingEvidenceFactory, FindingFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def pdf(name="proof.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def finding_codes(finding) -> list[str]:
    events = AuditEvent.objects.filter(object_type="governance.finding", object_id=str(finding.pk))
    return list(events.order_by("pk").values_list("action", flat=True))


@pytest.fixture
def finding(vendor_a, vendor_a_user):
    return FindingFactory(audit=AuditFactory(vendor=vendor_a), owner=vendor_a_user)


# ---- Planning and recording -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "manager", "admin_user"])
def test_auditors_and_managers_plan_audits_and_record_findings(
    request, client_for, vendor_a, vendor_a_user, role
):
    user = request.getfixturevalue(role)
    client = client_for(user)

    response = client.post(
        reverse("audits:create"),
        {
            "vendor": vendor_a.pk,
            "title": "ISO 27001 surveillance",
            "planned_start": "2026-03-02",
            "planned_end": "2026-03-06",
            "lead": user.pk,
        },
    )
    audit = Audit.objects.get()
    assert response.status_code == 302 and (audit.vendor, audit.lead, audit.created_by) == (
        vendor_a,
        user,
        user,
    )

    response = client.post(
        reverse("audits:finding_create", args=[audit.pk]),
        {
            "title": "Leavers keep access",
            "description": "Three leavers still had VPN access.",
            "severity": "high",
            "owner_side": "vendor",
            "owner": vendor_a_user.pk,
            "due_on": "2026-04-30",
            "internal_notes": "Raise at the steering committee.",
        },
    )
    finding = Finding.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("audits:finding_detail", kwargs={"finding_pk": finding.pk})
    assert (finding.owner, finding.status) == (vendor_a_user, FindingStatus.OPEN)
    assert finding_codes(finding) == ["governance.finding.recorded", "governance.finding.updated"]
    notes_event = AuditEvent.objects.get(object_id=str(finding.pk), action="governance.finding.updated")
    assert notes_event.internal_only  # the internal notes never reach the vendor's view of the trail
    recorded = AuditEvent.objects.get(object_id=str(finding.pk), action="governance.finding.recorded")
    assert "internal_notes" not in recorded.changes and not recorded.internal_only


@pytest.mark.parametrize("role", ["viewer", "vendor_a_user", "vendor_a_admin"])
def test_others_cannot_plan_audits_or_record_findings(request, client_for, vendor_a, role):
    client = client_for(request.getfixturevalue(role))
    audit = AuditFactory(vendor=vendor_a)
    for url in (
        reverse("audits:create"),
        reverse("audits:edit", args=[audit.pk]),
        reverse("audits:finding_create", args=[audit.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"title": "x"}).status_code == 403
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    ("side", "owner_fixture", "message"),
    [
        ("vendor", "vendor_b_user", "user of the audited vendor"),
        ("vendor", "manager", "user of the audited vendor"),
        ("internal", "vendor_a_user", "member of the client's staff"),
    ],
)
def test_the_owner_must_belong_to_the_owning_side(request, auditor, vendor_a, side, owner_fixture, message):
    owner = request.getfixturevalue(owner_fixture)
    with pytest.raises(ValidationError, match=message):
        services.finding_record(
            audit=AuditFactory(vendor=vendor_a),
            actor=auditor,
            title="t",
            description="d",
            severity="low",
            owner_side=side,
            owner=owner,
            due_on=dt.date(2026, 5, 1),
        )


def test_the_finding_form_offers_only_people_of_the_vendor_and_the_client(
    client_for, auditor, vendor_a, vendor_b_user
):
    audit = AuditFactory(vendor=vendor_a)
    response = client_for(auditor).get(reverse("audits:finding_create", args=[audit.pk]))
    owners = set(response.context["form"].fields["owner"].queryset)
    assert auditor in owners and vendor_b_user not in owners


def test_audit_dates_are_validated(client_for, auditor, vendor_a):
    response = client_for(auditor).post(
        reverse("audits:create"),
        {
            "vendor": vendor_a.pk,
            "title": "Backwards",
            "planned_start": "2026-03-06",
            "planned_end": "2026-03-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["planned_end"] == ["The audit must end on or after its first day."]
    assert not Audit.objects.exists()


def test_completing_an_audit_needs_a_summary(client_for, auditor, vendor_a):
    audit = AuditFactory(vendor=vendor_a)
    data = {
        "title": audit.title,
        "scope": "",
        "planned_start": "2026-03-01",
        "planned_end": "2026-03-20",
        "status": "completed",
        "summary": "",
    }
    response = client_for(auditor).post(reverse("audits:edit", args=[audit.pk]), data)
    assert response.status_code == 200 and b"Summarise the audit" in response.content

    response = client_for(auditor).post(
        reverse("audits:edit", args=[audit.pk]), data | {"summary": "Two findings."}
    )
    audit.refresh_from_db()
    assert response.status_code == 302 and audit.status == AuditStatus.COMPLETED
    event = AuditEvent.objects.get(action="governance.audit.updated", object_id=str(audit.pk))
    assert event.changes["status"] == ["planned", "completed"]


# ---- Visibility ----------------------------------------------------------------------------------------


def test_vendor_users_read_their_audits_without_internal_notes(
    client_for, finding, vendor_a_user, vendor_b_user
):
    client = client_for(vendor_a_user)
    for url in (
        reverse("audits:list"),
        reverse("audits:detail", args=[finding.audit.pk]),
        reverse("audits:finding_detail", kwargs={"finding_pk": finding.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert INTERNAL_MARK not in response.content.decode()
    assert finding.title in client.get(reverse("audits:detail", args=[finding.audit.pk])).content.decode()

    other = client_for(vendor_b_user)
    assert other.get(reverse("audits:detail", args=[finding.audit.pk])).status_code == 404
    assert other.get(reverse("audits:finding_detail", kwargs={"finding_pk": finding.pk})).status_code == 404
    assert finding.audit.title not in other.get(reverse("audits:list")).content.decode()


def test_staff_see_the_internal_notes(client_for, viewer, finding):
    response = client_for(viewer).get(reverse("audits:finding_detail", kwargs={"finding_pk": finding.pk}))
    assert INTERNAL_MARK in response.content.decode()
    assert response.context["remediation_form"] is None and response.context["verify_form"] is None


def test_the_list_keeps_its_query_count(
    client_for, manager, vendor_a, django_assert_max_num_queries, time_machine
):
    time_machine.move_to(dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC), tick=False)
    audit = AuditFactory(vendor=vendor_a)
    FindingFactory(audit=audit)  # overdue since 30 April
    FindingFactory(audit=audit, status=FindingStatus.VERIFIED)
    client = client_for(manager)

    response = client.get(reverse("audits:list"))
    row = response.context["page_obj"][0]
    assert (row.finding_count, row.open_count, row.overdue_count) == (2, 1, 1)
    assert client.get(reverse("audits:list") + "?status=completed").context["page_obj"].paginator.count == 0

    for _ in range(30):
        FindingFactory(audit=AuditFactory(vendor=factories.VendorFactory()))
    with django_assert_max_num_queries(8):
        client.get(reverse("audits:list"))


# ---- Remediation, evidence, verification --------------------------------------------------------------


def test_the_vendor_remediates_with_evidence_and_the_auditor_verifies(
    client_for, finding, vendor_a_user, auditor
):
    url = reverse("audits:finding_remediate", kwargs={"finding_pk": finding.pk})
    response = client_for(vendor_a_user).post(
        url, {"remediation": "Leaver process automated.", "evidence": pdf()}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.REMEDIATED and finding.remediated_at is not None
    evidence = FindingEvidence.objects.get(finding=finding)
    assert (evidence.original_name, evidence.uploaded_by, evidence.content_type) == (
        "proof.pdf",
        vendor_a_user,
        "application/pdf",
    )
    assert not evidence.file.name.endswith("proof.pdf")  # stored under a generated name

    response = client_for(auditor).post(
        reverse("audits:finding_verify", kwargs={"finding_pk": finding.pk}), {"note": "Sampled five leavers."}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.verified_by, finding.verification_note) == (
        FindingStatus.VERIFIED,
        auditor,
        "Sampled five leavers.",
    )
    assert finding_codes(finding) == [
        "governance.finding.remediated",
        "governance.finding.verified",
    ]


def test_a_reopened_finding_goes_back_to_its_owner(client_for, finding, vendor_a_user, manager):
    services.finding_remediate(finding=finding, actor=vendor_a_user, remediation="Done.")
    url = reverse("audits:finding_reopen", kwargs={"finding_pk": finding.pk})

    empty = client_for(manager).post(url, {"note": ""})
    assert empty.status_code == 200 and empty.context["reopen_form"].errors["note"]

    assert client_for(manager).post(url, {"note": "Two accounts are still active."}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and finding.remediated_at is None
    event = AuditEvent.objects.get(action="governance.finding.reopened", object_id=str(finding.pk))
    assert event.note == "Two accounts are still active."
    page = client_for(vendor_a_user).get(reverse("audits:finding_detail", kwargs={"finding_pk": finding.pk}))
    assert b"Two accounts are still active." in page.content and page.context["remediation_form"] is not None


@pytest.mark.parametrize("role", ["manager", "auditor", "viewer", "vendor_a_admin"])
def test_only_the_vendor_side_remediates_a_vendor_owned_finding(request, client_for, finding, role):
    user = request.getfixturevalue(role)
    url = reverse("audits:finding_remediate", kwargs={"finding_pk": finding.pk})
    expected = 302 if role == "vendor_a_admin" else 403
    assert client_for(user).post(url, {"remediation": "Done."}).status_code == expected


def test_an_internal_finding_is_remediated_by_the_client(
    client_for, manager, auditor, vendor_a, vendor_a_user
):
    finding = FindingFactory(audit=AuditFactory(vendor=vendor_a), owner_side=Side.INTERNAL, owner=auditor)
    url = reverse("audits:finding_remediate", kwargs={"finding_pk": finding.pk})
    assert client_for(vendor_a_user).post(url, {"remediation": "Done."}).status_code == 403
    assert client_for(manager).post(url, {"remediation": "Access review scheduled."}).status_code == 302


@pytest.mark.parametrize("role", ["viewer", "vendor_a_user"])
def test_only_auditors_and_managers_verify(request, client_for, finding, vendor_a_user, role):
    services.finding_remediate(finding=finding, actor=vendor_a_user, remediation="Done.")
    client = client_for(request.getfixturevalue(role))
    assert client.post(reverse("audits:finding_verify", kwargs={"finding_pk": finding.pk})).status_code == 403
    assert (
        client.post(
            reverse("audits:finding_reopen", kwargs={"finding_pk": finding.pk}), {"note": "x"}
        ).status_code
        == 403
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.REMEDIATED


def test_steps_out_of_turn_are_explained(client_for, finding, auditor, vendor_a_user):
    response = client_for(auditor).post(
        reverse("audits:finding_verify", kwargs={"finding_pk": finding.pk}), follow=True
    )
    assert response.status_code == 200 and b"not reported the remediation" in response.content

    services.finding_remediate(finding=finding, actor=vendor_a_user, remediation="Done.")
    again = client_for(vendor_a_user).post(
        reverse("audits:finding_remediate", kwargs={"finding_pk": finding.pk}),
        {"remediation": "Again."},
        follow=True,
    )
    assert again.status_code == 200 and b"waiting for verification" in again.content
    assert finding_codes(finding).count("governance.finding.remediated") == 1


def test_a_verified_finding_no_longer_changes(finding, vendor_a_user, auditor):
    services.finding_remediate(finding=finding, actor=vendor_a_user, remediation="Done.")
    services.finding_verify(finding=finding, actor=auditor)
    with pytest.raises(ValidationError):
        services.finding_change(finding=finding, actor=auditor, data={"title": "Renamed"})
    with pytest.raises(ValidationError):
        services.finding_add_evidence(finding=finding, actor=vendor_a_user, uploaded_file=pdf())
    with pytest.raises(ValidationError):
        services.finding_reopen(finding=finding, actor=auditor, note="x")


# ---- Evidence: limits and access -----------------------------------------------------------------------


def test_evidence_uploads_are_limited_in_size_and_type(client_for, finding, vendor_a_user, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client = client_for(vendor_a_user)
    url = reverse("audits:finding_remediate", kwargs={"finding_pk": finding.pk})

    too_big = client.post(url, {"remediation": "Done.", "evidence": pdf(content=PDF + b"x" * 200)})
    assert too_big.status_code == 200
    assert "larger than the limit" in str(too_big.context["remediation_form"].errors["evidence"])

    exe = SimpleUploadedFile(
        "tool.pdf", b"MZ\x90\x00\x03\x00\x00\x00\xff\xff", content_type="application/pdf"
    )
    wrong = client.post(url, {"remediation": "Done.", "evidence": exe})
    assert "not accepted" in str(wrong.context["remediation_form"].errors["evidence"])

    mismatch = client.post(url, {"remediation": "Done.", "evidence": pdf(name="proof.png")})
    assert "does not match" in str(mismatch.context["remediation_form"].errors["evidence"])

    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN  # a refused file keeps the remediation out too
    assert not FindingEvidence.objects.exists()


def test_more_evidence_while_waiting_for_verification(client_for, finding, vendor_a_user):
    services.finding_remediate(finding=finding, actor=vendor_a_user, remediation="Done.")
    url = reverse("audits:finding_evidence_add", kwargs={"finding_pk": finding.pk})
    assert client_for(vendor_a_user).post(url, {"evidence": pdf("second.pdf")}).status_code == 302
    assert FindingEvidence.objects.get(finding=finding).original_name == "second.pdf"


def test_evidence_is_downloaded_only_through_the_access_check(
    client_for, finding, vendor_a_user, vendor_b_user, auditor
):
    evidence = FindingEvidenceFactory(finding=finding, uploaded_by=vendor_a_user)
    url = reverse("audits:evidence_download", kwargs={"finding_evidence_pk": evidence.pk})

    response = client_for(vendor_a_user).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith('attachment; filename="leaver-report.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(auditor).get(url).status_code == 200
    assert client_for(vendor_b_user).get(url).status_code == 404
    assert (
        client_for(vendor_b_user).get(url.replace(str(evidence.pk), str(evidence.pk + 1000))).status_code
        == 404
    )


def test_service_permissions(finding, vendor_b_user, viewer):
    with pytest.raises(PermissionDenied):
        services.finding_remediate(finding=finding, actor=vendor_b_user, remediation="x")
    with pytest.raises(PermissionDenied):
        services.audit_plan(
            vendor=finding.audit.vendor,
            actor=viewer,
            title="t",
            planned_start=dt.date(2026, 1, 1),
            planned_end=dt.date(2026, 1, 2),
        )


# ---- Escalation ----------------------------------------------------------------------------------------


def test_the_finding_shows_its_escalation_issue(client_for, finding, vendor_a_user, manager):
    from governance.models import Issue, IssueOrigin, IssueSeverity

    issue = Issue.objects.create(
        vendor=finding.audit.vendor,
        title=f"Overdue finding: {finding.title}",
        description="Past due.",
        severity=IssueSeverity.HIGH,
        origin=IssueOrigin.FINDING,
        raised_side=Side.INTERNAL,
        level=2,
        finding=finding,
    )
    for user in (manager, vendor_a_user):
        response = client_for(user).get(reverse("audits:finding_detail", kwargs={"finding_pk": finding.pk}))
        assert response.context["issue"] == issue
        assert b"Level 2" in response.content


def test_the_page_works_without_an_escalation_issue(client_for, finding, manager):
    response = client_for(manager).get(reverse("audits:finding_detail", kwargs={"finding_pk": finding.pk}))
    assert response.status_code == 200 and response.context["issue"] is None


def test_evidence_bytes_are_checked_not_the_declared_type(finding, vendor_a_user):
    fake = SimpleUploadedFile("report.pdf", io.BytesIO(b"just text").read(), content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        services.finding_remediate(finding=finding, actor=vendor_a_user, remediation="Done.", evidence=fake)
    assert "evidence" in refused.value.message_dict
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
