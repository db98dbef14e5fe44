"""Periodic performance reviews: self-assessment, assessment, meeting, sign-off by both sides."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from vendors.models import Vendor, VendorTier

from .meetings import Meeting
from .structure import Side


class ReviewCadence(models.Model):
    """How often vendors of a tier are reviewed (e.g. critical quarterly, others yearly)."""

    tier = models.CharField(max_length=20, choices=VendorTier.choices, unique=True)
    months = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(24)])
    lead_days = models.PositiveSmallIntegerField(
        default=30, help_text="The review is opened this many days before its period ends."
    )

    class Meta:
        ordering = ["tier"]

    def __str__(self):
        return f"{self.get_tier_display()}: every {self.months} months"


DEFAULT_REVIEW_MONTHS = {
    VendorTier.CRITICAL: 3,
    VendorTier.HIGH: 6,
    VendorTier.MEDIUM: 12,
    VendorTier.LOW: 12,
}


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SELF_ASSESSMENT = "self_assessment", "Waiting for the vendor's self-assessment"
    ASSESSMENT = "assessment", "Waiting for the manager's assessment"
    MEETING = "meeting", "Review meeting"
    SIGN_OFF = "sign_off", "Waiting for sign-off"
    LOCKED = "locked", "Signed and locked"


class Review(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="reviews")
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField(help_text="Date by which the review should be signed.")
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    self_assessment = models.TextField(blank=True)
    self_assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    self_assessed_at = models.DateTimeField(null=True, blank=True)
    assessment = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    meeting_notes = models.TextField(blank=True)
    internal_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    internal_signed_at = models.DateTimeField(null=True, blank=True)
    vendor_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vendor_signed_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"submit", "respond"})  # self-assessment, sign-off

    class Meta:
        ordering = ["-period_end", "vendor"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "period_start"], name="review_one_per_period"),
            models.CheckConstraint(
                name="review_period_order", condition=Q(period_end__gte=models.F("period_start"))
            ),
        ]

    def __str__(self):
        return f"{self.vendor} review {self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"

    @property
    def is_locked(self) -> bool:
        return self.status == ReviewStatus.LOCKED


class ReviewScore(models.Model):
    """A score per scorecard category, from one side (the vendor's self-assessment or the manager)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    category = models.CharField(max_length=20)  # kpis.MetricCategory values
    side = models.CharField(max_length=10, choices=Side.choices)
    score = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    comment = models.TextField(blank=True)

    policy_vendor_path = "review__vendor"

    class Meta:
        ordering = ["review", "side", "category"]
        constraints = [
            models.UniqueConstraint(fields=["review", "category", "side"], name="reviewscore_unique"),
            models.CheckConstraint(name="reviewscore_range", condition=Q(score__gte=0) & Q(score__lte=100)),
        ]

    def __str__(self):
        return f"{self.review}: {self.category} {self.score} ({self.side})"
