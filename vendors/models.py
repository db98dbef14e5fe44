"""Vendors (the outsourcing partners) and their named contacts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


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
    vat_number = models.CharField("VAT no.", max_length=40, blank=True)
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    policy_vendor_path = "pk"
    policy_internal_fields = ("internal_notes", "internal_owner")

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

    policy_vendor_path = "vendor"
    policy_internal_fields = ("notes",)

    class Meta:
        ordering = ["vendor", "-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor"], condition=Q(is_primary=True), name="vendorcontact_one_primary_per_vendor"
            ),
            models.UniqueConstraint(
                fields=["vendor", "email"],
                condition=~Q(email=""),
                name="vendorcontact_unique_email_per_vendor",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.vendor})"
