"""Rows of the vendor pages the shared portfolio fixture does not build: change requests."""

from django.utils import timezone

from vendors.models import ChangeRequestKind, VendorChangeRequest


def sweep_change_request(side):
    """One pending change request per vendor, for the isolation sweep."""
    return VendorChangeRequest.objects.get_or_create(
        vendor=side.vendor,
        kind=ChangeRequestKind.DETAILS,
        defaults={
            "proposed": {"address": f"1 New Street, {side.vendor.pk}"},
            "current": {"address": ""},
            "requested_at": timezone.now(),
        },
    )[0]
