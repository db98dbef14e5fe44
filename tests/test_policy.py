"""The access policy: who sees which rows, who may do what, and what vendor users never see."""

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts import policy
from accounts.models import AuditEvent, Role
from accounts.policy import Action
from contracts.models import Contract, Deliverable
from governance.models import EscalationLevel, EscalationPath, RoleAssignment
from kpis.models import Measurement, Metric, ServiceLevel
from tests import factories
from vendors.models import Vendor, VendorContact, VendorTier

pytestmark = pytest.mark.django_db

INTERNAL_ACTORS = ["manager", "viewer", "auditor", "admin_user"]
PROJECT_APPS = ["accounts", "vendors", "contracts", "kpis", "governance", "portal"]

# Each vendor-owned model with the portfolio attribute holding one row of it per vendor.
VENDOR_OWNED = [
    (Vendor, "vendor"),
    (VendorContact, "contact"),
    (Contract, "sow"),
    (Deliverable, "deliverable"),
    (ServiceLevel, "service_level"),
    (Measurement, "measurement"),
    (RoleAssignment, "role_assignment"),
    (EscalationPath, "escalation_path"),
    (EscalationLevel, "escalation_level"),
    (AuditEvent, "audit_event"),
]
VENDOR_OWNED_IDS = [model.__name__ for model, _ in VENDOR_OWNED]


def project_models():
    return [model for app in PROJECT_APPS for model in apps.get_app_config(app).get_models()]


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("actor", INTERNAL_ACTORS)
@pytest.mark.parametrize(("model", "attr"), VENDOR_OWNED, ids=VENDOR_OWNED_IDS)
def test_internal_roles_see_every_row(request, portfolio, actor, model, attr):
    user = request.getfixturevalue(actor)
    visible = ids(policy.scope(user, model.objects.all()))
    assert visible == ids(model.objects.all())
    assert {getattr(portfolio.a, attr).pk, getattr(portfolio.b, attr).pk} <= visible


@pytest.mark.parametrize(
    ("actor", "own", "other"),
    [("vendor_a_user", "a", "b"), ("vendor_a_admin", "a", "b"), ("vendor_b_user", "b", "a")],
)
@pytest.mark.parametrize(("model", "attr"), VENDOR_OWNED, ids=VENDOR_OWNED_IDS)
def test_vendor_users_see_only_their_vendors_rows(request, portfolio, actor, own, other, model, attr):
    user = request.getfixturevalue(actor)
    visible = policy.scope(user, model.objects.all())
    assert getattr(getattr(portfolio, own), attr).pk in ids(visible)
    assert getattr(getattr(portfolio, other), attr).pk not in ids(visible)
    assert {policy.vendor_id_of(obj) for obj in visible} == {user.vendor_id}


@pytest.mark.parametrize(("model", "attr"), VENDOR_OWNED, ids=VENDOR_OWNED_IDS)
def test_anonymous_and_inactive_users_see_nothing(portfolio, manager, vendor_a_user, model, attr):
    assert not policy.scope(AnonymousUser(), model.objects.all()).exists()
    assert not policy.scope(None, model.objects.all()).exists()
    for user in (manager, vendor_a_user):
        user.is_active = False
        assert not policy.scope(user, model.objects.all()).exists()


def test_metric_catalogue_is_invisible_to_vendor_users_through_scope(portfolio, manager, vendor_a_user):
    assert Metric.policy_vendor_path is None
    assert ids(policy.scope(manager, Metric.objects.all())) == {portfolio.metric.pk}
    assert not policy.scope(vendor_a_user, Metric.objects.all()).exists()
    assert not policy.can(vendor_a_user, Action.VIEW, portfolio.metric)
    assert policy.can(manager, Action.VIEW, portfolio.metric)


