"""The contract tree (MSA → SOW → order): nesting rules, warnings and the subtree of a contract.

Rules. Hard errors (the database or ``Contract.clean`` refuse them): an MSA has no parent; an order
has a parent; an order has no children; parent and child belong to the same vendor; no loops.
Warnings (shown on the contract page and when a contract is saved, never refused, because real
paperwork does not always follow the textbook):

- a statement of work normally sits directly under a master services agreement, not under another SOW;
- an order normally calls off a statement of work; an order directly under an MSA is flagged;
- a child should not start before its parent starts, nor run past the end of its parent's current term
  (both as computed by ``contracts.dates`` on the day, so a tacitly renewing parent rolls);
- a child in force under a parent that has expired or been terminated is flagged.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models.expressions import RawSQL

from accounts import policy

from .dates import contract_key_dates
from .models import Contract, ContractStatus, ContractType

ENDED_STATUSES = (ContractStatus.EXPIRED, ContractStatus.TERMINATED)


def hierarchy_warnings(contract: Contract, *, on: dt.date) -> list[str]:
    """What looks wrong about where ``contract`` sits under its parent (an empty list when nothing)."""
    parent = contract.parent
    if parent is None:
        return []
    warnings = []
    if contract.contract_type == ContractType.SOW and parent.contract_type != ContractType.MSA:
        warnings.append(
            f"A statement of work normally sits directly under a master services agreement; "
            f"{parent.reference} is a {parent.get_contract_type_display().lower()}."
        )
    if contract.contract_type == ContractType.ORDER and parent.contract_type == ContractType.MSA:
        warnings.append(
            f"This order sits directly under the master services agreement {parent.reference}; orders "
            "normally call off a statement of work that defines their scope."
        )
    if contract.start_date and parent.start_date and contract.start_date < parent.start_date:
        warnings.append(
            f"Starts on {contract.start_date:%d %b %Y}, before its parent {parent.reference} "
            f"starts ({parent.start_date:%d %b %Y})."
        )
    if contract.start_date and contract.initial_term_end and parent.start_date and parent.initial_term_end:
        own_end = contract_key_dates(contract, on=on).term_end
        parent_end = contract_key_dates(parent, on=on).term_end
        if own_end > parent_end:
            warnings.append(
                f"Runs until {own_end:%d %b %Y}, after the current term of its parent {parent.reference} "
                f"ends ({parent_end:%d %b %Y})."
            )
    if parent.status in ENDED_STATUSES and contract.status == ContractStatus.ACTIVE:
        warnings.append(
            f"Is active while its parent {parent.reference} is {parent.get_status_display().lower()}."
        )
    return warnings


# One recursive statement returns the whole subtree, whatever its depth (standard SQL: PostgreSQL and
# SQLite, also as a subquery). The depth guard keeps a corrupted loop from running forever.
_TREE_CTE = """
WITH RECURSIVE tree(id, depth) AS (
    SELECT id, 0 FROM contracts_contract WHERE id = %s
    UNION ALL
    SELECT c.id, t.depth + 1 FROM contracts_contract c JOIN tree t ON c.parent_id = t.id WHERE t.depth < 20
)
"""
SUBTREE_SQL = _TREE_CTE + "SELECT id, depth FROM tree"  # noqa: S608 - constant fragments
DESCENDANT_IDS_SQL = _TREE_CTE + "SELECT id FROM tree WHERE depth > 0"  # noqa: S608 - constant fragments


def subtree_depths(root_id: int) -> dict[int, int]:
    """{contract id: depth below ``root_id``} for the contract and every contract under it."""
    with connection.cursor() as cursor:
        cursor.execute(SUBTREE_SQL, [root_id])
        return dict(cursor.fetchall())


def descendant_ids_sql(root_id: int) -> RawSQL:
    """The ids of every contract under ``root_id``, for ``__in`` lookups: ``filter(pk__in=…)`` on
    contracts, ``filter(contract_id__in=…)`` on anything hanging off a contract."""
    return RawSQL(DESCENDANT_IDS_SQL, [root_id])  # noqa: S611 - fixed SQL, the id is a bound parameter


@dataclass(frozen=True)
class TreeNode:
    contract: Contract
    depth: int
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ContractTree:
    """A contract's descendants in tree order, with their warnings and the value of the whole subtree."""

    root: Contract
    descendants: list[TreeNode]
    totals: dict[str, Decimal]  # currency → total value of the root and its visible descendants

    @property
    def descendant_ids(self) -> list[int]:
        return [node.contract.pk for node in self.descendants]

    @property
    def warning_count(self) -> int:
        return sum(len(node.warnings) for node in self.descendants)


def contract_tree_for_user(*, user, root: Contract, on: dt.date) -> ContractTree:
    """The subtree under ``root`` that ``user`` may see: one query whatever its size or depth."""
    rows = policy.scope(user, Contract.objects.filter(pk__in=descendant_ids_sql(root.pk))).order_by(
        "reference"
    )
    by_id = {c.pk: c for c in rows}
    by_id[root.pk] = root
    children = defaultdict(list)
    for contract in by_id.values():
        if contract.pk != root.pk and contract.parent_id in by_id:
            children[contract.parent_id].append(contract)
    ordered: list[TreeNode] = []

    def walk(parent_id: int, depth: int) -> None:
        for child in children.get(parent_id, []):
            child.parent = by_id[parent_id]  # already loaded: no query per node for the warnings
            ordered.append(TreeNode(child, depth, hierarchy_warnings(child, on=on)))
            walk(child.pk, depth + 1)

    walk(root.pk, 1)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for contract in [root, *(node.contract for node in ordered)]:
        totals[contract.currency] += contract.total_value or Decimal("0")
    return ContractTree(root=root, descendants=ordered, totals=dict(sorted(totals.items())))
