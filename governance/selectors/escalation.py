"""Reads of the governance structure: which escalation path applies to a relationship."""

from django.db.models import Prefetch, Q

from vendors.models import Vendor

from ..models import EscalationLevel, EscalationPath


def escalation_path_for_vendor(*, vendor: Vendor) -> EscalationPath | None:
    """The path that applies to the vendor as a whole: its own, else its tier's default.

    Contract paths are left out; they apply to issues raised on that contract only.
    The levels come prefetched in order with the people and contacts they name.
    """
    levels = EscalationLevel.objects.select_related("internal_person", "vendor_contact").order_by("level")
    paths = EscalationPath.objects.filter(
        Q(vendor=vendor, contract__isnull=True) | Q(vendor__isnull=True, tier=vendor.tier)
    ).prefetch_related(Prefetch("levels", queryset=levels))
    # The vendor's own path is more specific than the tier default.
    return min(paths, key=lambda path: path.vendor_id is None, default=None)