def test_internal_only_audit_events_are_hidden_from_vendor_users(portfolio, manager, vendor_a_user):
    internal = factories.AuditEventFactory(
        obj=portfolio.a.sow, internal_only=True, changes={"internal_notes": ["", "Vendor is struggling."]}
    )
    assert internal.pk in ids(policy.scope(manager, AuditEvent.objects.all()))
    assert internal.pk not in ids(policy.scope(vendor_a_user, AuditEvent.objects.all()))
    assert portfolio.a.audit_event.pk in ids(policy.scope(vendor_a_user, AuditEvent.objects.all()))
    assert not policy.can(vendor_a_user, Action.VIEW, internal)
    assert policy.can(vendor_a_user, Action.VIEW, portfolio.a.audit_event)
    assert policy.can(manager, Action.VIEW, internal)


def test_tier_default_escalation_paths_are_internal(portfolio, manager, vendor_a_user):
    tier_path = factories.EscalationPathFactory(vendor=None, tier=VendorTier.CRITICAL)
    assert tier_path.pk in ids(policy.scope(manager, EscalationPath.objects.all()))
    assert tier_path.pk not in ids(policy.scope(vendor_a_user, EscalationPath.objects.all()))


def test_users_without_a_known_role_see_nothing(portfolio, manager):
    manager.role = "intern"
    assert not policy.scope(manager, Contract.objects.all()).exists()
    assert not policy.can(manager, Action.VIEW, portfolio.a.sow)


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_every_models_vendor_path_is_a_valid_lookup(portfolio, vendor_a_user, model):
    # A typo in policy_vendor_path would only surface as a crash on some vendor user's page.
    list(policy.scope(vendor_a_user, model.objects.all()))
    for name in policy.internal_fields(model):
        model._meta.get_field(name)


def test_get_visible_or_404_hides_other_vendors_objects(portfolio, vendor_a_user, vendor_b_user, manager):
    contracts = Contract.objects.all()
    assert policy.get_visible_or_404(vendor_a_user, contracts, pk=portfolio.a.sow.pk) == portfolio.a.sow
    assert policy.get_visible_or_404(manager, contracts, pk=portfolio.b.sow.pk) == portfolio.b.sow
    with pytest.raises(Http404):
        policy.get_visible_or_404(vendor_b_user, contracts, pk=portfolio.a.sow.pk)
    with pytest.raises(Http404):
        policy.get_visible_or_404(vendor_a_user, Measurement.objects.all(), pk=portfolio.b.measurement.pk)
    with pytest.raises(Http404):
        policy.get_visible_or_404(vendor_a_user, Metric.objects.all(), pk=portfolio.metric.pk)


def test_viewer_cannot_change_and_manager_can(portfolio, viewer, manager, auditor, admin_user):
    contract = portfolio.a.sow
    assert policy.can(viewer, Action.VIEW, contract)
    for action in (Action.CREATE, Action.CHANGE, Action.DELETE):
        assert not policy.can(viewer, action, contract)
        assert policy.can(manager, action, contract)
        assert policy.can(admin_user, action, contract)
        assert not policy.can(auditor, action, contract)
    assert policy.can(auditor, Action.RECORD_AUDIT, contract)
    assert not policy.can(viewer, Action.VIEW_AUDIT, Contract)


def test_vendor_user_submits_measurements_only_for_its_own_vendor(portfolio, vendor_a_user):
    assert policy.can(vendor_a_user, Action.SUBMIT, portfolio.a.measurement)
    assert policy.can(vendor_a_user, Action.SUBMIT, Measurement)
    assert not policy.can(vendor_a_user, Action.SUBMIT, portfolio.b.measurement)
    assert not policy.can(vendor_a_user, Action.VIEW, portfolio.b.measurement)


