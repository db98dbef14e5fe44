"""Writes to action items: the client creates and edits them; the owning side moves their status; both
sides add progress notes; the scheduler flags the ones past their due date, once each."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, audited_create, audited_update, plain_value
from kpis import periods

from ..models import ACTION_OPEN_STATUSES, ActionItem, ActionNote, ActionStatus, Decision, Meeting, Side
from .relationship import acts_for_client, acts_for_vendor, check_person, require_client, required_text

# The statuses the vendor side may set on its own items; cancelling is the client's call.
VENDOR_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)


def _check_owner(*, vendor_id: int, owner_side: str, owner) -> None:
    check_person(owner, vendor_id, "owner")
    if owner is None:
        return
    if owner_side == Side.INTERNAL and owner.vendor_id is not None:
        raise ValidationError({"owner": "A client-side action needs an owner from the client."})
    if owner_side == Side.VENDOR and owner.vendor_id != vendor_id:
        raise ValidationError({"owner": "A vendor-side action needs an owner from this vendor."})


def _check_sources(*, vendor_id: int, meeting: Meeting | None, decision: Decision | None) -> None:
    if meeting is not None and meeting.forum.vendor_id != vendor_id:
        raise ValidationError({"meeting": "The meeting belongs to another relationship."})
    if decision is not None and decision.vendor_id != vendor_id:
        raise ValidationError({"decision": "The decision belongs to another relationship."})


@transaction.atomic
def action_create(
    *,
    actor,
    vendor,
    title: str,
    owner_side: str,
    due_on: date,
    owner=None,
    description: str = "",
    meeting: Meeting | None = None,
    decision: Decision | None = None,
    now: datetime | None = None,
) -> ActionItem:
    """A new action of the relationship with ``vendor``, from a meeting, a decision, or on its own."""
    now = now or timezone.now()
    if not policy.can(actor, policy.Action.CREATE, ActionItem):
        raise PermissionDenied("Only the client's managers may create action items.")
    title = required_text(title, "title", "Say what is to be done.")
    _check_owner(vendor_id=vendor.pk, owner_side=owner_side, owner=owner)
    _check_sources(vendor_id=vendor.pk, meeting=meeting, decision=decision)
    if meeting is None and decision is not None:
        meeting = decision.meeting
    if due_on < periods.local_today(now):
        raise ValidationError({"due_on": "The due date has passed already; choose today or a later day."})
    return audited_create(
        model=ActionItem,
        actor=actor,
        vendor=vendor,
        meeting=meeting,
        decision=decision,
        title=title,
        description=(description or "").strip(),
        owner_side=owner_side,
        owner=owner,
        due_on=due_on,
        created_by=actor,
        created_at=now,
    )


@transaction.atomic
def action_update(
    *, action: ActionItem, actor, title: str, description: str, owner_side: str, owner, due_on: date
) -> ActionItem:
    """Change what an action is, who owns it and by when."""
    require_client(actor, action, "Only the client's managers may change action items.")
    title = required_text(title, "title", "Say what is to be done.")
    _check_owner(vendor_id=action.vendor_id, owner_side=owner_side, owner=owner)
    data = {
        "title": title,
        "description": (description or "").strip(),
        "owner_side": owner_side,
        "owner": owner,
        "due_on": due_on,
    }
    if action.overdue_since is not None and due_on >= timezone.localdate():
        # A new date in the future lifts the overdue flag; if that date passes too, it is overdue again.
        data["overdue_since"] = None
    action, _changed = audited_update(instance=action, actor=actor, data=data)
    return action


def allowed_statuses(actor, action: ActionItem) -> list[str]:
    """The statuses ``actor`` may move this action to (empty: none)."""
    if acts_for_client(actor, action):
        choices = list(ActionStatus)
    elif action.owner_side == Side.VENDOR and acts_for_vendor(actor, action):
        choices = list(VENDOR_STATUSES) if action.status != ActionStatus.CANCELLED else []
    else:
        return []
    return [status for status in choices if status != action.status]


def may_add_note(actor, action: ActionItem) -> bool:
    return acts_for_client(actor, action) or acts_for_vendor(actor, action)


@transaction.atomic
def action_set_status(
    *, action: ActionItem, actor, status: str, note: str = "", now: datetime | None = None
) -> ActionItem:
    """Move an action to ``status``; done records when, and closing clears the overdue flag.

    The vendor side moves only its own items and cannot cancel them. The update is conditional on the
    status the actor saw, so two people changing it at once do not overwrite each other silently.
    """
    now = now or timezone.now()
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose a valid status."})
    if status not in allowed_statuses(actor, action):
        if status == action.status:
            raise ValidationError({"status": f"The action is {action.get_status_display().lower()} already."})
        raise PermissionDenied("You may not move this action to that status.")
    old = action.status
    closing = status not in ACTION_OPEN_STATUSES
    fields = {
        "status": status,
        "completed_at": now if status == ActionStatus.DONE else None,
        "overdue_since": None if closing else action.overdue_since,
    }
    claimed = ActionItem.objects.filter(pk=action.pk, status=old).update(**fields)
    if not claimed:
        action.refresh_from_db()
        raise ValidationError(
            f"Someone has just moved this action to {action.get_status_display().lower()}; "
            "check it and try again."
        )
    changes = {"status": [old, status]}
    if action.completed_at != fields["completed_at"]:
        changes["completed_at"] = [plain_value(action.completed_at), plain_value(fields["completed_at"])]
    if action.overdue_since != fields["overdue_since"]:
        changes["overdue_since"] = [plain_value(action.overdue_since), None]
    for name, value in fields.items():
        setattr(action, name, value)
    verb = "completed" if status == ActionStatus.DONE else "status_changed"
    note = (note or "").strip()
    audit_record(actor=actor, action=f"governance.actionitem.{verb}", obj=action, changes=changes, note=note)
    if note:
        ActionNote.objects.create(action=action, author=actor, body=note, created_at=now)
    return action


@transaction.atomic
def action_add_note(*, action: ActionItem, actor, body: str, now: datetime | None = None) -> ActionNote:
    """A progress note; the vendor side writes on its own vendor's items, whoever owns them."""
    if not may_add_note(actor, action):
        raise PermissionDenied("You may not add notes to this action.")
    body = required_text(body, "body", "Write the progress note.")
    return audited_create(
        model=ActionNote,
        actor=actor,
        action=action,
        author=actor,
        body=body,
        created_at=now or timezone.now(),
    )


def flag_overdue_actions(*, today: date) -> int:
    """Mark open actions past their due date as overdue, and record each in the trail exactly once.

    Each item is claimed with ``UPDATE … WHERE overdue_since IS NULL``; only the run whose update
    changed the row writes the event, so running twice, or two runs at once, flags nothing twice.
    Returns how many items this run flagged.
    """
    candidates = ActionItem.objects.filter(
        status__in=ACTION_OPEN_STATUSES, due_on__lt=today, overdue_since__isnull=True
    ).order_by("due_on", "pk")
    flagged = 0
    for action in candidates:
        with transaction.atomic():
            claimed = ActionItem.objects.filter(
                pk=action.pk, overdue_since__isnull=True, status__in=ACTION_OPEN_STATUSES, due_on__lt=today
            ).update(overdue_since=today)
            if not claimed:
                continue
            action.overdue_since = today
            audit_record(
                actor=None,
                action="governance.actionitem.overdue",
                obj=action,
                changes={"overdue_since": [None, plain_value(today)]},
                note=f"Due {action.due_on:%d %b %Y}; {(today - action.due_on).days} days overdue.",
            )
        flagged += 1
    return flagged
