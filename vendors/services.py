"""Writes to vendors: the master record, contacts, lifecycle moves, the onboarding checklist defaults
and the vendor administrators' change requests. Each is atomic, checked against the access policy and
recorded in the audit trail with old → new values.

The lifecycle gate needs to know which onboarding items are still open; those are computed from
contracts, service levels and governance, which sit above this app, so the caller passes them in
(``governance.services.lifecycle`` does).
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_create, audited_update, plain_value
from accounts.models import Role

from . import identifiers
from .models import (
    LIFECYCLE_MOVES,
    ChangeRequestKind,
    ChangeRequestStatus,
    OnboardingRequirement,
    ServiceCategory,
    Vendor,
    VendorChangeRequest,
    VendorContact,
    VendorStatus,
    VendorStatusChange,
)

VENDOR_FIELDS = (
    "name",
    "legal_name",
    "registration_number",
    "vat_number",
    "lei",
    "duns",
    "parent",
    "address",
    "website",
    "tier",
    "internal_owner",
    "description",
    "internal_notes",
)
# What a vendor administrator may propose to change about its own company, and about a contact.
PROPOSABLE_DETAILS = ("legal_name", "registration_number", "vat_number", "lei", "duns", "address", "website")
PROPOSABLE_CONTACT_FIELDS = ("name", "job_title", "email", "phone")
CONTACT_FIELDS = ("name", "job_title", "email", "phone", "is_escalation_contact", "notes")
IDENTIFIER_FIELDS = ("vat_number", "lei", "duns")


def _require(actor, action, obj, message: str) -> None:
    if not policy.can(actor, action, obj):
        raise PermissionDenied(message)


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _normalised(data: dict) -> dict:
    data = dict(data)
    for name in IDENTIFIER_FIELDS:
        if name in data:
            data[name] = identifiers.normalise(data[name])
    for name, value in data.items():
        if isinstance(value, str) and name not in ("address", "description", "internal_notes"):
            data[name] = value.strip()
    return data


def _check_parent(vendor: Vendor | None, parent: Vendor | None) -> None:
    """The parent company must not be the vendor itself or one of its own subsidiaries."""
    if parent is None or vendor is None or vendor.pk is None:
        return
    node, seen = parent, set()
    while node is not None and node.pk not in seen:
        if node.pk == vendor.pk:
            raise ValidationError(
                {"parent": "A vendor cannot be its own parent company, directly or through others."}
            )
        seen.add(node.pk)
        node = node.parent


def _check_owner(owner) -> None:
    if owner is not None and (owner.vendor_id is not None or not owner.is_active):
        raise ValidationError({"internal_owner": "The owner must be an active user of the client."})


def _with_new_categories(categories, names, actor) -> list[ServiceCategory]:
    """The chosen categories plus those named, created when the catalogue lacks them (case-insensitively)."""
    categories = list(categories or ())
    for name in names or ():
        existing = ServiceCategory.objects.filter(name__iexact=name).first()
        categories.append(existing or audited_create(model=ServiceCategory, actor=actor, name=name))
    return list({category.pk: category for category in categories}.values())


def _set_categories(*, vendor: Vendor, categories, actor, note: str = "") -> None:
    old = sorted(vendor.service_categories.values_list("pk", flat=True))
    new = sorted(category.pk for category in categories)
    if old == new:
        return
    vendor.service_categories.set(categories)
    audit_record(
        actor=actor,
        action="vendors.vendor.updated",
        obj=vendor,
        changes={"service_categories": [old, new]},
        note=note,
    )


@transaction.atomic
def vendor_create(*, actor, name: str, service_categories=(), new_categories=(), **fields) -> Vendor:
    """A new vendor, always a prospect: the lifecycle moves it on from there."""
    _require(actor, policy.Action.CREATE, Vendor, "Only the client's managers may add vendors.")
    unknown = set(fields) - set(VENDOR_FIELDS)
    if unknown:
        raise ValueError(f"vendor_create got unknown fields {sorted(unknown)}")
    data = _normalised({"name": name, **fields})
    _required_text(data["name"], "name", "Give the vendor a name.")
    _check_owner(data.get("internal_owner"))
    vendor = audited_create(model=Vendor, actor=actor, status=VendorStatus.PROSPECT, **data)
    categories = _with_new_categories(service_categories, new_categories, actor)
    _set_categories(vendor=vendor, categories=categories, actor=actor)
    return vendor


@transaction.atomic
def vendor_update(
    *, vendor: Vendor, actor, service_categories=None, new_categories=(), note: str = "", **fields
) -> list[str]:
    """Change the master record; returns the names of the fields that changed."""
    _require(actor, policy.Action.CHANGE, vendor, "Only the client's managers may change a vendor.")
    unknown = set(fields) - set(VENDOR_FIELDS)
    if unknown:
        raise ValueError(f"vendor_update got unknown fields {sorted(unknown)}")
    data = _normalised(fields)
    if "name" in data:
        _required_text(data["name"], "name", "Give the vendor a name.")
    if "parent" in data:
        _check_parent(vendor, data["parent"])
    if "internal_owner" in data:
        _check_owner(data["internal_owner"])
    _vendor, changed = audited_update(instance=vendor, actor=actor, data=data, note=note)
    if new_categories:
        current = vendor.service_categories.all() if service_categories is None else service_categories
        service_categories = _with_new_categories(current, new_categories, actor)
    if service_categories is not None:
        before = set(vendor.service_categories.values_list("pk", flat=True))
        _set_categories(vendor=vendor, categories=service_categories, actor=actor, note=note)
        if before != {category.pk for category in service_categories}:
            changed.append("service_categories")
    return changed


# Contacts: exactly one active contact of a vendor is its primary one (the database allows at most one;
# the services name the first contact primary and never leave active contacts without one).


def _active_contacts(vendor: Vendor):
    return VendorContact.objects.filter(vendor=vendor, retired_on__isnull=True)


def _demote_primary(*, vendor: Vendor, actor, keep: VendorContact | None = None) -> None:
    current = _active_contacts(vendor).filter(is_primary=True).exclude(pk=getattr(keep, "pk", None)).first()
    if current is not None:
        audited_update(instance=current, actor=actor, data={"is_primary": False})


@transaction.atomic
def contact_create(*, vendor: Vendor, actor, name: str, is_primary: bool = False, note: str = "", **fields):
    """A new contact; the vendor's first active contact is its primary one."""
    _require(actor, policy.Action.CHANGE, vendor, "Only the client's managers may add contacts.")
    data = _normalised({"name": name, **fields})
    _required_text(data["name"], "name", "Give the contact's name.")
    Vendor.objects.select_for_update().filter(pk=vendor.pk).first()  # one primary, even at the same time
    if not _active_contacts(vendor).filter(is_primary=True).exists():
        is_primary = True
    elif is_primary:
        _demote_primary(vendor=vendor, actor=actor)
    return audited_create(
        model=VendorContact, actor=actor, vendor=vendor, is_primary=is_primary, note=note, **data
    )


