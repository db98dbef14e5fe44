"""The onboarding checklist of a vendor: each item of its tier's checklist, computed from what the portal
holds (contracts, service levels, the escalation path, the RACI matrix, the vendor's users)."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Invitation, Role, User
from contracts.models import Contract, ContractStatus
from kpis.models import ServiceLevel
from vendors.models import OnboardingCheck, OnboardingRequirement, Vendor

from ..models import Raci, RoleAssignment
from .escalation import escalation_path_for_vendor


@dataclass(frozen=True)
class ChecklistItem:
    item: str
    label: str
    is_required: bool
    is_done: bool
    detail: str

    @property
    def is_blocking(self) -> bool:
        return self.is_required and not self.is_done


def _contract_signed(vendor: Vendor) -> tuple[bool, str]:
    active = Contract.objects.filter(vendor=vendor, status=ContractStatus.ACTIVE).count()
    if active:
        return True, f"{active} active contract{'s' if active != 1 else ''}."
    return False, "No active contract yet."


def _service_levels_agreed(vendor: Vendor) -> tuple[bool, str]:
    count = ServiceLevel.objects.filter(contract__vendor=vendor).count()
    if count:
        return True, f"{count} service level{'s' if count != 1 else ''} on its contracts."
    return False, "No service level on any of its contracts."


def _escalation_path_set(vendor: Vendor) -> tuple[bool, str]:
    path = escalation_path_for_vendor(vendor=vendor)
    if path is None:
        return False, "No escalation path for the vendor or its tier."
    if not path.levels.all():
        return False, f"The path “{path.name}” has no levels."
    return True, f"“{path.name}” applies."


def _raci_complete(vendor: Vendor) -> tuple[bool, str]:
    areas = (
        RoleAssignment.objects.filter(vendor=vendor)
        .values("area")
        .annotate(accountable=Count("pk", filter=Q(raci=Raci.ACCOUNTABLE)))
    )
    if not areas:
        return False, "No roles recorded."
    lacking = sorted(row["area"] for row in areas if row["accountable"] != 1)
    if lacking:
        return False, "Not exactly one Accountable in: " + ", ".join(lacking) + "."
    return True, f"Exactly one Accountable in each of {len(areas)} area{'s' if len(areas) != 1 else ''}."


def _vendor_admin_invited(vendor: Vendor) -> tuple[bool, str]:
    if User.objects.filter(vendor=vendor, role=Role.VENDOR_ADMIN, is_active=True).exists():
        return True, "The vendor has an administrator."
    pending = Invitation.objects.filter(
        vendor=vendor,
        role=Role.VENDOR_ADMIN,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        return True, "An administrator is invited."
    return False, "No vendor administrator yet."


CHECKS = {
    OnboardingCheck.CONTRACT_SIGNED: _contract_signed,
    OnboardingCheck.SERVICE_LEVELS_AGREED: _service_levels_agreed,
    OnboardingCheck.ESCALATION_PATH_SET: _escalation_path_set,
    OnboardingCheck.RACI_COMPLETE: _raci_complete,
    OnboardingCheck.VENDOR_ADMIN_INVITED: _vendor_admin_invited,
}


def onboarding_checklist(*, vendor: Vendor) -> list[ChecklistItem]:
    """Every item of the checklist, in order, with whether the vendor's tier requires it."""
    required = dict(OnboardingRequirement.objects.filter(tier=vendor.tier).values_list("item", "is_required"))
    items = []
    for item, check in CHECKS.items():
        done, detail = check(vendor)
        items.append(ChecklistItem(item, item.label, required.get(item, True), done, detail))
    return items


def open_required_items(checklist: list[ChecklistItem]) -> list[str]:
    return [item.label for item in checklist if item.is_blocking]
