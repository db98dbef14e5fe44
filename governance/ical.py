"""A small iCalendar (RFC 5545) writer: VCALENDAR with VEVENTs, CRLF line endings, lines folded at 75
octets without splitting a UTF-8 character, and TEXT values escaped."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

CRLF = "\r\n"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets; continuation lines start with a space."""
    encoded = line.encode()
    if len(encoded) <= MAX_OCTETS:
        return line
    chunks, current, size, limit = [], [], 0, MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            chunks.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1  # the leading space counts
        current.append(char)
        size += width
    chunks.append("".join(current))
    return (CRLF + " ").join(chunks)


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def format_date(day: date) -> str:
    return day.strftime("%Y%m%d")


@dataclass(frozen=True)
class Event:
    """One VEVENT. ``start``/``end`` are aware datetimes, or dates for an all-day event (``end`` is the
    day after the last day, as RFC 5545 wants for DTEND)."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    description: str = ""
    location: str = ""
    url: str = ""
    status: str = ""  # CONFIRMED, TENTATIVE or CANCELLED
    categories: str = ""


def _when(name: str, value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"{name}:{format_utc(value)}"
    return f"{name};VALUE=DATE:{format_date(value)}"


def event_lines(event: Event, *, stamp: datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{format_utc(stamp)}",
        _when("DTSTART", event.start),
        _when("DTEND", event.end),
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.categories:
        lines.append(f"CATEGORIES:{escape_text(event.categories)}")
    if event.status:
        lines.append(f"STATUS:{event.status}")
    if isinstance(event.start, date) and not isinstance(event.start, datetime):
        lines.append("TRANSP:TRANSPARENT")  # a due date does not make anyone busy
    lines.append("END:VEVENT")
    return lines


def calendar(events, *, name: str, stamp: datetime, product: str) -> str:
    """The whole calendar as text, ready to serve as text/calendar."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{escape_text(product)}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines.extend(event_lines(event, stamp=stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
