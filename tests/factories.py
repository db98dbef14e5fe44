"""Factories for every domain model; defaults build valid, consistent rows (same vendor all the way down)."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts import policy
from accounts.models import AuditEvent, Role, User
from contracts.models import Contract, ContractStatus, ContractType, Deliverable
from governance.models import EscalationLevel, EscalationPath, Raci, RoleAssignment, Side
from kpis.models import (
    Aggregation,
    Breach,
    BreachKind,
    BreachSeverity,
    BreachStatus,
    Direction,
    Measurement,
    Metric,
    MetricCategory,
    Outcome,
    Scorecard,
    ServiceLevel,
    ServiceLevelResult,
)
from vendors.models import ServiceCategory, Vendor, VendorContact, VendorStatus

TEST_PASSWORD = "test-password-123"
# Every internal-only text the factories write carries this mark, so pages can be searched for leaks.
INTERNAL_MARK = "internal-only-7f3a"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    role = Role.VIEWER
    vendor = None

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class InternalUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@portal.test")
    role = Role.MANAGER


class VendorUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"vendor-user{n}@vendor.test")
    role = Role.VENDOR_USER
    vendor = factory.SubFactory("tests.factories.VendorFactory")


class ServiceCategoryFactory(DjangoModelFactory):
    class Meta:
        model = ServiceCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Service category {n}")


class VendorFactory(DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} Ltd")
    status = VendorStatus.ACTIVE
    internal_notes = f"{INTERNAL_MARK}: renegotiation planned."


class VendorContactFactory(DjangoModelFactory):
    class Meta:
        model = VendorContact

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Faker("name")
    job_title = "Service delivery manager"
    email = factory.Sequence(lambda n: f"contact{n}@vendor.test")
    notes = f"{INTERNAL_MARK}: prefers phone calls."


class ContractFactory(DjangoModelFactory):
    """A master services agreement unless told otherwise."""

    class Meta:
        model = Contract

    vendor = factory.SubFactory(VendorFactory)
    reference = factory.Sequence(lambda n: f"C-{n:05d}")
    title = factory.Sequence(lambda n: f"Contract {n}")
    contract_type = ContractType.MSA
    parent = None
    status = ContractStatus.ACTIVE
    currency = "EUR"
    # Internal figures with distinctive digits, for the same leak search.
    total_value = Decimal("7654321.00")
    monthly_charge = Decimal("87654.00")
    at_risk_percent = Decimal("10.00")
    start_date = dt.date(2026, 1, 1)
    initial_term_end = dt.date(2028, 12, 31)
    internal_notes = f"{INTERNAL_MARK}: margin is thin."


class SOWFactory(ContractFactory):
    """A statement of work under an MSA of the same vendor."""

    contract_type = ContractType.SOW
    parent = factory.SubFactory(ContractFactory, vendor=factory.SelfAttribute("..vendor"))


class DeliverableFactory(DjangoModelFactory):
    class Meta:
        model = Deliverable

    contract = factory.SubFactory(SOWFactory)
    title = factory.Sequence(lambda n: f"Deliverable {n}")
    due_date = dt.date(2026, 6, 30)


class MetricFactory(DjangoModelFactory):
    class Meta:
        model = Metric

    code = factory.Sequence(lambda n: f"metric-{n}")
    name = factory.Sequence(lambda n: f"Metric {n}")
    unit = "%"
    direction = Direction.HIGHER
    aggregation = Aggregation.AVG
    category = MetricCategory.QUALITY


def _by_direction(higher: str, lower: str):
    return factory.LazyAttribute(
        lambda o: Decimal(higher) if o.metric.direction == Direction.HIGHER else Decimal(lower)
    )


class ServiceLevelFactory(DjangoModelFactory):
    """A KPI on a SOW whose minimum sits on the bad side of the target for the metric's direction."""

    class Meta:
        model = ServiceLevel

    contract = factory.SubFactory(SOWFactory)
    metric = factory.SubFactory(MetricFactory)
    target = _by_direction("99.5", "4")
    minimum = _by_direction("98", "8")
    effective_from = dt.date(2026, 1, 1)


