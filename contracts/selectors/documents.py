"""Reads of contract documents and their versions, scoped by the access policy."""

from dataclasses import dataclass
from itertools import groupby

from accounts import policy

from ..models import (
    Contract,
    ContractDocument,
)


@dataclass(frozen=True)
class DocumentHistory:
    """One document: its latest version and every version before it (newest first)."""

    title: str
    versions: list[ContractDocument]

    @property
    def latest(self) -> ContractDocument:
        return self.versions[0]


def documents_for_user(*, user, contract: Contract) -> list[DocumentHistory]:
    """The contract's documents the user may see, grouped by title: one query."""
    rows = policy.scope(
        user, ContractDocument.objects.filter(contract=contract).select_related("uploaded_by")
    ).order_by("title", "-version")
    return [
        DocumentHistory(title, list(versions)) for title, versions in groupby(rows, key=lambda d: d.title)
    ]


def document_for_user(*, user, pk: int) -> ContractDocument:
    return policy.get_visible_or_404(user, ContractDocument.objects.select_related("contract"), pk=pk)
