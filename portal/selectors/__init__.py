"""Reads for the portal's composite pages, scoped by the access policy and prefetched."""

from .dashboard import portfolio_for_user
from .vendor360 import contract_detail_for_user, vendor_360_for_user, vendor_performance_for_user

__all__ = [
    "contract_detail_for_user",
    "portfolio_for_user",
    "vendor_360_for_user",
    "vendor_performance_for_user",
]
