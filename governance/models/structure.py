"""Governance structure of a relationship: RACI role assignments and escalation paths."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from contracts.models import Contract
from vendors.models import Vendor, VendorContact, VendorTier


class Raci(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class Side(models.TextChoices):
    INTERNAL = "internal", "Internal"
    VENDOR = "vendor", "Vendor"


class RoleAssignment(models.Model):
    """Who holds which role, with which RACI letter, for one governance area of a relationship."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="role_assignments")
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments"
    )
    area = models.CharField(max_length=100, help_text="e.g. Service delivery, Security, Commercial")
    role_title = models.CharField(max_length=100, help_text="e.g. Service delivery manager")
    side = models.CharField(max_length=10, choices=Side.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    contact = models.ForeignKey(
        VendorContact, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments"
    )
    raci = models.CharField("RACI", max_length=1, choices=Raci.choices)

    policy_vendor_path = "vendor"

    class Meta:
        ordering = ["vendor", "area", "raci", "role_title"]
        constraints = [
            models.CheckConstraint(
                name="roleassignment_person_or_contact",
                condition=Q(person__isnull=False, contact__isnull=True)
                | Q(person__isnull=True, contact__isnull=False),
                violation_error_message="Name either a portal user or a vendor contact, not both.",
            ),
            models.CheckConstraint(
                name="roleassignment_contact_is_vendor_side",
                condition=Q(contact__isnull=True) | Q(side="vendor"),
                violation_error_message="A vendor contact can only hold a vendor-side role.",
            ),
            models.UniqueConstraint(
                fields=["vendor", "area", "role_title", "person"],
                condition=Q(person__isnull=False),
                name="roleassignment_unique_person_role",
            ),
            models.UniqueConstraint(
                fields=["vendor", "area", "role_title", "contact"],
                condition=Q(contact__isnull=False),
                name="roleassignment_unique_contact_role",
            ),
        ]

    def __str__(self):
        return f"{self.area}: {self.role_title} ({self.raci})"

    def clean(self):
        if self.contract_id and self.contract.vendor_id != self.vendor_id:
            raise ValidationError({"contract": "The contract belongs to another vendor."})
        if self.contact_id and self.contact.vendor_id != self.vendor_id:
            raise ValidationError({"contact": "The contact belongs to another vendor."})
        if self.person_id:
            person_vendor = self.person.vendor_id
            if self.side == Side.INTERNAL and person_vendor is not None:
                raise ValidationError({"person": "An internal role needs an internal user."})
            if self.side == Side.VENDOR and person_vendor != self.vendor_id:
                raise ValidationError({"person": "A vendor-side role needs a user of this vendor."})

    @property
    def holder_name(self) -> str:
        return str(self.person or self.contact)


class EscalationPath(models.Model):
    """Ordered escalation levels for a contract, a vendor, or (as default) a vendor tier.

    The most specific path applies: the contract's, then the vendor's, then the tier's.
    """

    name = models.CharField(max_length=120)
    contract = models.OneToOneField(
        Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="escalation_path"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="escalation_paths"
    )
    tier = models.CharField(max_length=20, choices=VendorTier.choices, blank=True)

    policy_vendor_path = "vendor"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="escalationpath_one_scope",
                condition=(
                    Q(contract__isnull=False, vendor__isnull=False, tier="")
                    | Q(contract__isnull=True, vendor__isnull=False, tier="")
                    | (Q(contract__isnull=True, vendor__isnull=True) & ~Q(tier=""))
                ),
                violation_error_message="A path belongs to a contract (and its vendor), a vendor, or a tier.",
            ),
            models.UniqueConstraint(
                fields=["vendor"],
                condition=Q(contract__isnull=True, vendor__isnull=False),
                name="escalationpath_one_per_vendor",
            ),
            models.UniqueConstraint(
                fields=["tier"], condition=Q(vendor__isnull=True), name="escalationpath_one_per_tier"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.contract_id and self.contract.vendor_id != self.vendor_id:
            raise ValidationError({"vendor": "A contract's path belongs to the contract's vendor."})


class EscalationLevel(models.Model):
    """One step of an escalation path: who on each side, and after how long it escalates further."""

    path = models.ForeignKey(EscalationPath, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    name = models.CharField(max_length=100, help_text="e.g. Operational, Management, Executive")
    internal_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"vendor__isnull": True},
    )
    internal_role = models.CharField(max_length=100, blank=True)
    vendor_contact = models.ForeignKey(
        VendorContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vendor_role = models.CharField(max_length=100, blank=True)
    time_limit_hours = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Escalates to the next level after this many hours."
    )

    policy_vendor_path = "path__vendor"

    class Meta:
        ordering = ["path", "level"]
        constraints = [
            models.UniqueConstraint(fields=["path", "level"], name="escalationlevel_unique_level"),
            models.CheckConstraint(name="escalationlevel_level_positive", condition=Q(level__gte=1)),
            models.CheckConstraint(
                name="escalationlevel_time_positive", condition=Q(time_limit_hours__gte=1)
            ),
        ]

    def __str__(self):
        return f"{self.path} — level {self.level}: {self.name}"


class ProgressUpdate(models.Model):
    """The vendor's periodic status report: its own RAG view, what happened, risks, requests."""

    class Rag(models.TextChoices):
        GREEN = "green", "Green"
        AMBER = "amber", "Amber"
        RED = "red", "Red"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="progress_updates")
    period_start = models.DateField(help_text="First day of the month the update covers.")
    rag = models.CharField("overall status", max_length=5, choices=Rag.choices)
    summary = models.TextField()
    risks = models.TextField(blank=True)
    requests = models.TextField("requests to the client", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"submit"})

    class Meta:
        ordering = ["-period_start", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "period_start"], name="progressupdate_one_per_month"),
        ]

    def __str__(self):
        return f"{self.vendor} {self.period_start:%Y-%m} ({self.rag})"
