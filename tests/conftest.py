"""Shared fixtures named for the actors of the portal, and a two-vendor portfolio to test isolation on."""

from types import SimpleNamespace

import pytest
from django.test import Client

from accounts.models import Role
from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 at full strength would dominate the run time of the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_email_rate_limits(settings):
    # The counters live in the cache, which outlives a test; tests/test_security_hardening.py sets
    # real limits and fresh keys.
    settings.EMAIL_RATE_PER_ADDRESS = settings.EMAIL_RATE_PER_CLIENT = (1_000_000, 3600)


@pytest.fixture
def manager(db):
    return factories.InternalUserFactory(email="manager@portal.test", full_name="Mona Manager")


@pytest.fixture
def viewer(db):
    return factories.InternalUserFactory(
        email="viewer@portal.test", full_name="Victor Viewer", role=Role.VIEWER
    )


@pytest.fixture
def auditor(db):
    return factories.InternalUserFactory(
        email="auditor@portal.test", full_name="Audrey Auditor", role=Role.AUDITOR
    )


@pytest.fixture
def admin_user(db):
    return factories.InternalUserFactory(
        email="admin@portal.test", full_name="Ada Admin", role=Role.ADMIN, is_staff=True, is_superuser=True
    )


@pytest.fixture
def vendor_a(db):
    return factories.VendorFactory(name="Acme Test")


@pytest.fixture
def vendor_b(db):
    return factories.VendorFactory(name="Globex Test")


@pytest.fixture
def vendor_a_user(vendor_a):
    return factories.VendorUserFactory(email="user@acme.test", full_name="Alice Acme", vendor=vendor_a)


@pytest.fixture
def vendor_a_admin(vendor_a):
    return factories.VendorUserFactory(
        email="admin@acme.test", full_name="Arthur Acme", vendor=vendor_a, role=Role.VENDOR_ADMIN
    )


@pytest.fixture
def vendor_b_user(vendor_b):
    return factories.VendorUserFactory(email="user@globex.test", full_name="Bob Globex", vendor=vendor_b)


@pytest.fixture
def vendor_b_admin(vendor_b):
    return factories.VendorUserFactory(
        email="admin@globex.test", full_name="Bea Globex", vendor=vendor_b, role=Role.VENDOR_ADMIN
    )


@pytest.fixture
def client_for():
    """A test client already logged in as ``user``."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def _relationship(vendor, metric, manager):
    msa = factories.ContractFactory(vendor=vendor, owner=manager, title=f"{vendor.name} MSA")
    sow = factories.SOWFactory(
        vendor=vendor, parent=msa, owner=manager, title=f"{vendor.name} service desk SOW"
    )
    contact = factories.VendorContactFactory(vendor=vendor, is_primary=True, is_escalation_contact=True)
    service_level = factories.ServiceLevelFactory(contract=sow, metric=metric)
    escalation_path = factories.EscalationPathFactory(vendor=vendor, name=f"{vendor.name} escalation")
    return SimpleNamespace(
        vendor=vendor,
        msa=msa,
        sow=sow,
        deliverable=factories.DeliverableFactory(contract=sow, approver=manager),
        contact=contact,
        service_level=service_level,
        measurement=factories.MeasurementFactory(service_level=service_level),
        role_assignment=factories.RoleAssignmentFactory(vendor=vendor, contract=sow, contact=contact),
        escalation_path=escalation_path,
        escalation_level=factories.EscalationLevelFactory(
            path=escalation_path, internal_person=manager, vendor_contact=contact
        ),
        audit_event=factories.AuditEventFactory(obj=sow, actor=manager),
        internal_audit_event=factories.AuditEventFactory(
            obj=sow,
            actor=manager,
            internal_only=True,
            changes={"internal_notes": ["", f"{factories.INTERNAL_MARK}: exit plan drafted."]},
        ),
    )


@pytest.fixture
def portfolio(manager, vendor_a, vendor_b):
    """One complete relationship per vendor, all sharing one catalogue metric."""
    metric = factories.MetricFactory(code="availability", name="Service availability")
    return SimpleNamespace(
        metric=metric,
        a=_relationship(vendor_a, metric, manager),
        b=_relationship(vendor_b, metric, manager),
    )
