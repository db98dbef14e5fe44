"""CSV and XLSX downloads of any list, safe to open in a spreadsheet (no formula injection).

Every app builds its exports with ``export_response(rows, columns, filename, fmt)``. Text that a
spreadsheet would read as a formula (starting with ``= + - @``, a tab or a line break) gets a
leading apostrophe, and control characters are dropped; numbers and dates stay typed.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# XML 1.0 forbids these in a workbook; in a CSV they only confuse the reader.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """One column of an export: its header and how to read the cell from a row."""

    header: str
    value: Callable[[Any], Any]


def neutralise(value):
    """A cell value a spreadsheet shows as-is: text that could start a formula gets a leading apostrophe."""
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        return value
    text = CONTROL_CHARACTERS.sub("", str(value))
    # Spreadsheets skip leading blanks before deciding whether a cell is a formula.
    if text.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _local(value):
    """Workbooks have no time zones: datetimes are written in the portal's local time."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _cells(rows: Iterable, columns: Sequence[Column]):
    for row in rows:
        yield [neutralise(_local(column.value(row))) for column in columns]


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_bytes(rows: Iterable, columns: Sequence[Column]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(c.header) for c in columns])
    for cells in _cells(rows, columns):
        writer.writerow([_csv_text(cell) for cell in cells])
    # The byte-order mark makes Excel read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable, columns: Sequence[Column], title: str = "Export") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=SHEET_TITLE_FORBIDDEN.sub(" ", title)[:31].strip() or "Export")
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=neutralise(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for cells in _cells(rows, columns):
        row = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text is text, never a formula, whatever it starts with
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(rows: Iterable, columns: Sequence[Column], filename: str, fmt: str) -> HttpResponse:
    """A download of ``rows`` as CSV or XLSX; ``filename`` is given without extension."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; use one of {FORMATS}.")
    stem = slugify(filename) or "export"
    content = csv_bytes(rows, columns) if fmt == "csv" else xlsx_bytes(rows, columns, title=filename)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
