"""Users, their organisation membership and role, and the audit trail.

This app sits at the bottom of the house: every other app may use it, it imports none.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    MANAGER = "manager", "Relationship manager"
    VIEWER = "viewer", "Viewer"
    AUDITOR = "auditor", "Auditor"
    VENDOR_USER = "vendor_user", "Vendor user"
    VENDOR_ADMIN = "vendor_admin", "Vendor administrator"


INTERNAL_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.VIEWER, Role.AUDITOR})
VENDOR_ROLES = frozenset({Role.VENDOR_USER, Role.VENDOR_ADMIN})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("role", Role.VIEWER)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address.

    Internal staff have no vendor; vendor users belong to exactly one vendor. The role
    decides what the access policy (accounts.policy) lets them see and do.
    """

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    job_title = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May log in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    # The last deactivation, kept after a reactivation: who decided (a client's deactivation is final for
    # the vendor's administrators) and when (API tokens from before it never work again).
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = UserManager()

    # Vendor users see (and vendor admins manage) the users of their own vendor.
    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"manage_users"})
    policy_internal_fields = ("is_staff", "is_superuser")

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                name="user_vendor_matches_role",
                condition=(
                    Q(role__in=sorted(r.value for r in VENDOR_ROLES), vendor__isnull=False)
                    | (~Q(role__in=sorted(r.value for r in VENDOR_ROLES)) & Q(vendor__isnull=True))
                ),
                violation_error_message="Vendor roles need a vendor; internal roles must not have one.",
            ),
            models.CheckConstraint(
                name="user_vendor_users_are_not_staff",
                condition=Q(vendor__isnull=True) | Q(is_staff=False, is_superuser=False),
                violation_error_message="Vendor users cannot have access to the Django admin.",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return (self.full_name or self.email).split(" ")[0]

    @property
    def is_internal(self) -> bool:
        return self.role in INTERNAL_ROLES

    @property
    def is_vendor_user(self) -> bool:
        return self.role in VENDOR_ROLES


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, with old and new values.

    Written by the services in the same transaction as the change itself. `vendor_id`
    is the vendor the object belongs to (if any), so a vendor's timeline and a vendor
    user's view of the trail are one indexed filter.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True, help_text="e.g. contracts.contract.updated")
    object_type = models.CharField(max_length=80, help_text="app_label.model")
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    vendor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    note = models.TextField(blank=True)
    internal_only = models.BooleanField(
        default=False, help_text="Hidden from vendor users (e.g. changes to internal notes)."
    )

    policy_vendor_path = "vendor_id"

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-occurred_at"], name="audit_object_idx"),
            models.Index(fields=["vendor_id", "-occurred_at"], name="audit_vendor_idx"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    # Vendor users never see events about rows of their own vendor that the policy narrows away from them
    # (documents not shared with the vendor, forums they are not members of, …): the trail tells no more
    # than the pages do. The policy applies that narrowing to models that point at objects by type and id.
    policy_refers_to_objects = True

    @classmethod
    def policy_vendor_q(cls, user):
        """Vendor users never see events about internal-only fields."""
        return Q(internal_only=False)


class Invitation(models.Model):
    """A single-use, expiring invitation for a person to join a vendor's organisation.

    Only a hash of the token is stored; the link in the e-mail carries the token itself.
    """

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=[(r.value, r.label) for r in sorted(VENDOR_ROLES)])
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    policy_vendor_path = "vendor"
    policy_vendor_actions = frozenset({"manage_users"})

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email}"


class FormSubmission(models.Model):
    """A one-time form token, consumed by the first submission of a create form.

    The unique token makes a double click or a resubmitted page create nothing new: the second
    submission finds the row and is sent to what the first one created (``url``).
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    url = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="formsubmission_user_idx")]

    def __str__(self):
        return f"Form submission {self.token[:8]}…"