class MeasurementFactory(DjangoModelFactory):
    class Meta:
        model = Measurement

    service_level = factory.SubFactory(ServiceLevelFactory)
    measured_on = dt.date(2026, 3, 15)
    value = Decimal("99.7")


class RoleAssignmentFactory(DjangoModelFactory):
    """A vendor-side role held by one of the vendor's contacts."""

    class Meta:
        model = RoleAssignment

    vendor = factory.SubFactory(VendorFactory)
    area = "Service delivery"
    role_title = factory.Sequence(lambda n: f"Role {n}")
    side = Side.VENDOR
    contact = factory.SubFactory(VendorContactFactory, vendor=factory.SelfAttribute("..vendor"))
    person = None
    raci = Raci.RESPONSIBLE


class EscalationPathFactory(DjangoModelFactory):
    """A vendor-wide path; pass ``contract`` (with its vendor), or ``tier`` with vendor=None."""

    class Meta:
        model = EscalationPath

    name = factory.Sequence(lambda n: f"Escalation path {n}")
    vendor = factory.SubFactory(VendorFactory)
    contract = None
    tier = ""


class EscalationLevelFactory(DjangoModelFactory):
    class Meta:
        model = EscalationLevel

    path = factory.SubFactory(EscalationPathFactory)
    level = factory.LazyAttribute(lambda o: o.path.levels.count() + 1 if o.path.pk else 1)
    name = factory.LazyAttribute(lambda o: f"Level {o.level}")
    internal_role = "Vendor manager"
    vendor_role = "Account manager"
    time_limit_hours = 24


class AuditEventFactory(DjangoModelFactory):
    """A trail entry about a contract; ``vendor_id`` follows the object unless given."""

    class Meta:
        model = AuditEvent
        exclude = ("obj",)

    obj = factory.SubFactory(ContractFactory)
    actor = None
    action = "contracts.contract.updated"
    object_type = factory.LazyAttribute(lambda o: o.obj._meta.label_lower)
    object_id = factory.LazyAttribute(lambda o: str(o.obj.pk))
    object_repr = factory.LazyAttribute(lambda o: str(o.obj)[:200])
    vendor_id = factory.LazyAttribute(lambda o: policy.vendor_id_of(o.obj))
    changes = factory.LazyFunction(lambda: {"title": ["Old title", "New title"]})


# ---- Engine output (results, breaches, scorecards) as the engine would write it ------------------------


class ServiceLevelResultFactory(DjangoModelFactory):
    """A breached March 2026 result of a monthly service level (figures in the metric's unit)."""

    class Meta:
        model = ServiceLevelResult
        django_get_or_create = ("service_level", "period_start")

    service_level = factory.SubFactory(ServiceLevelFactory)
    period_start = dt.date(2026, 3, 1)
    period_end = dt.date(2026, 3, 31)
    attained = Decimal("97.2")
    sample_count = 31
    target = factory.LazyAttribute(lambda o: o.service_level.target)
    minimum = factory.LazyAttribute(lambda o: o.service_level.minimum)
    outcome = Outcome.BREACHED


class BreachFactory(DjangoModelFactory):
    """An open breach of the same period as ``ServiceLevelResultFactory``, response due in April."""

    class Meta:
        model = Breach
        django_get_or_create = ("service_level", "period_start")

    service_level = factory.SubFactory(ServiceLevelFactory)
    period_start = dt.date(2026, 3, 1)
    period_end = dt.date(2026, 3, 31)
    kind = BreachKind.MISSED_TARGET
    severity = BreachSeverity.MEDIUM
    status = BreachStatus.OPEN
    response_due_at = factory.LazyFunction(lambda: dt.datetime(2026, 4, 10, 15, 0, tzinfo=dt.UTC))


class ScorecardFactory(DjangoModelFactory):
    class Meta:
        model = Scorecard
        django_get_or_create = ("vendor", "period_start")

    vendor = factory.SubFactory(VendorFactory)
    period_start = dt.date(2026, 3, 1)
    period_end = dt.date(2026, 3, 31)
    score = Decimal("0.00")
    quality_score = Decimal("0.00")
    result_count = 1
    band = "Red"
    rag = "red"
