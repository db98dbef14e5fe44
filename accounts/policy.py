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
- ``policy_refers_to_objects``: the rows point at other objects by type and id (the audit
  trail); vendor users see only rows about objects the policy lets them see.

Internal roles see every row. Vendor users see only their own vendor's rows; a row of
another vendor is simply not in their querysets, so every lookup through ``scope`` is
a 404 rather than a 403 for them.
"""

from enum import StrEnum
from functools import cache

from django.apps import apps
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
        queryset = queryset.filter(narrowed_objects_q(user))
    return queryset


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


def narrowed_objects_q(user) -> Q:
    """For rows that point at objects by type and id (the audit trail): only objects of narrowed models
    that ``user`` may see."""
    condition = Q()
    for model in _narrowed_models():
        visible = (
            scope(user, model._default_manager.all())
            .annotate(visible_id=Cast("pk", CharField()))
            .values("visible_id")
        )
        condition &= ~Q(object_type=model._meta.label_lower) | Q(object_id__in=visible)
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


def internal_fields(model) -> tuple[str, ...]:
    return tuple(getattr(model, "policy_internal_fields", ()))


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
