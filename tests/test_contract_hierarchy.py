"""The contract tree: nesting rules (errors and warnings), warnings on the page and on save, roll-up."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts.hierarchy import contract_tree_for_user, hierarchy_warnings, subtree_depths
from contracts.models import ContractStatus, ContractType, RenewalType
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def msa(vendor_a, manager):
    return factories.ContractFactory(
        vendor=vendor_a,
        owner=manager,
        reference="MSA-1",
        start_date=dt.date(2026, 1, 1),
        initial_term_end=dt.date(2027, 12, 31),
        total_value=Decimal("1000.00"),
    )


def child(parent, kind=ContractType.SOW, **kwargs):
    defaults = {
        "vendor": parent.vendor,
        "parent": parent,
        "contract_type": kind,
        "start_date": parent.start_date,
        "initial_term_end": parent.initial_term_end,
        "total_value": Decimal("100.00"),
    }
    defaults.update(kwargs)
    return factories.ContractFactory(**defaults)


def test_a_well_nested_tree_has_no_warnings(msa):
    sow = child(msa)
    order = child(sow, ContractType.ORDER)
    assert hierarchy_warnings(sow, on=TODAY) == []
    assert hierarchy_warnings(order, on=TODAY) == []
    assert hierarchy_warnings(msa, on=TODAY) == []


def test_a_child_starting_before_or_ending_after_its_parent_is_warned(msa):
    early = child(msa, start_date=dt.date(2025, 12, 1))
    late = child(msa, initial_term_end=dt.date(2028, 6, 30))
    (warning,) = hierarchy_warnings(early, on=TODAY)
    assert "before its parent MSA-1 starts" in warning
    (warning,) = hierarchy_warnings(late, on=TODAY)
    assert "after the current term of its parent MSA-1 ends (31 Dec 2027)" in warning


def test_the_parents_current_term_rolls_with_tacit_renewal(msa):
    msa.renewal_type = RenewalType.TACIT
    msa.renewal_term_months = 12
    msa.save()
    sow = child(msa, initial_term_end=dt.date(2028, 6, 30))
    # In 2026 the MSA's current term ends 31 Dec 2027: the SOW runs past it.
    assert hierarchy_warnings(sow, on=TODAY)
    # In 2028 the MSA has renewed to 31 Dec 2028: the SOW fits.
    assert hierarchy_warnings(sow, on=dt.date(2028, 3, 1)) == []


def test_type_nesting_rules(msa):
    sow = child(msa)
    sow_under_sow = child(sow, ContractType.SOW)
    order_under_msa = child(msa, ContractType.ORDER)
    assert any(
        "directly under a master services agreement" in w for w in hierarchy_warnings(sow_under_sow, on=TODAY)
    )
    assert any("orders normally call off" in w for w in hierarchy_warnings(order_under_msa, on=TODAY))
    order = child(sow, ContractType.ORDER)
    under_order = factories.ContractFactory.build(
        vendor=msa.vendor, parent=order, contract_type=ContractType.ORDER, reference="X-1"
    )
    with pytest.raises(ValidationError):
        under_order.full_clean()


def test_loops_and_other_vendors_are_refused(msa, vendor_b):
    sow = child(msa)
    sow_b = child(sow, ContractType.SOW)
    sow.parent = sow_b
    with pytest.raises(ValidationError) as error:
        sow.full_clean()
    assert "loop" in str(error.value)
    stranger = factories.ContractFactory.build(
        vendor=vendor_b, parent=msa, contract_type=ContractType.SOW, reference="X-2"
    )
    with pytest.raises(ValidationError):
        stranger.full_clean()


def test_an_active_child_under_an_ended_parent_is_warned(msa):
    sow = child(msa)
    msa.status = ContractStatus.TERMINATED
    msa.save()
    sow.refresh_from_db()
    assert any("terminated" in w for w in hierarchy_warnings(sow, on=TODAY))


def test_the_subtree_comes_from_one_recursive_query(msa, manager, django_assert_num_queries):
    sow = child(msa)
    orders = [child(sow, ContractType.ORDER, reference=f"ORD-{n}") for n in range(3)]
    deeper_sow = child(msa, reference="SOW-2")
    with django_assert_num_queries(1):
        depths = subtree_depths(msa.pk)
    assert depths == {msa.pk: 0, sow.pk: 1, deeper_sow.pk: 1, **{o.pk: 2 for o in orders}}
    with django_assert_num_queries(1):
        tree = contract_tree_for_user(user=manager, root=msa, on=TODAY)
    # Tree order: each contract followed by the ones under it.
    assert [node.contract.pk for node in tree.descendants] == [sow.pk, *(o.pk for o in orders), deeper_sow.pk]
    assert tree.totals == {"EUR": Decimal("1500.00")}
    assert {node.depth for node in tree.descendants} == {1, 2}


def test_rollup_adds_up_per_currency(msa, manager):
    child(msa, currency="USD", total_value=Decimal("50.00"))
    child(msa)
    tree = contract_tree_for_user(user=manager, root=msa, on=TODAY)
    assert tree.totals == {"EUR": Decimal("1100.00"), "USD": Decimal("50.00")}


def test_the_parent_page_rolls_up_descendant_service_levels(
    client_for, manager, msa, django_assert_max_num_queries
):
    sow = child(msa, reference="SOW-A")
    order = child(sow, ContractType.ORDER, reference="ORD-A")
    sl_sow = factories.ServiceLevelFactory(contract=sow)
    sl_order = factories.ServiceLevelFactory(contract=order)
    client = client_for(manager)
    url = reverse("contracts:detail", args=[msa.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as baseline:
        page = client.get(url).content.decode()
    assert sl_sow.metric.name in page and sl_order.metric.name in page
    assert "Service levels under this contract" in page
    assert "1,200" in page or "1200" in page  # 1000 + 100 + 100
    # Ten more orders with service levels: the same number of queries.
    for n in range(10):
        factories.ServiceLevelFactory(contract=child(sow, ContractType.ORDER, reference=f"ORD-B{n}"))
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        client.get(url)


def test_warnings_show_on_the_child_page_and_in_the_admin(client_for, manager, admin_user, msa):
    late = child(msa, reference="SOW-LATE", initial_term_end=dt.date(2030, 1, 31))
    page = client_for(manager).get(reverse("contracts:detail", args=[late.pk])).content.decode()
    assert "after the current term of its parent MSA-1 ends" in page
    parent_page = client_for(manager).get(reverse("contracts:detail", args=[msa.pk])).content.decode()
    assert "1 warning" in parent_page
    admin = client_for(admin_user)
    url = reverse("admin:contracts_contract_change", args=[late.pk])
    form = admin.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(
        {
            "start_date": "2026-01-01",
            "initial_term_end": "2030-01-31",
            "deliverables-TOTAL_FORMS": "0",
            "deliverables-INITIAL_FORMS": "0",
        }
    )
    response = admin.post(url, data, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("after the current term of its parent" in m for m in messages), messages


def test_vendor_users_see_no_values_in_the_rollup(client_for, vendor_a_user, msa):
    child(msa, reference="SOW-V")
    page = client_for(vendor_a_user).get(reverse("contracts:detail", args=[msa.pk])).content.decode()
    assert "SOW-V" in page
    assert "Total value with everything under it" not in page
