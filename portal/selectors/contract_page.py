"""Reads the contract page adds to ``contract_detail_for_user``: the subtree roll-up with its service
levels, the documents and (for staff) the renewal panel. A fixed number of queries whatever the tree."""

from dataclasses import dataclass
from datetime import date

from accounts import policy
from contracts.hierarchy import ContractTree, contract_tree_for_user, descendant_ids_sql, hierarchy_warnings
from contracts.models import Contract
from contracts.selectors.documents import DocumentHistory, documents_for_user
from contracts.selectors.renewals import RenewalPanel, renewal_panel
from kpis.models import ServiceLevel


@dataclass(frozen=True)
class ContractLifecycle:
    warnings: list[str]
    tree: ContractTree
    descendant_service_levels: list[ServiceLevel]
    documents: list[DocumentHistory]
    renewal: RenewalPanel | None


def descendant_service_levels_for_user(*, user, contract: Contract) -> list[ServiceLevel]:
    """The service levels of every contract under ``contract``: one query, whatever the depth."""
    queryset = ServiceLevel.objects.filter(contract_id__in=descendant_ids_sql(contract.pk)).select_related(
        "metric", "contract"
    )
    return list(policy.scope(user, queryset).order_by("contract__reference", "metric__name"))


def contract_lifecycle_for_user(*, user, contract: Contract, today: date) -> ContractLifecycle:
    tree = contract_tree_for_user(user=user, root=contract, on=today)
    return ContractLifecycle(
        warnings=hierarchy_warnings(contract, on=today),
        tree=tree,
        descendant_service_levels=descendant_service_levels_for_user(user=user, contract=contract),
        documents=documents_for_user(user=user, contract=contract),
        renewal=renewal_panel(contract=contract, today=today) if policy.sees_internal(user) else None,
    )
