"""Contract documents: versions uploaded by the client's staff, shared with the vendor or kept internal."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import policy
from accounts.audit import audited_create, audited_update

from ..models import Contract, ContractDocument
from .files import DOCUMENT_KINDS, checked_file

TITLE_MAX_LENGTH = ContractDocument._meta.get_field("title").max_length


def may_upload_documents(user, contract: Contract) -> bool:
    return policy.sees_internal(user) and policy.can(user, policy.Action.CHANGE, contract)


def _same_title(contract: Contract, title: str):
    return ContractDocument.objects.filter(contract=contract, title__iexact=title)


@transaction.atomic
def document_upload(
    *,
    contract: Contract,
    actor,
    title: str,
    uploaded_file,
    shared_with_vendor: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> ContractDocument:
    """Add a document, or the next version of the document with this title (matched case-insensitively)."""
    if not may_upload_documents(actor, contract):
        raise PermissionDenied("Only managers upload contract documents.")
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give the document a title, e.g. “Signed agreement”."})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError({"title": f"Keep the title to {TITLE_MAX_LENGTH} characters."})
    stored = checked_file(uploaded_file=uploaded_file, field="file", kinds=DOCUMENT_KINDS, stem="document")
    existing = _same_title(contract, title)
    previous = existing.order_by("-version").first()
    if previous is not None:
        title = previous.title  # keep the versions of one document under one spelling
    version = (existing.aggregate(latest=Max("version"))["latest"] or 0) + 1
    try:
        with transaction.atomic():
            return audited_create(
                model=ContractDocument,
                actor=actor,
                contract=contract,
                title=title,
                version=version,
                changes=(note or "").strip()[:500],
                shared_with_vendor=bool(shared_with_vendor),
                uploaded_by=actor,
                uploaded_at=now or timezone.now(),
                **stored,
            )
    except IntegrityError:
        raise ValidationError(
            {"file": "Another version of this document was uploaded at the same moment; upload again."}
        ) from None


@transaction.atomic
def document_set_shared(*, document: ContractDocument, actor, shared: bool) -> ContractDocument:
    """Share one version with the vendor, or withdraw it."""
    if not may_upload_documents(actor, document.contract):
        raise PermissionDenied("Only managers decide which documents the vendor sees.")
    document, _changed = audited_update(
        instance=document, actor=actor, data={"shared_with_vendor": bool(shared)}
    )
    return document