def test_vendor_user_cannot_change_contracts(portfolio, vendor_a_user, vendor_a_admin):
    for user in (vendor_a_user, vendor_a_admin):
        assert policy.can(user, Action.VIEW, portfolio.a.sow)
        assert not policy.can(user, Action.CHANGE, portfolio.a.sow)
        assert not policy.can(user, Action.CHANGE, Contract)
        assert not policy.can(user, Action.DELETE, portfolio.a.sow)
        # Submitting is a measurement action, not something a vendor does to a contract.
        assert not policy.can(user, Action.SUBMIT, portfolio.a.sow)


def test_inactive_users_can_do_nothing(portfolio, manager, vendor_a_user):
    manager.is_active = False
    vendor_a_user.is_active = False
    assert not policy.can(manager, Action.VIEW, portfolio.a.sow)
    assert not policy.can(vendor_a_user, Action.SUBMIT, portfolio.a.measurement)
    assert not policy.can(AnonymousUser(), Action.VIEW, portfolio.a.sow)


def test_only_admins_and_vendor_admins_manage_users(vendor_a_admin, vendor_a_user, manager, admin_user):
    assert policy.role_allows(vendor_a_admin, Action.MANAGE_USERS)
    assert not policy.role_allows(vendor_a_user, Action.MANAGE_USERS)
    assert policy.role_allows(admin_user, Action.MANAGE_USERS)
    assert not policy.role_allows(manager, Action.MANAGE_USERS)


def test_vendor_admin_manages_only_its_own_organisations_users(vendor_a_admin, vendor_a_user, vendor_b_user):
    assert policy.can(vendor_a_admin, Action.MANAGE_USERS, vendor_a_user)
    assert not policy.can(vendor_a_admin, Action.MANAGE_USERS, vendor_b_user)
    assert not policy.can(vendor_a_user, Action.MANAGE_USERS, vendor_a_admin)


def test_sees_internal_only_for_active_internal_users(manager, viewer, vendor_a_user, vendor_a_admin):
    assert policy.sees_internal(manager)
    assert policy.sees_internal(viewer)
    assert not policy.sees_internal(vendor_a_user)
    assert not policy.sees_internal(vendor_a_admin)
    assert not policy.sees_internal(AnonymousUser())
    manager.is_active = False
    assert not policy.sees_internal(manager)


def test_visible_fields_hide_internal_fields_from_vendor_users(manager, vendor_a_user):
    fields = ["reference", "title", "internal_notes", "total_value", "monthly_charge", "at_risk_percent"]
    assert policy.visible_fields(manager, Contract, fields) == fields
    assert policy.visible_fields(vendor_a_user, Contract, fields) == ["reference", "title", "at_risk_percent"]
    assert policy.visible_fields(vendor_a_user, Vendor, ["name", "internal_owner"]) == ["name"]
    assert policy.visible_fields(vendor_a_user, VendorContact, ["name", "notes"]) == ["name"]
    assert policy.visible_fields(vendor_a_user, ServiceLevel, ["target", "credit_allocation_percent"]) == [
        "target"
    ]


class ContractPickForm(forms.Form):
    contract = forms.ModelChoiceField(queryset=Contract.objects.all())


def test_scope_form_choices_limits_model_choice_fields(portfolio, vendor_a_user, manager):
    form = ContractPickForm(data={"contract": portfolio.b.sow.pk})
    policy.scope_form_choices(vendor_a_user, form)
    assert ids(form.fields["contract"].queryset) == {portfolio.a.msa.pk, portfolio.a.sow.pk}
    assert not form.is_valid()
    assert "contract" in form.errors

    form = ContractPickForm(data={"contract": portfolio.a.sow.pk})
    policy.scope_form_choices(vendor_a_user, form)
    assert form.is_valid()
    assert form.cleaned_data["contract"] == portfolio.a.sow

    form = ContractPickForm(data={"contract": portfolio.b.sow.pk})
    policy.scope_form_choices(manager, form)
    assert form.is_valid()
    assert ids(form.fields["contract"].queryset) == ids(Contract.objects.all())


def test_role_actions_cover_every_role():
    assert set(policy.ROLE_ACTIONS) == set(Role)
