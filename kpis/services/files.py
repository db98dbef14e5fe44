"""The upload checks, shared by every app from ``accounts.files``; re-exported for the KPI services."""

from accounts.files import (  # noqa: F401
    CSV,
    DOCX,
    EVIDENCE_KINDS,
    JPEG,
    OOXML_MAIN_PART,
    PDF,
    PNG,
    TEXT,
    XLSX,
    ZIP_MAGIC,
    ZIP_MAX_MEMBERS,
    ZIP_MAX_UNCOMPRESSED,
    FileKind,
    extension_of,
    open_ooxml,
    read_limited,
    sniff,
)
