"""Edits of a relationship's RACI matrix by the client's managers: who holds which role, with which
letter, in which area. The side follows from the holder: client staff hold internal roles, the vendor's
users and contacts hold vendor-side roles."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policy
from accounts.audit import audited_create, audited_delete, audited_update
from contracts.models import Contract
from vendors.models import Vendor, VendorContact

from ..models import RoleAssignment, Side


def raci_can_edit(actor) -> bool:
    return policy.sees_internal(actor) and policy.can(actor, policy.Action.CHANGE, RoleAssignment)


def _require_editor(actor) -> None:
    if not raci_can_edit(actor):
        raise PermissionDenied("Only the client's managers edit the RACI matrix.")


def side_of(*, person=None, contact: VendorContact | None = None) -> str:
    if contact is not None or (person is not None and person.vendor_id is not None):
        return Side.VENDOR
    return Side.INTERNAL


def _clean_fields(*, vendor: Vendor, area: str, role_title: str, person, contact, contract, exclude_pk=None):
    area, role_title = " ".join((area or "").split()), " ".join((role_title or "").split())
    errors = {}
    if not area:
        errors["area"] = "Name the area, e.g. Service delivery."
    if not role_title:
        errors["role_title"] = "Name the role, e.g. Service delivery manager."
    if (person is None) == (contact is None):
        errors["holder"] = (
            "Choose who holds the role: a person of the client, or a user or contact of the vendor."
        )
    elif person is not None and not person.is_active:
        errors["holder"] = f"{person} can no longer sign in; choose someone active."
    if contract is not None and contract.vendor_id != vendor.pk:
        errors["contract"] = "The contract belongs to another vendor."
    if errors:
        raise ValidationError(errors)
    holder = {"person": person} if person is not None else {"contact": contact}
    duplicate = RoleAssignment.objects.filter(
        vendor=vendor, area__iexact=area, role_title__iexact=role_title, **holder
    )
    if duplicate.exclude(pk=exclude_pk).exists():
        raise ValidationError(
            {"role_title": f"{person or contact} already holds the role “{role_title}” in {area}."}
        )
    return area, role_title


@transaction.atomic
def role_assignment_create(
    *,
    actor,
    vendor: Vendor,
    area: str,
    role_title: str,
    raci: str,
    person=None,
    contact: VendorContact | None = None,
    contract: Contract | None = None,
) -> RoleAssignment:
    _require_editor(actor)
    area, role_title = _clean_fields(
        vendor=vendor, area=area, role_title=role_title, person=person, contact=contact, contract=contract
    )
    return audited_create(
        model=RoleAssignment,
        actor=actor,
        vendor=vendor,
        area=area,
        role_title=role_title,
        side=side_of(person=person, contact=contact),
        person=person,
        contact=contact,
        contract=contract,
        raci=raci,
    )


@transaction.atomic
def role_assignment_update(
    *,
    assignment: RoleAssignment,
    actor,
    area: str,
    role_title: str,
    raci: str,
    person=None,
    contact: VendorContact | None = None,
    contract: Contract | None = None,
) -> RoleAssignment:
    _require_editor(actor)
    area, role_title = _clean_fields(
        vendor=assignment.vendor,
        area=area,
        role_title=role_title,
        person=person,
        contact=contact,
        contract=contract,
        exclude_pk=assignment.pk,
    )
    data = {
        "area": area,
        "role_title": role_title,
        "side": side_of(person=person, contact=contact),
        "person": person,
        "contact": contact,
        "contract": contract,
        "raci": raci,
    }
    assignment, _ = audited_update(instance=assignment, actor=actor, data=data)
    return assignment


@transaction.atomic
def role_assignment_delete(*, assignment: RoleAssignment, actor) -> None:
    _require_editor(actor)
    audited_delete(instance=assignment, actor=actor)
