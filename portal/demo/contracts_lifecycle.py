"""The demo's contract lifecycle: contract documents (shared and internal), the delivery history behind the
deliverables (evidence, rejections, overdue flags), the notice-reminder ledger as the schedule would have
left it, and the delivery metrics computed from the deliverables.

Idempotent: documents are found by contract and title, evidence by deliverable, ledger rows by their
unique key, and the delivery figures are recomputed only when they would change.
"""

from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count

from accounts.audit import audit_record, audited_create
from accounts.models import AuditEvent, Role, User
from contracts.models import (
    Contract,
    ContractDocument,
    Deliverable,
    DeliverableEvidence,
    DeliverableStatus,
    NoticeReminder,
    ReminderStatus,
)
from contracts.services import document_upload, flag_overdue_deliverables
from contracts.services.reminders import NOTICE_REMINDER, ReminderRecipients, due_reminders, stage_due_on
from kpis.models import MeasurementPeriod, ServiceLevel, ServiceLevelKind
from kpis.periods import local_today
from kpis.services.delivery_metrics import (
    SCORED_CONTRACT_STATUSES,
    SYSTEM_METRICS,
    ensure_metrics,
    record_delivery_metrics,
)

from . import data
from .clock import aware
from .figures import history_start

# (contract, document title, [(file name, shared with the vendor, what changed), … one per version]).
DOCUMENTS = [
    (
        "ACME-SOW-01",
        "Signed statement of work",
        [
            ("ACME-SOW-01 signed.pdf", True, ""),
            ("ACME-SOW-01 amendment 1.pdf", True, "Amendment 1: Azure landing zone added to the scope."),
        ],
    ),
    ("ACME-SOW-01", "Renewal negotiation notes", [("Renewal options.pdf", False, "")]),
    ("GLOBEX-SOW-01", "Signed statement of work", [("GLOBEX-SOW-01 signed.pdf", True, "")]),
    (
        "GLOBEX-SOW-01",
        "Service credit position — storage outages",
        [("Credit position.pdf", False, "Draft for the steering committee.")],
    ),
]
DELIVERY_NOTES = {
    "Chatbot go-live": "Live since Monday for password resets; adoption figures in the attached report.",
    "PostgreSQL 16 upgrade": "All 40 instances upgraded; upgrade log attached.",
    "Incident response playbooks refresh": "Ransomware and BEC playbooks, reviewed with your CISO office.",
}


def _pdf(title: str) -> bytes:
    """A small, real PDF, so the files pass the same checks as an upload."""
    text = title.encode("ascii", "replace")
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% "
        + text
        + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _seed_documents(manager: User, contracts: dict[str, Contract], now: datetime) -> None:
    counts = {
        (ref, title): n
        for ref, title, n in ContractDocument.objects.filter(contract__in=contracts.values())
        .values("contract__reference", "title")
        .annotate(n=Count("pk"))
        .values_list("contract__reference", "title", "n")
    }
    for reference, title, versions in DOCUMENTS:
        for index, (filename, shared, changes) in enumerate(versions):
            if index < counts.get((reference, title), 0):
                continue
            document_upload(
                contract=contracts[reference],
                actor=manager,
                title=title,
                uploaded_file=SimpleUploadedFile(filename, _pdf(f"{title} {filename}")),
                shared_with_vendor=shared,
                note=changes,
                now=now - timedelta(days=30 * (len(versions) - index)),
            )


def _vendor_person(vendor_id: int) -> User | None:
    return (
        User.objects.filter(
            vendor_id=vendor_id, role__in=[Role.VENDOR_USER, Role.VENDOR_ADMIN], is_active=True
        )
        .order_by("role", "pk")
        .first()
    )


