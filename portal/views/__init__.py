"""The portal's pages, one module per area."""

from .dashboard import home
from .shell import healthz, page_not_found, permission_denied, server_error
from .vendor360 import contract_detail, vendor_detail

__all__ = [
    "contract_detail",
    "healthz",
    "home",
    "page_not_found",
    "permission_denied",
    "server_error",
    "vendor_detail",
]
