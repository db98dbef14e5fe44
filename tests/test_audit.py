"""The audit trail helpers: one event per change, written in the transaction of the change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record, audited_create, audited_delete, audited_update
from accounts.models import AuditEvent
from contracts.models import Contract, ContractType
from kpis.models import Measurement
from tests import factories
from tests.factories import INTERNAL_MARK

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def contract_data(vendor, **overrides):
    data = {
        "vendor": vendor,
        "reference": "MSA-2026-001",
        "title": "Managed service desk",
        "contract_type": ContractType.MSA,
        "start_date": dt.date(2026, 1, 1),
        "initial_term_end": dt.date(2028, 12, 31),
        "monthly_charge": Decimal("25000.00"),
    }
    return data | overrides


def test_audited_create_saves_and_records_one_event(manager, vendor_a):
    contract = audited_create(model=Contract, actor=manager, note="Signed.", **contract_data(vendor_a))

    assert Contract.objects.get(pk=contract.pk).title == "Managed service desk"
    event = AuditEvent.objects.get()
    assert event.actor == manager
    assert event.action == "contracts.contract.created"
    assert event.object_type == "contracts.contract"
    assert event.object_id == str(contract.pk)
    assert event.object_repr == "MSA-2026-001 Managed service desk"
    assert event.vendor_id == vendor_a.pk
    assert event.note == "Signed."
    assert event.changes["title"] == [None, "Managed service desk"]
    assert event.changes["vendor"] == [None, vendor_a.pk]
    assert event.changes["start_date"] == [None, "2026-01-01"]
    assert event.changes["monthly_charge"] == [None, "25000.00"]
    assert "internal_notes" not in event.changes  # blank values are not news
    assert not event.internal_only


def test_audited_update_records_only_changed_fields(manager, vendor_a):
    contract = factories.ContractFactory(
        vendor=vendor_a, title="Old title", initial_term_end=dt.date(2028, 12, 31)
    )

    _, changed = audited_update(
        instance=contract,
        actor=manager,
        data={
            "title": "New title",
            "initial_term_end": dt.date(2029, 6, 30),
            "monthly_charge": Decimal("120000.50"),
            "currency": contract.currency,
        },
    )

    assert sorted(changed) == ["initial_term_end", "monthly_charge", "title"]
    contract.refresh_from_db()
    assert contract.title == "New title"
    assert contract.initial_term_end == dt.date(2029, 6, 30)
    event = AuditEvent.objects.get()
    assert event.action == "contracts.contract.updated"
    assert event.actor == manager
    assert event.object_type == "contracts.contract"
    assert event.object_id == str(contract.pk)
    assert event.vendor_id == vendor_a.pk
    assert event.changes == {
        "title": ["Old title", "New title"],
        "initial_term_end": ["2028-12-31", "2029-06-30"],
        "monthly_charge": ["87654.00", "120000.50"],
    }
    assert not event.internal_only


def test_vendor_id_is_resolved_through_the_policy_path(manager, portfolio):
    measurement = portfolio.b.measurement
    audited_update(instance=measurement, actor=manager, data={"note": "Checked against the ticket export."})
    event = AuditEvent.objects.get(action="kpis.measurement.updated")
    assert event.vendor_id == portfolio.b.vendor.pk
    assert event.object_type == "kpis.measurement"


def test_internal_catalogue_changes_have_no_vendor(manager, portfolio):
    audited_update(instance=portfolio.metric, actor=manager, data={"unit": "percent"})
    event = AuditEvent.objects.get(action="kpis.metric.updated")
    assert event.vendor_id is None


def test_update_without_a_change_writes_nothing(manager):
    contract = factories.ContractFactory(title="Same")
    before = Contract.objects.get(pk=contract.pk).updated_at

    _, changed = audited_update(
        instance=contract, actor=manager, data={"title": "Same", "monthly_charge": Decimal("87654.00")}
    )

    assert changed == []
    assert not AuditEvent.objects.exists()
    assert Contract.objects.get(pk=contract.pk).updated_at == before


def test_values_equal_as_stored_are_not_a_change(manager):
    contract = factories.ContractFactory(monthly_charge=Decimal("100000.00"), start_date=dt.date(2026, 1, 1))
    contract.refresh_from_db()

    # What a form hands over: a Decimal without trailing zeros, a date as text.
    _, changed = audited_update(
        instance=contract,
        actor=manager,
        data={"monthly_charge": Decimal("100000"), "start_date": "2026-01-01", "vendor": contract.vendor},
    )

    assert changed == []
    assert not AuditEvent.objects.exists()


def test_changes_only_to_internal_fields_are_internal_only(manager):
    contract = factories.ContractFactory()
    audited_update(instance=contract, actor=manager, data={"internal_notes": "Vendor is struggling."})
    audited_update(instance=contract, actor=manager, data={"total_value": Decimal("5"), "title": "Renamed"})

    internal, mixed = AuditEvent.objects.order_by("id")
    assert internal.internal_only
    assert internal.changes == {
        "internal_notes": [f"{INTERNAL_MARK}: margin is thin.", "Vendor is struggling."]
    }
    assert not mixed.internal_only


def test_unknown_field_is_refused(manager):
    contract = factories.ContractFactory()
    with pytest.raises(ValueError, match="no editable fields"):
        audited_update(instance=contract, actor=manager, data={"created_at": dt.datetime(2026, 1, 1)})
    assert not AuditEvent.objects.exists()


def test_invalid_update_raises_and_writes_nothing(manager):
    contract = factories.ContractFactory(
        start_date=dt.date(2026, 1, 1), initial_term_end=dt.date(2028, 12, 31)
    )

    with pytest.raises(ValidationError, match="must end on or after the start date"):
        audited_update(instance=contract, actor=manager, data={"initial_term_end": dt.date(2025, 12, 31)})

    assert Contract.objects.get(pk=contract.pk).initial_term_end == dt.date(2028, 12, 31)
    assert not AuditEvent.objects.exists()


def test_invalid_create_raises_and_writes_nothing(manager, vendor_a):
    with pytest.raises(ValidationError) as excinfo:
        audited_create(
            model=Contract, actor=manager, **contract_data(vendor_a, initial_term_end=dt.date(2025, 12, 31))
        )
    assert "must end on or after the start date" in str(excinfo.value)
    assert not Contract.objects.exists()
    assert not AuditEvent.objects.exists()


def test_clean_rules_apply_on_update(manager, portfolio):
    sow = portfolio.a.sow
    events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        audited_update(instance=sow, actor=manager, data={"parent": portfolio.b.msa})
    assert "parent" in excinfo.value.message_dict
    assert Contract.objects.get(pk=sow.pk).parent_id == portfolio.a.msa.pk
    assert AuditEvent.objects.count() == events_before


def test_audited_delete_keeps_the_last_values(manager, portfolio):
    deliverable = portfolio.a.deliverable
    pk = deliverable.pk

    audited_delete(instance=deliverable, actor=manager, note="Duplicate.")

    assert not type(deliverable).objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="contracts.deliverable.deleted")
    assert event.object_id == str(pk)
    assert event.vendor_id == portfolio.a.vendor.pk
    assert event.changes["title"] == [deliverable.title, None]
    assert event.changes["due_date"] == ["2026-06-30", None]
    assert event.note == "Duplicate."


@pytest.mark.parametrize("helper", ["create", "update", "delete"])
def test_change_and_event_roll_back_together(manager, vendor_a, helper):
    contract = factories.ContractFactory(vendor=vendor_a, reference="KEEP-1", title="Before")
    events_before = AuditEvent.objects.count()

    with pytest.raises(Boom), transaction.atomic():
        if helper == "create":
            audited_create(model=Contract, actor=manager, **contract_data(vendor_a))
        elif helper == "update":
            audited_update(instance=contract, actor=manager, data={"title": "After"})
        else:
            audited_delete(instance=contract, actor=manager)
        assert AuditEvent.objects.count() == events_before + 1
        raise Boom

    assert AuditEvent.objects.count() == events_before
    assert list(Contract.objects.values_list("reference", "title")) == [("KEEP-1", "Before")]


def test_each_helper_writes_exactly_one_event(manager, vendor_a):
    contract = audited_create(model=Contract, actor=manager, **contract_data(vendor_a))
    audited_update(instance=contract, actor=manager, data={"title": "Renamed", "notice_period_days": 30})
    audited_delete(instance=contract, actor=manager)
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "contracts.contract.created",
        "contracts.contract.updated",
        "contracts.contract.deleted",
    ]


def test_audit_record_without_an_actor_is_a_system_event(portfolio):
    measurement = portfolio.a.measurement
    event = audit_record(actor=None, action="kpis.measurement.validated", obj=measurement)
    assert event.actor is None
    assert event.vendor_id == portfolio.a.vendor.pk
    assert event.changes == {}
    assert not event.internal_only
    assert Measurement.objects.filter(pk=measurement.pk).exists()
