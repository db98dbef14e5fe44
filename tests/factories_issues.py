"""Factories for issues, their escalation paths and the audit findings that can escalate."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from governance.models import (
    Audit,
    EscalationLevel,
    EscalationPath,
    Finding,
    FindingSeverity,
    Issue,
    IssueComment,
    IssueSeverity,
    Side,
)
from tests.factories import EscalationLevelFactory, EscalationPathFactory, VendorFactory

NOW = dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)


class IssueFactory(DjangoModelFactory):
    """An open issue raised by the client at level 1, its clock started at ``NOW``."""

    class Meta:
        model = Issue

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Issue {n}")
    description = "Tickets bounce between the two service desks."
    severity = IssueSeverity.HIGH
    raised_side = Side.INTERNAL
    raised_at = NOW
    level = 1
    level_started_at = NOW


class IssueCommentFactory(DjangoModelFactory):
    class Meta:
        model = IssueComment

    issue = factory.SubFactory(IssueFactory)
    body = "We are looking into it."


def path_with_levels(*, vendor=None, hours=(8, 24, 72), **path_fields) -> EscalationPath:
    """A path with one level per entry of ``hours`` (level n escalates after hours[n-1])."""
    path = EscalationPathFactory(vendor=vendor, **path_fields)
    for number, limit in enumerate(hours, start=1):
        EscalationLevelFactory(path=path, level=number, name=f"Level {number}", time_limit_hours=limit)
    return path


def levels_of(path) -> list[EscalationLevel]:
    return list(path.levels.order_by("level"))


class AuditFactory(DjangoModelFactory):
    class Meta:
        model = Audit

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Security audit {n}")
    planned_start = dt.date(2026, 2, 1)
    planned_end = dt.date(2026, 2, 28)


class FindingFactory(DjangoModelFactory):
    class Meta:
        model = Finding

    audit = factory.SubFactory(AuditFactory)
    title = factory.Sequence(lambda n: f"Finding {n}")
    description = "Privileged accounts are not reviewed quarterly."
    severity = FindingSeverity.HIGH
    owner_side = Side.VENDOR
    due_on = dt.date(2026, 3, 31)
