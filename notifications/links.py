"""Where in the portal a notification or a digest line leads, and the absolute form used in e-mails.

Pages of areas still growing (issues, reviews, actions, audits) are tried by name and fall back to
the vendor's page, so a link always opens something the recipient may see.
"""

from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def absolute(path: str) -> str:
    """``path`` under the portal's public address (``PORTAL_URL``)."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.PORTAL_URL.rstrip("/") + "/" + path.lstrip("/")


_MARK = 918273645


@cache
def _pattern(name: str) -> str | None:
    """The route's path with ``{}`` where the object id goes, or None when there is no such route.

    Reversed once per process: digests link thousands of objects, and the routes do not change.
    """
    try:
        return reverse(name, args=[_MARK]).replace(str(_MARK), "{}")
    except NoReverseMatch:
        return None


@cache
def _path(name: str) -> str:
    return reverse(name)


def page(name: str, pk: int) -> str:
    return _pattern(name).format(pk)


def first_route(names: tuple[str, ...], pk: int, fallback: str) -> str:
    """The path of the first of ``names`` that exists, for object ``pk``; else ``fallback``."""
    for name in names:
        if _pattern(name) is not None:
            return page(name, pk)
    return fallback


def vendor_page(vendor_id: int | None) -> str:
    return page("vendors:detail", vendor_id) if vendor_id else _path("portal:home")


def breach_page(breach_id: int) -> str:
    return page("breaches:detail", breach_id)


def contract_page(contract_id: int) -> str:
    return page("contracts:detail", contract_id)


def measurement_page(measurement_id: int) -> str:
    return page("measurements:detail", measurement_id)


def validation_page(vendor_id: int | None = None) -> str:
    path = _path("measurements:validation")
    return f"{path}?vendor_id={vendor_id}" if vendor_id else path


def issue_page(issue_id: int, vendor_id: int) -> str:
    return first_route(("issues:detail",), issue_id, vendor_page(vendor_id))


def review_page(review_id: int, vendor_id: int) -> str:
    return first_route(("reviews:detail",), review_id, vendor_page(vendor_id))


def action_page(action_id: int, vendor_id: int) -> str:
    return first_route(("actions:detail",), action_id, vendor_page(vendor_id))


def finding_page(finding_id: int, vendor_id: int) -> str:
    return first_route(("audits:finding", "audits:finding_detail"), finding_id, vendor_page(vendor_id))


def new_figures_page() -> str:
    return _path("measurements:new")


def named(name: str) -> str:
    """The path of a route without arguments (cached)."""
    return _path(name)
