"""Partner selection: an event with weighted criteria, candidates and their commitments, evaluators who
score independently after declaring conflicts of interest, and the decision that awards the work.

Every model here is internal-only (no ``policy_vendor_path``): vendor users never see a selection event,
not even one their own vendor takes part in.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from kpis.models import Direction, MeasurementPeriod, Metric
from vendors.models import Vendor

INTERNAL_USERS = {"vendor__isnull": True, "is_active": True}

# Suggested criteria for a new event (DESIGN.md, "Select the right partner"): name, weight, what to look at.
DEFAULT_CRITERIA = [
    ("Experience", 20, "Comparable services delivered for organisations of our size and sector."),
    ("Expertise", 20, "Skills, certifications and methods of the proposed team."),
    ("Track record", 15, "References, and for current vendors their scorecards, breaches and issues."),
    ("Capacity", 15, "Ability to staff, scale and absorb peaks without degrading service."),
    ("Cost", 15, "Total cost over the term, including transition and exit."),
    ("Security", 15, "Security controls, certifications and incident history."),
]


class EventStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCORING = "scoring", "Scoring"
    DECIDED = "decided", "Decided, awaiting award"
    AWARDED = "awarded", "Awarded"
    CANCELLED = "cancelled", "Cancelled"


OPEN_EVENT_STATUSES = (EventStatus.DRAFT, EventStatus.SCORING, EventStatus.DECIDED)


class SelectionEvent(models.Model):
    """One selection: what is needed, how candidates are judged, and where the decision stands."""

    title = models.CharField(max_length=200)
    requirement = models.TextField(help_text="What is being sourced: scope, volumes, service hours, term.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_selection_events",
        limit_choices_to=INTERNAL_USERS,
    )
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)
    scale_min = models.PositiveSmallIntegerField(
        "lowest score", default=0, validators=[MaxValueValidator(1)], help_text="0 or 1."
    )
    scale_max = models.PositiveSmallIntegerField(
        "highest score", default=5, validators=[MinValueValidator(2), MaxValueValidator(100)]
    )
    spread_threshold = models.DecimalField(
        "spread flag above (points)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("20"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="A candidate whose evaluators' totals differ by more than this is flagged.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    scoring_opened_at = models.DateTimeField(null=True, blank=True)
    scoring_closed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    awarded_vendor = models.ForeignKey(
        Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    awarded_contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="selectionevent_status_idx")]
        constraints = [
            models.CheckConstraint(
                name="selectionevent_scale_ordered",
                condition=Q(scale_max__gt=F("scale_min"), scale_min__lte=1),
                violation_error_message="The highest score must be above the lowest score (0 or 1).",
            ),
            models.CheckConstraint(
                name="selectionevent_spread_range",
                condition=Q(spread_threshold__gte=0, spread_threshold__lte=100),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("selection:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_EVENT_STATUSES

    @property
    def scale_label(self) -> str:
        return f"{self.scale_min}–{self.scale_max}"

    def clean(self):
        if self.scale_max is not None and self.scale_min is not None and self.scale_max <= self.scale_min:
            raise ValidationError({"scale_max": "The highest score must be above the lowest score."})


class Criterion(models.Model):
    """A weighted criterion of an event; the weights of an event add up to 100."""

    event = models.ForeignKey(SelectionEvent, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["event", "position", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="criterion_unique_name_per_event"),
            models.CheckConstraint(
                name="criterion_weight_range", condition=Q(weight__gte=1, weight__lte=100)
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight}%)"


class Candidate(models.Model):
    """A vendor competing in an event: an existing vendor, or a prospect not yet in the portal.

    A prospect keeps its ``prospect_name`` after the award has made it a vendor, so the event still
    shows it entered as a prospect.
    """

    event = models.ForeignKey(SelectionEvent, on_delete=models.CASCADE, related_name="candidates")
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="selection_candidacies"
    )
    prospect_name = models.CharField(max_length=150, blank=True)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "id"]
        constraints = [
            models.CheckConstraint(
                name="candidate_vendor_or_prospect",
                condition=Q(vendor__isnull=False) | ~Q(prospect_name=""),
                violation_error_message="A candidate is an existing vendor or a named prospect.",
            ),
            models.UniqueConstraint(
                fields=["event", "vendor"],
                condition=Q(vendor__isnull=False),
                name="candidate_vendor_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["event", "prospect_name"],
                condition=~Q(prospect_name=""),
                name="candidate_prospect_once_per_event",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.vendor.name if self.vendor_id else self.prospect_name

    @property
    def is_prospect(self) -> bool:
        return bool(self.prospect_name)


class Commitment(models.Model):
    """A service level a candidate commits to; the winner's become the new contract's service levels."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="commitments")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="+")
    target = models.DecimalField("expected level", max_digits=18, decimal_places=4)
    minimum = models.DecimalField(
        "minimum level",
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Optional: between the expected and this level a period is a warning; beyond it, a breach.",
    )
    period = models.CharField(
        max_length=10, choices=MeasurementPeriod.choices, default=MeasurementPeriod.MONTHLY
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["candidate", "metric__name"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "metric"], name="commitment_one_per_metric"),
        ]

    def __str__(self):
        return f"{self.metric.name}: {self.target}"

    def clean(self):
        if self.metric_id is None or self.target is None:
            return
        metric = self.metric
        for name in ("target", "minimum"):
            value = getattr(self, name)
            if value is None:
                continue
            if metric.min_value is not None and value < metric.min_value:
                raise ValidationError(
                    {name: f"{metric.name} cannot be below {metric.min_value.normalize()}."}
                )
            if metric.max_value is not None and value > metric.max_value:
                raise ValidationError(
                    {name: f"{metric.name} cannot be above {metric.max_value.normalize()}."}
                )
        if self.minimum is None:
            return
        if metric.direction == Direction.HIGHER and self.minimum > self.target:
            raise ValidationError(
                {"minimum": "When higher is better the minimum level cannot be above the expected level."}
            )
        if metric.direction == Direction.LOWER and self.minimum < self.target:
            raise ValidationError(
                {"minimum": "When lower is better the minimum level cannot be below the expected level."}
            )