@transaction.atomic
def contact_update(
    *, contact: VendorContact, actor, is_primary: bool | None = None, note: str = "", **fields
):
    _require(actor, policy.Action.CHANGE, contact, "Only the client's managers may change contacts.")
    if contact.is_retired:
        raise ValidationError("This contact is retired; add them again as a new contact instead.")
    data = _normalised(fields)
    if "name" in data:
        _required_text(data["name"], "name", "Give the contact's name.")
    Vendor.objects.select_for_update().filter(pk=contact.vendor_id).first()
    if is_primary is False and contact.is_primary:
        raise ValidationError(
            {"is_primary": "A vendor always has one primary contact: make another contact primary instead."}
        )
    if is_primary and not contact.is_primary:
        _demote_primary(vendor=contact.vendor, actor=actor, keep=contact)
        data["is_primary"] = True
    _contact, changed = audited_update(instance=contact, actor=actor, data=data, note=note)
    return changed


@transaction.atomic
def contact_retire(
    *, contact: VendorContact, actor, successor: VendorContact | None = None, now: datetime | None = None
) -> VendorContact:
    """The contact is no longer one (kept for the record); a primary contact hands over to ``successor``."""
    _require(actor, policy.Action.CHANGE, contact, "Only the client's managers may retire contacts.")
    if contact.is_retired:
        raise ValidationError("This contact is retired already.")
    Vendor.objects.select_for_update().filter(pk=contact.vendor_id).first()
    others = _active_contacts(contact.vendor).exclude(pk=contact.pk)
    if successor is not None and not others.filter(pk=successor.pk).exists():
        raise ValidationError({"successor": "Choose another active contact of this vendor."})
    if contact.is_primary and successor is None and others.exists():
        raise ValidationError({"successor": "This is the primary contact: choose who takes over."})
    was_primary = contact.is_primary
    retired_on = timezone.localdate(now)
    audited_update(instance=contact, actor=actor, data={"retired_on": retired_on, "is_primary": False})
    if was_primary and successor is not None:
        audited_update(instance=successor, actor=actor, data={"is_primary": True})
    return contact


