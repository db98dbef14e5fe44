"""The decision, its approvals, and the award: a prospect becomes an onboarding vendor, and a draft contract
is created with service levels seeded from the winner's commitments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Role
from contracts.models import Contract, ContractStatus
from kpis.models import Direction, ServiceLevel
from selection import services
from selection.models import ApprovalStatus, EventStatus
from tests import factories
from tests.factories_selection import candidates_of, make_event, score
from vendors.models import Vendor, VendorContact, VendorStatus

pytestmark = pytest.mark.django_db

AWARD = {
    "reference": "SD-2027-MSA",
    "title": "Service desk 2027",
    "contract_type": "msa",
    "start_date": "2027-01-01",
    "initial_term_end": "2029-12-31",
}


@pytest.fixture
def people(db):
    return {
        "eva": factories.InternalUserFactory(full_name="Eva Evaluator"),
        "ezra": factories.InternalUserFactory(full_name="Ezra Expert", role=Role.VIEWER),
        "cfo": factories.InternalUserFactory(full_name="Carla CFO", role=Role.VIEWER),
        "ciso": factories.InternalUserFactory(full_name="Cyrus CISO", role=Role.AUDITOR),
    }


@pytest.fixture
def scored(manager, people, vendor_a, portfolio):
    """Vendor A against a prospect; both evaluators prefer the prospect (median 90 against 60)."""
    event = make_event(
        owner=manager,
        vendors=[vendor_a],
        prospects=["Northwind Test"],
        evaluators=[people["eva"], people["ezra"]],
    )
    vendor_candidate, prospect = candidates_of(event)
    lower = factories.MetricFactory(
        code="speed-to-answer", name="Speed to answer", unit="s", direction=Direction.LOWER
    )
    services.commitment_add(
        candidate=prospect,
        actor=manager,
        metric=portfolio.metric,
        target=Decimal("99.8"),
        minimum=Decimal("99.5"),
    )
    services.commitment_add(
        candidate=prospect, actor=manager, metric=lower, target=Decimal("20"), period="weekly"
    )
    services.commitment_add(
        candidate=vendor_candidate, actor=manager, metric=portfolio.metric, target=Decimal("99")
    )
    score(event, people["eva"], {vendor_candidate: [3, 3, 3], prospect: [5, 4, 5]})
    score(event, people["ezra"], {vendor_candidate: [3, 3, 3], prospect: [4, 5, 4]})
    event.refresh_from_db()
    return event


def _decide(event, manager, candidate, approvers):
    return services.decision_record(
        event=event,
        actor=manager,
        candidate=candidate,
        rationale="Best service and price.",
        approvers=approvers,
    )


def _approve_all(decision):
    for approval in decision.approvals.select_related("approver"):
        services.approval_answer(approval=approval, actor=approval.approver, approve=True)


def test_the_ranking_puts_the_prospect_first(client_for, manager, scored):
    page = client_for(manager).get(reverse("selection:ranking", args=[scored.pk])).content.decode()

    # Eva: 40×5/5 + 35×4/5 + 25×5/5 = 93; Ezra: 32 + 35 + 20 = 87 → median 90. Vendor A: 60 and 60.
    assert page.index("Northwind Test") < page.index("Acme Test")
    assert "90.00" in page and "60.00" in page


def test_the_award_turns_the_prospect_into_an_onboarding_vendor_with_a_draft_contract(
    client_for, manager, scored, people
):
    _vendor_candidate, prospect = candidates_of(scored)
    client = client_for(manager)
    response = client.post(
        reverse("selection:decide", args=[scored.pk]),
        {
            "candidate": prospect.pk,
            "rationale": "Highest median; commits to tighter service levels.",
            "approvers": [people["cfo"].pk, people["ciso"].pk],
        },
    )
    assert response.status_code == 302
    scored.refresh_from_db()
    assert scored.status == EventStatus.DECIDED and scored.scoring_closed_at is not None

    # Not while an approval is pending.
    assert client.get(reverse("selection:award", args=[scored.pk])).status_code == 302
    with pytest.raises(ValidationError, match="Waiting for the approval of"):
        services.event_award(event=scored, actor=manager, **_award_kwargs())

    for approver in (people["cfo"], people["ciso"]):
        client_for(approver).post(reverse("selection:approve", args=[scored.pk]), {"answer": "approve"})
    assert set(scored.decision.approvals.values_list("status", flat=True)) == {ApprovalStatus.APPROVED}

    response = client.post(reverse("selection:award", args=[scored.pk]), AWARD)

    assert response.status_code == 302
    vendor = Vendor.objects.get(name="Northwind Test")
    assert vendor.status == VendorStatus.ONBOARDING
    assert vendor.website == "https://prospect.test" and vendor.internal_owner == manager
    assert VendorContact.objects.get(vendor=vendor).email == "nora@prospect.test"
    contract = Contract.objects.get(reference="SD-2027-MSA")
    assert (contract.vendor, contract.status, contract.owner) == (vendor, ContractStatus.DRAFT, manager)
    assert (contract.start_date, contract.initial_term_end) == (dt.date(2027, 1, 1), dt.date(2029, 12, 31))
    assert contract.scope_of_work == scored.requirement
    levels = {
        sl.metric.code: sl for sl in ServiceLevel.objects.filter(contract=contract).select_related("metric")
    }
    assert set(levels) == {"availability", "speed-to-answer"}
    assert (levels["availability"].target, levels["availability"].minimum) == (
        Decimal("99.8"),
        Decimal("99.5"),
    )
    # No minimum committed: the minimum level is the expected level (no warning band).
    assert (levels["speed-to-answer"].target, levels["speed-to-answer"].minimum) == (
        Decimal("20"),
        Decimal("20"),
    )
    assert levels["speed-to-answer"].period == "weekly"
    assert levels["speed-to-answer"].effective_from == dt.date(2027, 1, 1)
    prospect.refresh_from_db()
    assert prospect.vendor == vendor and prospect.is_prospect
    scored.refresh_from_db()
    assert (scored.status, scored.awarded_vendor, scored.awarded_contract) == ("awarded", vendor, contract)
    awarded = AuditEvent.objects.get(action="selection.selectionevent.awarded")
    assert awarded.changes["awarded_contract"] == [None, contract.pk]
    assert awarded.actor == manager
    assert AuditEvent.objects.filter(action="vendors.vendor.created", object_id=str(vendor.pk)).exists()
    assert AuditEvent.objects.filter(action="kpis.servicelevel.created").count() == 2

    # Awarding twice is refused.
    with pytest.raises(ValidationError, match="awarded"):
        services.event_award(event=scored, actor=manager, **_award_kwargs(reference="OTHER"))


def _award_kwargs(**overrides):
    values = {
        "reference": "SD-2027-MSA",
        "title": "Service desk 2027",
        "contract_type": "msa",
        "start_date": dt.date(2027, 1, 1),
        "initial_term_end": dt.date(2029, 12, 31),
    }
    return {**values, **overrides}


def test_an_existing_vendor_wins_a_new_draft_contract_and_keeps_its_status(manager, scored, people, vendor_a):
    vendor_candidate, _prospect = candidates_of(scored)
    decision = _decide(scored, manager, vendor_candidate, [people["cfo"]])
    _approve_all(decision)
    contracts_before = Contract.objects.filter(vendor=vendor_a).count()

    contract = services.event_award(event=scored, actor=manager, **_award_kwargs())

    assert contract.vendor == vendor_a and contract.status == ContractStatus.DRAFT
    assert Contract.objects.filter(vendor=vendor_a).count() == contracts_before + 1
    vendor_a.refresh_from_db()
    assert vendor_a.status == VendorStatus.ACTIVE
    assert [(sl.metric.code, sl.target) for sl in contract.service_levels.all()] == [
        ("availability", Decimal("99"))
    ]
    assert not Vendor.objects.filter(name="Northwind Test").exists()


def test_a_prospect_status_vendor_moves_to_onboarding(manager, people, vendor_a):
    vendor_a.status = VendorStatus.PROSPECT
    vendor_a.save()
    event = make_event(owner=manager, vendors=[vendor_a], evaluators=[people["eva"]])
    [candidate] = candidates_of(event)
    score(event, people["eva"], {candidate: [4, 4, 4]})
    _approve_all(_decide(event, manager, candidate, [people["cfo"]]))

    services.event_award(event=event, actor=manager, **_award_kwargs())

    vendor_a.refresh_from_db()
    assert vendor_a.status == VendorStatus.ONBOARDING


def test_a_rejection_blocks_the_award_until_the_decision_is_revised(client_for, manager, scored, people):
    vendor_candidate, prospect = candidates_of(scored)
    decision = _decide(scored, manager, prospect, [people["cfo"], people["ciso"]])
    cfo = client_for(people["cfo"])

    no_reason = cfo.post(reverse("selection:approve", args=[scored.pk]), {"answer": "reject"}, follow=True)
    assert "Say why you reject the decision." in no_reason.content.decode()
    cfo.post(
        reverse("selection:approve", args=[scored.pk]), {"answer": "reject", "comment": "No references yet."}
    )
    services.approval_answer(
        approval=decision.approvals.get(approver=people["ciso"]), actor=people["ciso"], approve=True
    )

    with pytest.raises(ValidationError, match="Rejected by Carla CFO"):
        services.event_award(event=scored, actor=manager, **_award_kwargs())
    page = client_for(manager).get(reverse("selection:detail", args=[scored.pk])).content.decode()
    assert "No references yet." in page and "revise the decision first" in page

    revised = _decide(scored, manager, vendor_candidate, [people["cfo"]])

    assert revised.pk == decision.pk and revised.revision == 2
    assert list(revised.approvals.values_list("approver", "status")) == [(people["cfo"].pk, "pending")]
    _approve_all(revised)
    contract = services.event_award(event=scored, actor=manager, **_award_kwargs())
    assert contract.vendor == vendor_candidate.vendor


def test_only_named_approvers_answer_and_only_once(client_for, manager, scored, people, viewer):
    _vendor_candidate, prospect = candidates_of(scored)
    decision = _decide(scored, manager, prospect, [people["cfo"]])

    assert (
        client_for(viewer)
        .post(reverse("selection:approve", args=[scored.pk]), {"answer": "approve"})
        .status_code
        == 403
    )
    approval = decision.approvals.get()
    services.approval_answer(approval=approval, actor=people["cfo"], approve=True)
    with pytest.raises(ValidationError, match="answered already"):
        services.approval_answer(
            approval=approval, actor=people["cfo"], approve=False, comment="Changed my mind."
        )


def test_a_decision_waits_for_every_evaluator_or_the_close(manager, people, vendor_a):
    event = make_event(owner=manager, vendors=[vendor_a], evaluators=[people["eva"], people["ezra"]])
    [candidate] = candidates_of(event)
    score(event, people["eva"], {candidate: [4, 4, 4]})

    with pytest.raises(ValidationError, match="Waiting for Ezra Expert to submit"):
        _decide(event, manager, candidate, [people["cfo"]])
    services.scoring_close(event=event, actor=manager)
    decision = _decide(event, manager, candidate, [people["cfo"]])
    assert decision.candidate == candidate


def test_the_award_refuses_a_contract_reference_in_use(client_for, manager, scored, people, portfolio):
    _vendor_candidate, prospect = candidates_of(scored)
    _approve_all(_decide(scored, manager, prospect, [people["cfo"]]))

    response = client_for(manager).post(
        reverse("selection:award", args=[scored.pk]), {**AWARD, "reference": portfolio.a.sow.reference}
    )

    assert response.status_code == 200
    assert "exists already" in response.content.decode()
    assert not Vendor.objects.filter(name="Northwind Test").exists()  # nothing half-done
    scored.refresh_from_db()
    assert scored.status == EventStatus.DECIDED


def test_the_award_form_checks_the_dates(client_for, manager, scored, people):
    _vendor_candidate, prospect = candidates_of(scored)
    _approve_all(_decide(scored, manager, prospect, [people["cfo"]]))

    response = client_for(manager).post(
        reverse("selection:award", args=[scored.pk]), {**AWARD, "initial_term_end": "2026-12-31"}
    )

    assert "The initial term must end on or after the start date." in response.content.decode()
    assert not Contract.objects.filter(reference="SD-2027-MSA").exists()