class ConflictStatus(models.TextChoices):
    PENDING = "pending", "Not declared yet"
    NONE = "none", "No conflict"
    DECLARED = "declared", "Conflict declared"


class ConflictDecision(models.TextChoices):
    UNDECIDED = "", "Awaiting the owner"
    ACCEPTED = "accepted", "Accepted by the owner"
    EXCLUDED = "excluded", "Excluded by the owner"


class Evaluator(models.Model):
    """An internal user named to score an event, with their conflict-of-interest declaration.

    ``submitted_at`` locks the sheet: from then on the evaluator's scores count and may be seen.
    """

    event = models.ForeignKey(SelectionEvent, on_delete=models.CASCADE, related_name="evaluators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="selection_evaluations",
        limit_choices_to=INTERNAL_USERS,
    )
    added_at = models.DateTimeField(default=timezone.now)
    conflict_status = models.CharField(
        max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.PENDING
    )
    conflict_statement = models.TextField(blank=True)
    conflict_declared_at = models.DateTimeField(null=True, blank=True)
    conflict_decision = models.CharField(
        max_length=10, choices=ConflictDecision.choices, default=ConflictDecision.UNDECIDED, blank=True
    )
    conflict_decision_note = models.TextField(blank=True)
    conflict_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conflict_decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="evaluator_once_per_event"),
            models.CheckConstraint(
                name="evaluator_declared_has_statement",
                condition=~Q(conflict_status="declared") | ~Q(conflict_statement=""),
                violation_error_message="A declared conflict needs a statement.",
            ),
            models.CheckConstraint(
                name="evaluator_submits_only_when_cleared",
                condition=Q(submitted_at__isnull=True)
                | Q(conflict_status="none")
                | Q(conflict_status="declared", conflict_decision="accepted"),
                violation_error_message="Only an evaluator cleared of conflicts can submit scores.",
            ),
        ]

    def __str__(self):
        return f"{self.user} on {self.event_id}"

    @property
    def is_excluded(self) -> bool:
        return self.conflict_decision == ConflictDecision.EXCLUDED

    @property
    def is_cleared(self) -> bool:
        """Declared no conflict, or a declared conflict the owner accepted."""
        return self.conflict_status == ConflictStatus.NONE or (
            self.conflict_status == ConflictStatus.DECLARED
            and self.conflict_decision == ConflictDecision.ACCEPTED
        )

    @property
    def awaits_owner(self) -> bool:
        return (
            self.conflict_status == ConflictStatus.DECLARED
            and self.conflict_decision == ConflictDecision.UNDECIDED
        )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    """One evaluator's score of one candidate on one criterion, with the reason."""

    evaluator = models.ForeignKey(Evaluator, on_delete=models.CASCADE, related_name="scores")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["evaluator", "candidate", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluator", "candidate", "criterion"], name="score_once_per_cell"
            ),
        ]

    def __str__(self):
        return f"{self.value}"


class SelectionDecision(models.Model):
    """The recorded choice of an event: which candidate and why, approved by the named approvers."""

    event = models.OneToOneField(SelectionEvent, on_delete=models.CASCADE, related_name="decision")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveSmallIntegerField(default=1)

    def __str__(self):
        return f"{self.event}: {self.candidate}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Approval(models.Model):
    """One approver's answer to the decision; the award needs every approver's approval."""

    decision = models.ForeignKey(SelectionDecision, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="selection_approvals",
        limit_choices_to=INTERNAL_USERS,
    )
    status = models.CharField(max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["decision", "approver__full_name", "approver__email"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "approver"], name="approval_once_per_approver"),
            models.CheckConstraint(
                name="approval_answer_has_time",
                condition=Q(status="pending", answered_at__isnull=True)
                | (~Q(status="pending") & Q(answered_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="approval_rejection_has_reason",
                condition=~Q(status="rejected") | ~Q(comment=""),
                violation_error_message="A rejection needs a reason.",
            ),
        ]

    def __str__(self):
        return f"{self.approver}: {self.get_status_display()}"