# Lifecycle.


def allowed_moves(vendor: Vendor) -> tuple[str, ...]:
    return tuple(LIFECYCLE_MOVES.get(vendor.status, ()))


@transaction.atomic
def vendor_status_change(
    *,
    vendor: Vendor,
    actor,
    to_status: str,
    reason: str,
    effective_on: date,
    open_items=(),
    override_reason: str = "",
    exit_on: date | None = None,
    exit_plan: str = "",
    now: datetime | None = None,
) -> VendorStatusChange:
    """Move the vendor along its lifecycle, with a reason and the day it takes effect.

    ``open_items`` are the required onboarding items still open; becoming active with any of them
    needs ``override_reason``. Exiting records the exit date and the exit plan.
    """
    now = now or timezone.now()
    _require(actor, policy.Action.CHANGE, vendor, "Only the client's managers may move a vendor's lifecycle.")
    locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if to_status not in allowed_moves(locked):
        current = locked.get_status_display().lower()
        raise ValidationError({"to_status": f"A {current} vendor cannot move to {to_status or 'that'}."})
    reason = _required_text(reason, "reason", "Say why the vendor moves.")
    if effective_on is None:
        raise ValidationError({"effective_on": "Give the day the move takes effect."})
    if effective_on > timezone.localdate(now):
        raise ValidationError(
            {"effective_on": "A move takes effect today or on a past day, not in the future."}
        )
    open_items = list(open_items) if to_status == VendorStatus.ACTIVE else []
    override_reason = (override_reason or "").strip()
    if open_items and not override_reason:
        raise ValidationError(
            {
                "override_reason": "Still open: "
                + ", ".join(open_items)
                + ". Complete them, or give a reason to activate the vendor anyway."
            }
        )
    if not open_items:
        override_reason = ""
    data = {"status": to_status}
    if to_status == VendorStatus.EXITING:
        if exit_on is None:
            raise ValidationError({"exit_on": "Give the day the relationship ends."})
        if exit_on < effective_on:
            raise ValidationError({"exit_on": "The exit date cannot come before the move itself."})
        data["exit_on"] = exit_on
        data["exit_plan"] = _required_text(exit_plan, "exit_plan", "Describe the exit plan.")
    elif to_status == VendorStatus.EXITED:
        data["exit_on"] = locked.exit_on or effective_on
    elif locked.status == VendorStatus.EXITING:
        data["exit_on"] = None  # the exit is called off; the plan stays on record
    from_status = locked.status
    audited_update(instance=locked, actor=actor, data=data, note=reason)
    change = VendorStatusChange(
        vendor=locked,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        effective_on=effective_on,
        open_items=open_items,
        override_reason=override_reason,
        changed_by=actor,
        changed_at=now,
    )
    change.full_clean()
    change.save()
    for name, value in data.items():
        setattr(vendor, name, value)
    return change


@transaction.atomic
def onboarding_requirements_update(*, actor, tier: str, required_items) -> list[str]:
    """Which checklist items block activation for vendors of ``tier``; returns the items that changed."""
    _require(
        actor,
        policy.Action.CHANGE,
        OnboardingRequirement,
        "Only the client's managers may change the checklist.",
    )
    changed = []
    for requirement in OnboardingRequirement.objects.select_for_update().filter(tier=tier):
        _row, fields = audited_update(
            instance=requirement, actor=actor, data={"is_required": requirement.item in set(required_items)}
        )
        if fields:
            changed.append(requirement.item)
    return changed


# Change requests: a vendor administrator proposes, a manager approves (applied through the services
# above) or rejects with a reason.


def may_propose_change(actor, vendor: Vendor) -> bool:
    return (
        getattr(actor, "vendor_id", None) == vendor.pk
        and actor.role == Role.VENDOR_ADMIN
        and policy.can(actor, policy.Action.SUBMIT, VendorChangeRequest)
    )


def may_decide_change(actor, change_request: VendorChangeRequest) -> bool:
    return change_request.is_pending and policy.can(actor, policy.Action.CHANGE, change_request)


