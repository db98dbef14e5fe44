"""Escalation paths kept by the client's managers: a contract's, a vendor's or a tier's default path with
its ordered levels, each naming a person or a role on both sides and a time limit before the next level.

The model keeps the scope rules (one of contract / vendor / tier; one path per vendor and per tier; a
contract's path belongs to its vendor); here the levels are checked as a whole: numbered 1, 2, 3 …
without gaps, each naming someone on each side, vendor contacts of the path's own vendor."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policy
from accounts.audit import audited_create, audited_delete, audited_update

from ..models import EscalationLevel, EscalationPath, Issue, IssueStatus

LEVEL_FIELDS = (
    "level",
    "name",
    "internal_person",
    "internal_role",
    "vendor_contact",
    "vendor_role",
    "time_limit_hours",
)


def escalation_path_can_edit(user) -> bool:
    return policy.sees_internal(user) and policy.can(user, policy.Action.CHANGE, EscalationPath)


def _require_editor(actor) -> None:
    if not escalation_path_can_edit(actor):
        raise PermissionDenied("Only the client's managers set escalation paths.")


def check_levels(levels: list[dict], *, vendor_id: int | None) -> list[dict]:
    """The levels in order, or a ValidationError saying what is wrong with them."""
    levels = sorted(levels, key=lambda row: row["level"])
    problems = []
    if not levels:
        problems.append("A path needs at least one level.")
    numbers = [row["level"] for row in levels]
    if numbers != list(range(1, len(levels) + 1)):
        problems.append(f"Number the levels 1, 2, 3 … without gaps or repeats (they are {numbers}).")
    for row in levels:
        label = f"Level {row['level']}"
        if row.get("internal_person") is None and not (row.get("internal_role") or "").strip():
            problems.append(f"{label} names nobody on the client's side: choose a person or name a role.")
        if row.get("vendor_contact") is None and not (row.get("vendor_role") or "").strip():
            problems.append(f"{label} names nobody on the vendor's side: choose a contact or name a role.")
        contact = row.get("vendor_contact")
        if contact is not None and contact.vendor_id != vendor_id:
            problems.append(f"{label}: {contact.name} is not a contact of this path's vendor.")
        person = row.get("internal_person")
        if person is not None and person.vendor_id is not None:
            problems.append(f"{label}: {person} is not on the client's staff.")
    if problems:
        raise ValidationError({"levels": problems})
    return levels


def _write_levels(*, path: EscalationPath, actor, levels: list[dict]) -> None:
    existing = {level.level: level for level in path.levels.all()}
    wanted = {row["level"]: row for row in levels}
    for number, level in existing.items():
        if number not in wanted:
            audited_delete(instance=level, actor=actor)
    for number, row in wanted.items():
        data = {name: row.get(name) for name in LEVEL_FIELDS}
        data["internal_role"] = (data["internal_role"] or "").strip()
        data["vendor_role"] = (data["vendor_role"] or "").strip()
        if number in existing:
            audited_update(instance=existing[number], actor=actor, data=data)
        else:
            audited_create(model=EscalationLevel, actor=actor, path=path, **data)


@transaction.atomic
def escalation_path_create(
    *, actor, name: str, contract=None, vendor=None, tier: str = "", levels
) -> EscalationPath:
    _require_editor(actor)
    if contract is not None and vendor is None:
        vendor = contract.vendor
    levels = check_levels(levels, vendor_id=vendor.pk if vendor else None)
    path = audited_create(
        model=EscalationPath,
        actor=actor,
        name=(name or "").strip(),
        contract=contract,
        vendor=vendor,
        tier=tier or "",
    )
    _write_levels(path=path, actor=actor, levels=levels)
    return path


@transaction.atomic
def escalation_path_update(*, path: EscalationPath, actor, name: str, levels) -> EscalationPath:
    """Rename a path and set its levels; what the path applies to stays (make a new path instead)."""
    _require_editor(actor)
    path = EscalationPath.objects.select_for_update().get(pk=path.pk)
    levels = check_levels(levels, vendor_id=path.vendor_id)
    open_levels = set(
        Issue.objects.filter(path=path).exclude(status=IssueStatus.RESOLVED).values_list("level", flat=True)
    )
    stranded = sorted(n for n in open_levels if n > len(levels))
    if stranded:
        raise ValidationError(
            {"levels": f"Open issues stand at level {', '.join(map(str, stranded))}; keep that many levels."}
        )
    path, _ = audited_update(instance=path, actor=actor, data={"name": (name or "").strip()})
    _write_levels(path=path, actor=actor, levels=levels)
    return path


@transaction.atomic
def escalation_path_delete(*, path: EscalationPath, actor) -> None:
    """Delete a path no open issue is climbing; its issues then follow the next path that applies."""
    _require_editor(actor)
    path = EscalationPath.objects.select_for_update().get(pk=path.pk)
    open_issues = Issue.objects.filter(path=path).exclude(status=IssueStatus.RESOLVED).count()
    if open_issues:
        raise ValidationError(
            f"Open issues climb this path ({open_issues}); resolve them first or change its levels instead."
        )
    for level in path.levels.all():
        audited_delete(instance=level, actor=actor)
    audited_delete(instance=path, actor=actor)
