"""Reads of the audit trail: the whole trail with its filters in keyset pages, one object's trail, and
readable entries (what changed, in the model's own words) that never show a vendor user internal values.

The trail is the biggest table of the portal, so pages are keyset pages on (occurred_at, id) — no
COUNT, no OFFSET — and every filter is one of the table's indexed columns.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, DateTimeField, Model, Q, QuerySet
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime

from . import policy
from .models import AuditEvent

PAGE_SIZE = 50
OBJECT_TRAIL_SIZE = 20
# Never shown to anyone, whatever the model declares.
SECRET_FIELDS = frozenset({"password", "token_hash", "secret"})
MAX_VALUE_LENGTH = 120
FRAMEWORK_APPS = ("admin", "auth", "contenttypes", "sessions", "django_celery_beat", "django_celery_results")


# ---- What can be filtered on -------------------------------------------------------------------------


@cache
def _project_models() -> tuple[type[Model], ...]:
    return tuple(
        model
        for model in apps.get_models()
        if model._meta.app_label not in FRAMEWORK_APPS and model is not AuditEvent
    )


def object_type_choices(user) -> list[tuple[str, str]]:
    """(``app_label.model``, readable name) of every kind of object the user may find in the trail."""
    internal = policy.sees_internal(user)
    choices = [
        (model._meta.label_lower, _capitalised(f"{model._meta.verbose_name} ({model._meta.app_label})"))
        for model in _project_models()
        if internal or policy.vendor_path(model) is not None
    ]
    return sorted(choices, key=lambda choice: choice[1])


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _model_for(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def trail_for_user(
    *,
    user,
    actor=None,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    vendor_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The events the user may read, filtered, newest first.

    Vendor users read their own vendor's events (never those about internal-only fields or models);
    users whose role may not read the trail get nothing.
    """
    if not policy.role_allows(user, policy.Action.VIEW_AUDIT):
        return AuditEvent.objects.none()
    events = policy.scope(user, AuditEvent.objects.all()).select_related("actor")
    if not policy.sees_internal(user):
        events = events.filter(object_type__in=[value for value, _ in object_type_choices(user)])
    if actor is not None:
        events = events.filter(actor=actor)
    if action:
        events = events.filter(action__startswith=action.strip())
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=str(object_id))
    if vendor_id is not None:
        events = events.filter(vendor_id=vendor_id)
    if date_from:
        events = events.filter(occurred_at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(occurred_at__lt=_start_of(date_to + timedelta(days=1)))
    return events.order_by("-occurred_at", "-id")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# ---- Keyset pages --------------------------------------------------------------------------------------


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def cursor_of(event: AuditEvent) -> str:
    """``<microseconds since 1970>_<id>``: exact, so no event is skipped or repeated between pages."""
    return f"{(event.occurred_at - EPOCH) // MICROSECOND}_{event.pk}"


def parse_cursor(value) -> tuple[datetime, int] | None:
    try:
        micros, pk = str(value).split("_")
        return EPOCH + int(micros) * MICROSECOND, int(pk)
    except (TypeError, ValueError, OverflowError):
        return None


@dataclass
class TrailPage:
    entries: list["TrailEntry"]
    newer: str | None  # cursor of the page before (more recent events)
    older: str | None  # cursor of the page after (earlier events)

    @property
    def is_first(self) -> bool:
        return self.newer is None


def trail_page(
    *, user, events: QuerySet[AuditEvent], before=None, after=None, size: int | None = None
) -> TrailPage:
    """One page of ``events`` (ordered newest first): the first, the one older than ``before``, or the
    one newer than ``after``. One query."""
    size = size or PAGE_SIZE
    before, after = parse_cursor(before) if before else None, parse_cursor(after) if after else None
    if after is not None:
        moment, pk = after
        rows = list(
            events.filter(Q(occurred_at__gt=moment) | Q(occurred_at=moment, pk__gt=pk)).order_by(
                "occurred_at", "id"
            )[: size + 1]
        )
        more_newer, rows = len(rows) > size, rows[:size][::-1]
        newer = cursor_of(rows[0]) if rows and more_newer else None
        older = cursor_of(rows[-1]) if rows else None
    else:
        if before is not None:
            moment, pk = before
            events = events.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, pk__lt=pk))
        rows = list(events[: size + 1])
        more_older, rows = len(rows) > size, rows[:size]
        newer = cursor_of(rows[0]) if rows and before is not None else None
        older = cursor_of(rows[-1]) if rows and more_older else None
    return TrailPage(entries=trail_entries_for_user(user=user, events=rows), newer=newer, older=older)


