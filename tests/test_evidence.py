"""Evidence files: type by content, size limit, generated storage names, a download only its vendor gets."""

import hashlib
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AuditEvent
from kpis import services
from kpis.models import Breach, BreachKind, BreachSeverity, EvidenceFile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20


def xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def docx(document=True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if document:
            archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def breach(portfolio):
    return Breach.objects.create(
        service_level=portfolio.a.service_level,
        period_start=datetime(2026, 3, 1).date(),
        period_end=datetime(2026, 3, 31).date(),
        kind=BreachKind.MISSED_TARGET,
        severity=BreachSeverity.MEDIUM,
        response_due_at=datetime(2026, 4, 10, 15, tzinfo=UTC),
    )


def attach(content, name, actor, **target):
    return services.evidence_attach(uploaded_file=SimpleUploadedFile(name, content), actor=actor, **target)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("SLA report.pdf", PDF, "application/pdf"),
        ("screen.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("export.csv", "day,value\n2026-03-01,99.9 – ok\n".encode(), "text/csv; charset=utf-8"),
        ("notes.txt", b"\xef\xbb\xbfplain text", "text/plain; charset=utf-8"),
        ("figures.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("letter.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_accepted_types_are_stored_under_generated_names(
    portfolio, vendor_a_user, name, content, content_type
):
    evidence = attach(content, name, vendor_a_user, measurement=portfolio.a.measurement)

    evidence.refresh_from_db()
    assert (evidence.original_name, evidence.content_type, evidence.size) == (
        name,
        content_type,
        len(content),
    )
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert (evidence.vendor, evidence.uploaded_by) == (portfolio.a.vendor, vendor_a_user)
    stored = Path(evidence.file.name)
    assert stored.parts[0] == "evidence" and Path(name).stem not in evidence.file.name
    assert stored.suffix == Path(name).suffix.lower().replace(".jpeg", ".jpg")
    assert Path(evidence.file.path).read_bytes() == content
    event = AuditEvent.objects.get(action="kpis.evidencefile.created")
    assert (event.actor, event.vendor_id) == (vendor_a_user, portfolio.a.vendor.pk)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "not accepted"),
        ("report.png", PDF, "content is a PDF, which does not match"),
        ("page.png", b"<html><script>alert(1)</script></html>", "does not match"),
        ("page.html", b"<html></html>", "does not match"),
        ("latin.txt", "Café".encode("latin-1"), "not accepted"),
        ("figures.xlsx", docx(), "not a real Excel workbook"),
        ("letter.docx", docx(document=False), "not a real Word document"),
        ("letter.docx", b"PK\x03\x04garbage", "not a real Word document"),
        ("empty.pdf", b"", "The file is empty"),
    ],
)
def test_refused_files_save_nothing(portfolio, vendor_a_user, name, content, message):
    with pytest.raises(ValidationError) as error:
        attach(content, name, vendor_a_user, measurement=portfolio.a.measurement)

    assert message in " ".join(error.value.message_dict["evidence"])
    assert not EvidenceFile.objects.exists()


def test_a_file_over_the_size_limit_is_refused(settings, portfolio, vendor_a_user):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="larger than the limit"):
        attach(PDF + b"0" * 2048, "big.pdf", vendor_a_user, measurement=portfolio.a.measurement)
    assert not EvidenceFile.objects.exists()


