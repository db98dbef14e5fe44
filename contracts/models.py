"""Contracts (MSA → SOW → order), their deliverables and milestones, documents, renewal decisions and
the ledger of notice reminders."""

import datetime
import uuid
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from vendors.models import Vendor


class ContractType(models.TextChoices):
    MSA = "msa", "Master services agreement"
    SOW = "sow", "Statement of work"
    ORDER = "order", "Order"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


class RenewalType(models.TextChoices):
    NONE = "none", "No renewal"
    TACIT = "tacit", "Tacit (automatic)"
    EXPRESS = "express", "Express (by agreement)"


class NoticeUnit(models.TextChoices):
    DAYS = "days", "Days"
    MONTHS = "months", "Months"


class NoticeAlignment(models.TextChoices):
    NONE = "none", "Any day"
    MONTH_END = "month_end", "To the end of a month"
    QUARTER_END = "quarter_end", "To the end of a quarter"


# Contract dates the portal can reckon with: renewals, notice deadlines and periods stay within the
# calendar (a term ending in 9999 has no "day after").
CONTRACT_DATE_RANGE = [
    MinValueValidator(datetime.date(1900, 1, 1), "Enter a date from 1900 on."),
    MaxValueValidator(datetime.date(2199, 12, 31), "Enter a date before 2200."),
]


class Contract(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    contract_type = models.CharField(max_length=10, choices=ContractType.choices, default=ContractType.SOW)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    status = models.CharField(max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_contracts",
        limit_choices_to={"vendor__isnull": True},
    )
    currency = models.CharField(max_length=3, default="EUR")
    total_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    monthly_charge = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Periodic charge that credits are based on.",
    )
    at_risk_percent = models.DecimalField(
        "at-risk amount (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Most the vendor can lose in service credits in one period, as % of the periodic charge.",
    )
    late_figures_clear_unreported = models.BooleanField(
        "late figures clear a 'not reported' breach",
        default=False,
        db_default=False,
        help_text="Off: a period not reported by its deadline stays a reporting failure (marked reported "
        "late) and its credit stands; the late figures are still tested against the target.",
    )
    start_date = models.DateField(validators=CONTRACT_DATE_RANGE)
    initial_term_end = models.DateField(validators=CONTRACT_DATE_RANGE)
    renewal_type = models.CharField(max_length=10, choices=RenewalType.choices, default=RenewalType.NONE)
    renewal_term_months = models.PositiveSmallIntegerField(default=12, validators=[MaxValueValidator(120)])
    notice_period_unit = models.CharField(
        "notice period in", max_length=6, choices=NoticeUnit.choices, default=NoticeUnit.DAYS
    )
    notice_period_days = models.PositiveSmallIntegerField(
        default=90, validators=[MaxValueValidator(1830)], help_text="When notice is in days."
    )
    notice_period_months = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(60)], help_text="When notice is in months."
    )
    notice_alignment = models.CharField(
        "notice runs",
        max_length=12,
        choices=NoticeAlignment.choices,
        default=NoticeAlignment.NONE,
        help_text="“To the end of a quarter”: notice can only take effect at a month's or quarter's end.",
    )
    scope_of_work = models.TextField(blank=True)
    internal_notes = models.TextField(blank=True, help_text="Never shown to the vendor.")
    reminders_snoozed_until = models.DateField(
        null=True, blank=True, help_text="No notice reminders go out until after this day."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    policy_vendor_path = "vendor"
    policy_internal_fields = ("internal_notes", "total_value", "monthly_charge", "reminders_snoozed_until")

    class Meta:
        ordering = ["vendor__name", "reference"]
        constraints = [
            models.CheckConstraint(
                name="contract_term_ends_after_start",
                condition=Q(initial_term_end__gte=F("start_date")),
                violation_error_message="The initial term must end on or after the start date.",
            ),
            models.CheckConstraint(
                name="contract_msa_has_no_parent",
                condition=~Q(contract_type="msa") | Q(parent__isnull=True),
                violation_error_message="A master services agreement cannot have a parent contract.",
            ),
            models.CheckConstraint(
                name="contract_order_has_parent",
                condition=~Q(contract_type="order") | Q(parent__isnull=False),
                violation_error_message="An order must sit under an MSA or SOW.",
            ),
            models.CheckConstraint(
                name="contract_at_risk_percent_range",
                condition=Q(at_risk_percent__gte=0, at_risk_percent__lte=100),
            ),
            models.CheckConstraint(name="contract_charges_not_negative", condition=Q(monthly_charge__gte=0)),
        ]
        indexes = [models.Index(fields=["vendor", "status"], name="contract_vendor_status_idx")]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("contracts:detail", args=[self.pk])

    @property
    def notice_period_text(self) -> str:
        """The notice period as the contract words it: "90 days", "3 months to the end of a quarter"."""
        if self.notice_period_unit == NoticeUnit.MONTHS:
            n, unit = self.notice_period_months, "month"
        else:
            n, unit = self.notice_period_days, "day"
        text = f"{n} {unit}{'' if n == 1 else 's'}"
        if self.notice_alignment != NoticeAlignment.NONE:
            text += " " + self.get_notice_alignment_display().lower()
        return text

    def clean(self):
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "A contract cannot be its own parent."})
            if self.parent.vendor_id != self.vendor_id:
                raise ValidationError({"parent": "The parent contract belongs to another vendor."})
            if self.parent.contract_type == ContractType.ORDER:
                raise ValidationError({"parent": "An order cannot have child contracts."})
            if self.pk and self._parent_chain_reaches_self():
                raise ValidationError({"parent": "The parent contract sits under this one; that is a loop."})

    def _parent_chain_reaches_self(self) -> bool:
        # Two levels above at most (order → SOW → MSA), so the walk is short.
        seen, current = set(), self.parent
        while current is not None and current.pk not in seen:
            if current.pk == self.pk:
                return True
            seen.add(current.pk)
            current = current.parent
        return False


