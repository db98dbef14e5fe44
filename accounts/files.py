"""Checks every uploaded file passes before anything reads it: size, real type by content, zip-bomb guard.

At the bottom of the house so that every app storing files (figures' evidence, contract documents,
deliverables) checks them the same way.
"""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat

# An XLSX or DOCX is a zip; the sizes its directory declares are checked before any member is opened.
# Python's zipfile never inflates a member past its declared size, so the declared total is a real bound.
ZIP_MAX_UNCOMPRESSED = 50 * 1024 * 1024
ZIP_MAX_MEMBERS = 2000
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extensions: tuple[str, ...]

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileKind("PDF", "application/pdf", (".pdf",))
PNG = FileKind("PNG image", "image/png", (".png",))
JPEG = FileKind("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
CSV = FileKind("CSV", "text/csv; charset=utf-8", (".csv",))
TEXT = FileKind("text", "text/plain; charset=utf-8", (".txt",))
XLSX = FileKind(
    "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
DOCX = FileKind(
    "Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
EVIDENCE_KINDS = (PDF, PNG, JPEG, CSV, TEXT, XLSX, DOCX)
# The member that makes an OOXML zip a workbook or a document rather than any zip.
OOXML_MAIN_PART = {XLSX: "xl/workbook.xml", DOCX: "word/document.xml"}


def extension_of(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def read_limited(uploaded_file, *, field: str) -> bytes:
    """The file's bytes, refusing an empty file or one over ``UPLOAD_MAX_BYTES`` without reading it all."""
    limit = settings.UPLOAD_MAX_BYTES
    too_large = ValidationError(
        {field: f"The file is larger than the limit of {filesizeformat(limit)}."}, code="too_large"
    )
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise too_large
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data:
        raise ValidationError({field: "The file is empty."}, code="empty")
    return data


def open_ooxml(data: bytes, kind: FileKind, *, field: str) -> zipfile.ZipFile:
    """Open an XLSX or DOCX as a zip once its directory alone shows it is one, and not a bomb."""
    not_real = ValidationError(
        {field: f"The file is not a real {kind.name} ({kind.extension})."}, code="type"
    )
    if not data.startswith(ZIP_MAGIC):
        raise not_real
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise not_real from None
    declared = sum(member.file_size for member in members)
    if len(members) > ZIP_MAX_MEMBERS or declared > ZIP_MAX_UNCOMPRESSED:
        raise ValidationError(
            {
                field: f"The {kind.name} unpacks to {filesizeformat(declared)} in {len(members)} parts, "
                f"more than the limit of {filesizeformat(ZIP_MAX_UNCOMPRESSED)}; it was not opened."
            },
            code="too_large_unpacked",
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise ValidationError({field: f"The {kind.name} is password-protected."}, code="encrypted")
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or OOXML_MAIN_PART[kind] not in names:
        raise not_real
    return archive


def _is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def sniff(data: bytes, filename: str, *, field: str, kinds=EVIDENCE_KINDS) -> FileKind:
    """The file's type judged by its content; its extension must agree."""
    extension = extension_of(filename)
    allowed = ", ".join(ext for kind in kinds for ext in kind.extensions)
    if data.startswith(b"%PDF-"):
        found = PDF
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif data.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif data.startswith(ZIP_MAGIC):
        found = DOCX if extension == ".docx" else XLSX
        open_ooxml(data, found, field=field).close()
    elif _is_utf8_text(data):
        found = TEXT if extension == ".txt" else CSV
    else:
        raise ValidationError(
            {field: f"This type of file is not accepted. Accepted: {allowed} (.csv and .txt as UTF-8 text)."},
            code="type",
        )
    if found not in kinds:
        raise ValidationError(
            {field: f"This type of file is not accepted. Accepted: {allowed}."}, code="type"
        )
    if extension not in found.extensions:
        raise ValidationError(
            {field: f"The file's content is a {found.name}, which does not match its name “{filename}”."},
            code="type_mismatch",
        )
    return found


def download_response(stored) -> FileResponse:
    """A stored upload (``file``, ``original_name``, ``content_type``) sent back to someone the caller has
    already let see it: always as a download under its original name, never rendered by the browser."""
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
