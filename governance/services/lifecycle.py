"""A vendor's lifecycle moves as a manager makes them: becoming active checks the onboarding checklist
(an open required item needs an override with a reason), and exiting turns the exit plan's steps into
action items of the relationship."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from vendors import services as vendor_services
from vendors.models import Vendor, VendorStatus, VendorStatusChange

from ..models import ActionItem
from ..selectors.onboarding import onboarding_checklist, open_required_items
from .actions import action_create


@dataclass(frozen=True)
class ExitStep:
    title: str
    owner_side: str
    due_on: date


@transaction.atomic
def vendor_lifecycle_move(
    *,
    vendor: Vendor,
    actor,
    to_status: str,
    reason: str,
    effective_on: date,
    override_reason: str = "",
    exit_on: date | None = None,
    exit_plan: str = "",
    exit_steps: tuple[ExitStep, ...] = (),
    now: datetime | None = None,
) -> tuple[VendorStatusChange, list[ActionItem]]:
    """Move the vendor; returns the recorded move and the exit plan's action items (if any)."""
    open_items = []
    if to_status == VendorStatus.ACTIVE:
        open_items = open_required_items(onboarding_checklist(vendor=vendor))
    change = vendor_services.vendor_status_change(
        vendor=vendor,
        actor=actor,
        to_status=to_status,
        reason=reason,
        effective_on=effective_on,
        open_items=open_items,
        override_reason=override_reason,
        exit_on=exit_on,
        exit_plan=exit_plan,
        now=now,
    )
    actions = []
    if to_status == VendorStatus.EXITING:
        for step in exit_steps:
            actions.append(
                action_create(
                    actor=actor,
                    vendor=vendor,
                    title=step.title,
                    owner_side=step.owner_side,
                    due_on=step.due_on,
                    description=f"Exit plan step. The relationship ends on {exit_on:%d %b %Y}.",
                    now=now,
                )
            )
    return change, actions
