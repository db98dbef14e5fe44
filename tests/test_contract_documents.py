"""Contract documents: versions, checked uploads, access-checked downloads, what the vendor may see."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from contracts.models import ContractDocument
from contracts.services import document_set_shared, document_upload
from tests import factories
from tests.factories_contracts import PDF_BYTES, ContractDocumentFactory

pytestmark = pytest.mark.django_db


def pdf(name="agreement.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def sow(vendor_a, manager):
    return factories.SOWFactory(vendor=vendor_a, owner=manager, reference="SOW-DOC")


def test_uploads_under_one_title_become_versions(sow, manager):
    first = document_upload(contract=sow, actor=manager, title="Signed agreement", uploaded_file=pdf())
    second = document_upload(
        contract=sow, actor=manager, title="signed  AGREEMENT", uploaded_file=pdf("v2.pdf"), note="Clause 9"
    )
    other = document_upload(contract=sow, actor=manager, title="Security schedule", uploaded_file=pdf())
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert second.title == "Signed agreement"
    assert second.file.name.startswith("contract-documents/") and "v2" not in second.file.name
    assert second.original_name == "v2.pdf" and not second.shared_with_vendor
    assert AuditEvent.objects.filter(action="contracts.contractdocument.created").count() == 3


def test_only_checked_files_of_accepted_types(sow, manager, settings):
    with pytest.raises(ValidationError) as error:
        document_upload(
            contract=sow,
            actor=manager,
            title="Price list",
            uploaded_file=SimpleUploadedFile("prices.csv", b"a,b\n1,2\n"),
        )
    assert "not accepted" in str(error.value.message_dict["file"])
    with pytest.raises(ValidationError) as error:
        document_upload(
            contract=sow, actor=manager, title="Fake", uploaded_file=SimpleUploadedFile("x.pdf", b"GIF89a")
        )
    assert "file" in error.value.message_dict
    settings.UPLOAD_MAX_BYTES = 8
    with pytest.raises(ValidationError):
        document_upload(contract=sow, actor=manager, title="Big", uploaded_file=pdf())
    with pytest.raises(ValidationError) as error:
        document_upload(contract=sow, actor=manager, title="  ", uploaded_file=pdf())
    assert not ContractDocument.objects.exists()


def test_vendor_users_and_viewers_cannot_upload(sow, vendor_a_user, viewer):
    for user in (vendor_a_user, viewer):
        with pytest.raises(PermissionDenied):
            document_upload(contract=sow, actor=user, title="Mine", uploaded_file=pdf())


def test_vendor_sees_only_shared_documents_of_its_own_vendor(
    client_for, sow, manager, vendor_a_user, vendor_b_user
):
    shared = ContractDocumentFactory(contract=sow, title="Signed agreement", shared_with_vendor=True)
    internal = ContractDocumentFactory(
        contract=sow, title="Negotiation notes", shared_with_vendor=False, original_name="notes.pdf"
    )
    vendor = client_for(vendor_a_user)
    page = vendor.get(reverse("contracts:detail", args=[sow.pk])).content.decode()
    assert "Signed agreement" in page and "Negotiation notes" not in page
    assert vendor.get(reverse("contracts:document", args=[shared.pk])).status_code == 200
    assert vendor.get(reverse("contracts:document", args=[internal.pk])).status_code == 404
    stranger = client_for(vendor_b_user)
    assert stranger.get(reverse("contracts:document", args=[shared.pk])).status_code == 404
    staff = client_for(manager)
    page = staff.get(reverse("contracts:detail", args=[sow.pk])).content.decode()
    assert "Negotiation notes" in page and "Upload a document" in page
    response = staff.get(reverse("contracts:document", args=[internal.pk]))
    assert response.status_code == 200
    assert (
        response["Content-Disposition"].startswith("attachment")
        and "notes.pdf" in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_sharing_a_version_is_audited(client_for, sow, manager, vendor_a_user):
    document = ContractDocumentFactory(contract=sow, shared_with_vendor=False)
    response = client_for(manager).post(
        reverse("contracts:document_share", args=[document.pk]), {"shared": "1"}
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.shared_with_vendor
    assert AuditEvent.objects.filter(
        action="contracts.contractdocument.updated", changes__shared_with_vendor=[False, True]
    ).exists()
    with pytest.raises(PermissionDenied):
        document_set_shared(document=document, actor=vendor_a_user, shared=False)


def test_upload_page_and_version_history(client_for, sow, manager, vendor_a_user):
    staff = client_for(manager)
    url = reverse("contracts:document_upload", args=[sow.pk])
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"title": "", "file": pdf()})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = staff.post(url, {"title": "Signed agreement", "file": pdf(), "shared_with_vendor": "on"})
    assert response.status_code == 302
    staff.post(url, {"title": "Signed agreement", "file": pdf("amended.pdf"), "note": "Amendment 1"})
    page = staff.get(reverse("contracts:detail", args=[sow.pk])).content.decode()
    assert "v2" in page and "v1" in page and "Amendment 1" in page
    vendor_page = client_for(vendor_a_user).get(reverse("contracts:detail", args=[sow.pk])).content.decode()
    assert "v1" in vendor_page and "amended.pdf" not in vendor_page
    assert client_for(vendor_a_user).get(url).status_code == 403
