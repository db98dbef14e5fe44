"""Creates the rows of the demo portfolio declared in ``data``; ``figures`` adds the measurements.

Idempotent: every row is found by its natural key (e-mail, vendor name, contract reference, metric code,
…) and only what is missing is created.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.audit import audited_create
from accounts.models import Role, User
from contracts.models import Contract, ContractStatus, Deliverable, DeliverableStatus
from governance.models import (
    ActionItem,
    Audit,
    Decision,
    EscalationLevel,
    EscalationPath,
    Forum,
    Issue,
    Meeting,
    Review,
    RoleAssignment,
    Side,
)
from kpis.models import Measurement, Metric, ServiceLevel
from kpis.periods import local_today
from selection.models import SelectionEvent
from vendors.models import ServiceCategory, Vendor, VendorContact, VendorTier

from . import data, figures
from .clock import aware, shift_months
from .contracts_lifecycle import seed_contracts_lifecycle
from .governance_issues import seed_governance_issues
from .governance_meetings import seed_governance_meetings
from .governance_reviews import seed_governance_reviews
from .notifications import seed_notifications
from .selection import seed_selection

DEMO_PASSWORD = "demo-password"  # noqa: S105 - public on purpose, and only usable under DEBUG
AUDIT_NOTE = "Demo portfolio"
TOTALS = [
    ("users", User),
    ("vendors", Vendor),
    ("contacts", VendorContact),
    ("contracts", Contract),
    ("deliverables", Deliverable),
    ("metrics", Metric),
    ("service levels", ServiceLevel),
    ("measurements", Measurement),
    ("role assignments", RoleAssignment),
    ("escalation paths", EscalationPath),
    ("forums", Forum),
    ("meetings", Meeting),
    ("decisions", Decision),
    ("action items", ActionItem),
    ("issues", Issue),
    ("reviews", Review),
    ("audits", Audit),
    ("selection events", SelectionEvent),
]


@dataclass
class SeedResult:
    created: Counter
    totals: dict[str, int]
    warnings: list[str]

    def summary(self) -> str:
        counts = ", ".join(f"{count:,} {name}" for name, count in self.totals.items())
        created = sum(self.created.values())
        return f"Demo portfolio: {counts} ({created:,} rows created)."


@dataclass
class _Context:
    """What the steps share: the clock, the rows found or created so far, and what was created."""

    now: datetime
    today: date
    users: dict[str, User] = field(default_factory=dict)
    vendors: dict[str, Vendor] = field(default_factory=dict)
    contacts: dict[str, list[VendorContact]] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    service_levels: list[tuple[ServiceLevel, str, str]] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    @property
    def admin(self) -> User:
        return self.users[data.ADMIN]


def seed_demo(*, now: datetime | None = None) -> SeedResult:
    """Create whatever part of the demo portfolio is missing. Demo passwords only when DEBUG is on."""
    now = now or timezone.now()
    ctx = _Context(now=now, today=local_today(now))
    with transaction.atomic():
        password = _demo_password(ctx)
        _seed_users(ctx, [row for row in data.USERS if row[3] is None], password)
        _seed_vendors(ctx)
        _seed_users(ctx, [row for row in data.USERS if row[3] is not None], password)
        _seed_contracts(ctx)
        _seed_deliverables(ctx)
        _seed_metrics(ctx)
        _seed_service_levels(ctx)
        _seed_measurements(ctx)
        _seed_role_assignments(ctx)
        _seed_escalation_paths(ctx)
        seed_governance_issues(now=now)
        seed_selection(now=now)
        seed_governance_reviews(now=now)
        seed_governance_meetings(now=now)
        seed_contracts_lifecycle(now=now)
        seed_notifications(now=now)  # last: scans what the steps above wrote
    totals = {name: model.objects.count() for name, model in TOTALS}
    return SeedResult(created=ctx.created, totals=totals, warnings=ctx.warnings)


# --- People and vendors -------------------------------------------------------------------


def _demo_password(ctx: _Context) -> str:
    """The encoded password for new demo accounts: the demo password under DEBUG, else an unusable one.

    Outside DEBUG a publicly known password must not open any account, including ones seeded earlier.
    """
    if settings.DEBUG:
        # One hash serves every new account: hashing is slow on purpose and this password is public anyway.
        return make_password(DEMO_PASSWORD)
    ctx.warnings.append(
        "DEBUG is off: demo passwords are refused outside DEBUG, so the demo accounts have no usable "
        "password (set one with `manage.py changepassword <e-mail>`)."
    )
    for user in User.objects.filter(email__in=[row[0] for row in data.USERS]):
        if user.check_password(DEMO_PASSWORD):
            user.set_unusable_password()
            user.save(update_fields=["password"])
            ctx.warnings.append(f"Disabled the demo password of {user.email}.")
    return make_password(None)


def _seed_users(ctx: _Context, rows, password: str) -> None:
    existing = {user.email: user for user in User.objects.filter(email__in=[row[0] for row in rows])}
    for email, full_name, role, vendor_name, job_title in rows:
        user = existing.get(email)
        if user is None:
            is_admin = role == Role.ADMIN
            user = User(
                email=email,
                full_name=full_name,
                role=role,
                vendor=ctx.vendors[vendor_name] if vendor_name else None,
                job_title=job_title,
                is_staff=is_admin,
                is_superuser=is_admin,
                password=password,
            )
            user.full_clean(exclude=["password"])
            user.save()
            ctx.created["users"] += 1
        ctx.users[email] = user


def _seed_vendors(ctx: _Context) -> None:
    names = {name for spec in data.VENDORS for name in spec["categories"]}
    categories = {}
    for name in sorted(names):
        categories[name], created = ServiceCategory.objects.get_or_create(name=name)
        ctx.created["service categories"] += created
    existing = {v.name: v for v in Vendor.objects.filter(name__in=[spec["name"] for spec in data.VENDORS])}
    for spec in data.VENDORS:
        vendor = existing.get(spec["name"])
        if vendor is None:
            fields = {k: v for k, v in spec.items() if k not in ("categories", "owner", "contacts")}
            vendor = audited_create(
                model=Vendor,
                actor=ctx.admin,
                note=AUDIT_NOTE,
                internal_owner=ctx.users[spec["owner"]],
                **fields,
            )
            vendor.service_categories.set([categories[name] for name in spec["categories"]])
            ctx.created["vendors"] += 1
        ctx.vendors[vendor.name] = vendor
        ctx.contacts[vendor.name] = _seed_contacts(ctx, vendor, spec["contacts"])


def _seed_contacts(ctx: _Context, vendor: Vendor, specs) -> list[VendorContact]:
    existing = list(vendor.contacts.all())
    by_email = {contact.email: contact for contact in existing}
    has_primary = any(contact.is_primary for contact in existing)
    contacts = []
    for spec in specs:
        contact = by_email.get(spec["email"])
        if contact is None:
            contact = VendorContact(
                vendor=vendor, **{**spec, "is_primary": spec["is_primary"] and not has_primary}
            )
            contact.full_clean()
            contact.save()
            has_primary = has_primary or contact.is_primary
            ctx.created["contacts"] += 1
        contacts.append(contact)
    return contacts


# --- Contracts ------------------------------------------------------------------------------


def _contract_dates(spec: dict, today: date) -> tuple[date, date]:
    term = spec["term_months"]
    if spec["ends_in_days"] is not None:
        end = today + timedelta(days=spec["ends_in_days"])
        return shift_months(end + timedelta(days=1), -term), end
    start = shift_months(today.replace(day=1), -spec["starts_months_ago"])
    return start, shift_months(start, term) - timedelta(days=1)


def _seed_contracts(ctx: _Context) -> None:
    references = [spec["reference"] for spec in data.CONTRACTS]
    existing = {
        c.reference: c for c in Contract.objects.filter(reference__in=references).select_related("owner")
    }
    for spec in data.CONTRACTS:
        contract = existing.get(spec["reference"])
        if contract is None:
            start, end = _contract_dates(spec, ctx.today)
            contract = audited_create(
                model=Contract,
                actor=ctx.admin,
                note=AUDIT_NOTE,
                vendor=ctx.vendors[spec["vendor"]],
                reference=spec["reference"],
                title=spec["title"],
                contract_type=spec["contract_type"],
                parent=ctx.contracts[spec["parent"]] if spec["parent"] else None,
                status=spec["status"],
                owner=ctx.users[spec["owner"]],
                total_value=Decimal(spec["total_value"]),
                monthly_charge=Decimal(spec["monthly_charge"]),
                at_risk_percent=Decimal(spec["at_risk_percent"]),
                start_date=start,
                initial_term_end=end,
                renewal_type=spec["renewal_type"],
                renewal_term_months=spec["renewal_term_months"],
                notice_period_days=spec["notice_period_days"],
                scope_of_work=spec["scope_of_work"],
                internal_notes=spec["internal_notes"],
            )
            ctx.created["contracts"] += 1
        ctx.contracts[contract.reference] = contract


def _seed_deliverables(ctx: _Context) -> None:
    contracts = [ctx.contracts[ref] for ref in data.DELIVERABLES]
    existing = set(Deliverable.objects.filter(contract__in=contracts).values_list("contract_id", "title"))
    for reference, rows in data.DELIVERABLES.items():
        contract = ctx.contracts[reference]
        for title, kind, due_in_days, status, description in rows:
            if (contract.pk, title) in existing:
                continue
            due = ctx.today + timedelta(days=due_in_days)
            deliverable = Deliverable(
                contract=contract,
                kind=kind,
                title=title,
                description=description,
                due_date=due,
                status=status,
                approver=contract.owner,
                rejection_reason=data.REJECTION_REASONS.get(title, ""),
            )
            if status == DeliverableStatus.DELIVERED:
                deliverable.delivered_at = aware(ctx.today - timedelta(days=1), 16)
            elif status in (DeliverableStatus.ACCEPTED, DeliverableStatus.REJECTED):
                deliverable.delivered_at = aware(due - timedelta(days=2), 16)
            if status == DeliverableStatus.ACCEPTED:
                deliverable.accepted_by = contract.owner
                deliverable.accepted_at = aware(due + timedelta(days=3), 11)
            deliverable.full_clean()
            deliverable.save()
            ctx.created["deliverables"] += 1


# --- Metrics and service levels ---------------------------------------------------------------


def _seed_metrics(ctx: _Context) -> None:
    existing = {m.code: m for m in Metric.objects.filter(code__in=list(data.METRICS))}
    for code, spec in data.METRICS.items():
        metric = existing.get(code)
        if metric is None:
            metric = Metric(
                code=code,
                name=spec.name,
                unit=spec.unit,
                direction=spec.direction,
                aggregation=spec.aggregation,
                category=spec.category,
                min_value=Decimal(spec.low),
                max_value=Decimal(spec.high),
                description=spec.description,
            )
            metric.full_clean()
            metric.save()
            ctx.created["metrics"] += 1
        ctx.metrics[code] = metric


def _seed_service_levels(ctx: _Context) -> None:
    contracts = [ctx.contracts[ref] for ref in data.SERVICE_LEVELS]
    existing = {
        (sl.contract_id, sl.metric_id): sl
        for sl in ServiceLevel.objects.filter(contract__in=contracts).select_related("metric")
    }
    for reference, rows in data.SERVICE_LEVELS.items():
        contract = ctx.contracts[reference]
        ended = contract.status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED)
        # Older contracts' service levels were re-baselined when the portal went live with the year of
        # history; from before then there are no figures, and the engine would count each period as missing.
        effective_from = min(
            max(contract.start_date, figures.history_start(ctx.today)), contract.initial_term_end
        )
        for row in rows:
            metric = ctx.metrics[row["code"]]
            service_level = existing.get((contract.pk, metric.pk))
            if service_level is None:
                spec = data.METRICS[row["code"]]
                expected, minimum = row["levels"] or (spec.expected, spec.minimum)
                service_level = ServiceLevel(
                    contract=contract,
                    metric=metric,
                    kind=row["kind"],
                    target=Decimal(expected),
                    minimum=Decimal(minimum),
                    period=row["period"],
                    grace_days=5,
                    credit_allocation_percent=Decimal(row["allocation"]),
                    weight=row["weight"],
                    effective_from=effective_from,
                    effective_to=contract.initial_term_end if ended else None,
                    is_active=not ended,
                )
                service_level.full_clean()
                service_level.save()
                ctx.created["service levels"] += 1
            ctx.service_levels.append((service_level, reference, row["code"]))


def _seed_measurements(ctx: _Context) -> None:
    ctx.created["measurements"] += figures.measurements_seed(
        service_levels=ctx.service_levels, users=ctx.users, now=ctx.now, today=ctx.today
    )


# --- Governance -----------------------------------------------------------------------------


def _holder(ctx: _Context, vendor: Vendor, holder: str) -> tuple[User | None, VendorContact | None]:
    if holder == "owner":
        return vendor.internal_owner or ctx.users[data.MARIA], None
    if holder.startswith("contact:"):
        contacts = ctx.contacts[vendor.name]
        return None, contacts[min(int(holder.split(":")[1]), len(contacts) - 1)]
    return ctx.users[holder], None


def _seed_role_assignments(ctx: _Context) -> None:
    """The RACI matrix per governed vendor; a role already held by anyone is left as it is."""
    vendors = [ctx.vendors[name] for name in data.GOVERNED_VENDORS]
    existing = set(
        RoleAssignment.objects.filter(vendor__in=vendors).values_list("vendor_id", "area", "role_title")
    )
    for vendor in vendors:
        for area, roles in data.RACI.items():
            for role_title, letter, holder in roles:
                if (vendor.pk, area, role_title) in existing:
                    continue
                person, contact = _holder(ctx, vendor, holder)
                assignment = RoleAssignment(
                    vendor=vendor,
                    area=area,
                    role_title=role_title,
                    side=Side.INTERNAL if person else Side.VENDOR,
                    person=person,
                    contact=contact,
                    raci=letter,
                )
                assignment.full_clean()
                assignment.save()
                ctx.created["role assignments"] += 1


def _seed_escalation_paths(ctx: _Context) -> None:
    for tier in VendorTier:
        path = EscalationPath.objects.filter(vendor__isnull=True, contract__isnull=True, tier=tier).first()
        if path is None:
            path = _create_path(ctx, name=f"Default escalation — {tier.label.lower()} tier", tier=tier)
        levels = [
            (level, name, ctx.users[email], internal_role, None, vendor_role, hours)
            for level, name, email, internal_role, vendor_role, hours in data.TIER_ESCALATION
        ]
        _seed_levels(ctx, path, levels)
    for vendor_name, specs in data.VENDOR_ESCALATION.items():
        vendor = ctx.vendors[vendor_name]
        path = EscalationPath.objects.filter(vendor=vendor, contract__isnull=True).first()
        if path is None:
            path = _create_path(ctx, name=f"{vendor.name} escalation", vendor=vendor)
        levels = []
        for level, name, email, contact_index, hours in specs:
            person, contact = ctx.users[email], ctx.contacts[vendor_name][contact_index]
            levels.append((level, name, person, person.job_title, contact, contact.job_title, hours))
        _seed_levels(ctx, path, levels)


def _create_path(ctx: _Context, **fields) -> EscalationPath:
    path = EscalationPath(**fields)
    path.full_clean()
    path.save()
    ctx.created["escalation paths"] += 1
    return path


def _seed_levels(ctx: _Context, path: EscalationPath, levels) -> None:
    existing = set(path.levels.values_list("level", flat=True))
    for level, name, person, internal_role, contact, vendor_role, hours in levels:
        if level in existing:
            continue
        row = EscalationLevel(
            path=path,
            level=level,
            name=name,
            internal_person=person,
            internal_role=internal_role,
            vendor_contact=contact,
            vendor_role=vendor_role,
            time_limit_hours=hours,
        )
        row.full_clean()
        row.save()
        ctx.created["escalation levels"] += 1