class ContractStatusChange(models.Model):
    """One move of a contract's status, with the reason; the history shown on the contract page.

    ``changed_by`` is empty when the schedule expired a contract whose term had ended."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ContractStatus.choices)
    to_status = models.CharField(max_length=20, choices=ContractStatus.choices)
    reason = models.TextField()
    effective_on = models.DateField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "contract__vendor"

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="contractstatuschange_moves", condition=~Q(from_status=F("to_status"))
            ),
        ]

    def __str__(self):
        return f"{self.contract_id}: {self.from_status} → {self.to_status}"


class DeliverableKind(models.TextChoices):
    DELIVERABLE = "deliverable", "Deliverable"
    MILESTONE = "milestone", "Milestone"


class DeliverableStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DELIVERED = "delivered", "Delivered, awaiting acceptance"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Deliverable(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="deliverables")
    kind = models.CharField(
        max_length=12, choices=DeliverableKind.choices, default=DeliverableKind.DELIVERABLE
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=DeliverableStatus.choices, default=DeliverableStatus.PLANNED
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    first_delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="The first delivery, which on-time delivery is judged by."
    )
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivery_note = models.TextField(blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliverables_to_approve",
        limit_choices_to={"vendor__isnull": True},
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_count = models.PositiveSmallIntegerField(default=0)
    overdue_flagged_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it was first found past its due date and undelivered.",
    )

    policy_vendor_path = "contract__vendor"
    policy_vendor_actions = frozenset({"submit"})

    class Meta:
        ordering = ["due_date", "title"]
        constraints = [
            models.CheckConstraint(
                name="deliverable_accepted_has_acceptor",
                condition=~Q(status="accepted") | Q(accepted_by__isnull=False, accepted_at__isnull=False),
                violation_error_message="An accepted deliverable records who accepted it and when.",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="deliverable_status_due_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("contracts:deliverable_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Still waiting for the vendor: not delivered yet, or rejected and to be delivered again."""
        return self.status in (DeliverableStatus.PLANNED, DeliverableStatus.REJECTED)


def _stored_name(folder: str, filename: str) -> str:
    """A generated storage name; the original name is kept only in the database."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def deliverable_evidence_path(instance, filename: str) -> str:
    return _stored_name("deliverables", filename)


def contract_document_path(instance, filename: str) -> str:
    return _stored_name("contract-documents", filename)


class StoredFile(models.Model):
    """A checked upload: stored under a generated name, served only through an access-checked view."""

    file = models.FileField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


class DeliverableEvidence(StoredFile):
    """A file the vendor handed over when marking a deliverable delivered (one or more per delivery)."""

    file = models.FileField(upload_to=deliverable_evidence_path, max_length=200)
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="evidence")
    delivery_number = models.PositiveSmallIntegerField(
        default=1, help_text="1 for the first delivery, 2 for the delivery after a rejection, …"
    )

    policy_vendor_path = "deliverable__contract__vendor"
    policy_vendor_actions = frozenset({"submit"})

    class Meta:
        ordering = ["-uploaded_at", "-id"]


class ContractDocument(StoredFile):
    """One version of a contract document (the signed agreement, a schedule, an amendment …).

    Versions of one document share its title; the vendor sees only versions shared with it.
    """

    file = models.FileField(upload_to=contract_document_path, max_length=200)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    version = models.PositiveSmallIntegerField(default=1)
    changes = models.CharField("what changed", max_length=500, blank=True)
    shared_with_vendor = models.BooleanField(default=False)

    policy_vendor_path = "contract__vendor"

    class Meta:
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "title", "version"], name="contractdocument_unique_version"
            ),
            models.CheckConstraint(name="contractdocument_version_positive", condition=Q(version__gte=1)),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @classmethod
    def policy_vendor_q(cls, user):
        return Q(shared_with_vendor=True)


class RenewalChoice(models.TextChoices):
    RENEW = "renew", "Renew"
    RENEGOTIATE = "renegotiate", "Renegotiate"
    TERMINATE = "terminate", "Terminate (give notice)"


class RenewalDecision(models.Model):
    """What the organisation decided about a contract's term before its notice deadline.

    One per contract and term; it stops the notice reminders for that term. Internal only.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="renewal_decisions")
    term_number = models.PositiveSmallIntegerField()
    term_end = models.DateField()
    notice_deadline = models.DateField()
    decision = models.CharField(max_length=12, choices=RenewalChoice.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-term_end"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "term_end"], name="renewaldecision_one_per_term"),
        ]

    def __str__(self):
        return f"{self.contract.reference}: {self.get_decision_display()} (term ending {self.term_end})"


class ReminderStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped (a later stage was due)"
    FAILED = "failed", "Failed (retried on the next run)"


class NoticeReminder(models.Model):
    """The ledger of notice reminders: one row per contract, term and stage, so each goes out once.

    ``stage`` is the number of days before the notice deadline ("90", "60" …) or "escalation".
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="notice_reminders")
    term_end = models.DateField()
    notice_deadline = models.DateField()
    stage = models.CharField(max_length=12)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=ReminderStatus.choices)
    recipients = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["contract", "term_end", "due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "term_end", "stage"], name="noticereminder_once_per_stage"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="noticereminder_status_idx")]

    def __str__(self):
        return f"{self.contract_id} {self.term_end} {self.stage}: {self.status}"
