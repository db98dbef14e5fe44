"""Who hears about a vendor's events, and whether each of them may see the object concerned.

Internal side: the vendor's internal owner when that is an active manager or administrator, else
every active manager (an unowned vendor is everyone's business). Auditors hear about findings.
Vendor side: the active users of the vendor the object belongs to, never another vendor's, and only
for objects the access policy lets each of them see. Everything is read in a few set-based queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from accounts import policy
from accounts.models import VENDOR_ROLES, Role, User
from vendors.models import Vendor

from ..kinds import AUDITOR, INTERNAL, VENDOR

OWNER_ROLES = (Role.MANAGER, Role.ADMIN)


@dataclass
class Recipients:
    """The people behind each audience for a set of vendors."""

    owners: dict[int, User] = field(default_factory=dict)  # vendor id → its active internal owner
    managers: list[User] = field(default_factory=list)
    auditors: list[User] = field(default_factory=list)
    vendor_users: dict[int, list[User]] = field(default_factory=lambda: defaultdict(list))

    def internal_for(self, vendor_id: int | None) -> list[User]:
        owner = self.owners.get(vendor_id) if vendor_id else None
        return [owner] if owner is not None else list(self.managers)

    def for_audiences(self, audiences, vendor_id: int | None) -> list[User]:
        people: dict[int, User] = {}
        if INTERNAL in audiences:
            people.update((u.pk, u) for u in self.internal_for(vendor_id))
        if AUDITOR in audiences:
            people.update((u.pk, u) for u in self.auditors)
        if VENDOR in audiences and vendor_id:
            people.update((u.pk, u) for u in self.vendor_users.get(vendor_id, ()))
        return list(people.values())


def recipients_for_vendors(vendor_ids) -> Recipients:
    """Three queries: the internal staff, the vendors' owners, the vendors' users."""
    vendor_ids = {v for v in vendor_ids if v}
    found = Recipients()
    staff = {
        u.pk: u
        for u in User.objects.filter(
            is_active=True, vendor__isnull=True, role__in=[*OWNER_ROLES, Role.AUDITOR]
        ).order_by("pk")
    }
    found.managers = [u for u in staff.values() if u.role == Role.MANAGER]
    found.auditors = [u for u in staff.values() if u.role == Role.AUDITOR]
    for vendor_id, owner_id in Vendor.objects.filter(pk__in=vendor_ids).values_list(
        "pk", "internal_owner_id"
    ):
        owner = staff.get(owner_id)
        if owner is not None and owner.role in OWNER_ROLES:
            found.owners[vendor_id] = owner
    vendor_people = User.objects.filter(
        is_active=True, vendor_id__in=vendor_ids, role__in=sorted(VENDOR_ROLES)
    ).order_by("pk")
    for user in vendor_people:
        found.vendor_users[user.vendor_id].append(user)
    return found


class Visibility:
    """Answers "may this person see that object?" through the access policy, a query per model
    (and per person only for models that narrow what vendor users see, such as forum meetings)."""

    def __init__(self):
        self._vendor_of: dict[type, dict[int, int | None]] = {}
        self._narrowed: dict[tuple[type, int], set[int]] = {}
        self._wanted: dict[type, set[int]] = defaultdict(set)

    def want(self, model, pk: int) -> None:
        self._wanted[model].add(pk)

    def _load(self, model) -> dict[int, int | None]:
        if model not in self._vendor_of:
            ids = self._wanted[model]
            path = policy.vendor_path(model)
            rows = model._default_manager.filter(pk__in=ids)
            if path is None:
                self._vendor_of[model] = dict.fromkeys(rows.values_list("pk", flat=True))
            else:
                self._vendor_of[model] = dict(rows.values_list("pk", path))
        return self._vendor_of[model]

    def sees(self, user: User, model, pk: int) -> bool:
        vendor_of = self._load(model)
        if pk not in vendor_of or not policy.role_allows(user, policy.Action.VIEW):
            return False
        if policy.sees_internal(user):
            return True
        if policy.vendor_path(model) is None or vendor_of[pk] != user.vendor_id:
            return False
        if not policy.is_narrowed(model):
            return True
        key = (model, user.pk)
        if key not in self._narrowed:
            visible = policy.scope(user, model._default_manager.filter(pk__in=self._wanted[model]))
            self._narrowed[key] = set(visible.values_list("pk", flat=True))
        return pk in self._narrowed[key]