# ---- One object's trail --------------------------------------------------------------------------------


@dataclass
class ObjectTrail:
    object_type: str
    object_id: str
    entries: list["TrailEntry"]
    has_more: bool


def object_trail_for_user(*, user, obj: Model, size: int = OBJECT_TRAIL_SIZE) -> ObjectTrail | None:
    """The latest events about ``obj`` the user may read (None when the role may not read the trail)."""
    if not policy.role_allows(user, policy.Action.VIEW_AUDIT):
        return None
    object_type, object_id = obj._meta.label_lower, str(obj.pk)
    events = list(trail_for_user(user=user, object_type=object_type, object_id=object_id)[: size + 1])
    return ObjectTrail(
        object_type=object_type,
        object_id=object_id,
        entries=trail_entries_for_user(user=user, events=events[:size]),
        has_more=len(events) > size,
    )


# ---- Readable entries ----------------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: str | None  # None when there was no earlier value to show
    new: str


@dataclass
class TrailEntry:
    event: AuditEvent
    label: str
    object_label: str
    changes: list[FieldChange]
    note: str  # only for internal readers
    vendor_name: str = ""  # filled in by pages that show it

    @property
    def actor_name(self) -> str:
        return str(self.event.actor) if self.event.actor else "Scheduled work"


def action_label(action: str, model=None) -> str:
    """``governance.issue.escalated`` → "Issue escalated"."""
    parts = action.split(".")
    verb = parts[-1].replace("_", " ")
    noun = str(model._meta.verbose_name) if model is not None else (parts[-2] if len(parts) >= 2 else "")
    return _capitalised(f"{noun} {verb}".strip())


def _display(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(model_field, DateTimeField) and (moment := parse_datetime(str(value))):
        return formats.date_format(timezone.localtime(moment), "j M Y H:i")
    if isinstance(model_field, DateField) and (day := parse_date(str(value))):
        return formats.date_format(day, "j M Y")
    if model_field is not None and getattr(model_field, "choices", None):
        choices = dict(model_field.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(choices.get(v, v)) for v in value)
        return str(choices.get(value, value))
    if isinstance(value, list | dict):
        value = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_changes(event: AuditEvent, model, hidden: set[str]) -> list[FieldChange]:
    changes = []
    for name, pair in sorted((event.changes or {}).items()):
        if name in hidden or name in SECRET_FIELDS:
            continue
        model_field = _field(model, name)
        label = _capitalised(str(getattr(model_field, "verbose_name", name.replace("_", " "))))
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        if model_field is not None and model_field.is_relation:
            # The trail keeps row ids; naming them would cost a query per event, and on a new row
            # "set" says nothing.
            if event.action.endswith(".created"):
                continue
            verb = "set" if old is None else "cleared" if new is None else "changed"
            changes.append(FieldChange(label, None, verb))
            continue
        changes.append(
            FieldChange(
                label, None if old is None else _display(model_field, old), _display(model_field, new)
            )
        )
    return changes


def trail_entries_for_user(*, user, events) -> list[TrailEntry]:
    """Readable entries; vendor users get neither internal-only fields nor notes."""
    internal = policy.sees_internal(user)
    entries = []
    for event in events:
        model = _model_for(event.object_type)
        hidden = set() if internal else set(policy.internal_fields(model)) if model else set()
        entries.append(
            TrailEntry(
                event=event,
                label=action_label(event.action, model),
                object_label=_capitalised(str(model._meta.verbose_name)) if model else event.object_type,
                changes=field_changes(event, model, hidden),
                note=event.note if internal else "",
            )
        )
    return entries
