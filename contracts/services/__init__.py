"""Writes to the contracts domain, one module per concept; every write is audited."""

from .contracts import (
    SavedContract,
    contract_can_edit,
    contract_change_status,
    contract_create,
    contract_duplicate_as_sow,
    contract_term_has_ended,
    contract_update,
    contracts_expire_ended,
)
from .deliverables import (
    deliverable_accept,
    deliverable_deliver,
    deliverable_reject,
    flag_overdue_deliverables,
    may_decide,
    may_deliver,
)
from .documents import document_set_shared, document_upload, may_upload_documents
from .reminders import reminder_stages, send_contract_reminders, upcoming_term
from .renewals import may_manage_renewal, reminders_snooze, renewal_decide

__all__ = [
    "SavedContract",
    "contract_can_edit",
    "contract_change_status",
    "contract_create",
    "contract_duplicate_as_sow",
    "contract_term_has_ended",
    "contract_update",
    "contracts_expire_ended",
    "deliverable_accept",
    "deliverable_deliver",
    "deliverable_reject",
    "document_set_shared",
    "document_upload",
    "flag_overdue_deliverables",
    "may_decide",
    "may_deliver",
    "may_manage_renewal",
    "may_upload_documents",
    "reminder_stages",
    "reminders_snooze",
    "renewal_decide",
    "send_contract_reminders",
    "upcoming_term",
]
