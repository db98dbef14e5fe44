"""Files of figures: reading a CSV or XLSX upload into rows, and writing the template to fill in.

The file: a header row, then one figure per row. Columns (in any order, names case-insensitive):

- ``service_level`` (required): the id the template lists, or ``CONTRACT-REFERENCE/metric-code``;
- ``measured_on`` (required): the day the figure is for, ``YYYY-MM-DD`` (or a date cell in XLSX);
- ``value`` (required): a number with a dot for decimals (for ratio metrics, the numerator);
- ``denominator``: the base count, for ratio metrics only;
- ``note``: free text (up to 500 characters), e.g. the incident number of an event;
- ``metric``, ``contract``, ``unit``, ``period``: reference columns of the template, not read.

Rows whose first cell starts with ``#`` (the template's example) and template rows left empty (no date,
value, denominator or note) are skipped. At most ``MAX_ROWS`` figures per file.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

from accounts import policy
from accounts.exports import neutralise

from .. import periods
from ..models import ServiceLevel
from . import files

MAX_ROWS = 5000
# Blank lines count here too, so a sheet of a million formatted empty rows is stopped early.
MAX_LINES = 4 * MAX_ROWS
REQUIRED_COLUMNS = ("service_level", "measured_on", "value")
OPTIONAL_COLUMNS = ("denominator", "note")
REFERENCE_COLUMNS = ("metric", "contract", "unit", "period")
TEMPLATE_COLUMNS = (
    "service_level",
    "metric",
    "contract",
    "unit",
    "period",
    "measured_on",
    "value",
    "denominator",
    "note",
)
COLUMN_ALIASES = {"service_level_id": "service_level", "date": "measured_on"}
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *REFERENCE_COLUMNS)
FILLED_COLUMNS = ("measured_on", "value", "denominator", "note")
NOTE_MAX = 500


@dataclass
class RowError:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class FileRejected(Exception):
    """The file as a whole cannot be read (size, type, encoding, columns, row count)."""

    def __init__(self, message: str, column: str = ""):
        super().__init__(message)
        self.error = RowError(None, column, message)


# --- Reading the file into (row number, {column: raw value}) records --------------------------------------


def _header(cells) -> list[str]:
    names = [str(cell).strip().lower().replace(" ", "_") if cell is not None else "" for cell in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise FileRejected("The file is empty: the first row must name the columns.")
    problems = []
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(f"column {position} has no name")
        elif COLUMN_ALIASES.get(name, name) not in KNOWN_COLUMNS:
            problems.append(f"unknown column “{name}”")
    canonical = [COLUMN_ALIASES.get(name, name) for name in names]
    problems += [f"column “{name}” appears twice" for name, n in Counter(canonical).items() if name and n > 1]
    problems += [f"missing column “{name}”" for name in REQUIRED_COLUMNS if name not in canonical]
    if problems:
        raise FileRejected(
            "The header row is wrong: " + "; ".join(problems) + ". "
            f"Expected columns: {', '.join(KNOWN_COLUMNS)} (required: {', '.join(REQUIRED_COLUMNS)})."
        )
    return canonical


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _records(lines):
    """(row number, {column: value}) for each row meant as a figure; the first line is the header."""
    iterator = iter(lines)
    try:
        columns = _header(next(iterator))
    except StopIteration:
        raise FileRejected("The file is empty: the first row must name the columns.") from None
    records = []
    for number, cells in enumerate(iterator, start=2):
        if number > MAX_LINES:
            raise FileRejected(f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.")
        cells = list(cells)
        if all(is_blank(cell) for cell in cells):
            continue
        if isinstance(cells[0], str) and cells[0].strip().startswith("#"):
            continue
        if len(cells) > len(columns) and any(not is_blank(cell) for cell in cells[len(columns) :]):
            records.append((number, None))
            continue
        record = dict(zip(columns, cells, strict=False))
        if all(is_blank(record.get(name)) for name in FILLED_COLUMNS):
            continue  # a template row left empty
        records.append((number, record))
        if len(records) > MAX_ROWS:
            raise FileRejected(f"The file has more than {MAX_ROWS:,} figures; split it into smaller files.")
    if not records:
        raise FileRejected("The file holds no figures: fill in at least one row below the header.")
    return records


def _csv_lines(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileRejected(
            f"The file is not UTF-8 text (the first unreadable character is on line {line}). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None
    if "\x00" in text:
        raise FileRejected("The file is not a CSV text file.")
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise FileRejected(f"The CSV file cannot be read: {error}.") from None


def _xlsx_lines(data: bytes):
    from openpyxl import load_workbook

    try:
        files.open_ooxml(data, files.XLSX, field="file").close()
    except ValidationError as error:
        raise FileRejected(" ".join(error.messages)) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook["Figures"] if "Figures" in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()  # a workbook's own claim of its size may be wrong; read what is there
        lines = []
        for values in sheet.iter_rows(values_only=True):
            lines.append(values)
            if len(lines) > MAX_LINES + 1:
                break
        workbook.close()
    except Exception:  # openpyxl raises many types for a damaged workbook; all mean the same to the user
        raise FileRejected(f"The file is not a real {files.XLSX.name} (.xlsx).") from None
    return lines


def read_records(uploaded_file):
    """The file's figure rows as raw records; FileRejected for anything that stops reading the file."""
    try:
        data = files.read_limited(uploaded_file, field="file")
    except ValidationError as error:
        raise FileRejected(" ".join(error.messages)) from None
    extension = files.extension_of(uploaded_file.name)
    if extension == ".csv":
        if data.startswith(files.ZIP_MAGIC):
            raise FileRejected(
                "The file is a workbook, not a CSV text file; name it .xlsx or save it as CSV."
            )
        return _records(_csv_lines(data))
    if extension == ".xlsx":
        return _records(_xlsx_lines(data))
    raise FileRejected("Upload a .csv or an .xlsx file (an .xls workbook must be saved as .xlsx first).")


