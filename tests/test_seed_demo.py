"""The demo portfolio: realistic content, demo logins only under DEBUG, a second run changes nothing."""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Max, Min, Sum
from django.test import RequestFactory

from accounts.models import AuditEvent, Role, User
from contracts.models import Contract, ContractType, Deliverable, DeliverableStatus
from governance.models import EscalationPath, Raci, RoleAssignment
from governance.services.review_feed import METRIC_CODE as REVIEW_METRIC
from kpis.models import (
    Aggregation,
    Direction,
    Measurement,
    MeasurementPeriod,
    Metric,
    ServiceLevel,
    ServiceLevelKind,
)
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.demo.figures import history_start
from vendors.models import Vendor, VendorStatus, VendorTier

DEMO_LOGINS = {
    "admin@example.com": (Role.ADMIN, None),
    "manager@example.com": (Role.MANAGER, None),
    "viewer@example.com": (Role.VIEWER, None),
    "auditor@example.com": (Role.AUDITOR, None),
    "ops@acme.example.com": (Role.VENDOR_ADMIN, "Acme Managed Services"),
    "ops@globex.example.com": (Role.VENDOR_ADMIN, "Globex Cloud"),
}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


@pytest.fixture
def seeded(db, debug):
    return seed_demo()


def _login(email, password):
    return authenticate(RequestFactory().post("/accounts/login/"), email=email, password=password)


def _table_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_portfolio_has_vendors_across_tiers_and_statuses(seeded):
    vendors = Vendor.objects.all()
    assert vendors.count() >= 8
    assert vendors.get(name="Acme Managed Services").tier == VendorTier.CRITICAL
    assert vendors.get(name="Globex Cloud").tier == VendorTier.HIGH
    assert set(vendors.values_list("tier", flat=True)) == set(VendorTier.values)
    assert set(vendors.values_list("status", flat=True)) == set(VendorStatus.values)
    for vendor in vendors.annotate(n=Count("contacts")):
        assert 2 <= vendor.n <= 3, vendor
        assert vendor.contacts.filter(is_primary=True).count() == 1
        assert vendor.internal_owner is not None and vendor.service_categories.exists()


def test_contracts_form_msa_sow_order_hierarchies(seeded):
    contracts = Contract.objects.all()
    assert contracts.count() >= 15
    sow = contracts.get(reference="ACME-SOW-01")
    assert sow.parent.reference == "ACME-MSA-2023"
    assert contracts.filter(contract_type=ContractType.ORDER, parent=sow).exists()
    for contract in contracts.filter(contract_type=ContractType.SOW, monthly_charge__gt=0):
        assert Decimal(10) <= contract.at_risk_percent <= Decimal(15), contract
    today = date.today()
    ending_or_at_notice = [
        c
        for c in contracts
        if 0 <= (c.initial_term_end - today).days <= 90
        or 0 <= (c.initial_term_end - today).days - c.notice_period_days <= 90
    ]
    assert len(ending_or_at_notice) >= 2
    statuses = set(Deliverable.objects.values_list("status", flat=True))
    assert {DeliverableStatus.ACCEPTED, DeliverableStatus.PLANNED} <= statuses
    assert Deliverable.objects.filter(status=DeliverableStatus.PLANNED, due_date__lt=today).exists()


def test_catalogue_and_service_levels_follow_the_field(seeded):
    assert Metric.objects.count() >= 15
    assert Metric.objects.get(code="availability").aggregation == Aggregation.AVG
    assert Metric.objects.get(code="incidents-resolved-in-target").aggregation == Aggregation.RATIO
    service_levels = ServiceLevel.objects.select_related("metric", "contract")
    assert service_levels.count() >= 40
    for sl in service_levels:
        if sl.metric.direction == Direction.HIGHER:
            assert sl.minimum <= sl.target, sl
        else:
            assert sl.minimum >= sl.target, sl
        if sl.kind == ServiceLevelKind.KPI:
            assert sl.credit_allocation_percent == 0
        if sl.metric.code == REVIEW_METRIC:
            continue  # in force from the first signed review on, not over the figures' history
        assert sl.effective_from == max(sl.contract.start_date, history_start(date.today()))
    csl_share = service_levels.filter(kind=ServiceLevelKind.CSL).count() / service_levels.count()
    assert 0.25 <= csl_share <= 0.45
    pools = (
        ServiceLevel.objects.filter(kind=ServiceLevelKind.CSL)
        .values("contract")
        .annotate(pool=Sum("credit_allocation_percent"))
    )
    assert pools and all(150 <= row["pool"] <= 250 for row in pools)
    assert set(service_levels.values_list("period", flat=True)) == set(MeasurementPeriod.values)


def test_a_year_of_measurements_with_missing_periods_and_corrections(seeded):
    span = Measurement.objects.aggregate(first=Min("measured_on"), last=Max("measured_on"))
    assert (span["last"] - span["first"]).days >= 365
    assert span["last"] < date.today()

    months = defaultdict(set)
    monthly = Measurement.objects.filter(service_level__period=MeasurementPeriod.MONTHLY)
    for sl_id, day in monthly.values_list("service_level_id", "measured_on"):
        months[sl_id].add((day.year, day.month))
    gaps = 0
    for reported in months.values():
        first, last = min(reported), max(reported)
        expected = {
            (y, m) for y in range(first[0], last[0] + 1) for m in range(1, 13) if first <= (y, m) <= last
        }
        gaps += len(expected - reported)
    assert gaps >= 1

    corrections = Measurement.objects.filter(supersedes__isnull=False).select_related("supersedes")
    assert corrections.exists()
    for correction in corrections:
        assert correction.correction_reason and correction.is_current
        assert not correction.supersedes.is_current
    ratio = Measurement.objects.filter(service_level__metric__aggregation=Aggregation.RATIO)
    assert not ratio.filter(denominator__isnull=True).exists()
    assert Measurement.objects.filter(submitted_by__role=Role.VENDOR_USER).exists()


