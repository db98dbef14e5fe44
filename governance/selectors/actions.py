"""Reads of decisions and action items for one user, scoped by the access policy and loaded in a fixed
number of queries whatever the number of rows."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from accounts import policy
from kpis import periods

from ..models import ACTION_OPEN_STATUSES, ActionItem, ActionNote, ActionStatus, Decision, DecisionLink
from .meetings import subject_url

OVERDUE = "overdue"


# ---- Decisions --------------------------------------------------------------------------------------


def decision_list_for_user(
    *,
    user,
    q: str = "",
    vendor=None,
    date_from: date | None = None,
    date_to: date | None = None,
    unacknowledged: bool = False,
) -> QuerySet:
    decisions = policy.scope(user, Decision.objects.all())
    if q:
        decisions = decisions.filter(Q(title__icontains=q) | Q(rationale__icontains=q))
    if vendor is not None:
        decisions = decisions.filter(vendor=vendor)
    if date_from:
        decisions = decisions.filter(decided_on__gte=date_from)
    if date_to:
        decisions = decisions.filter(decided_on__lte=date_to)
    if unacknowledged:
        decisions = decisions.filter(acknowledged_at__isnull=True)
    return (
        decisions.select_related("vendor", "owner", "meeting__forum", "acknowledged_by")
        .annotate(link_count=Count("links", distinct=True), action_count=Count("action_items", distinct=True))
        .order_by("-decided_on", "-id")
    )


def decision_for_user(*, user, pk: int) -> Decision:
    return policy.get_visible_or_404(
        user,
        Decision.objects.select_related(
            "vendor", "owner", "meeting__forum", "recorded_by", "acknowledged_by"
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class LinkedObject:
    label: str
    kind: str
    url: str | None


def _link_label(obj) -> str:
    meta = obj._meta.label_lower
    if meta == "kpis.breach":
        sl = obj.service_level
        return f"{sl.metric.name} — {sl.contract.reference}, {obj.period_start:%b %Y}"
    return str(obj)


# Related rows each kind of linked object needs for its label.
LINK_RELATED = {"kpis.breach": ("service_level__metric", "service_level__contract")}


def decision_links(*, user, decision: Decision) -> list[LinkedObject]:
    """The objects a decision concerns, each only if the user may see it: one query per kind of object."""
    links = list(DecisionLink.objects.filter(decision=decision).select_related("object_type").order_by("id"))
    ids_by_type = defaultdict(list)
    for link in links:
        ids_by_type[link.object_type].append(link.object_id)
    found = {}
    for content_type, ids in ids_by_type.items():
        model = content_type.model_class()
        if model is None:
            continue
        related = LINK_RELATED.get(model._meta.label_lower, ())
        for obj in policy.scope(user, model._default_manager.filter(pk__in=ids)).select_related(*related):
            found[(content_type.pk, obj.pk)] = obj
    visible = []
    for link in links:
        obj = found.get((link.object_type_id, link.object_id))
        if obj is not None:
            visible.append(
                LinkedObject(label=_link_label(obj), kind=str(obj._meta.verbose_name), url=subject_url(obj))
            )
    return visible


# ---- Action items -----------------------------------------------------------------------------------


def action_list_for_user(
    *,
    user,
    q: str = "",
    vendor=None,
    side: str = "",
    status: str = "",
    mine: bool = False,
    today: date | None = None,
) -> QuerySet:
    """Actions the user may see, open ones first (soonest due), then closed ones."""
    today = today or periods.local_today()
    actions = policy.scope(user, ActionItem.objects.all())
    if q:
        actions = actions.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if vendor is not None:
        actions = actions.filter(vendor=vendor)
    if side:
        actions = actions.filter(owner_side=side)
    if status == OVERDUE:
        actions = actions.filter(status__in=ACTION_OPEN_STATUSES, due_on__lt=today)
    elif status == ActionStatus.OPEN:
        actions = actions.filter(status__in=ACTION_OPEN_STATUSES)
    elif status:
        actions = actions.filter(status=status)
    if mine:
        actions = actions.filter(owner=user)
    return (
        actions.select_related("vendor", "owner", "meeting__forum", "decision")
        .annotate(
            note_count=Count("notes", distinct=True),
            closed_rank=Case(
                When(status__in=ACTION_OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("closed_rank", "due_on", "id")
    )


def action_for_user(*, user, pk: int) -> ActionItem:
    return policy.get_visible_or_404(
        user,
        ActionItem.objects.select_related("vendor", "owner", "meeting__forum", "decision", "created_by"),
        pk=pk,
    )


def action_notes(action: ActionItem) -> list[ActionNote]:
    return list(ActionNote.objects.filter(action=action).select_related("author", "author__vendor"))


def overdue_action_count(*, user, today: date | None = None) -> int:
    today = today or periods.local_today()
    return policy.scope(
        user, ActionItem.objects.filter(status__in=ACTION_OPEN_STATUSES, due_on__lt=today)
    ).count()
