"""The metric catalogue, service levels agreed per contract, and measurements against them."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from contracts.models import Contract


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Aggregation(models.TextChoices):
    AVG = "avg", "Average"
    SUM = "sum", "Sum"
    MIN = "min", "Minimum"
    MAX = "max", "Maximum"
    P95 = "p95", "95th percentile"
    COUNT = "count", "Count"
    RATIO = "ratio", "Ratio (sum of numerators ÷ sum of denominators, %)"


class MetricCategory(models.TextChoices):
    QUALITY = "quality", "Quality"
    DELIVERY = "delivery", "Delivery"
    RESPONSIVENESS = "responsiveness", "Responsiveness"
    RELATIONSHIP = "relationship", "Relationship"


class Metric(models.Model):
    """An entry of the KPI catalogue: what is measured, in which unit, and which way is good."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150, unique=True)
    unit = models.CharField(max_length=30, help_text="%, minutes, hours, seconds, count, score …")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices, default=Aggregation.AVG)
    category = models.CharField(max_length=20, choices=MetricCategory.choices)
    min_value = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Lowest plausible value (validation).",
    )
    max_value = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Highest plausible value (validation).",
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    computed_by_portal = models.BooleanField(
        default=False,
        help_text="Figures come only from the portal itself (e.g. deliverables, signed reviews); "
        "nobody can report or correct them by hand, through a file or through the API.",
    )

    policy_vendor_path = None  # the catalogue is read through service levels

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                name="metric_value_range_ordered",
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(max_value__gte=F("min_value")),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class MeasurementPeriod(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class ServiceLevelKind(models.TextChoices):
    CSL = "csl", "Critical service level"
    KPI = "kpi", "Key performance indicator"


class ServiceLevel(models.Model):
    """A metric as agreed in one contract: expected level, minimum level, period and weight.

    ``target`` is the expected level (met at or beyond it); ``minimum`` the level beyond
    which the period is a failure. Between the two the result is a warning.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_levels")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="service_levels")
    kind = models.CharField(max_length=5, choices=ServiceLevelKind.choices, default=ServiceLevelKind.KPI)
    target = models.DecimalField("expected level", max_digits=18, decimal_places=4)
    minimum = models.DecimalField("minimum level", max_digits=18, decimal_places=4)
    period = models.CharField(
        max_length=10, choices=MeasurementPeriod.choices, default=MeasurementPeriod.MONTHLY
    )
    grace_days = models.PositiveSmallIntegerField(
        "reporting grace (days)", default=5, validators=[MaxValueValidator(60)]
    )
    credit_allocation_percent = models.DecimalField(
        "pool allocation (%)",
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(500)],
        help_text="Share of the contract's at-risk amount this critical service level carries.",
    )
    weight = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(100)],
        help_text="Weight within its category on the scorecard.",
    )
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    policy_vendor_path = "contract__vendor"
    policy_internal_fields = ("credit_allocation_percent",)

    class Meta:
        ordering = ["contract", "metric__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "metric"], name="servicelevel_one_per_contract_metric"
            ),
            models.CheckConstraint(
                name="servicelevel_effective_range",
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                violation_error_message="The service level must end on or after it starts.",
            ),
            models.CheckConstraint(
                name="servicelevel_credit_only_for_csl",
                condition=Q(kind="csl") | Q(credit_allocation_percent=0),
                violation_error_message="Only critical service levels carry a service-credit allocation.",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "period"], name="servicelevel_active_period_idx")]

    def __str__(self):
        return f"{self.metric.name} — {self.contract.reference}"

    def clean(self):
        if self.metric_id is None or self.target is None or self.minimum is None:
            return
        if self.metric.direction == Direction.HIGHER and self.minimum > self.target:
            raise ValidationError(
                {"minimum": "When higher is better the minimum level cannot be above the target."}
            )
        if self.metric.direction == Direction.LOWER and self.minimum < self.target:
            raise ValidationError(
                {"minimum": "When lower is better the minimum level cannot be below the target."}
            )


class MeasurementSource(models.TextChoices):
    FORM = "form", "Form"
    UPLOAD = "upload", "Upload"
    API = "api", "API"
    SYSTEM = "system", "System"


class MeasurementStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    VALIDATED = "validated", "Validated"
    DISPUTED = "disputed", "Disputed"
    # A vendor's correction of a figure that already counts waits here for a manager's decision.
    REQUESTED = "requested", "Correction requested"
    REJECTED = "rejected", "Correction rejected"


class Measurement(models.Model):
    """One reported figure for a service level on a day. Append-only.

    A correction is a new row that ``supersedes`` the old one; the old row stays, with
    ``is_current`` cleared, so both remain visible with who changed what and why.
    For ratio metrics ``value`` is the numerator and ``denominator`` the base.
    """

    service_level = models.ForeignKey(ServiceLevel, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(help_text="The day (in the portal's time zone) the figure refers to.")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    denominator = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    source = models.CharField(
        max_length=10, choices=MeasurementSource.choices, default=MeasurementSource.FORM
    )
    status = models.CharField(
        max_length=10, choices=MeasurementStatus.choices, default=MeasurementStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction_requests",
        help_text="For a correction request: the figure it would replace once a manager accepts it.",
    )
    entered_by_client = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Entered by the client's staff: it counts once the vendor has let it stand.",
    )
    is_late = models.BooleanField(default=False, help_text="Submitted after the period's reporting deadline.")
    note = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True, help_text="Why the figure was disputed.")
    upload = models.ForeignKey(
        "MeasurementUpload", on_delete=models.SET_NULL, null=True, blank=True, related_name="measurements"
    )

    policy_vendor_path = "service_level__contract__vendor"
    policy_vendor_actions = frozenset({"submit"})

    class Meta:
        ordering = ["-measured_on", "-submitted_at"]
        constraints = [
            models.CheckConstraint(
                name="measurement_denominator_positive",
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                violation_error_message="The denominator must be greater than zero.",
            ),
            models.UniqueConstraint(
                fields=["corrects"],
                condition=Q(status="requested"),
                name="measurement_one_open_request",
                violation_error_message=(
                    "A correction of this figure is already waiting for a manager's decision."
                ),
            ),
            models.CheckConstraint(
                name="measurement_request_is_not_current",
                condition=~Q(status__in=["requested", "rejected"])
                | Q(is_current=False, corrects__isnull=False),
                violation_error_message="A correction request replaces a figure only once accepted.",
            ),
            models.CheckConstraint(
                name="measurement_correction_has_reason",
                condition=Q(supersedes__isnull=True) | ~Q(correction_reason=""),
                violation_error_message="A correction needs a reason.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["service_level", "measured_on"],
                condition=Q(is_current=True),
                name="measurement_current_idx",
            ),
            models.Index(fields=["submitted_at"], name="measurement_submitted_idx"),
            models.Index(
                fields=["service_level", "measured_on"],
                condition=Q(status="requested"),
                name="measurement_request_idx",
            ),
        ]

    def __str__(self):
        return f"{self.service_level_id} {self.measured_on}: {self.value}"


class ServiceLevelTarget(models.Model):
    """An effective-dated expected/minimum level. A period is judged by the levels in force
    on its first day, so a change never reaches back into periods that started earlier."""

    service_level = models.ForeignKey(ServiceLevel, on_delete=models.CASCADE, related_name="targets")
    effective_from = models.DateField()
    target = models.DecimalField("expected level", max_digits=18, decimal_places=4)
    minimum = models.DecimalField("minimum level", max_digits=18, decimal_places=4)
    reason = models.CharField(max_length=300, blank=True)

    policy_vendor_path = "service_level__contract__vendor"

    class Meta:
        ordering = ["service_level", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["service_level", "effective_from"], name="target_one_per_date"),
        ]

    def __str__(self):
        return f"{self.service_level_id} from {self.effective_from}: {self.target}/{self.minimum}"


class CreditTier(models.Model):
    """Tiered credit: when the attained value misses the minimum level by at least
    ``shortfall`` (in the metric's unit), this share of the allocation applies instead of 100%."""

    service_level = models.ForeignKey(ServiceLevel, on_delete=models.CASCADE, related_name="credit_tiers")
    shortfall = models.DecimalField(max_digits=18, decimal_places=4, validators=[MinValueValidator(0)])
    factor_percent = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    policy_vendor_path = "service_level__contract__vendor"
    # Part of the service level's credit allocation, which is internal-only.
    policy_internal_fields = ("factor_percent",)

    class Meta:
        ordering = ["service_level", "shortfall"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_level", "shortfall"], name="credittier_unique_shortfall"
            ),
            models.CheckConstraint(
                name="credittier_factor_range", condition=Q(factor_percent__gte=0, factor_percent__lte=100)
            ),
        ]

    def __str__(self):
        # The factor is internal-only; the name reaches the audit trail, which vendor users read.
        return f"credit tier from a miss of {self.shortfall}"
