"""Contracts (MSA → SOW → order), their deliverables and milestones."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

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
    start_date = models.DateField()
    initial_term_end = models.DateField()
    renewal_type = models.CharField(max_length=10, choices=RenewalType.choices, default=RenewalType.NONE)
    renewal_term_months = models.PositiveSmallIntegerField(default=12)
    notice_period_days = models.PositiveSmallIntegerField(default=90)
    scope_of_work = models.TextField(blank=True)
    internal_notes = models.TextField(blank=True, help_text="Never shown to the vendor.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    policy_vendor_path = "vendor"
    policy_internal_fields = ("internal_notes", "total_value", "monthly_charge")

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

    def clean(self):
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "A contract cannot be its own parent."})
            if self.parent.vendor_id != self.vendor_id:
                raise ValidationError({"parent": "The parent contract belongs to another vendor."})
            if self.parent.contract_type == ContractType.ORDER:
                raise ValidationError({"parent": "An order cannot have child contracts."})


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

    policy_vendor_path = "contract__vendor"

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
