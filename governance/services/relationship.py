"""Checks the forum, meeting, decision and action services share: who acts for which side, and who may
be named in a relationship."""

from django.core.exceptions import PermissionDenied, ValidationError

from accounts import policy


def acts_for_client(actor, obj) -> bool:
    """Internal staff who may change governance records (managers and administrators)."""
    return policy.can(actor, policy.Action.CHANGE, obj)


def acts_for_vendor(actor, obj) -> bool:
    """The vendor's own users taking a step the policy allows them on this row."""
    return getattr(actor, "vendor_id", None) is not None and policy.can(actor, policy.Action.RESPOND, obj)


def require_client(actor, obj, message: str = "Only the client's managers may do this.") -> None:
    if not acts_for_client(actor, obj):
        raise PermissionDenied(message)


def check_person(person, vendor_id: int, field: str) -> None:
    """``person`` must be an active internal user or an active user of this vendor."""
    if person is None:
        return
    if not person.is_active:
        raise ValidationError({field: f"{person.get_full_name()} no longer has access to the portal."})
    if person.vendor_id is not None and person.vendor_id != vendor_id:
        raise ValidationError({field: "Choose someone from the client or from this vendor."})


def required_text(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text