# --- The template -----------------------------------------------------------------------------------------


def template_service_levels(*, user, vendor=None):
    """The active service levels the user may report on (of one vendor, when given). Metrics the portal
    computes itself (deliverables, signed reviews) are left out: nobody reports their figures."""
    levels = policy.scope(
        user,
        ServiceLevel.objects.filter(is_active=True, metric__computed_by_portal=False).select_related(
            "metric", "contract__vendor"
        ),
    )
    if vendor is not None:
        levels = levels.filter(contract__vendor=vendor)
    return levels.order_by("contract__vendor__name", "contract__reference", "metric__name")


def _template_rows(service_levels, today: date):
    example = next(iter(service_levels), None)
    yield [
        "# example (rows starting with # are skipped)",
        example.metric.name if example else "Service availability",
        example.contract.reference if example else "C-00001",
        example.metric.unit if example else "%",
        example.get_period_display() if example else "Monthly",
        today,
        "99.95",
        "",
        "From the monitoring export",
    ]
    for sl in service_levels:
        yield [
            sl.pk,
            sl.metric.name,
            sl.contract.reference,
            sl.metric.unit,
            sl.get_period_display(),
            None,
            None,
            None,
            None,
        ]


INSTRUCTIONS = (
    "One figure per row: fill in measured_on, value and (ratio metrics) denominator by the service level.",
    "service_level: the id in the first column, or CONTRACT-REFERENCE/metric-code.",
    "measured_on: the day the figure is for, as YYYY-MM-DD (or a date cell). Not in the future, within the "
    "service level's effective period, and not in a locked period (one that ended over 12 months ago, "
    "or whose breach has been settled).",
    "value: a number with a dot for decimals; percentages from 0 to 100; for ratio metrics the numerator.",
    "denominator: ratio metrics only — the base count (above zero).",
    "note: optional; tell separate events on the same day apart here (e.g. the incident number).",
    "metric, contract, unit, period: for reference only, not read back.",
    "Rows whose first cell starts with # and rows left without date and value are skipped.",
    f"At most {MAX_ROWS:,} figures per file. A file with any bad row saves nothing; every bad row is listed.",
)


def upload_template(*, user, fmt: str, vendor=None, today: date | None = None) -> bytes:
    """A CSV (UTF-8 with BOM) or XLSX template listing the user's service levels, with an example row."""
    today = today or periods.local_today()
    service_levels = list(template_service_levels(user=user, vendor=vendor))
    rows = [[neutralise(cell) for cell in row] for row in _template_rows(service_levels, today)]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(TEMPLATE_COLUMNS)
        for row in rows:
            writer.writerow(
                ["" if cell is None else cell.isoformat() if isinstance(cell, date) else cell for cell in row]
            )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        return _template_xlsx(rows)
    raise ValueError(f"Unknown template format {fmt!r}")


def _template_xlsx(rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Figures"
    sheet.append(TEMPLATE_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
        cells[5].number_format = "yyyy-mm-dd"
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="666666")
    widths = {"A": 14, "B": 40, "C": 16, "D": 10, "E": 12, "F": 14, "G": 12, "H": 14, "I": 40}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("Instructions")
    notes.column_dimensions["A"].width = 120
    for line in INSTRUCTIONS:
        notes.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