def test_a_document_that_unpacks_too_large_is_refused(portfolio, vendor_a_user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(ValidationError, match="unpacks to"):
        attach(buffer.getvalue(), "bomb.docx", vendor_a_user, measurement=portfolio.a.measurement)


def test_the_original_name_loses_paths_and_control_characters(portfolio, vendor_a_user):
    evidence = attach(PDF, '..\\..\\evil"\r\nname.pdf', vendor_a_user, measurement=portfolio.a.measurement)

    assert evidence.original_name == "evil___name.pdf"


def test_breach_responses_take_evidence_from_their_vendor_only(breach, vendor_a_user, vendor_b_user, viewer):
    evidence = attach(PDF, "rca.pdf", vendor_a_user, breach=breach)
    assert (evidence.breach, evidence.measurement, evidence.vendor_id) == (
        breach,
        None,
        breach.service_level.contract.vendor_id,
    )

    for intruder in (vendor_b_user, viewer):
        with pytest.raises(PermissionDenied):
            attach(PDF, "rca.pdf", intruder, breach=breach)
    assert EvidenceFile.objects.count() == 1


# --- Download -----------------------------------------------------------------------------------------------


def test_download_is_an_attachment_with_the_original_name(client_for, portfolio, vendor_a_user, manager):
    evidence = attach(PDF, "März report.pdf", vendor_a_user, measurement=portfolio.a.measurement)
    url = reverse("measurements:evidence", args=[evidence.pk])

    for user in (vendor_a_user, manager):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''M%C3%A4rz%20report.pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


def test_text_evidence_is_never_served_as_a_page(client_for, portfolio, vendor_a_user):
    evidence = attach(
        b"<html><script>alert(1)</script></html>",
        "notes.txt",
        vendor_a_user,
        measurement=portfolio.a.measurement,
    )

    response = client_for(vendor_a_user).get(reverse("measurements:evidence", args=[evidence.pk]))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'


def test_another_vendor_gets_404_and_anonymous_is_sent_to_sign_in(
    client, client_for, portfolio, vendor_a_user, vendor_b_user
):
    evidence = attach(PDF, "a.pdf", vendor_a_user, measurement=portfolio.a.measurement)
    url = reverse("measurements:evidence", args=[evidence.pk])

    assert client_for(vendor_b_user).get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_stored_files_are_not_reachable_as_media(client_for, portfolio, vendor_a_user):
    evidence = attach(PDF, "a.pdf", vendor_a_user, measurement=portfolio.a.measurement)

    assert client_for(vendor_a_user).get("/" + evidence.file.name).status_code == 404
    assert client_for(vendor_a_user).get("/media/" + evidence.file.name).status_code == 404


def test_a_missing_file_is_404_not_500(client_for, portfolio, vendor_a_user):
    evidence = attach(PDF, "a.pdf", vendor_a_user, measurement=portfolio.a.measurement)
    Path(evidence.file.path).unlink()

    assert (
        client_for(vendor_a_user).get(reverse("measurements:evidence", args=[evidence.pk])).status_code == 404
    )


# --- Attaching from the figure's page ------------------------------------------------------------------


def test_attach_from_the_figure_page(client_for, portfolio, vendor_a_user):
    url = reverse("measurements:evidence_add", args=[portfolio.a.measurement.pk])

    response = client_for(vendor_a_user).post(
        url, {"evidence": SimpleUploadedFile("proof.pdf", PDF)}, follow=True
    )

    assert response.status_code == 200
    assert "proof.pdf" in response.content.decode()
    assert portfolio.a.measurement.evidence.get().original_name == "proof.pdf"


def test_a_refused_file_shows_its_error_on_the_form(client_for, portfolio, vendor_a_user):
    url = reverse("measurements:evidence_add", args=[portfolio.a.measurement.pk])

    response = client_for(vendor_a_user).post(
        url, {"evidence": SimpleUploadedFile("tool.pdf", b"MZ\x90\x00")}
    )

    assert response.status_code == 200
    assert "This type of file is not accepted" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_attaching_needs_the_right_to_submit(client_for, portfolio, vendor_b_user, viewer):
    url = reverse("measurements:evidence_add", args=[portfolio.a.measurement.pk])
    upload = {"evidence": SimpleUploadedFile("proof.pdf", PDF)}

    assert client_for(vendor_b_user).post(url, upload).status_code == 404
    assert client_for(viewer).post(url, {"evidence": SimpleUploadedFile("proof.pdf", PDF)}).status_code == 403
    assert not EvidenceFile.objects.exists()
