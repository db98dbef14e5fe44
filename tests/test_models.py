"""The database keeps the invariants: each constraint rejects bad rows; clean() rules reject bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from contracts.models import ContractType, DeliverableStatus
from governance.models import EscalationPath, Side
from kpis.models import Direction, Measurement, ServiceLevel, ServiceLevelKind
from tests import factories
from vendors.models import VendorTier

pytestmark = pytest.mark.django_db


def assert_check_violated(name, make):
    """``make()`` must be refused by the database, by the CHECK constraint called ``name``."""
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        make()


def assert_unique_violated(make):
    # SQLite names the columns of a violated unique index, PostgreSQL the index: match neither.
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def assert_invalid(instance, field):
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    assert field in excinfo.value.message_dict, excinfo.value.message_dict


# --- accounts -------------------------------------------------------------------------------


def test_vendor_role_needs_a_vendor():
    assert_check_violated(
        "user_vendor_matches_role", lambda: factories.UserFactory(role=Role.VENDOR_USER, vendor=None)
    )
    assert_check_violated(
        "user_vendor_matches_role", lambda: factories.UserFactory(role=Role.VENDOR_ADMIN, vendor=None)
    )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.VIEWER, Role.AUDITOR])
def test_internal_role_must_not_have_a_vendor(role):
    vendor = factories.VendorFactory()
    assert_check_violated("user_vendor_matches_role", lambda: factories.UserFactory(role=role, vendor=vendor))


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_vendor_users_cannot_reach_the_django_admin(flag):
    vendor = factories.VendorFactory()
    assert_check_violated(
        "user_vendor_users_are_not_staff", lambda: factories.VendorUserFactory(vendor=vendor, **{flag: True})
    )


def test_valid_users_are_accepted():
    factories.InternalUserFactory(is_staff=True)
    factories.VendorUserFactory(role=Role.VENDOR_ADMIN)
    assert User.objects.count() == 2


def test_user_email_is_unique():
    factories.InternalUserFactory(email="same@portal.test")
    assert_unique_violated(lambda: factories.InternalUserFactory(email="same@portal.test"))


# --- vendors --------------------------------------------------------------------------------


def test_one_primary_contact_per_vendor():
    vendor = factories.VendorFactory()
    factories.VendorContactFactory(vendor=vendor, is_primary=True)
    factories.VendorContactFactory(vendor=vendor, is_primary=False)
    factories.VendorContactFactory(is_primary=True)  # another vendor's primary contact is fine
    assert_unique_violated(lambda: factories.VendorContactFactory(vendor=vendor, is_primary=True))
    assert vendor.contacts.filter(is_primary=True).count() == 1


def test_contact_email_is_unique_per_vendor_but_blank_may_repeat():
    vendor = factories.VendorFactory()
    factories.VendorContactFactory(vendor=vendor, email="ops@vendor.test")
    factories.VendorContactFactory(email="ops@vendor.test")
    factories.VendorContactFactory(vendor=vendor, email="")
    factories.VendorContactFactory(vendor=vendor, email="")
    assert_unique_violated(lambda: factories.VendorContactFactory(vendor=vendor, email="ops@vendor.test"))


# --- contracts ------------------------------------------------------------------------------


def test_contract_term_cannot_end_before_it_starts():
    assert_check_violated(
        "contract_term_ends_after_start",
        lambda: factories.ContractFactory(
            start_date=dt.date(2026, 5, 1), initial_term_end=dt.date(2026, 4, 30)
        ),
    )
    factories.ContractFactory(start_date=dt.date(2026, 5, 1), initial_term_end=dt.date(2026, 5, 1))


def test_contract_term_end_before_start_is_a_validation_error():
    contract = factories.ContractFactory.build(
        vendor=factories.VendorFactory(),
        start_date=dt.date(2026, 5, 1),
        initial_term_end=dt.date(2026, 4, 30),
    )
    with pytest.raises(ValidationError, match="must end on or after the start date"):
        contract.full_clean()


def test_msa_cannot_have_a_parent():
    msa = factories.ContractFactory()
    assert_check_violated(
        "contract_msa_has_no_parent",
        lambda: factories.ContractFactory(vendor=msa.vendor, contract_type=ContractType.MSA, parent=msa),
    )


def test_order_needs_a_parent():
    assert_check_violated(
        "contract_order_has_parent",
        lambda: factories.ContractFactory(contract_type=ContractType.ORDER, parent=None),
    )
    sow = factories.SOWFactory()
    factories.ContractFactory(vendor=sow.vendor, contract_type=ContractType.ORDER, parent=sow)


def test_at_risk_percent_stays_within_0_and_100():
    assert_check_violated(
        "contract_at_risk_percent_range", lambda: factories.ContractFactory(at_risk_percent=Decimal("100.01"))
    )
    assert_check_violated(
        "contract_charges_not_negative", lambda: factories.ContractFactory(monthly_charge=Decimal("-1"))
    )


def test_parent_of_another_vendor_is_rejected_by_clean():
    msa_of_other_vendor = factories.ContractFactory()
    sow = factories.SOWFactory.build(vendor=factories.VendorFactory(), parent=msa_of_other_vendor)
    assert_invalid(sow, "parent")


def test_contract_cannot_be_its_own_parent_nor_sit_under_an_order():
    sow = factories.SOWFactory()
    sow.parent = sow
    assert_invalid(sow, "parent")
    order = factories.ContractFactory(vendor=sow.vendor, contract_type=ContractType.ORDER, parent=sow)
    child = factories.ContractFactory.build(vendor=sow.vendor, contract_type=ContractType.ORDER, parent=order)
    assert_invalid(child, "parent")


def test_sow_under_its_own_vendors_msa_is_valid():
    sow = factories.SOWFactory()
    sow.full_clean()
    assert sow.parent.vendor_id == sow.vendor_id
    assert sow.parent.contract_type == ContractType.MSA


def test_accepted_deliverable_records_who_accepted_it():
    assert_check_violated(
        "deliverable_accepted_has_acceptor",
        lambda: factories.DeliverableFactory(status=DeliverableStatus.ACCEPTED, accepted_by=None),
    )


# --- kpis -----------------------------------------------------------------------------------


def test_service_level_is_unique_per_contract_and_metric():
    service_level = factories.ServiceLevelFactory()
    factories.ServiceLevelFactory(metric=service_level.metric)  # same metric on another contract
    assert_unique_violated(
        lambda: factories.ServiceLevelFactory(contract=service_level.contract, metric=service_level.metric)
    )
    assert ServiceLevel.objects.filter(metric=service_level.metric).count() == 2


@pytest.mark.parametrize(
    ("direction", "target", "minimum", "valid"),
    [
        (Direction.HIGHER, "99.5", "98", True),
        (Direction.HIGHER, "99.5", "99.5", True),
        (Direction.HIGHER, "99.5", "99.6", False),
        (Direction.LOWER, "4", "8", True),
        (Direction.LOWER, "4", "4", True),
        (Direction.LOWER, "4", "3.9", False),
    ],
)
def test_minimum_sits_on_the_bad_side_of_the_target(direction, target, minimum, valid):
    metric = factories.MetricFactory(direction=direction)
    service_level = factories.ServiceLevelFactory.build(
        contract=factories.SOWFactory(), metric=metric, target=Decimal(target), minimum=Decimal(minimum)
    )
    if valid:
        service_level.full_clean()
    else:
        assert_invalid(service_level, "minimum")


def test_only_critical_service_levels_carry_a_credit_allocation():
    assert_check_violated(
        "servicelevel_credit_only_for_csl",
        lambda: factories.ServiceLevelFactory(
            kind=ServiceLevelKind.KPI, credit_allocation_percent=Decimal("20")
        ),
    )
    factories.ServiceLevelFactory(kind=ServiceLevelKind.CSL, credit_allocation_percent=Decimal("20"))


def test_service_level_cannot_end_before_it_starts():
    assert_check_violated(
        "servicelevel_effective_range",
        lambda: factories.ServiceLevelFactory(
            effective_from=dt.date(2026, 6, 1), effective_to=dt.date(2026, 5, 31)
        ),
    )


def test_metric_range_is_ordered():
    assert_check_violated(
        "metric_value_range_ordered",
        lambda: factories.MetricFactory(min_value=Decimal("100"), max_value=Decimal("0")),
    )


@pytest.mark.parametrize("denominator", ["0", "-5"])
def test_measurement_denominator_must_be_positive(denominator):
    assert_check_violated(
        "measurement_denominator_positive",
        lambda: factories.MeasurementFactory(denominator=Decimal(denominator)),
    )


def test_correction_needs_a_reason():
    original = factories.MeasurementFactory()
    assert_check_violated(
        "measurement_correction_has_reason",
        lambda: factories.MeasurementFactory(
            service_level=original.service_level, supersedes=original, correction_reason=""
        ),
    )


def test_a_measurement_is_superseded_at_most_once():
    original = factories.MeasurementFactory()
    factories.MeasurementFactory(
        service_level=original.service_level, supersedes=original, correction_reason="Ticket export was late."
    )
    assert_unique_violated(
        lambda: factories.MeasurementFactory(
            service_level=original.service_level, supersedes=original, correction_reason="Second opinion."
        )
    )
    assert Measurement.objects.filter(supersedes=original).count() == 1


# --- governance -----------------------------------------------------------------------------


def test_role_assignment_names_exactly_one_holder():
    vendor = factories.VendorFactory()
    contact = factories.VendorContactFactory(vendor=vendor)
    person = factories.VendorUserFactory(vendor=vendor)
    assert_check_violated(
        "roleassignment_person_or_contact",
        lambda: factories.RoleAssignmentFactory(vendor=vendor, contact=contact, person=person),
    )
    assert_check_violated(
        "roleassignment_person_or_contact",
        lambda: factories.RoleAssignmentFactory(vendor=vendor, contact=None, person=None),
    )
    factories.RoleAssignmentFactory(vendor=vendor, contact=None, person=person)


def test_vendor_contact_holds_only_vendor_side_roles():
    assert_check_violated(
        "roleassignment_contact_is_vendor_side", lambda: factories.RoleAssignmentFactory(side=Side.INTERNAL)
    )


def test_role_assignment_holder_must_match_side_and_vendor():
    vendor = factories.VendorFactory()
    other_vendor_user = factories.VendorUserFactory()
    internal = factories.InternalUserFactory()
    wrong_vendor = factories.RoleAssignmentFactory.build(
        vendor=vendor, contact=None, person=other_vendor_user, side=Side.VENDOR
    )
    assert_invalid(wrong_vendor, "person")
    vendor_user_on_internal_side = factories.RoleAssignmentFactory.build(
        vendor=other_vendor_user.vendor, contact=None, person=other_vendor_user, side=Side.INTERNAL
    )
    assert_invalid(vendor_user_on_internal_side, "person")
    factories.RoleAssignmentFactory.build(
        vendor=vendor, contact=None, person=internal, side=Side.INTERNAL
    ).full_clean()
    foreign_contact = factories.RoleAssignmentFactory.build(
        vendor=vendor, contact=factories.VendorContactFactory()
    )
    assert_invalid(foreign_contact, "contact")


def test_escalation_level_is_unique_per_path():
    level = factories.EscalationLevelFactory(level=1)
    factories.EscalationLevelFactory(path=level.path, level=2)
    assert_unique_violated(lambda: factories.EscalationLevelFactory(path=level.path, level=1))
    assert_check_violated("escalationlevel_level_positive", lambda: factories.EscalationLevelFactory(level=0))
    assert_check_violated(
        "escalationlevel_time_positive", lambda: factories.EscalationLevelFactory(time_limit_hours=0)
    )


def test_escalation_path_scopes_that_are_allowed():
    sow = factories.SOWFactory()
    factories.EscalationPathFactory(vendor=sow.vendor, contract=sow)
    factories.EscalationPathFactory(vendor=sow.vendor)
    factories.EscalationPathFactory(vendor=None, tier=VendorTier.CRITICAL)
    assert EscalationPath.objects.count() == 3


@pytest.mark.parametrize(
    "scope",
    [
        pytest.param({"vendor": False, "contract": False, "tier": ""}, id="nothing"),
        pytest.param({"vendor": True, "contract": False, "tier": VendorTier.HIGH}, id="vendor-and-tier"),
        pytest.param({"vendor": False, "contract": True, "tier": ""}, id="contract-without-vendor"),
        pytest.param({"vendor": True, "contract": True, "tier": VendorTier.HIGH}, id="contract-and-tier"),
    ],
)
def test_escalation_path_scopes_that_are_refused(scope):
    sow = factories.SOWFactory()
    assert_check_violated(
        "escalationpath_one_scope",
        lambda: factories.EscalationPathFactory(
            vendor=sow.vendor if scope["vendor"] else None,
            contract=sow if scope["contract"] else None,
            tier=scope["tier"],
        ),
    )


def test_one_vendor_wide_path_per_vendor_and_one_default_per_tier():
    path = factories.EscalationPathFactory()
    sow = factories.SOWFactory(vendor=path.vendor)
    factories.EscalationPathFactory(vendor=path.vendor, contract=sow)  # contract paths are extra
    assert_unique_violated(lambda: factories.EscalationPathFactory(vendor=path.vendor))
    factories.EscalationPathFactory(vendor=None, tier=VendorTier.LOW)
    assert_unique_violated(lambda: factories.EscalationPathFactory(vendor=None, tier=VendorTier.LOW))


def test_contract_path_belongs_to_the_contracts_vendor():
    sow = factories.SOWFactory()
    path = factories.EscalationPathFactory.build(vendor=factories.VendorFactory(), contract=sow)
    assert_invalid(path, "vendor")
