"""Vendors (the outsourcing partners) and their named contacts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from . import identifiers


class VendorStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    EXITING = "exiting", "Exiting"
    EXITED = "exited", "Exited"


class VendorTier(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


TIER_ORDER = {VendorTier.CRITICAL: 0, VendorTier.HIGH: 1, VendorTier.MEDIUM: 2, VendorTier.LOW: 3}


class ServiceCategory(models.Model):
    """A kind of service a vendor provides (application support, service desk, ...)."""

    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "service categories"

    def __str__(self):
        return self.name


class Vendor(models.Model):
    name = models.CharField(max_length=150, unique=True)
    legal_name = models.CharField(max_length=200, blank=True)
    registration_number = models.CharField("company registration no.", max_length=60, blank=True)
    vat_number = models.CharField("VAT no.", max_length=40, blank=True, validators=[identifiers.validate_vat])
    lei = models.CharField("LEI", max_length=20, blank=True, validators=[identifiers.validate_lei])
    duns = models.CharField("D-U-N-S no.", max_length=9, blank=True, validators=[identifiers.validate_duns])
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name="parent company",
    )
    address = models.TextField(blank=True)
    website = models.URLField(blank=True)
    status = models.CharField(max_length=20, choices=VendorStatus.choices, default=VendorStatus.PROSPECT)
    tier = models.CharField(max_length=20, choices=VendorTier.choices, default=VendorTier.MEDIUM)
    service_categories = models.ManyToManyField(ServiceCategory, blank=True, related_name="vendors")
    internal_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_vendors",
        limit_choices_to={"vendor__isnull": True},
    )
    description = models.TextField(blank=True)
    internal_notes = models.TextField(blank=True, help_text="Never shown to the vendor.")
    exit_on = models.DateField("exit date", null=True, blank=True)
    exit_plan = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    policy_vendor_path = "pk"
    policy_internal_fields = ("internal_notes", "internal_owner", "exit_plan", "parent")

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "tier"], name="vendor_status_tier_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("vendors:detail", args=[self.pk])


class ContactSide(models.TextChoices):
    VENDOR = "vendor", "Vendor"
    INTERNAL = "internal", "Internal"


class VendorContact(models.Model):
    """A named person at the vendor (account manager, service delivery manager, ...)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)
    is_escalation_contact = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    retired_on = models.DateField(null=True, blank=True, help_text="No longer a contact since this day.")

    policy_vendor_path = "vendor"
    policy_internal_fields = ("notes",)

    class Meta:
        ordering = ["vendor", "-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor"],
                condition=Q(is_primary=True),
                name="vendorcontact_one_primary_per_vendor",
                violation_error_message="The vendor has a primary contact already.",
            ),
            models.CheckConstraint(
                name="vendorcontact_retired_not_primary",
                condition=Q(retired_on__isnull=True) | Q(is_primary=False),
                violation_error_message="A retired contact cannot be the primary contact.",
            ),
            models.UniqueConstraint(
                fields=["vendor", "email"],
                condition=~Q(email=""),
                name="vendorcontact_unique_email_per_vendor",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.vendor})"

    @property
    def is_retired(self) -> bool:
        return self.retired_on is not None


# The moves the lifecycle allows: forward one step, a prospect or onboarding vendor dropped, an exit
# called off.
LIFECYCLE_MOVES = {
    VendorStatus.PROSPECT: (VendorStatus.ONBOARDING, VendorStatus.EXITED),
    VendorStatus.ONBOARDING: (VendorStatus.ACTIVE, VendorStatus.PROSPECT, VendorStatus.EXITED),
    VendorStatus.ACTIVE: (VendorStatus.EXITING,),
    VendorStatus.EXITING: (VendorStatus.EXITED, VendorStatus.ACTIVE),
    VendorStatus.EXITED: (VendorStatus.PROSPECT,),
}


class VendorStatusChange(models.Model):
    """One move of a vendor along its lifecycle, with why, from when, and any checklist override."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=VendorStatus.choices)
    to_status = models.CharField(max_length=20, choices=VendorStatus.choices)
    reason = models.TextField()
    effective_on = models.DateField()
    open_items = models.JSONField(
        default=list, blank=True, help_text="Required onboarding items still open when the move was made."
    )
    override_reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    policy_vendor_path = "vendor"
    policy_internal_fields = ("reason", "open_items", "override_reason")

    class Meta:
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="vendorstatuschange_moves",
                condition=~Q(from_status=models.F("to_status")),
                violation_error_message="A move needs a new status.",
            ),
        ]

    def __str__(self):
        return f"{self.vendor}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class OnboardingCheck(models.TextChoices):
    """What the onboarding checklist looks for; each is computed from the portal's own data."""

    CONTRACT_SIGNED = "contract_signed", "Contract signed"
    SERVICE_LEVELS_AGREED = "service_levels_agreed", "Service levels agreed"
    ESCALATION_PATH_SET = "escalation_path_set", "Escalation path set"
    RACI_COMPLETE = "raci_complete", "RACI complete"
    VENDOR_ADMIN_INVITED = "vendor_admin_invited", "Vendor administrator invited"


class OnboardingRequirement(models.Model):
    """Whether an item of the onboarding checklist blocks activation, per tier (the editable defaults)."""

    tier = models.CharField(max_length=20, choices=VendorTier.choices)
    item = models.CharField(max_length=40, choices=OnboardingCheck.choices)
    is_required = models.BooleanField(default=True)

    class Meta:
        ordering = ["tier", "item"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "item"], name="onboardingrequirement_one_per_tier"),
        ]

    def __str__(self):
        return f"{self.get_tier_display()}: {self.get_item_display()}"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ChangeRequestKind(models.TextChoices):
    DETAILS = "details", "Company details"
    CONTACT = "contact", "Contact"


class VendorChangeRequest(models.Model):
    """A vendor administrator's proposed change to its own master record, decided by a manager.

    ``proposed`` holds the new values by field name; ``current`` the values when it was proposed, so
    both sides read the change as old → new. A contact change names the contact (none: a new one).
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="change_requests")
    kind = models.CharField(max_length=20, choices=ChangeRequestKind.choices)
    contact = models.ForeignKey(
        VendorContact, on_delete=models.CASCADE, null=True, blank=True, related_name="change_requests"
    )
    proposed = models.JSONField(default=dict)
    current = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"submit"})

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="vendorchangerequest_rejection_has_reason",
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                violation_error_message="Say why the change is rejected.",
            ),
            models.CheckConstraint(
                name="vendorchangerequest_contact_kind",
                condition=Q(contact__isnull=True) | Q(kind="contact"),
                violation_error_message="Only a contact change names a contact.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} change for {self.vendor}"

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeRequestStatus.PENDING