def _proposal_errors(model, instance, proposed: dict) -> dict:
    errors = {}
    for name, value in proposed.items():
        try:
            model._meta.get_field(name).clean(value, instance)
        except ValidationError as exc:
            errors[name] = exc.messages
    return errors


@transaction.atomic
def change_request_submit(
    *,
    vendor: Vendor,
    actor,
    kind: str,
    proposed: dict,
    contact: VendorContact | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> VendorChangeRequest:
    """A proposed change to the vendor's own record; only what differs from today is kept."""
    now = now or timezone.now()
    if not may_propose_change(actor, vendor):
        raise PermissionDenied("Only the vendor's administrators may propose changes to its record.")
    if kind == ChangeRequestKind.DETAILS:
        allowed, model, instance = PROPOSABLE_DETAILS, Vendor, vendor
        contact = None
    elif kind == ChangeRequestKind.CONTACT:
        allowed, model, instance = PROPOSABLE_CONTACT_FIELDS, VendorContact, contact
        if contact is not None and (contact.vendor_id != vendor.pk or contact.is_retired):
            raise ValidationError({"contact": "Choose one of your current contacts."})
    else:
        raise ValidationError({"kind": "Choose what the change is about."})
    unknown = set(proposed) - set(allowed)
    if unknown:
        raise ValidationError(f"These fields cannot be changed by request: {', '.join(sorted(unknown))}.")
    proposed = _normalised(proposed)
    if kind == ChangeRequestKind.CONTACT and contact is None:
        _required_text(proposed.get("name", ""), "name", "Give the new contact's name.")
    current = {name: plain_value(getattr(instance, name, "")) if instance else "" for name in proposed}
    on_record = _normalised(current)
    proposed = {name: value for name, value in proposed.items() if value != on_record[name]}
    if not proposed:
        raise ValidationError("Nothing would change: the values are the ones on record.")
    errors = _proposal_errors(model, instance or VendorContact(vendor=vendor), proposed)
    if errors:
        raise ValidationError(errors)
    return audited_create(
        model=VendorChangeRequest,
        actor=actor,
        vendor=vendor,
        kind=kind,
        contact=contact,
        proposed=proposed,
        current={name: current[name] for name in proposed},
        comment=(comment or "").strip(),
        requested_by=actor,
        requested_at=now,
    )


def _claim(change_request: VendorChangeRequest) -> VendorChangeRequest:
    requests = VendorChangeRequest.objects.select_for_update(of=("self",)).select_related("vendor", "contact")
    locked = requests.get(pk=change_request.pk)
    if not locked.is_pending:
        raise ValidationError(f"This change was {locked.get_status_display().lower()} already.")
    return locked


@transaction.atomic
def change_request_approve(
    *, change_request: VendorChangeRequest, actor, reason: str = "", now: datetime | None = None
) -> VendorChangeRequest:
    """Apply the proposed values through the same services as the manager's own edits, then close it."""
    now = now or timezone.now()
    _require(actor, policy.Action.CHANGE, change_request, "Only the client's managers may approve changes.")
    locked = _claim(change_request)
    note = f"Change request #{locked.pk}"
    if locked.kind == ChangeRequestKind.DETAILS:
        vendor_update(vendor=locked.vendor, actor=actor, note=note, **locked.proposed)
    elif locked.contact_id is not None:
        contact_update(contact=locked.contact, actor=actor, note=note, **locked.proposed)
    else:
        contact_create(vendor=locked.vendor, actor=actor, note=note, **locked.proposed)
    data = {
        "status": ChangeRequestStatus.APPROVED,
        "decided_by": actor,
        "decided_at": now,
        "decision_reason": (reason or "").strip(),
    }
    audited_update(instance=locked, actor=actor, data=data)
    return locked


@transaction.atomic
def change_request_reject(
    *, change_request: VendorChangeRequest, actor, reason: str, now: datetime | None = None
) -> VendorChangeRequest:
    now = now or timezone.now()
    _require(actor, policy.Action.CHANGE, change_request, "Only the client's managers may reject changes.")
    reason = _required_text(reason, "reason", "Say why the change is rejected.")
    locked = _claim(change_request)
    data = {
        "status": ChangeRequestStatus.REJECTED,
        "decided_by": actor,
        "decided_at": now,
        "decision_reason": reason,
    }
    audited_update(instance=locked, actor=actor, data=data)
    return locked
