"""Evidence files behind a figure or a breach response: checked by content, stored under a generated name."""

import hashlib
import re
from datetime import datetime
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audited_create

from ..models import Breach, EvidenceFile, Measurement
from . import files

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")


def _display_name(filename: str) -> str:
    """The original name as shown and offered on download: no path, no control characters or quotes."""
    name = _UNSAFE_NAME.sub("_", PurePath((filename or "").replace("\\", "/")).name).strip()
    if len(name) > 255:
        stem, suffix = name[: 255 - 10], files.extension_of(name)[:10]
        name = stem + suffix
    return name or "evidence"


def evidence_check(*, uploaded_file, field: str = "evidence") -> tuple[bytes, files.FileKind]:
    """The file's bytes and type, or a ValidationError on ``field`` (too large, empty, type not accepted)."""
    data = files.read_limited(uploaded_file, field=field)
    return data, files.sniff(data, uploaded_file.name, field=field)


def _may_attach(actor, target) -> bool:
    vendor_action = policy.Action.SUBMIT if isinstance(target, Measurement) else policy.Action.RESPOND
    return policy.can(actor, vendor_action, target) or (
        policy.sees_internal(actor) and policy.can(actor, policy.Action.CHANGE, target)
    )


@transaction.atomic
def evidence_attach(
    *,
    uploaded_file,
    actor,
    measurement: Measurement | None = None,
    breach: Breach | None = None,
    field: str = "evidence",
    now: datetime | None = None,
) -> EvidenceFile:
    """Attach a file to a figure or to a breach (response) after checking its size and real type."""
    if (measurement is None) == (breach is None):
        raise ValueError("Evidence belongs to exactly one figure or one breach.")
    target = measurement or breach
    if not _may_attach(actor, target):
        raise PermissionDenied("You may not add evidence here.")
    data, kind = evidence_check(uploaded_file=uploaded_file, field=field)
    return audited_create(
        model=EvidenceFile,
        actor=actor,
        # Only the extension of the sniffed type reaches the storage name (upload_to adds a random stem).
        file=ContentFile(data, name=f"evidence{kind.extension}"),
        original_name=_display_name(uploaded_file.name),
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
        uploaded_at=now or timezone.now(),
        vendor_id=policy.vendor_id_of(target),
        measurement=measurement,
        breach=breach,
    )
