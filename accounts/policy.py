"""The access policy: which rows a user may see and which actions a user may take.

Every view, API view, export, form choice list and e-mail asks this module. Models
declare how they hang off a vendor:

- ``policy_vendor_path``: the lookup from the model to its vendor's id ("pk" for the
  vendor itself, "contract__vendor" for a service level). ``None`` (the default) means
  the model is internal-only: vendor users see no row of it.
- ``policy_vendor_q(user)``: optional classmethod narrowing what a vendor user sees of
  their own vendor's rows (e.g. documents not shared with the vendor, meetings of forums
  the user is not a member of).
- ``policy_vendor_actions``: actions vendor users may take on their own rows besides
  viewing (e.g. submitting measurements).
- ``policy_internal_fields``: fields that never reach vendor users.
- ``policy_mirrored_fields``: fields holding a copy of another model's field, as
  ``{"field": "app_label.Model.field"}`` (a result's allocation copied from its service
  level). A copy is internal-only exactly when its source is, so a value never leaks
  through the row it was copied onto.
- ``policy_refers_to_objects``: the rows point at other objects by type and id (the audit
  trail, agenda items, decision links); vendor users see only rows about objects the policy
  lets them see, so an agenda or a trail never names an object hidden from its reader.

Internal roles see every row. Vendor users see only their own vendor's rows; a row of
another vendor is simply not in their querysets, so every lookup through ``scope`` is
a 404 rather than a 403 for them.
"""

from enum import StrEnum
from functools import cache

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from .models import Role


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    SUBMIT = "submit"  # vendor submits figures, evidence, progress updates
    RESPOND = "respond"  # vendor responds to / disputes a breach or finding
    VIEW_AUDIT = "view_audit"  # read the full audit trail
    RECORD_AUDIT = "record_audit"  # record audits and findings
    MANAGE_USERS = "manage_users"  # invite and deactivate users


_ALL = frozenset(Action)
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.ADMIN: _ALL,
    Role.MANAGER: frozenset(
        {Action.VIEW, Action.CREATE, Action.CHANGE, Action.DELETE, Action.VIEW_AUDIT, Action.RECORD_AUDIT}
    ),
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.AUDITOR: frozenset({Action.VIEW, Action.VIEW_AUDIT, Action.RECORD_AUDIT}),
    Role.VENDOR_USER: frozenset({Action.VIEW, Action.SUBMIT, Action.RESPOND, Action.VIEW_AUDIT}),
    Role.VENDOR_ADMIN: frozenset(
        {Action.VIEW, Action.SUBMIT, Action.RESPOND, Action.VIEW_AUDIT, Action.MANAGE_USERS}
    ),
}


def _is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_allows(user, action: Action) -> bool:
    return _is_active_user(user) and action in ROLE_ACTIONS.get(user.role, frozenset())


def sees_internal(user) -> bool:
    """True when internal-only fields and notes may be shown to this user."""
    return _is_active_user(user) and user.is_internal


def vendor_path(model) -> str | None:
    return getattr(model, "policy_vendor_path", None)


def _refers_to_objects(model) -> bool:
    return getattr(model, "policy_refers_to_objects", False)


def is_narrowed(model) -> bool:
    """Vendor users see only part of their own vendor's rows of this model."""
    return getattr(model, "policy_vendor_q", None) is not None or _refers_to_objects(model)


