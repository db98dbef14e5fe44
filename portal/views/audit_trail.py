"""The audit trail pages: the whole trail, filtered and paged by time, and its download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import policy
from accounts.exports import FORMATS, Column, export_response
from accounts.trail import trail_entries_for_user, trail_for_user, trail_page
from vendors.models import Vendor

from ..forms import AuditTrailFilterForm

# A download is for an investigation, not a backup: narrow the filters for more.
EXPORT_LIMIT = 50_000


def _require_trail(user) -> None:
    if not policy.role_allows(user, policy.Action.VIEW_AUDIT):
        raise PermissionDenied


def _vendor_names(user, vendor_ids) -> dict[int, str]:
    if not policy.sees_internal(user):
        return {}
    vendors = policy.scope(user, Vendor.objects.filter(pk__in={v for v in vendor_ids if v}))
    return dict(vendors.values_list("pk", "name"))


@require_safe
@login_required
def audit_trail(request):
    _require_trail(request.user)
    form = AuditTrailFilterForm(request.GET, user=request.user)
    events = trail_for_user(user=request.user, **form.filters())
    page = trail_page(
        user=request.user, events=events, before=request.GET.get("before"), after=request.GET.get("after")
    )
    names = _vendor_names(request.user, (entry.event.vendor_id for entry in page.entries))
    for entry in page.entries:
        entry.vendor_name = names.get(entry.event.vendor_id, "")
    context = {"form": form, "page": page, "export_limit": EXPORT_LIMIT}
    return render(request, "audit/trail.html", context)


def _local(value):
    return timezone.localtime(value) if value else None


def _export_columns(internal: bool) -> list[Column]:
    columns = [
        Column("Occurred", lambda e: _local(e.event.occurred_at)),
        Column("Actor", lambda e: e.actor_name),
        Column("Actor e-mail", lambda e: e.event.actor.email if e.event.actor else ""),
        Column("Action", lambda e: e.event.action),
        Column("Object type", lambda e: e.event.object_type),
        Column("Object id", lambda e: e.event.object_id),
        Column("Object", lambda e: e.event.object_repr),
        Column("Changes", lambda e: "; ".join(_change_text(c) for c in e.changes)),
    ]
    if internal:
        columns.insert(7, Column("Vendor", lambda e: e.vendor_name))
        columns.append(Column("Note", lambda e: e.note))
    return columns


def _change_text(change) -> str:
    return (
        f"{change.label}: {change.old} → {change.new}"
        if change.old is not None
        else f"{change.label}: {change.new}"
    )


@require_safe
@login_required
def audit_trail_export(request):
    """The filtered trail (up to ``EXPORT_LIMIT`` events, newest first) as CSV or XLSX."""
    _require_trail(request.user)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest("Unknown export format; use csv or xlsx.")
    form = AuditTrailFilterForm(request.GET, user=request.user)
    events = list(trail_for_user(user=request.user, **form.filters())[:EXPORT_LIMIT])
    internal = policy.sees_internal(request.user)
    names = _vendor_names(request.user, (event.vendor_id for event in events))
    entries = trail_entries_for_user(user=request.user, events=events)
    for entry in entries:
        entry.vendor_name = names.get(entry.event.vendor_id, "")
    filename = f"audit-trail-{timezone.localdate().isoformat()}"
    return export_response(entries, _export_columns(internal), filename, fmt)