def test_globex_availability_misses_the_minimum_in_recent_months(seeded):
    sl = ServiceLevel.objects.get(contract__reference="GLOBEX-SOW-01", metric__code="availability")
    latest = sl.measurements.filter(is_current=True).aggregate(last=Max("measured_on"))["last"]
    month = latest.replace(day=1)
    previous = (
        month.replace(year=month.year - 1, month=12)
        if month.month == 1
        else month.replace(month=month.month - 1)
    )
    values = sl.measurements.filter(is_current=True, measured_on__gte=previous, measured_on__lt=month)
    average = sum(m.value for m in values) / len(values)
    assert average < sl.minimum


def test_governance_raci_and_escalation(seeded):
    acme = Vendor.objects.get(name="Acme Managed Services")
    areas = set(RoleAssignment.objects.filter(vendor=acme).values_list("area", flat=True))
    assert areas == {"Service delivery", "Commercial", "Security", "Change management"}
    accountable = (
        RoleAssignment.objects.filter(raci=Raci.ACCOUNTABLE).values("vendor", "area").annotate(n=Count("id"))
    )
    assert accountable and all(row["n"] == 1 for row in accountable)
    assert RoleAssignment.objects.filter(vendor=acme, contact__isnull=False).exists()
    assert RoleAssignment.objects.filter(vendor=acme, person__isnull=False).exists()
    for tier in VendorTier.values:
        path = EscalationPath.objects.get(vendor__isnull=True, tier=tier)
        assert list(path.levels.values_list("name", "time_limit_hours")) == [
            ("Operational", 24),
            ("Management", 72),
            ("Executive", 168),
        ]
    for name in ("Acme Managed Services", "Globex Cloud"):
        path = EscalationPath.objects.get(vendor__name=name, contract__isnull=True)
        assert path.levels.count() == 3
        assert not path.levels.filter(vendor_contact__isnull=True).exists()
        assert not path.levels.filter(internal_person__isnull=True).exists()


def test_vendors_and_contracts_are_in_the_audit_trail(seeded):
    for model, action in ((Vendor, "vendors.vendor.created"), (Contract, "contracts.contract.created")):
        ids = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
        audited = set(AuditEvent.objects.filter(action=action).values_list("object_id", flat=True))
        assert ids == audited


def test_demo_users_log_in_with_the_demo_password_under_debug(seeded):
    for email, (role, vendor_name) in DEMO_LOGINS.items():
        user = _login(email, DEMO_PASSWORD)
        assert user is not None, email
        assert user.role == role
        assert (user.vendor.name if user.vendor else None) == vendor_name
    for vendor_name in ("Acme Managed Services", "Globex Cloud"):
        assert User.objects.filter(vendor__name=vendor_name, role=Role.VENDOR_USER).exists()
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.get(email="manager@example.com").full_name == "Maria Manager"
    assert User.objects.filter(role=Role.MANAGER).count() >= 2


def test_running_twice_changes_nothing(seeded):
    before = _table_counts()
    second = seed_demo()
    assert sum(second.created.values()) == 0
    assert _table_counts() == before


def test_the_command_prints_a_one_line_summary(db, debug):
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert "vendors" in lines[0] and "measurements" in lines[0]


def test_outside_debug_demo_passwords_are_refused(db, settings):
    settings.DEBUG = False
    err = StringIO()
    call_command("seed_demo", stdout=StringIO(), stderr=err)
    assert "refused outside DEBUG" in err.getvalue()
    assert User.objects.filter(email="manager@example.com").exists()
    assert _login("manager@example.com", DEMO_PASSWORD) is None
    assert not User.objects.get(email="manager@example.com").has_usable_password()


def test_outside_debug_an_earlier_demo_password_is_disabled(seeded, settings):
    settings.DEBUG = False
    before = _table_counts()
    result = seed_demo()
    assert _table_counts() == before
    assert any("admin@example.com" in warning for warning in result.warnings)
    assert _login("admin@example.com", DEMO_PASSWORD) is None


def _figures():
    # Review scores come from the signed demo reviews, which a second seed finds and leaves alone.
    generated = Measurement.objects.exclude(service_level__metric__code=REVIEW_METRIC)
    ordered = generated.order_by("service_level__contract__reference", "measured_on", "pk")
    return list(ordered.values_list("service_level__metric__code", "measured_on", "value", "denominator"))


def test_figures_are_the_same_on_every_fresh_seed(db, debug):
    now = datetime.fromisoformat("2026-03-15T10:00:00+00:00")
    seed_demo(now=now)
    first = _figures()
    # Corrections first: the rows they supersede are protected while they exist.
    Measurement.objects.filter(supersedes__isnull=False).delete()
    Measurement.objects.all().delete()
    seed_demo(now=now)
    assert _figures() == first
