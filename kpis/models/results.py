"""What the engine writes: the period calendar, results, breaches, the credit ledger, runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from contracts.models import Contract

from .catalogue import MeasurementPeriod, ServiceLevel


class Period(models.Model):
    """The calendar of measurement periods (weekly from Monday, monthly, quarterly), as dates
    in the portal's time zone. The engine joins service levels to it to know which periods
    are due, including those with no data at all."""

    kind = models.CharField(max_length=10, choices=MeasurementPeriod.choices)
    start = models.DateField()
    end = models.DateField(help_text="Last day of the period (inclusive).")

    class Meta:
        ordering = ["kind", "start"]
        constraints = [models.UniqueConstraint(fields=["kind", "start"], name="period_unique_kind_start")]

    def __str__(self):
        return f"{self.kind} {self.start}–{self.end}"


class Outcome(models.TextChoices):
    MET = "met", "Met"
    WARNING = "warning", "Warning"
    BREACHED = "breached", "Breached"
    MISSING = "missing", "Not reported"


class FiguresBasis(models.TextChoices):
    VALIDATED = "validated", "Validated figures"
    PENDING = "pending", "Figures awaiting review"
    DISPUTED = "disputed", "Disputed figures"


class ServiceLevelResult(models.Model):
    """The evaluated outcome of one service level for one closed period, with its arithmetic."""

    # Indexed by the (service_level, period_start) unique constraint.
    service_level = models.ForeignKey(
        ServiceLevel, on_delete=models.CASCADE, related_name="results", db_index=False
    )
    period_start = models.DateField()
    period_end = models.DateField()
    attained = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    sample_count = models.PositiveIntegerField(default=0)
    target = models.DecimalField(max_digits=18, decimal_places=4)
    minimum = models.DecimalField(max_digits=18, decimal_places=4)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # Service-credit arithmetic: period charge × at-risk % × allocation % × tier factor %.
    period_charge = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    at_risk_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    allocation_percent = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    factor_percent = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    credit_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # What the result rests on: every figure counted (validated), some awaiting the other side's
    # review or a correction request (pending), or some disputed. Anything but validated is provisional.
    figures_basis = models.CharField(
        max_length=10,
        choices=FiguresBasis.choices,
        default=FiguresBasis.VALIDATED,
        db_default=FiguresBasis.VALIDATED,
    )
    evaluated_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "service_level__contract__vendor"
    # The credit arithmetic is the client's: the charge and the credit itself, and the copies of the
    # service level's terms taken when the period was evaluated (internal when their source is).
    policy_internal_fields = ("period_charge", "credit_amount")
    policy_mirrored_fields = {
        "target": "kpis.ServiceLevel.target",
        "minimum": "kpis.ServiceLevel.minimum",
        "at_risk_percent": "contracts.Contract.at_risk_percent",
        "allocation_percent": "kpis.ServiceLevel.credit_allocation_percent",
        "factor_percent": "kpis.CreditTier.factor_percent",
    }

    class Meta:
        ordering = ["-period_start", "service_level"]
        constraints = [
            models.UniqueConstraint(fields=["service_level", "period_start"], name="result_one_per_period"),
        ]
        indexes = [
            models.Index(
                fields=["service_level", "period_start"],
                condition=~Q(figures_basis="validated"),
                name="result_provisional_idx",
            ),
        ]

    def __str__(self):
        return f"{self.service_level_id} {self.period_start}: {self.outcome}"

    @property
    def provisional(self) -> bool:
        return self.figures_basis != FiguresBasis.VALIDATED


class BreachKind(models.TextChoices):
    MISSED_TARGET = "missed_target", "Missed target"
    NOT_REPORTED = "not_reported", "Not reported"


class BreachSeverity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTION_PLANNED = "action_planned", "Action planned"
    RESOLVED = "resolved", "Resolved"
    WAIVED = "waived", "Waived"
    CLEARED = "cleared", "Cleared by corrected data"


OPEN_BREACH_STATUSES = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED, BreachStatus.ACTION_PLANNED)


class Breach(models.Model):
    """A service level failure: exactly one per service level and period, never deleted."""

    service_level = models.ForeignKey(
        ServiceLevel, on_delete=models.CASCADE, related_name="breaches", db_index=False
    )
    period_start = models.DateField()
    period_end = models.DateField()
    kind = models.CharField(max_length=15, choices=BreachKind.choices)
    severity = models.CharField(max_length=10, choices=BreachSeverity.choices)
    status = models.CharField(max_length=15, choices=BreachStatus.choices, default=BreachStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    response_due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=300, blank=True)
    reported_late = models.BooleanField(
        default=False, db_default=False, help_text="Not reported by the deadline; figures arrived afterwards."
    )
    root_cause = models.TextField(blank=True)
    corrective_action = models.TextField(blank=True)
    action_due_on = models.DateField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response_accepted_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_evaluation_run = models.ForeignKey(
        "EvaluationRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    policy_vendor_path = "service_level__contract__vendor"
    policy_vendor_actions = frozenset({"respond"})

    class Meta:
        ordering = ["-period_start", "service_level"]
        constraints = [
            models.UniqueConstraint(fields=["service_level", "period_start"], name="breach_one_per_period"),
            models.CheckConstraint(
                name="breach_closed_has_time",
                condition=Q(status__in=["open", "acknowledged", "action_planned"])
                | Q(closed_at__isnull=False),
                violation_error_message="A closed breach records when it was closed.",
            ),
        ]
        indexes = [models.Index(fields=["status", "severity"], name="breach_status_severity_idx")]

    def __str__(self):
        return f"Breach {self.service_level_id} {self.period_start} ({self.get_kind_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_BREACH_STATUSES


class ServiceCredit(models.Model):
    """The credit ledger: per contract and calendar month, the credits of every critical service level
    whose period ends in that month and the at-risk cap applied to their sum."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="service_credits", db_index=False
    )
    period_kind = models.CharField(max_length=10, choices=MeasurementPeriod.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    failures = models.PositiveIntegerField(default=0)
    gross_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cap_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0, help_text="min(gross, cap)")
    currency = models.CharField(max_length=3)
    evaluated_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "contract__vendor"
    # Sums of the results' internal credit amounts and the cap from the contract's internal charge.
    policy_internal_fields = ("gross_amount", "cap_amount", "amount")

    class Meta:
        ordering = ["-period_start", "contract"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period_kind", "period_start"], name="credit_one_per_contract_period"
            ),
            models.CheckConstraint(
                name="credit_amount_within_cap", condition=Q(amount__lte=models.F("cap_amount"))
            ),
        ]

    def __str__(self):
        # The amounts are internal-only; the name may reach lists vendor users read.
        return f"service credits of contract {self.contract_id}, {self.period_kind} from {self.period_start}"


class PendingEvaluation(models.Model):
    """A service level period that must be (re-)evaluated: written in the same transaction as
    a late or corrected measurement or a target change, claimed and deleted by the next run."""

    service_level = models.ForeignKey(
        ServiceLevel, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    period_start = models.DateField()
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service_level", "period_start"], name="pending_one_per_period"),
        ]

    def __str__(self):
        return f"{self.service_level_id} {self.period_start}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class EvaluationRun(models.Model):
    """One run of the engine, with what it did or why it failed."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateTimeField(help_text="The 'now' the run evaluated against.")
    full = models.BooleanField(default=False)
    vendor_ids = models.JSONField(default=list, blank=True)
    since = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    periods_evaluated = models.PositiveIntegerField(default=0)
    results_written = models.PositiveIntegerField(default=0)
    breaches_opened = models.PositiveIntegerField(default=0)
    breaches_cleared = models.PositiveIntegerField(default=0)
    scorecards_written = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Run {self.pk} {self.started_at:%Y-%m-%d %H:%M} {self.status}"
