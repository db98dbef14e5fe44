"""Server-rendered SVG charts: small builders returning escaped, accessible markup and a table of the data.

Each builder returns a ``Chart``: the SVG (``role="img"`` with a ``<title>`` and a plain-language
``<desc>``) and the same figures as table rows, which ``portal/charts/_chart.html`` renders beside it.
"""

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
TEXT = "#1f2933"
MUTED = "#52606d"
GRID = "#d9e2ec"
RAG_FILL = {"green": "#e3f5ec", "amber": "#fff3d6", "red": "#fde8e6"}
RAG_TEXT = {"green": "#1f7a4d", "amber": "#8a5a00", "red": "#b42318"}
BAR_FILL = {"green": "#2f9e6a", "amber": "#d99a16", "red": "#c8372d", "": "#1c4f8c"}
# Colour plus dash pattern, so the series stay apart for people who do not see the colours.
SERIES_STYLES = (
    ("#102a43", "", 3.0),
    ("#1c6fd1", "7 4", 2.0),
    ("#7b4fc4", "2 3", 2.0),
    ("#0f8a7e", "9 3 2 3", 2.0),
    ("#c2570c", "4 4", 2.0),
)
SPARK_LINE = "#1c4f8c"
SPARK_MARK = {"warning": RAG_TEXT["amber"], "missed": RAG_TEXT["red"]}


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | Decimal | None]


@dataclass(frozen=True)
class Band:
    """A shaded range of the y axis, e.g. a RAG standing from lower (inclusive) to upper."""

    lower: float | Decimal
    upper: float | Decimal
    rag: str
    label: str = ""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | Decimal | None
    tone: str = ""  # green, amber, red or "" for the neutral colour
    note: str = ""  # a word after the value, e.g. the standing


@dataclass(frozen=True)
class SparkPoint:
    label: str
    value: float | Decimal | None
    status: str = "ok"  # ok, warning or missed
    note: str = ""  # e.g. the outcome, for the data table


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    summary: str
    svg: SafeString
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = field(default=())

    @property
    def cells(self):
        """Rows as (text, is_numeric) pairs, for the data table."""
        flags = self.numeric or tuple(i > 0 for i in range(len(self.columns)))
        return [list(zip(row, flags, strict=False)) for row in self.rows]

    @property
    def headers(self):
        flags = self.numeric or tuple(i > 0 for i in range(len(self.columns)))
        return list(zip(self.columns, flags, strict=False))


def fmt(value, unit: str = "", places: int = 2) -> str:
    """A figure as people write it: at most ``places`` decimals, no trailing zeros, with its unit."""
    if value is None:
        return "—"
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").removesuffix(".")
    if text == "-0":
        text = "0"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def month_label(day: date, with_year: bool = False) -> str:
    return day.strftime("%b %Y") if with_year else day.strftime("%b")


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _chart_id(kind: str, *parts) -> str:
    digest = hashlib.blake2s(repr(parts).encode(), digest_size=5).hexdigest()
    return f"chart-{kind}-{digest}"


