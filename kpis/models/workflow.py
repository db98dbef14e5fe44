"""Conversation around the figures: breach threads, disputes, evidence files and upload batches."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .catalogue import Measurement
from .results import Breach


class BreachNoteKind(models.TextChoices):
    COMMENT = "comment", "Comment"
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledged"
    RESPONSE = "response", "Response (root cause and corrective action)"
    MORE_INFO_REQUESTED = "more_info", "More information requested"
    RESPONSE_ACCEPTED = "accepted", "Response accepted"
    WAIVED = "waived", "Waived"
    CLOSED = "closed", "Closed"
    DISPUTE = "dispute", "Dispute raised"
    DISPUTE_RESOLVED = "dispute_resolved", "Dispute resolved"


class BreachNote(models.Model):
    """One entry of a breach's thread, which both sides see (the audit trail keeps the changes)."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=BreachNoteKind.choices, default=BreachNoteKind.COMMENT)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "breach__service_level__contract__vendor"
    policy_vendor_actions = frozenset({"respond"})

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on breach {self.breach_id}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld (vendor was right)"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Dispute(models.Model):
    """A vendor's challenge of a figure or of a breach, resolved by a manager."""

    measurement = models.ForeignKey(
        Measurement, on_delete=models.CASCADE, null=True, blank=True, related_name="disputes"
    )
    breach = models.ForeignKey(
        Breach, on_delete=models.CASCADE, null=True, blank=True, related_name="disputes"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="disputes")

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"respond"})

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                name="dispute_about_one_thing",
                condition=Q(measurement__isnull=False, breach__isnull=True)
                | Q(measurement__isnull=True, breach__isnull=False),
                violation_error_message="A dispute concerns either a figure or a breach.",
            ),
            models.UniqueConstraint(
                fields=["measurement"], condition=Q(status="open"), name="dispute_one_open_per_measurement"
            ),
            models.UniqueConstraint(
                fields=["breach"], condition=Q(status="open"), name="dispute_one_open_per_breach"
            ),
        ]

    def __str__(self):
        return f"Dispute {self.pk} ({self.get_status_display()})"


def evidence_path(instance, filename: str) -> str:
    """Stored under a generated name; the original name is kept only in the database."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class EvidenceFile(models.Model):
    """A file backing a figure or a breach response; served only through an access-checked view."""

    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="evidence_files")
    measurement = models.ForeignKey(
        Measurement, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    breach = models.ForeignKey(
        Breach, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"submit", "respond"})

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name


class UploadStatus(models.TextChoices):
    VALIDATED = "validated", "Checked, waiting for confirmation"
    REJECTED = "rejected", "Rejected (errors)"
    CONFIRMED = "confirmed", "Confirmed and saved"


class MeasurementUpload(models.Model):
    """A CSV or XLSX file of figures: checked row by row, previewed, then confirmed all at once."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="measurement_uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=UploadStatus.choices)
    rows = models.JSONField(
        default=list, blank=True, help_text="The parsed, valid rows awaiting confirmation."
    )
    errors = models.JSONField(
        default=list, blank=True, help_text="[{row, column, message}] for a rejected file."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"submit"})

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"
