"""The audit trail: every change made through the services is recorded here.

``audited_create``, ``audited_update`` and ``audited_delete`` are the write helpers the
services of every app use. Each validates, writes with ``update_fields`` and records an
``AuditEvent`` with the actor, an action code and the old and new values, all in one
transaction.
"""

import json
from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from . import policy
from .models import AuditEvent


def plain_value(value):
    """A JSON-safe rendering of a field or form value for the trail: rows become ids, sets of
    rows sorted ids, files their stored name."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(plain_value(item) for item in value)
    if isinstance(value, Decimal | date | datetime | time):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or None
    return value


def _field_value(instance, field: models.Field):
    return plain_value(getattr(instance, field.attname))


def action_code(instance, verb: str) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}.{verb}"


def audit_record(*, actor, action: str, obj, changes: dict | None = None, note: str = "") -> AuditEvent:
    """Write one audit event about ``obj``. Call inside the transaction of the change."""
    event = audit_event(actor=actor, action=action, obj=obj, changes=changes, note=note)
    event.save(force_insert=True)
    return event


def audit_event(*, actor, action: str, obj, changes: dict | None = None, note: str = "") -> AuditEvent:
    """The unsaved event ``audit_record`` writes, for scheduled work that saves many with bulk_create."""
    hidden = set(policy.internal_fields(type(obj)))
    changes = changes or {}
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        vendor_id=policy.vendor_id_of(obj),
        changes=changes,
        note=note,
        internal_only=(bool(changes) and set(changes) <= hidden)
        or bool(getattr(obj, "policy_internal_row", False)),
    )


def _same_value(field: models.Field, old, new) -> bool:
    """Equal as the column stores them: a form's Decimal("5") is the stored Decimal("5.00")."""
    try:
        return field.to_python(old) == field.to_python(new)
    except ValidationError:
        return False  # not comparable yet; full_clean reports the bad value


def _editable_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.editable]


@transaction.atomic
def audited_create(*, model, actor, note: str = "", **data):
    """Create, validate and save a row, and record it in the trail."""
    instance = model(**data)
    instance.full_clean()
    instance.save()
    changes = {f.name: [None, _field_value(instance, f)] for f in _editable_fields(model)}
    changes = {k: v for k, v in changes.items() if v[1] not in (None, "", [], {})}
    audit_record(
        actor=actor, action=action_code(instance, "created"), obj=instance, changes=changes, note=note
    )
    return instance


@transaction.atomic
def audited_update(*, instance, actor, data: dict, note: str = ""):
    """Apply ``data`` to ``instance``; save and audit only the fields that changed.

    Returns ``(instance, changed_field_names)``.
    """
    fields = {f.name: f for f in _editable_fields(type(instance))}
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"{type(instance).__name__} has no editable fields {sorted(unknown)}")
    changes = {}
    for name, value in data.items():
        field = fields[name]
        old = getattr(instance, field.attname)
        setattr(instance, name, value)
        new = getattr(instance, field.attname)
        if not _same_value(field, old, new):
            changes[name] = [plain_value(old), plain_value(new)]
    if not changes:
        return instance, []
    instance.full_clean()
    update_fields = [fields[name].name for name in changes]
    if any(f.name == "updated_at" for f in type(instance)._meta.concrete_fields):
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    audit_record(
        actor=actor, action=action_code(instance, "updated"), obj=instance, changes=changes, note=note
    )
    return instance, list(changes)


@transaction.atomic
def audited_delete(*, instance, actor, note: str = "") -> None:
    """Delete a row, keeping its last values in the trail."""
    snapshot = {f.name: [_field_value(instance, f), None] for f in _editable_fields(type(instance))}
    audit_record(
        actor=actor, action=action_code(instance, "deleted"), obj=instance, changes=snapshot, note=note
    )
    instance.delete()
