"""Factories for the contract lifecycle: documents, evidence, decisions and reminder ledger rows."""

import datetime as dt

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from factory.django import DjangoModelFactory

from contracts.models import (
    ContractDocument,
    DeliverableEvidence,
    NoticeReminder,
    ReminderStatus,
    RenewalChoice,
    RenewalDecision,
)
from tests import factories

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


class ContractDocumentFactory(DjangoModelFactory):
    class Meta:
        model = ContractDocument

    contract = factory.SubFactory(factories.SOWFactory)
    title = "Signed agreement"
    version = 1
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="document.pdf"))
    original_name = "agreement.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = "0" * 64
    shared_with_vendor = True


class DeliverableEvidenceFactory(DjangoModelFactory):
    class Meta:
        model = DeliverableEvidence

    deliverable = factory.SubFactory(factories.DeliverableFactory)
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="deliverable.pdf"))
    original_name = "handover.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = "0" * 64


class RenewalDecisionFactory(DjangoModelFactory):
    class Meta:
        model = RenewalDecision

    contract = factory.SubFactory(factories.ContractFactory)
    term_number = 1
    term_end = factory.SelfAttribute("contract.initial_term_end")
    notice_deadline = factory.LazyAttribute(lambda o: o.term_end - dt.timedelta(days=90))
    decision = RenewalChoice.RENEW
    rationale = "Performance is good and prices are in line with the market."


class NoticeReminderFactory(DjangoModelFactory):
    class Meta:
        model = NoticeReminder

    contract = factory.SubFactory(factories.ContractFactory)
    term_end = factory.SelfAttribute("contract.initial_term_end")
    notice_deadline = factory.LazyAttribute(lambda o: o.term_end - dt.timedelta(days=90))
    stage = "90"
    due_on = factory.LazyAttribute(lambda o: o.notice_deadline - dt.timedelta(days=90))
    status = ReminderStatus.SENT


def _stored(name: str) -> str:
    """A real file in storage, so the owner's download works; one per name, reused between runs."""
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(PDF_BYTES))
    return name


def sweep_contract_document(side):
    """A document shared with the side's vendor (the isolation sweep's on-demand row)."""
    return ContractDocument.objects.get_or_create(
        contract=side.sow,
        title="Signed agreement",
        version=1,
        defaults={
            "file": _stored(f"contract-documents/isolation-sweep-{side.vendor.pk}.pdf"),
            "original_name": "agreement.pdf",
            "content_type": "application/pdf",
            "size": len(PDF_BYTES),
            "sha256": "0" * 64,
            "shared_with_vendor": True,
        },
    )[0]


def sweep_deliverable_evidence(side):
    return DeliverableEvidence.objects.get_or_create(
        deliverable=side.deliverable,
        defaults={
            "file": _stored(f"deliverables/isolation-sweep-{side.vendor.pk}.pdf"),
            "original_name": "handover.pdf",
            "content_type": "application/pdf",
            "size": len(PDF_BYTES),
            "sha256": "0" * 64,
        },
    )[0]
