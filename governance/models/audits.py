"""Audits of a vendor and their findings: severity, owner, due date, evidence, verification."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from vendors.models import Vendor

from .structure import Side


class AuditStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Audit(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="audits")
    title = models.CharField(max_length=200)
    scope = models.TextField(blank=True)
    planned_start = models.DateField()
    planned_end = models.DateField()
    status = models.CharField(max_length=15, choices=AuditStatus.choices, default=AuditStatus.PLANNED)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "vendor"

    class Meta:
        ordering = ["-planned_start", "vendor"]
        constraints = [
            models.CheckConstraint(
                name="audit_dates_order", condition=models.Q(planned_end__gte=models.F("planned_start"))
            ),
        ]

    def __str__(self):
        return self.title


class FindingSeverity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    REMEDIATED = "remediated", "Remediation reported"
    VERIFIED = "verified", "Verified and closed"


class Finding(models.Model):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(max_length=200)
    description = models.TextField()
    severity = models.CharField(max_length=10, choices=FindingSeverity.choices)
    owner_side = models.CharField(max_length=10, choices=Side.choices, default=Side.VENDOR)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=15, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    remediation = models.TextField(blank=True, help_text="What was done, reported by the owner.")
    remediated_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(blank=True)
    internal_notes = models.TextField(blank=True, help_text="Never shown to the vendor.")
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "audit__vendor"
    policy_vendor_actions = frozenset({"respond", "submit"})  # remediation, evidence
    policy_internal_fields = ("internal_notes",)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != FindingStatus.VERIFIED


def finding_evidence_path(instance, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"findings/{instance.finding.audit.vendor_id}/{uuid.uuid4().hex}{suffix}"


class FindingEvidence(models.Model):
    """A file backing a finding's remediation; served only through an access-checked view."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=finding_evidence_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "finding__audit__vendor"
    policy_vendor_actions = frozenset({"submit"})

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name