def _seed_delivery_history(references) -> None:
    """Deliverables the demo marks delivered, accepted or rejected get who delivered, evidence and, for a
    rejection, the count and date the workflow would have recorded."""
    handed_over = Deliverable.objects.filter(
        contract__reference__in=references,
        status__in=[DeliverableStatus.DELIVERED, DeliverableStatus.ACCEPTED, DeliverableStatus.REJECTED],
        first_delivered_at__isnull=True,
        delivered_at__isnull=False,
    ).select_related("contract")
    for deliverable in handed_over:
        person = _vendor_person(deliverable.contract.vendor_id)
        deliverable.first_delivered_at = deliverable.delivered_at
        deliverable.delivered_by = person
        deliverable.delivery_note = DELIVERY_NOTES.get(deliverable.title, "")
        fields = ["first_delivered_at", "delivered_by", "delivery_note"]
        if deliverable.status == DeliverableStatus.REJECTED:
            deliverable.rejection_count = 1
            deliverable.rejected_at = deliverable.delivered_at + timedelta(days=2)
            fields += ["rejection_count", "rejected_at"]
        deliverable.save(update_fields=fields)
        if not DeliverableEvidence.objects.filter(deliverable=deliverable).exists():
            content = _pdf(deliverable.title)
            DeliverableEvidence.objects.create(
                deliverable=deliverable,
                file=ContentFile(content, name="deliverable.pdf"),
                original_name=f"{deliverable.title}.pdf",
                content_type="application/pdf",
                size=len(content),
                sha256="",
                uploaded_by=person,
                uploaded_at=deliverable.delivered_at,
            )


def _seed_reminder_ledger(today, now: datetime) -> None:
    """The ledger as a schedule running all along would have left it: every stage due so far sent on its
    day (with its trail entry), so the first real run sends nothing twice."""
    recipients = ReminderRecipients()
    for contract, term, reached in due_reminders(today=today):
        done = set(
            NoticeReminder.objects.filter(contract=contract, term_end=term.term_end).values_list(
                "stage", flat=True
            )
        )
        for stage in reached:
            if stage.code in done:
                continue
            due_on = stage_due_on(stage, term)
            sent_at = aware(due_on, 7)
            NoticeReminder.objects.create(
                contract=contract,
                term_end=term.term_end,
                notice_deadline=term.notice_deadline,
                stage=stage.code,
                due_on=due_on,
                status=ReminderStatus.SENT,
                created_at=sent_at,
                sent_at=sent_at,
                recipients=[user.email for user in recipients.for_stage(contract, stage)],
            )
            event = audit_record(
                actor=None,
                action=NOTICE_REMINDER,
                obj=contract,
                changes={
                    "term_end": [None, term.term_end.isoformat()],
                    "notice_deadline": [None, term.notice_deadline.isoformat()],
                },
                note=stage.code,
            )
            AuditEvent.objects.filter(pk=event.pk).update(internal_only=True, occurred_at=sent_at)


def _seed_delivery_service_levels(admin: User, today) -> None:
    """The delivery metrics' service levels, in force over the demo's whole history like the others."""
    metrics = ensure_metrics()
    contracts = Contract.objects.filter(
        deliverables__isnull=False, status__in=SCORED_CONTRACT_STATUSES
    ).distinct()
    have = set(
        ServiceLevel.objects.filter(contract__in=contracts, metric__in=metrics.values()).values_list(
            "contract_id", "metric__code"
        )
    )
    for contract in contracts:
        for spec in SYSTEM_METRICS:
            if (contract.pk, spec.code) in have:
                continue
            audited_create(
                model=ServiceLevel,
                actor=admin,
                note="Created to score the contract's deliverables",
                contract=contract,
                metric=metrics[spec.code],
                kind=ServiceLevelKind.KPI,
                target=spec.target,
                minimum=spec.minimum,
                period=MeasurementPeriod.MONTHLY,
                grace_days=1,
                weight=10,
                effective_from=max(contract.start_date, history_start(today)),
            )


def seed_contracts_lifecycle(*, now: datetime) -> None:
    today = local_today(now)
    manager = User.objects.get(email=data.MARIA)
    admin = User.objects.get(email=data.ADMIN)
    references = {reference for reference, _, _ in DOCUMENTS} | set(data.DELIVERABLES)
    contracts = {c.reference: c for c in Contract.objects.filter(reference__in=references)}
    _seed_documents(manager, contracts, now)
    _seed_delivery_history(list(data.DELIVERABLES))
    flag_overdue_deliverables(now=now)
    _seed_reminder_ledger(today, now)
    _seed_delivery_service_levels(admin, today)
    record_delivery_metrics(now=now)