def scope(user, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` this user may see."""
    if not _is_active_user(user) or not role_allows(user, Action.VIEW):
        return queryset.none()
    if user.is_internal:
        return queryset
    model = queryset.model
    path = vendor_path(model)
    if path is None or user.vendor_id is None:
        return queryset.none()
    queryset = queryset.filter(**{path: user.vendor_id})
    narrow = getattr(model, "policy_vendor_q", None)
    if narrow is not None:
        queryset = queryset.filter(narrow(user))
    if _refers_to_objects(model):
        queryset = queryset.filter(narrowed_objects_q(user, model))
    return queryset


def _points_by_label(model) -> bool:
    """The audit trail names its objects by model label; agenda items and decision links by content type."""
    return not model._meta.get_field("object_type").is_relation


@cache
def _narrowed_models() -> tuple:
    """Vendor-scoped models that narrow what vendor users see of their own vendor's rows."""
    return tuple(
        model
        for model in apps.get_models()
        if vendor_path(model) is not None
        and getattr(model, "policy_vendor_q", None) is not None
        and not _refers_to_objects(model)
    )


@cache
def _narrowed_pointer_models() -> tuple:
    """Vendor-scoped rows that point at other objects by content type (agenda items, decision links)."""
    return tuple(
        model
        for model in apps.get_models()
        if vendor_path(model) is not None and _refers_to_objects(model) and not _points_by_label(model)
    )


def narrowed_objects_q(user, model) -> Q:
    """For rows of ``model`` that point at objects by type and id (the audit trail, agenda items, decision
    links): only those whose object ``user`` may see, when that object is of a narrowed model."""
    by_label = _points_by_label(model)
    # The trail may be about an agenda item or a decision link; those point only at business objects.
    subjects = _narrowed_models() + (_narrowed_pointer_models() if by_label else ())
    condition = Q()
    for subject in subjects:
        visible = scope(user, subject._default_manager.all())
        if by_label:
            visible = visible.annotate(visible_id=Cast("pk", CharField())).values("visible_id")
            of_subject = Q(object_type=subject._meta.label_lower)
        else:
            visible = visible.values("pk")
            content_type = ContentType.objects.filter(
                app_label=subject._meta.app_label, model=subject._meta.model_name
            )
            of_subject = Q(object_type__in=content_type)
        condition &= ~of_subject | Q(object_id__in=visible)
    return condition


def get_visible_or_404(user, queryset: QuerySet, **lookup) -> Model:
    """Fetch one row the user may see; anything else is indistinguishable from absent."""
    return get_object_or_404(scope(user, queryset), **lookup)


def vendor_id_of(obj) -> int | None:
    """The id of the vendor an object belongs to, following its ``policy_vendor_path``."""
    path = vendor_path(type(obj))
    if path is None:
        return None
    if path in ("pk", "id"):
        return obj.pk
    *hops, last = path.split("__")
    target = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    if last.endswith("_id"):
        return getattr(target, last, None)
    return getattr(target, f"{last}_id", None)


def can(user, action: Action, obj_or_model) -> bool:
    """May ``user`` take ``action`` on this object (or on this kind of object)?"""
    if not role_allows(user, action):
        return False
    if user.is_internal:
        return True
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    if vendor_path(model) is None:
        return False
    if action != Action.VIEW and action not in getattr(model, "policy_vendor_actions", frozenset()):
        return False
    if isinstance(obj_or_model, type):
        return True
    if vendor_id_of(obj_or_model) != user.vendor_id:
        return False
    if is_narrowed(model):
        return scope(user, model._default_manager.filter(pk=obj_or_model.pk)).exists()
    return True


def mirrored_source(reference: str) -> tuple[type[Model], str]:
    """The model and field an ``"app_label.Model.field"`` mirror declaration points at."""
    label, _, field_name = reference.rpartition(".")
    return apps.get_model(label), field_name


def _mirrors_internal(reference: str) -> bool:
    source_model, source_field = mirrored_source(reference)
    return source_field in internal_fields(source_model)


def internal_fields(model) -> tuple[str, ...]:
    """The model's internal-only fields: those it declares and the copies it holds of internal fields."""
    declared = tuple(getattr(model, "policy_internal_fields", ()))
    mirrors = getattr(model, "policy_mirrored_fields", {})
    return declared + tuple(
        name for name, reference in mirrors.items() if name not in declared and _mirrors_internal(reference)
    )


def all_internal_field_names() -> frozenset[str]:
    """Every field name any model of the project declares internal-only."""
    return frozenset(name for model in apps.get_models() for name in internal_fields(model))


def is_internal_path(model, path: str) -> bool:
    """Does the lookup ``path`` ("contract.vendor.internal_notes", "service_level__credit_allocation_percent")
    from ``model`` pass through or end on an internal-only field?"""
    for name in path.replace("__", ".").split("."):
        if model is None:
            return False
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # an attname ("vendor_id"), or a method or property
            field = next((f for f in model._meta.concrete_fields if f.attname == name), None)
            if field is None:
                return False
        if field.name in internal_fields(model):
            return True
        model = field.related_model if field.is_relation else None
    return False


def visible_fields(user, model, fields) -> list[str]:
    """``fields`` minus the model's internal-only fields when the user is a vendor user."""
    if sees_internal(user):
        return list(fields)
    hidden = set(internal_fields(model))
    return [f for f in fields if f not in hidden]


def scope_form_choices(user, form) -> None:
    """Limit every model choice field of ``form`` to the rows the user may see."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None:
            field.queryset = scope(user, queryset)
