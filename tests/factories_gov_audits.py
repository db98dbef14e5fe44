"""Factories for audits and their findings (a vendor-owned finding due at the end of April 2026)."""

import datetime as dt

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from governance.models import Audit, Finding, FindingEvidence, FindingSeverity, Side
from tests.factories import INTERNAL_MARK, VendorFactory


class AuditFactory(DjangoModelFactory):
    class Meta:
        model = Audit

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Security audit {n}")
    scope = "Access management and backups."
    planned_start = dt.date(2026, 3, 1)
    planned_end = dt.date(2026, 3, 20)


class FindingFactory(DjangoModelFactory):
    class Meta:
        model = Finding

    audit = factory.SubFactory(AuditFactory)
    title = factory.Sequence(lambda n: f"Finding {n}")
    description = "Leavers keep their VPN accounts for weeks."
    severity = FindingSeverity.HIGH
    owner_side = Side.VENDOR
    owner = None
    due_on = dt.date(2026, 4, 30)
    internal_notes = f"{INTERNAL_MARK}: contract penalty possible."


class FindingEvidenceFactory(DjangoModelFactory):
    class Meta:
        model = FindingEvidence

    finding = factory.SubFactory(FindingFactory)
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4\n%%EOF\n", name="evidence.pdf"))
    original_name = "leaver-report.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64


def sweep_audit(side) -> Audit:
    """The isolation sweep's audit of one vendor (one per vendor, reused between runs)."""
    return Audit.objects.filter(vendor=side.vendor).order_by("pk").first() or AuditFactory(vendor=side.vendor)


def sweep_finding(side) -> Finding:
    """An open vendor-owned finding of the sweep's audit, so the vendor's remediation form shows."""
    audit = sweep_audit(side)
    return audit.findings.order_by("pk").first() or FindingFactory(audit=audit)


def sweep_finding_evidence(side) -> FindingEvidence:
    finding = sweep_finding(side)
    return finding.evidence.order_by("pk").first() or FindingEvidenceFactory(finding=finding)
