"""Managers set up contracts in the portal: create and edit with the hierarchy's rules, status moves with a
reason and their history, "duplicate as new SOW", notice in months, and the daily expiry of contracts
whose term ended without renewal. Viewers, auditors and vendor users only read."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from contracts.models import (
    Contract,
    ContractStatus,
    ContractStatusChange,
    ContractType,
    NoticeAlignment,
    NoticeUnit,
    RenewalChoice,
    RenewalDecision,
    RenewalType,
)
from contracts.services import (
    contract_change_status,
    contract_create,
    contract_duplicate_as_sow,
    contract_update,
    contracts_expire_ended,
)
from contracts.tasks import expire_ended_contracts
from tests import factories

pytestmark = pytest.mark.django_db


def form_data(vendor, **overrides):
    data = {
        "vendor": vendor.pk,
        "status": "draft",
        "reference": "MSA-2027-01",
        "title": "Managed workplace MSA",
        "contract_type": "msa",
        "parent": "",
        "owner": "",
        "start_date": "2027-01-01",
        "initial_term_end": "2029-12-31",
        "renewal_type": "tacit",
        "renewal_term_months": "12",
        "notice_period_unit": "months",
        "notice_period_days": "90",
        "notice_period_months": "3",
        "notice_alignment": "quarter_end",
        "currency": "EUR",
        "total_value": "1200000",
        "monthly_charge": "40000",
        "at_risk_percent": "12",
        "scope_of_work": "End-user services for 4,000 seats.",
        "internal_notes": "",
    }
    data.update(overrides)
    return data


# ---- Create and edit -------------------------------------------------------------------------------------


def test_a_manager_creates_an_msa_and_a_sow_under_it_through_the_pages(client_for, manager, vendor_a):
    client = client_for(manager)

    response = client.post(reverse("contracts:new"), form_data(vendor_a, owner=manager.pk))

    msa = Contract.objects.get(reference="MSA-2027-01")
    assert response.status_code == 302 and response.url == msa.get_absolute_url()
    assert (msa.vendor, msa.contract_type, msa.status, msa.owner) == (vendor_a, "msa", "draft", manager)
    assert (msa.notice_period_unit, msa.notice_period_months, msa.notice_alignment) == (
        "months",
        3,
        "quarter_end",
    )
    assert msa.at_risk_percent == Decimal("12")
    created = AuditEvent.objects.get(action="contracts.contract.created", object_id=str(msa.pk))
    assert created.actor == manager and created.changes["reference"] == [None, "MSA-2027-01"]

    data = form_data(vendor_a, reference="SOW-2027-01", contract_type="sow", parent=msa.pk, status="active")
    client.post(reverse("contracts:new"), data)
    sow = Contract.objects.get(reference="SOW-2027-01")
    assert sow.parent == msa and sow.status == "active"

    page = client.get(msa.get_absolute_url()).content.decode()
    assert "3 months to the end of a quarter" in page
    assert "SOW-2027-01" in page


def test_the_contract_form_shows_the_models_errors_under_their_fields(
    client_for, manager, vendor_a, vendor_b
):
    other_vendors_msa = factories.ContractFactory(vendor=vendor_b)
    factories.ContractFactory(vendor=vendor_a, reference="TAKEN-1")
    client = client_for(manager)

    response = client.post(
        reverse("contracts:new"),
        form_data(
            vendor_a,
            reference="TAKEN-1",
            contract_type="sow",
            parent=other_vendors_msa.pk,
            at_risk_percent="120",
            initial_term_end="2026-06-30",
        ),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "reference" in form.errors
    assert "at_risk_percent" in form.errors
    assert "The parent contract belongs to another vendor." in form.errors["parent"]
    assert "The initial term must end on or after the start date." in str(form.errors)
    assert 'class="field__error"' in response.content.decode()
    assert not Contract.objects.filter(title="Managed workplace MSA").exists()


def test_dates_and_terms_the_calendar_cannot_reckon_with_are_field_errors(client_for, manager, vendor_a):
    """A term ending in 9999 or a notice of two billion days would break every page that reckons the
    contract's dates; the form refuses them instead."""
    client = client_for(manager)

    response = client.post(
        reverse("contracts:new"),
        form_data(
            vendor_a,
            renewal_type="tacit",
            initial_term_end="9999-12-31",
            notice_period_days="2147483648",
            renewal_term_months="5000",
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["initial_term_end"] == ["Enter a date before 2200."]
    assert set(errors) >= {"notice_period_days", "renewal_term_months"}
    assert not Contract.objects.filter(vendor=vendor_a).exists()


def test_an_order_needs_a_parent_and_an_msa_cannot_have_one(manager, vendor_a):
    msa = factories.ContractFactory(vendor=vendor_a)
    base = {
        "title": "T",
        "start_date": dt.date(2027, 1, 1),
        "initial_term_end": dt.date(2027, 12, 31),
    }
    with pytest.raises(ValidationError, match="An order must sit under an MSA or SOW"):
        contract_create(actor=manager, vendor=vendor_a, reference="O-1", contract_type="order", **base)
    with pytest.raises(ValidationError, match="cannot have a parent"):
        contract_create(
            actor=manager, vendor=vendor_a, reference="M-2", contract_type="msa", parent=msa, **base
        )


def test_an_order_directly_under_an_msa_is_saved_with_a_warning(client_for, manager, vendor_a):
    msa = factories.ContractFactory(vendor=vendor_a, reference="MSA-W")
    data = form_data(vendor_a, reference="ORD-1", contract_type="order", parent=msa.pk)

    response = client_for(manager).post(reverse("contracts:new"), data, follow=True)

    assert Contract.objects.filter(reference="ORD-1", parent=msa).exists()
    assert "orders normally call off a statement of work" in response.content.decode()


def test_an_edit_records_old_and_new_values(client_for, manager, vendor_a):
    contract = factories.ContractFactory(vendor=vendor_a, notice_period_days=90)
    fresh = Contract.objects.get(pk=contract.pk)
    data = form_data(
        vendor_a,
        reference=contract.reference,
        title="Renamed",
        start_date="2026-01-01",
        initial_term_end="2028-12-31",
        notice_period_unit="days",
        notice_period_days="60",
        notice_alignment="none",
    )
    del data["vendor"], data["status"]

    response = client_for(manager).post(reverse("contracts:edit", args=[contract.pk]), data)

    assert response.status_code == 302
    fresh.refresh_from_db()
    assert fresh.title == "Renamed" and fresh.notice_period_days == 60
    event = AuditEvent.objects.get(action="contracts.contract.updated", object_id=str(contract.pk))
    assert event.changes["title"] == [contract.title, "Renamed"]
    assert event.changes["notice_period_days"] == [90, 60]


def test_a_contract_cannot_be_its_own_parent(manager, vendor_a):
    sow = factories.SOWFactory(vendor=vendor_a)
    with pytest.raises(ValidationError):
        contract_update(contract=sow, actor=manager, parent=sow)


# ---- Status moves ----------------------------------------------------------------------------------------


def test_a_status_change_needs_a_reason_and_joins_the_history(client_for, manager, vendor_a):
    contract = factories.ContractFactory(vendor=vendor_a, status=ContractStatus.ACTIVE)
    client = client_for(manager)
    url = reverse("contracts:status", args=[contract.pk])

    refused = client.post(url, {"status": "terminated", "reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    same = client.post(url, {"status": "active", "reason": "No change"})
    assert "already active" in str(same.context["form"].errors)

    client.post(url, {"status": "terminated", "reason": "Terminated for convenience, clause 21.2."})

    contract.refresh_from_db()
    assert contract.status == "terminated"
    change = ContractStatusChange.objects.get(contract=contract)
    assert (change.from_status, change.to_status, change.changed_by) == ("active", "terminated", manager)
    event = AuditEvent.objects.get(action="contracts.contract.status_changed", object_id=str(contract.pk))
    assert event.changes == {"status": ["active", "terminated"]}
    assert event.note == "Terminated for convenience, clause 21.2."
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Terminated for convenience, clause 21.2." in page


def test_duplicate_as_new_sow_copies_the_terms_under_the_same_msa(client_for, manager, vendor_a):
    msa = factories.ContractFactory(vendor=vendor_a, reference="MSA-D")
    sow = factories.SOWFactory(
        vendor=vendor_a,
        parent=msa,
        reference="SOW-D1",
        owner=manager,
        notice_period_unit=NoticeUnit.MONTHS,
        notice_period_months=6,
        scope_of_work="Service desk, 24x7.",
    )

    response = client_for(manager).post(
        reverse("contracts:duplicate", args=[sow.pk]),
        {"reference": "SOW-D2", "title": "Service desk phase 2"},
    )

    copy = Contract.objects.get(reference="SOW-D2")
    assert response.status_code == 302 and response.url == copy.get_absolute_url()
    assert (copy.contract_type, copy.parent, copy.status) == (ContractType.SOW, msa, ContractStatus.DRAFT)
    assert (copy.owner, copy.notice_period_months, copy.scope_of_work) == (manager, 6, "Service desk, 24x7.")
    assert (copy.monthly_charge, copy.at_risk_percent) == (sow.monthly_charge, sow.at_risk_percent)
    assert copy.internal_notes == ""
    assert AuditEvent.objects.filter(action="contracts.contract.duplicated", object_id=str(copy.pk)).exists()


def test_duplicating_an_msa_puts_the_new_sow_under_it(manager, vendor_a):
    msa = factories.ContractFactory(vendor=vendor_a)
    saved = contract_duplicate_as_sow(contract=msa, actor=manager, reference="SOW-X", title="New SOW")
    assert saved.contract.parent == msa and saved.contract.contract_type == "sow"


def test_duplicate_keeps_references_unique(client_for, manager, vendor_a):
    sow = factories.SOWFactory(vendor=vendor_a)
    response = client_for(manager).post(
        reverse("contracts:duplicate", args=[sow.pk]), {"reference": sow.reference, "title": "Copy"}
    )
    assert response.status_code == 200 and "reference" in response.context["form"].errors


# ---- Expiry by itself ------------------------------------------------------------------------------------


def test_contracts_whose_term_ended_without_renewal_expire_once(manager, vendor_a):
    ended = factories.ContractFactory(
        vendor=vendor_a, renewal_type=RenewalType.NONE, initial_term_end=dt.date(2026, 10, 31)
    )
    express = factories.ContractFactory(
        vendor=vendor_a, renewal_type=RenewalType.EXPRESS, initial_term_end=dt.date(2026, 10, 31)
    )
    express_renewed = factories.ContractFactory(
        vendor=vendor_a, renewal_type=RenewalType.EXPRESS, initial_term_end=dt.date(2026, 10, 31)
    )
    RenewalDecision.objects.create(
        contract=express_renewed,
        term_number=1,
        term_end=dt.date(2026, 10, 31),
        notice_deadline=dt.date(2026, 8, 3),
        decision=RenewalChoice.RENEW,
        rationale="Agreed for another year.",
    )
    tacit = factories.ContractFactory(
        vendor=vendor_a, renewal_type=RenewalType.TACIT, initial_term_end=dt.date(2026, 10, 31)
    )
    running = factories.ContractFactory(vendor=vendor_a, initial_term_end=dt.date(2026, 11, 30))
    today = dt.date(2026, 11, 30)

    expired = contracts_expire_ended(today=today)
    again = contracts_expire_ended(today=today)

    assert sorted(expired) == sorted([ended.pk, express.pk]) and again == []
    statuses = dict(Contract.objects.values_list("pk", "status"))
    assert statuses[ended.pk] == statuses[express.pk] == "expired"
    assert statuses[express_renewed.pk] == statuses[tacit.pk] == statuses[running.pk] == "active"
    change = ContractStatusChange.objects.get(contract=ended)
    assert change.effective_on == dt.date(2026, 11, 1) and change.changed_by is None
    assert change.reason == "The term ended on 31 Oct 2026 without renewal."
    assert (
        AuditEvent.objects.filter(action="contracts.contract.status_changed", object_id=str(ended.pk)).count()
        == 1
    )


def test_the_daily_task_expires_and_the_page_says_so(client_for, manager, vendor_a, time_machine):
    contract = factories.ContractFactory(vendor=vendor_a, initial_term_end=dt.date(2026, 6, 30))
    time_machine.move_to(dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.UTC))
    client = client_for(manager)

    before = client.get(contract.get_absolute_url()).content.decode()
    assert "The term ended on 30 June 2026 without renewal." in before

    assert expire_ended_contracts.apply().get() == 1

    after = client.get(contract.get_absolute_url()).content.decode()
    assert "This contract has expired" in after and "badge--status-expired" in after


# ---- Who may do what -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "auditor", "vendor_a_user", "vendor_a_admin"])
def test_readers_get_no_contract_forms(request, client_for, portfolio, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    sow = portfolio.a.sow
    for name in ("contracts:edit", "contracts:status", "contracts:duplicate"):
        assert client.get(reverse(name, args=[sow.pk])).status_code == 403
        assert client.post(reverse(name, args=[sow.pk]), {"reason": "x"}).status_code == 403
    assert client.get(reverse("contracts:new")).status_code == 403
    page = client.get(sow.get_absolute_url()).content.decode()
    assert reverse("contracts:edit", args=[sow.pk]) not in page
    with pytest.raises(PermissionDenied):
        contract_change_status(contract=sow, actor=user, status="terminated", reason="x")


def test_another_vendors_contract_forms_are_404(client_for, portfolio, vendor_a_user):
    client = client_for(vendor_a_user)
    for name in ("contracts:edit", "contracts:status", "contracts:duplicate"):
        assert client.get(reverse(name, args=[portfolio.b.sow.pk])).status_code == 404


def test_the_vendor_sees_the_notice_but_not_the_contract_value(client_for, portfolio, vendor_a_user):
    sow = portfolio.a.sow
    Contract.objects.filter(pk=sow.pk).update(
        notice_period_unit=NoticeUnit.MONTHS,
        notice_period_months=3,
        notice_alignment=NoticeAlignment.MONTH_END,
    )
    page = client_for(vendor_a_user).get(sow.get_absolute_url()).content.decode()
    assert "3 months to the end of a month" in page
    assert "7,654,321" not in page and "7654321" not in page


def test_a_contract_past_its_term_cannot_be_reactivated_without_a_new_term(manager, vendor_a):
    contract = factories.ContractFactory(
        vendor=vendor_a,
        status=ContractStatus.EXPIRED,
        start_date=dt.date(2024, 1, 1),
        initial_term_end=dt.date(2025, 12, 31),
    )
    with pytest.raises(ValidationError, match="extend the term"):
        contract_change_status(contract=contract, actor=manager, status="active", reason="Back on")
    contract.refresh_from_db()
    assert contract.status == "expired"

    contract_update(contract=contract, actor=manager, initial_term_end=dt.date(2030, 12, 31))
    contract_change_status(contract=contract, actor=manager, status="active", reason="Extended to 2030")
    contract.refresh_from_db()
    assert contract.status == "active"


def test_opened_from_a_vendor_the_form_offers_its_agreements(client_for, manager, portfolio):
    url = reverse("contracts:new") + f"?vendor={portfolio.a.vendor.pk}"
    form = client_for(manager).get(url).context["form"]
    parents = set(form.fields["parent"].queryset)
    assert form.initial["vendor"] == portfolio.a.vendor.pk
    assert {portfolio.a.msa, portfolio.a.sow} <= parents and portfolio.b.msa not in parents