def _svg(*, chart_id: str, title: str, description: str, width: int, height: int, css: str, body: list[str]):
    # Every piece of text in ``body`` went through escape(); numbers are formatted here.
    return mark_safe(  # noqa: S308
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg {css}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{escape(FONT)}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x, y, content, *, size=12, fill=TEXT, anchor="start", weight="", extra=""):
    weight_attr = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"'
        f"{weight_attr}{extra}>{escape(content)}</text>"
    )


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive known points: a gap in the data is a gap in the line."""
    runs, run = [], []
    for point in points:
        if point is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(point)
    if run:
        runs.append(run)
    return runs


def _path(run: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{_n(x)} {_n(y)}" for i, (x, y) in enumerate(run))


def _legend_width(label: str) -> float:
    return 30 + len(label) * 6.6 + 18


def line_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    bands: Sequence[Band] = (),
    y_min: float = 0,
    y_max: float = 100,
    y_step: float = 20,
    unit: str = "",
    places: int = 1,
    full_labels: Sequence[str] | None = None,
    width: int = 880,
    height: int = 300,
    chart_id: str | None = None,
) -> Chart:
    """Several series over the same x labels (e.g. months), on a fixed y range with shaded bands.

    ``labels`` are the short axis labels, ``full_labels`` (default: the same) name the points in
    tooltips and the data table. A ``None`` value leaves a gap.
    """
    full_labels = list(full_labels or labels)
    chart_id = chart_id or _chart_id("line", title, list(labels), [(s.label, list(s.values)) for s in series])
    # Band names sit in a gutter right of the plot, where no line can cover them.
    left, top = 44, 14
    right = 60 if any(band.label for band in bands) else 14
    legend_rows = _legend_layout([s.label for s in series], width - left - right)
    bottom = height - 30 - 20 * len(legend_rows)
    plot_w, plot_h = width - left - right, bottom - top
    count = max(len(labels), 1)
    step = plot_w / count

    def x_at(i: int) -> float:
        return left + (i + 0.5) * step

    def y_at(value) -> float:
        clamped = min(max(float(value), y_min), y_max)
        return bottom - (clamped - y_min) / (y_max - y_min) * plot_h

    body = []
    for band in bands:
        y_top, y_bottom = y_at(band.upper), y_at(band.lower)
        body.append(
            f'<rect class="chart__band chart__band--{escape(band.rag)}" x="{left}" y="{_n(y_top)}" '
            f'width="{_n(plot_w)}" height="{_n(y_bottom - y_top)}" '
            f'fill="{RAG_FILL.get(band.rag, "#eef2f6")}"/>'
        )
        if band.label and y_bottom - y_top >= 14:
            body.append(
                _text(
                    left + plot_w + 6,
                    (y_top + y_bottom) / 2 + 4,
                    band.label,
                    size=11,
                    fill=RAG_TEXT.get(band.rag, MUTED),
                    weight="600",
                )
            )
    tick = y_min
    while tick <= y_max + 1e-9:
        y = y_at(tick)
        body.append(
            f'<line x1="{left}" x2="{_n(left + plot_w)}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}" '
            f'stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, fmt(tick, unit), size=11, fill=MUTED, anchor="end"))
        tick += y_step
    shown = labelled_indices(count)
    for i, label in enumerate(labels):
        if i in shown:
            body.append(_text(x_at(i), bottom + 18, label, size=11, fill=MUTED, anchor="middle"))
    for index, item in enumerate(series):
        colour, dash, stroke = SERIES_STYLES[index % len(SERIES_STYLES)]
        points = [None if v is None else (x_at(i), y_at(v)) for i, v in enumerate(item.values)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<g class="chart__series chart__series--{index}">')
        for run in _segments(points):
            if len(run) > 1:
                body.append(
                    f'<path d="{_path(run)}" fill="none" stroke="{colour}" stroke-width="{stroke}"'
                    f'{dash_attr} stroke-linejoin="round" stroke-linecap="round"/>'
                )
        for i, point in enumerate(points):
            if point is None:
                continue
            period = full_labels[i] if i < len(full_labels) else ""
            tip = f"{item.label}, {period}: {fmt(item.values[i], unit, places)}"
            body.append(
                f'<circle cx="{_n(point[0])}" cy="{_n(point[1])}" r="{_n(stroke + 1)}" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1"><title>{escape(tip)}</title></circle>'
            )
        body.append("</g>")
    body.extend(_legend(legend_rows, x=left, y=bottom + 42))
    columns = ("Period", *(s.label for s in series))
    rows = tuple(
        (full_labels[i] if i < len(full_labels) else "", *(fmt(s.values[i], unit, places) for s in series))
        for i in range(len(labels))
    )
    svg = _svg(
        chart_id=chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        css="chart__svg--line",
        body=body,
    )
    return Chart("line", title, description, svg, columns, rows)


def labelled_indices(count: int, most: int = 12) -> set[int]:
    """Which of ``count`` x positions get a label: at most ``most``, counted back from the newest,
    so the latest point always has its label."""
    every = max(1, math.ceil(count / most))
    return {i for i in range(count) if (count - 1 - i) % every == 0}


def _legend_layout(labels: Sequence[str], max_width: float) -> list[list[tuple[int, str]]]:
    rows, row, used = [], [], 0.0
    for index, label in enumerate(labels):
        needed = _legend_width(label)
        if row and used + needed > max_width:
            rows.append(row)
            row, used = [], 0.0
        row.append((index, label))
        used += needed
    if row:
        rows.append(row)
    return rows


def _legend(rows: list[list[tuple[int, str]]], *, x: float, y: float) -> list[str]:
    body = ['<g class="chart__legend">']
    for row_number, row in enumerate(rows):
        cursor = x
        line_y = y + row_number * 20
        for index, label in row:
            colour, dash, stroke = SERIES_STYLES[index % len(SERIES_STYLES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(
                f'<line x1="{_n(cursor)}" x2="{_n(cursor + 24)}" y1="{_n(line_y - 4)}" y2="{_n(line_y - 4)}" '
                f'stroke="{colour}" stroke-width="{stroke}"{dash_attr}/>'
            )
            body.append(_text(cursor + 30, line_y, label, size=12))
            cursor += _legend_width(label)
    body.append("</g>")
    return body


def sparkline(
    *,
    title: str,
    points: Sequence[SparkPoint],
    target=None,
    minimum=None,
    unit: str = "",
    description: str | None = None,
    width: int = 150,
    height: int = 40,
    chart_id: str | None = None,
) -> Chart:
    """A small line of the last periods' values with the target and minimum as reference lines.

    Periods with a warning are marked amber, missed ones red; a period with no value (not
    reported) is a red cross on the bottom edge.
    """
    chart_id = chart_id or _chart_id(
        "spark", title, [(p.label, p.value, p.status) for p in points], target, minimum
    )
    known = [float(p.value) for p in points if p.value is not None]
    references = [float(v) for v in (target, minimum) if v is not None]
    low, high = min(known + references, default=0.0), max(known + references, default=1.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.12
    low, high = low - pad, high + pad
    inset = 5
    plot_h = height - 2 * inset
    count = max(len(points), 1)
    step = (width - 2 * inset) / max(count - 1, 1)

    def x_at(i: int) -> float:
        return inset + i * step if count > 1 else width / 2

    def y_at(value) -> float:
        return inset + (high - float(value)) / (high - low) * plot_h

    body = []
    for value, colour, css in ((minimum, RAG_TEXT["red"], "minimum"), (target, RAG_TEXT["green"], "target")):
        if value is not None:
            y = y_at(value)
            body.append(
                f'<line class="chart__ref chart__ref--{css}" x1="0" x2="{width}" y1="{_n(y)}" y2="{_n(y)}" '
                f'stroke="{colour}" stroke-width="1" stroke-dasharray="3 2"/>'
            )
    coords = [None if p.value is None else (x_at(i), y_at(p.value)) for i, p in enumerate(points)]
    for run in _segments(coords):
        if len(run) > 1:
            body.append(
                f'<path d="{_path(run)}" fill="none" stroke="{SPARK_LINE}" stroke-width="1.5" '
                f'stroke-linejoin="round"/>'
            )
    for i, (point, coord) in enumerate(zip(points, coords, strict=True)):
        tip = f"{point.label}: {fmt(point.value, unit) if point.value is not None else 'not reported'}"
        if point.note:
            tip += f" ({point.note})"
        if coord is None:
            x, y = x_at(i), height - inset
            body.append(
                f'<path class="chart__mark chart__mark--missed" d="M{_n(x - 3)} {_n(y - 3)} L{_n(x + 3)} '
                f'{_n(y + 3)} M{_n(x - 3)} {_n(y + 3)} L{_n(x + 3)} {_n(y - 3)}" stroke="{RAG_TEXT["red"]}" '
                f'stroke-width="1.75"><title>{escape(tip)}</title></path>'
            )
        elif point.status in SPARK_MARK:
            body.append(
                f'<circle class="chart__mark chart__mark--{point.status}" cx="{_n(coord[0])}" '
                f'cy="{_n(coord[1])}" r="3" fill="{SPARK_MARK[point.status]}" stroke="#ffffff" '
                f'stroke-width="0.75"><title>{escape(tip)}</title></circle>'
            )
        elif i == len(points) - 1:
            body.append(
                f'<circle class="chart__mark" cx="{_n(coord[0])}" cy="{_n(coord[1])}" r="2.25" '
                f'fill="{SPARK_LINE}"><title>{escape(tip)}</title></circle>'
            )
    if description is None:
        description = sparkline_summary(points, target=target, minimum=minimum, unit=unit)
    svg = _svg(
        chart_id=chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        css="chart__svg--spark",
        body=body,
    )
    rows = tuple((p.label, fmt(p.value, unit) if p.value is not None else "—", p.note) for p in points)
    return Chart("spark", title, description, svg, ("Period", "Value", "Outcome"), rows, (False, True, False))


def sparkline_summary(points: Sequence[SparkPoint], *, target=None, minimum=None, unit: str = "") -> str:
    if not points:
        return "No results yet."
    missed = [p.label for p in points if p.status == "missed"]
    warnings = [p.label for p in points if p.status == "warning"]
    last = points[-1]
    parts = [f"{len(points)} period{'s' if len(points) != 1 else ''} from {points[0].label} to {last.label}."]
    parts.append(f"Missed in {', '.join(missed)}." if missed else "None missed.")
    if warnings:
        parts.append(f"Below target in {', '.join(warnings)}.")
    last_text = fmt(last.value, unit) if last.value is not None else "not reported"
    parts.append(f"Latest: {last_text}, expected {fmt(target, unit)}, minimum {fmt(minimum, unit)}.")
    return " ".join(parts)


def bar_chart(
    *,
    title: str,
    description: str,
    bars: Sequence[Bar],
    max_value: float | None = None,
    unit: str = "",
    value_heading: str = "Value",
    places: int = 1,
    width: int = 400,
    row_height: int = 26,
    chart_id: str | None = None,
) -> Chart:
    """Horizontal bars with their labels on the left and values at the bar ends."""
    chart_id = chart_id or _chart_id("bar", title, [(b.label, b.value, b.tone) for b in bars])
    longest = max((len(b.label) for b in bars), default=0)
    label_w = min(max(longest * 7 + 12, 60), width * 0.4)
    max_chars = int((label_w - 12) / 7)
    value_w = 64
    plot_w = width - label_w - value_w
    top = max_value if max_value is not None else max((float(b.value or 0) for b in bars), default=0) or 1
    height = max(len(bars), 1) * row_height + 4
    body = []
    for i, bar in enumerate(bars):
        y = 2 + i * row_height
        label = bar.label if len(bar.label) <= max_chars else bar.label[: max_chars - 1] + "…"
        tip = f"{bar.label}: {fmt(bar.value, unit, places)}"
        body.append(f'<g class="chart__bar"><title>{escape(tip)}</title>')
        body.append(_text(label_w - 8, y + row_height / 2 + 4, label, size=12, anchor="end"))
        body.append(
            f'<rect x="{_n(label_w)}" y="{_n(y + 4)}" width="{_n(plot_w)}" height="{row_height - 8}" '
            f'fill="#eef2f6" rx="2"/>'
        )
        if bar.value is not None:
            length = max(min(float(bar.value) / top, 1), 0) * plot_w
            body.append(
                f'<rect class="chart__fill chart__fill--{escape(bar.tone or "neutral")}" x="{_n(label_w)}" '
                f'y="{_n(y + 4)}" width="{_n(length)}" height="{row_height - 8}" '
                f'fill="{BAR_FILL.get(bar.tone, BAR_FILL[""])}" rx="2"/>'
            )
        body.append(
            _text(
                label_w + plot_w + 6,
                y + row_height / 2 + 4,
                fmt(bar.value, unit, places),
                size=12,
                weight="600",
            )
        )
        body.append("</g>")
    svg = _svg(
        chart_id=chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        css="chart__svg--bar",
        body=body,
    )
    has_notes = any(b.note for b in bars)
    columns = ("Item", value_heading, *(("Note",) if has_notes else ()))
    rows = tuple((b.label, fmt(b.value, unit, places), *((b.note,) if has_notes else ())) for b in bars)
    numeric = (False, True, *((False,) if has_notes else ()))
    return Chart("bar", title, description, svg, columns, rows, numeric)


# ---- The portal's charts, built from scorecards and service level results ---------------------------

SCORECARD_SERIES = (
    ("score", "Overall score"),
    ("quality_score", "Quality"),
    ("delivery_score", "Delivery"),
    ("responsiveness_score", "Responsiveness"),
    ("relationship_score", "Relationship"),
)
OUTCOME_STATUS = {"met": "ok", "warning": "warning", "breached": "missed", "missing": "missed"}


def period_label(start: date, kind: str = "monthly") -> str:
    """How a period is named in labels and tables: "Mar 2026", "Q1 2026", "w/c 2 Mar 2026"."""
    if kind == "quarterly":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if kind == "weekly":
        return f"w/c {start.day} {start:%b %Y}"
    return start.strftime("%b %Y")


def scorecard_trend_chart(
    *, vendor_name: str, months: Sequence[date], scorecards, bands: Sequence[Band] = ()
):
    """The overall and the four category scores per month, on 0–100 over the standing bands.

    ``scorecards`` maps a month's first day to that month's scorecard; months without one are gaps.
    """
    # The year goes on the first labelled month and wherever it changes between labels.
    shown = sorted(labelled_indices(len(months)))
    with_year = {i for n, i in enumerate(shown) if n == 0 or months[shown[n - 1]].year != months[i].year}
    labels = [month_label(m, with_year=i in with_year) for i, m in enumerate(months)]
    series = [
        Series(label, [getattr(scorecards.get(m), name, None) for m in months])
        for name, label in SCORECARD_SERIES
    ]
    return line_chart(
        title=f"Scorecard trend of {vendor_name}, {len(months)} months",
        description=scorecard_trend_summary(months=months, scorecards=scorecards),
        labels=labels,
        full_labels=[period_label(m) for m in months],
        series=series,
        bands=bands,
    )


def scorecard_trend_summary(*, months: Sequence[date], scorecards) -> str:
    known = [(m, scorecards[m]) for m in months if m in scorecards]
    if not months:
        return "No months to show."
    span = f"{period_label(months[0])} to {period_label(months[-1])}"
    if not known:
        return f"No scorecards from {span}."
    last_month, last = known[-1]
    parts = [f"Overall score from {span}: latest {fmt(last.score, places=1)} in {period_label(last_month)}"]
    if last.band:
        parts[-1] += f" ({last.band})"
    if len(known) > 1:
        prev_month, prev = known[-2]
        change = float(last.score) - float(prev.score)
        direction = "up" if change > 0.05 else "down" if change < -0.05 else "unchanged"
        parts[-1] += f", {direction} from {fmt(prev.score, places=1)} in {period_label(prev_month)}"
    parts[-1] += "."
    high = max(known, key=lambda item: item[1].score)
    low = min(known, key=lambda item: item[1].score)
    parts.append(
        f"Highest {fmt(high[1].score, places=1)} in {period_label(high[0])}, "
        f"lowest {fmt(low[1].score, places=1)} in {period_label(low[0])}."
    )
    categories = [
        f"{label} {fmt(getattr(last, name), places=1)}"
        for name, label in SCORECARD_SERIES[1:]
        if getattr(last, name, None) is not None
    ]
    if categories:
        parts.append(f"Latest category scores: {', '.join(categories)}.")
    gaps = len(months) - len(known)
    if gaps:
        parts.append(f"No scorecard for {gaps} of the {len(months)} months.")
    return " ".join(parts)


def service_level_sparkline(
    *, name: str, results: Sequence, target, minimum, unit: str, period: str = "monthly"
):
    """The last results of a service level (oldest first) against its expected and minimum levels."""
    points = [
        SparkPoint(
            label=period_label(r.period_start, period),
            value=r.attained,
            status=OUTCOME_STATUS.get(r.outcome, "ok"),
            note=r.get_outcome_display(),
        )
        for r in results
    ]
    return sparkline(
        title=f"{name}: last {len(points)} results", points=points, target=target, minimum=minimum, unit=unit
    )
