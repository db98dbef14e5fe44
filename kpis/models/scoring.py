"""Scorecards: a weighted score per vendor per month, banded into RAG standings."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils import timezone

from vendors.models import Vendor

CATEGORY_WEIGHT_FIELDS = ("weight_quality", "weight_delivery", "weight_responsiveness", "weight_relationship")


class ScoringScheme(models.Model):
    """How results become a score: category weights (summing to 100) and standing bands.

    Within a category, results are weighted by their service level's weight. A met period
    scores 100 points, a warning ``warning_points``, a breached or unreported period 0.
    """

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    weight_quality = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(100)])
    weight_delivery = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(100)])
    weight_responsiveness = models.PositiveSmallIntegerField(default=25, validators=[MaxValueValidator(100)])
    weight_relationship = models.PositiveSmallIntegerField(default=15, validators=[MaxValueValidator(100)])
    warning_points = models.PositiveSmallIntegerField(default=50, validators=[MaxValueValidator(100)])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="scheme_one_active"
            ),
            models.CheckConstraint(
                name="scheme_weights_sum_100",
                condition=Exact(
                    F("weight_quality")
                    + F("weight_delivery")
                    + F("weight_responsiveness")
                    + F("weight_relationship"),
                    100,
                ),
                violation_error_message="Category weights must add up to 100.",
            ),
        ]

    def __str__(self):
        return self.name

    def category_weights(self) -> dict[str, int]:
        return {name.removeprefix("weight_"): getattr(self, name) for name in CATEGORY_WEIGHT_FIELDS}

    def clean(self):
        total = sum(self.category_weights().values())
        if total != 100:
            raise ValidationError(f"Category weights must add up to 100 (they add up to {total}).")


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class StandingBand(models.Model):
    """A score range [lower, upper) with its standing; the top band includes 100."""

    scheme = models.ForeignKey(ScoringScheme, on_delete=models.CASCADE, related_name="bands")
    name = models.CharField(max_length=50)
    rag = models.CharField(max_length=5, choices=Rag.choices)
    lower = models.DecimalField(max_digits=5, decimal_places=2, validators=[MinValueValidator(0)])
    upper = models.DecimalField(max_digits=5, decimal_places=2, validators=[MaxValueValidator(100)])

    class Meta:
        ordering = ["scheme", "lower"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "lower"], name="band_unique_lower"),
            models.CheckConstraint(
                name="band_range_valid",
                condition=Q(lower__gte=0, upper__lte=100, upper__gt=models.F("lower")),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.lower}–{self.upper})"


def validate_bands(bands: list[tuple[Decimal, Decimal]]) -> None:
    """Bands must cover 0–100 exactly, without gaps or overlaps."""
    if not bands:
        raise ValidationError("At least one standing band is needed.")
    ordered = sorted(bands)
    if ordered[0][0] != 0:
        raise ValidationError("The lowest band must start at 0.")
    if ordered[-1][1] != 100:
        raise ValidationError("The highest band must end at 100.")
    for (_lo, hi), (next_lo, _next_hi) in zip(ordered, ordered[1:], strict=False):
        if hi > next_lo:
            raise ValidationError(f"Bands overlap: one ends at {hi} but the next starts at {next_lo}.")
        if hi < next_lo:
            raise ValidationError(f"Bands leave a gap between {hi} and {next_lo}.")
    for lo, hi in ordered:
        if hi <= lo:
            raise ValidationError(f"A band must end above where it starts ({lo}–{hi}).")


class Trend(models.TextChoices):
    UP = "up", "Improving"
    DOWN = "down", "Declining"
    FLAT = "flat", "Steady"
    NEW = "new", "First period"


class Scorecard(models.Model):
    """One vendor's score for one month, with category scores, standing, rank and trend.

    The explanation (which results, weights and contributions) is derived from the
    results of the same month by ``kpis.selectors.scorecard_explanation``.
    """

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="scorecards", db_index=False)
    period_start = models.DateField()
    period_end = models.DateField()
    score = models.DecimalField(max_digits=6, decimal_places=2)
    quality_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    delivery_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    responsiveness_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    relationship_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    result_count = models.PositiveIntegerField(default=0)
    band = models.CharField(max_length=50, blank=True)
    rag = models.CharField(max_length=5, choices=Rag.choices, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    previous_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    trend = models.CharField(max_length=5, choices=Trend.choices, default=Trend.NEW)
    evaluated_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "vendor"

    class Meta:
        ordering = ["-period_start", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "period_start"], name="scorecard_one_per_month"),
            models.CheckConstraint(name="scorecard_score_range", condition=Q(score__gte=0, score__lte=100)),
        ]
        indexes = [models.Index(fields=["period_start", "score"], name="scorecard_period_score_idx")]

    def __str__(self):
        return f"{self.vendor_id} {self.period_start:%Y-%m}: {self.score}"
