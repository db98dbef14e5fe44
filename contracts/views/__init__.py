"""Contract pages, one module per concept: the managers' contract forms and the lifecycle pages
(deliverables, documents, renewal decisions)."""

from .contracts import contract_duplicate, contract_edit, contract_new, contract_status
from .lifecycle import (
    contract_deliverables,
    deliverable_accept,
    deliverable_deliver,
    deliverable_detail,
    deliverable_evidence,
    deliverable_portfolio,
    deliverable_reject,
    document_download,
    document_share,
    document_upload,
    reminders_snooze,
    renewal_decide,
)

__all__ = [
    "contract_deliverables",
    "contract_duplicate",
    "contract_edit",
    "contract_new",
    "contract_status",
    "deliverable_accept",
    "deliverable_deliver",
    "deliverable_detail",
    "deliverable_evidence",
    "deliverable_portfolio",
    "deliverable_reject",
    "document_download",
    "document_share",
    "document_upload",
    "reminders_snooze",
    "renewal_decide",
]
