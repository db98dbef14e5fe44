"""Writes to the decision log: the client records a decision with its rationale, owner and the objects
it concerns; the vendor side acknowledges it, once."""

from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.audit import audit_record, plain_value
from kpis import periods

from ..models import Decision, DecisionLink, Meeting
from .relationship import acts_for_vendor, check_person, required_text


def _link_label(obj) -> str:
    return f"{obj._meta.label_lower}#{obj.pk}"


@transaction.atomic
def decision_record(
    *,
    actor,
    vendor,
    title: str,
    rationale: str,
    decided_on: date,
    owner=None,
    meeting: Meeting | None = None,
    links=(),
    now: datetime | None = None,
) -> Decision:
    """Record a decision of the relationship with ``vendor``; ``links`` are the rows it concerns
    (contracts, breaches, issues, reviews …), all of that vendor."""
    now = now or timezone.now()
    if not policy.can(actor, policy.Action.CREATE, Decision):
        raise PermissionDenied("Only the client's managers may record decisions.")
    title = required_text(title, "title", "Say what was decided.")
    rationale = required_text(rationale, "rationale", "Give the rationale: why this was decided.")
    if decided_on > periods.local_today(now):
        raise ValidationError({"decided_on": "A decision cannot be dated in the future."})
    check_person(owner, vendor.pk, "owner")
    if meeting is not None and meeting.forum.vendor_id != vendor.pk:
        raise ValidationError({"meeting": "The meeting belongs to another relationship."})
    links = list(dict.fromkeys(links))
    for obj in links:
        if policy.vendor_id_of(obj) != vendor.pk:
            raise ValidationError({"links": f"{obj} belongs to another vendor."})
    decision = Decision(
        vendor=vendor,
        meeting=meeting,
        title=title,
        rationale=rationale,
        owner=owner,
        decided_on=decided_on,
        recorded_by=actor,
        recorded_at=now,
    )
    decision.full_clean()
    decision.save()
    DecisionLink.objects.bulk_create(
        [
            DecisionLink(
                decision=decision, object_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
            )
            for obj in links
        ],
        ignore_conflicts=True,
    )
    changes = {
        "title": [None, title],
        "rationale": [None, rationale],
        "decided_on": [None, plain_value(decided_on)],
        "owner": [None, plain_value(owner)],
        "meeting": [None, plain_value(meeting)],
    }
    if links:
        changes["links"] = [[], sorted(_link_label(obj) for obj in links)]
    audit_record(
        actor=actor,
        action="governance.decision.recorded",
        obj=decision,
        changes={k: v for k, v in changes.items() if v[1] is not None},
    )
    return decision


def may_acknowledge(actor, decision: Decision) -> bool:
    return decision.acknowledged_at is None and acts_for_vendor(actor, decision)


@transaction.atomic
def decision_acknowledge(*, decision: Decision, actor, now: datetime | None = None) -> Decision:
    """The vendor side has taken note of the decision. Claimed once: a second acknowledgement is refused."""
    now = now or timezone.now()
    if not acts_for_vendor(actor, decision):
        raise PermissionDenied("Decisions are acknowledged by the vendor's own users.")
    claimed = Decision.objects.filter(pk=decision.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor
    )
    if not claimed:
        decision.refresh_from_db()
        who = decision.acknowledged_by.get_full_name() if decision.acknowledged_by else "someone"
        local = timezone.localtime(decision.acknowledged_at, periods.local_zone())
        raise ValidationError(f"This decision was acknowledged already, by {who} on {local:%d %b %Y}.")
    decision.acknowledged_at, decision.acknowledged_by = now, actor
    audit_record(
        actor=actor,
        action="governance.decision.acknowledged",
        obj=decision,
        changes={"acknowledged_at": [None, plain_value(now)], "acknowledged_by": [None, actor.pk]},
    )
    return decision
