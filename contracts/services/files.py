"""Checked uploads for contracts: evidence of deliverables and contract documents."""

import hashlib
import re
from pathlib import PurePath

from django.core.files.base import ContentFile

from accounts import files

DOCUMENT_KINDS = (files.PDF, files.DOCX, files.XLSX)
EVIDENCE_KINDS = files.EVIDENCE_KINDS

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")


def display_name(filename: str, *, default: str) -> str:
    """The original name as shown and offered on download: no path, no control characters or quotes."""
    name = _UNSAFE_NAME.sub("_", PurePath((filename or "").replace("\\", "/")).name).strip()
    if len(name) > 255:
        name = name[: 255 - 10] + files.extension_of(name)[:10]
    return name or default


def checked_file(*, uploaded_file, field: str, kinds, stem: str) -> dict:
    """The stored-file fields of an upload once its size and real type pass (else a ValidationError on
    ``field``). Only the sniffed type's extension reaches the storage name; upload_to adds a random stem."""
    data = files.read_limited(uploaded_file, field=field)
    kind = files.sniff(data, uploaded_file.name, field=field, kinds=kinds)
    return {
        "file": ContentFile(data, name=f"{stem}{kind.extension}"),
        "original_name": display_name(uploaded_file.name, default=f"{stem}{kind.extension}"),
        "content_type": kind.content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
