"""Builders for the notification tests: trail rows as the services write them, governance rows, and
notifications and ledger rows in a known state."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from accounts.audit import action_code
from accounts.models import AuditEvent
from governance.models import ActionItem, Audit, Finding, Issue, Review, Side
from notifications.models import DigestLedger, Notification, NotificationPreference
from tests import factories

UTC = dt.UTC


def trail(obj, action: str, *, actor=None, note: str = "", changes=None, internal_only=False, at=None):
    """A trail row about ``obj`` with this action code, as ``accounts.audit.audit_record`` writes it."""
    from accounts import policy

    return AuditEvent.objects.create(
        occurred_at=at or dt.datetime.now(UTC),
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        vendor_id=policy.vendor_id_of(obj),
        changes=changes or {},
        note=note,
        internal_only=internal_only,
    )


def verb_of(obj, verb: str) -> str:
    return action_code(obj, verb)


class IssueFactory(DjangoModelFactory):
    class Meta:
        model = Issue

    vendor = factory.SubFactory(factories.VendorFactory)
    title = factory.Sequence(lambda n: f"Issue {n}: nightly batch keeps failing")
    description = "The nightly batch failed three nights in a row."
    raised_side = Side.INTERNAL


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    vendor = factory.SubFactory(factories.VendorFactory)
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 3, 31)
    due_on = dt.date(2026, 4, 30)


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    vendor = factory.SubFactory(factories.VendorFactory)
    title = factory.Sequence(lambda n: f"Action {n}: send the capacity plan")
    owner_side = Side.VENDOR
    due_on = dt.date(2026, 4, 1)


class AuditFactory(DjangoModelFactory):
    class Meta:
        model = Audit

    vendor = factory.SubFactory(factories.VendorFactory)
    title = factory.Sequence(lambda n: f"Security audit {n}")
    planned_start = dt.date(2026, 2, 1)
    planned_end = dt.date(2026, 2, 28)


class FindingFactory(DjangoModelFactory):
    class Meta:
        model = Finding

    audit = factory.SubFactory(AuditFactory)
    title = factory.Sequence(lambda n: f"Finding {n}: admin accounts without MFA")
    description = "Two administrator accounts have no second factor."
    severity = "high"
    due_on = dt.date(2026, 5, 31)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(factories.InternalUserFactory)
    kind = "breach_opened"
    title = factory.Sequence(lambda n: f"New breach {n}: Service availability on C-1, March 2026")
    url = "/breaches/"
    source_key = factory.Sequence(lambda n: f"test-{n}")


class PreferenceFactory(DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("user",)

    user = factory.SubFactory(factories.InternalUserFactory)
    time_zone = "UTC"
    delivery_time = dt.time(7, 0)


class LedgerFactory(DjangoModelFactory):
    class Meta:
        model = DigestLedger

    user = factory.SubFactory(factories.InternalUserFactory)
    kind = "manager"
    period_key = factory.Sequence(lambda n: f"d:2026-04-{n % 28 + 1:02d}")
    window_start = dt.datetime(2026, 4, 9, 7, 0, tzinfo=UTC)
    window_end = dt.datetime(2026, 4, 10, 7, 0, tzinfo=UTC)
