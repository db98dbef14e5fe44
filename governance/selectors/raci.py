"""Reads of the RACI matrix of a relationship: areas × roles held by named people on both sides, and
the areas that lack exactly one Accountable."""

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, Q, QuerySet

from accounts import policy
from vendors.models import Vendor

from ..models import Raci, RoleAssignment, Side

# Offered when a relationship has no areas yet; any other name can be typed.
STANDARD_AREAS = ("Service delivery", "Commercial", "Security", "Change management", "Risk and compliance")


def accountable_warning(count: int) -> str:
    """Exactly one role should be accountable for an area."""
    if count == 0:
        return "No one is accountable for this area."
    if count > 1:
        return f"{count} roles are accountable for this area; exactly one should be."
    return ""


@dataclass(frozen=True)
class RaciColumn:
    """One role held by one person: a column of the matrix."""

    side: str
    role_title: str
    holder: str
    holder_key: str

    @property
    def is_vendor_side(self) -> bool:
        return self.side == Side.VENDOR


def holder_label(assignment: RoleAssignment) -> str:
    return assignment.person.get_full_name() if assignment.person_id else assignment.contact.name


def column_of(assignment: RoleAssignment) -> RaciColumn:
    key = f"user:{assignment.person_id}" if assignment.person_id else f"contact:{assignment.contact_id}"
    return RaciColumn(assignment.side, assignment.role_title, holder_label(assignment), key)


@dataclass
class RaciRow:
    area: str
    cells: list[list[RoleAssignment]]
    assignments: list[RoleAssignment]

    @property
    def accountable_count(self) -> int:
        return sum(1 for a in self.assignments if a.raci == Raci.ACCOUNTABLE)

    @property
    def warning(self) -> str:
        return accountable_warning(self.accountable_count)


@dataclass
class RaciMatrix:
    vendor: Vendor
    columns: list[RaciColumn]
    rows: list[RaciRow]
    assignments: list[RoleAssignment] = field(default_factory=list)

    @property
    def internal_columns(self) -> list[RaciColumn]:
        return [c for c in self.columns if not c.is_vendor_side]

    @property
    def vendor_columns(self) -> list[RaciColumn]:
        return [c for c in self.columns if c.is_vendor_side]

    @property
    def warnings(self) -> list[RaciRow]:
        return [row for row in self.rows if row.warning]

    @property
    def areas(self) -> list[str]:
        return [row.area for row in self.rows]


def _assignments(user, vendor) -> QuerySet[RoleAssignment]:
    return (
        policy.scope(user, RoleAssignment.objects.filter(vendor=vendor))
        .select_related("person", "contact", "contract")
        .order_by("area", "side", "role_title", "pk")
    )


def raci_matrix_for_user(*, user, vendor_pk: int) -> RaciMatrix:
    """The vendor's matrix: internal roles first, then the vendor's, each row an area. Two queries."""
    vendor = policy.get_visible_or_404(user, Vendor.objects.all(), pk=vendor_pk)
    assignments = list(_assignments(user, vendor))
    columns = sorted(
        {column_of(a) for a in assignments}, key=lambda c: (c.is_vendor_side, c.role_title, c.holder)
    )
    index = {column: position for position, column in enumerate(columns)}
    rows = []
    for area, group in groupby(assignments, key=lambda a: a.area):
        group = list(group)
        cells = [[] for _ in columns]
        for assignment in group:
            cells[index[column_of(assignment)]].append(assignment)
        rows.append(RaciRow(area, cells, group))
    return RaciMatrix(vendor=vendor, columns=columns, rows=rows, assignments=assignments)


def role_assignment_for_user(*, user, pk: int) -> RoleAssignment:
    assignments = RoleAssignment.objects.select_related("vendor", "person", "contact", "contract")
    return policy.get_visible_or_404(user, assignments, pk=pk)


@dataclass
class RaciOverviewRow:
    vendor: Vendor
    assignments: int
    areas: list[tuple[str, str]]  # (area, warning) for the areas with a warning

    @property
    def area_count(self) -> int:
        return self.vendor.raci_areas


def raci_overview_vendors(*, user) -> QuerySet[Vendor]:
    """Vendors the user may see, with how many role assignments and areas each has (for paging)."""
    return (
        policy.scope(user, Vendor.objects.all())
        .annotate(
            raci_assignments=Count("role_assignments"),
            raci_areas=Count("role_assignments__area", distinct=True),
        )
        .order_by("name")
    )


def raci_overview_rows(*, vendors) -> list[RaciOverviewRow]:
    """One page of the overview: each vendor with the areas that lack exactly one Accountable. One query."""
    vendors = list(vendors)
    counts = (
        RoleAssignment.objects.filter(vendor__in=vendors)
        .values("vendor_id", "area")
        .annotate(accountable=Count("pk", filter=Q(raci=Raci.ACCOUNTABLE)))
        .order_by("vendor_id", "area")
    )
    warnings = defaultdict(list)
    for row in counts:
        if warning := accountable_warning(row["accountable"]):
            warnings[row["vendor_id"]].append((row["area"], warning))
    return [RaciOverviewRow(v, v.raci_assignments, warnings.get(v.pk, [])) for v in vendors]
