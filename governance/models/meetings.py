"""Governance forums, their meetings (agenda, attendance, minutes, comments), decisions and actions."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from vendors.models import Vendor

from .structure import Side


class ForumKind(models.TextChoices):
    STEERING = "steering", "Steering committee"
    OPERATIONAL = "operational", "Operational review"
    COMMERCIAL = "commercial", "Commercial review"
    TECHNICAL = "technical", "Technical board"
    OTHER = "other", "Other"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMIANNUAL = "semiannual", "Every six months"
    YEARLY = "yearly", "Yearly"


class Forum(models.Model):
    """A standing governance body of one relationship, meeting on a cadence."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="forums")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=ForumKind.choices, default=ForumKind.OPERATIONAL)
    purpose = models.TextField(blank=True)
    cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.MONTHLY)
    first_meeting_on = models.DateField(help_text="The cadence counts from this date.")
    meeting_time = models.TimeField(default="10:00", help_text="Local time of day meetings start.")
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(15), MaxValueValidator(600)]
    )
    location = models.CharField(max_length=200, blank=True, help_text="Room or video-call link.")
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="forums")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    policy_vendor_path = "vendor"

    class Meta:
        ordering = ["vendor", "name"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "name"], name="forum_unique_name_per_vendor"),
        ]

    def __str__(self):
        return f"{self.vendor} — {self.name}"

    @classmethod
    def policy_vendor_q(cls, user):
        """Vendor users see the forums they are members of."""
        return Q(members=user)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(models.Model):
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="meetings")
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    location = models.CharField(max_length=200, blank=True)
    minutes = models.TextField(blank=True)
    agenda_built_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "forum__vendor"
    policy_vendor_actions = frozenset({"respond"})  # comment

    class Meta:
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(fields=["forum", "scheduled_for"], name="meeting_unique_slot"),
        ]

    def __str__(self):
        return f"{self.forum.name} {timezone.localtime(self.scheduled_for):%Y-%m-%d %H:%M}"

    @classmethod
    def policy_vendor_q(cls, user):
        return Q(forum__members=user)


class AgendaItem(models.Model):
    """One point on a meeting's agenda: built from an open object, or added by hand."""

    class Source(models.TextChoices):
        AUTO = "auto", "Built automatically"
        MANUAL = "manual", "Added by hand"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    section = models.CharField(max_length=60, blank=True, help_text="e.g. Open breaches, Overdue actions")
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    object_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("object_type", "object_id")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    policy_vendor_path = "meeting__forum__vendor"
    # An item built from an object the reader may not see (an internal issue) is not on their agenda.
    policy_refers_to_objects = True

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "object_type", "object_id"],
                condition=Q(object_id__isnull=False),
                name="agendaitem_one_per_object",
            ),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def policy_vendor_q(cls, user):
        return Q(meeting__forum__members=user)


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(default=True)

    policy_vendor_path = "meeting__forum__vendor"

    class Meta:
        ordering = ["meeting", "person"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_unique_person"),
        ]

    def __str__(self):
        return f"{self.person} at {self.meeting}"

    @classmethod
    def policy_vendor_q(cls, user):
        return Q(meeting__forum__members=user)


class MeetingComment(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "meeting__forum__vendor"
    policy_vendor_actions = frozenset({"respond"})

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment by {self.author} on {self.meeting}"

    @classmethod
    def policy_vendor_q(cls, user):
        return Q(meeting__forum__members=user)


class Decision(models.Model):
    """A decision of the relationship: what, why, who owns it; acknowledged by the vendor side."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="decisions")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    title = models.CharField(max_length=200)
    rationale = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"respond"})  # acknowledge

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self):
        return self.title


class DecisionLink(models.Model):
    """An object a decision concerns: a contract, a breach, an issue, a review …"""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="links")
    object_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("object_type", "object_id")

    policy_vendor_path = "decision__vendor"
    policy_refers_to_objects = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "object_type", "object_id"], name="decisionlink_unique"
            ),
        ]

    def __str__(self):
        return f"{self.decision} → {self.object_type.model} #{self.object_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


ACTION_OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionItem(models.Model):
    """Something one side promised to do by a date."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="action_items")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner_side = models.CharField(max_length=10, choices=Side.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    due_on = models.DateField()
    status = models.CharField(max_length=15, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    overdue_since = models.DateField(
        null=True, blank=True, help_text="Set once by the overdue scan; cleared when the item is closed."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"respond"})  # progress notes, status of vendor-side items

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="actionitem_status_due_idx")]

    def __str__(self):
        return self.title

    def clean(self):
        if self.owner_id:
            owner_vendor = self.owner.vendor_id
            if self.owner_side == Side.INTERNAL and owner_vendor is not None:
                raise ValidationError({"owner": "An internal action needs an internal owner."})
            if self.owner_side == Side.VENDOR and owner_vendor != self.vendor_id:
                raise ValidationError({"owner": "A vendor-side action needs an owner from this vendor."})

    @property
    def is_open(self) -> bool:
        return self.status in ACTION_OPEN_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


class ActionNote(models.Model):
    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    policy_vendor_path = "action__vendor"
    policy_vendor_actions = frozenset({"respond"})

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Note on {self.action}"
