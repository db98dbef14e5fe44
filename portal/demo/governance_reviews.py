"""Demo performance reviews and audits on the two demo vendors.

Each demo vendor gets a review of its previous period (per its tier's cadence) signed by both sides and
locked, which feeds its scorecard's relationship score, and a review of the running period waiting for
the vendor's self-assessment. Each also gets an audit with two findings: one past its due date (the
escalation scan turns it into an issue) and one whose remediation waits for the auditor's verification.
Everything goes through the services, so the audit trail reads as if people had done it. Idempotent:
reviews are found by vendor and period, audits by vendor and title, findings by audit and title.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import User
from governance.models import Audit, AuditStatus, Finding, FindingSeverity, Review, Side
from governance.services import audits as audit_services
from governance.services import reviews as review_services
from kpis.periods import local_today
from vendors.models import Vendor

from . import data
from .clock import aware


@dataclass(frozen=True)
class DemoReview:
    vendor: str
    signer: str  # the vendor user who self-assesses and signs
    vendor_scores: dict
    manager_scores: dict
    self_assessment: str
    assessment: str
    meeting_notes: str


REVIEWS = (
    DemoReview(
        vendor=data.ACME,
        signer="ops@acme.example.com",
        vendor_scores={"quality": 85, "delivery": 88, "responsiveness": 80, "relationship": 90},
        manager_scores={"quality": 78, "delivery": 84, "responsiveness": 72, "relationship": 82},
        self_assessment=(
            "Availability held above target every month. Two P1 incidents took longer than we want to "
            "resolve; the new on-call rota started in the last month of the quarter."
        ),
        assessment=(
            "A solid quarter on delivery. Responsiveness is the weak spot: major incidents reached our desk "
            "before Acme's twice. The relationship is open and constructive."
        ),
        meeting_notes=(
            "Both sides agreed the incident-notification improvement plan: Acme alerts the client's duty "
            "manager within 15 minutes of a P1. Reviewed again at the next steering committee."
        ),
    ),
    DemoReview(
        vendor=data.GLOBEX,
        signer="ops@globex.example.com",
        vendor_scores={"quality": 82, "delivery": 80, "responsiveness": 85, "relationship": 84},
        manager_scores={"quality": 80, "delivery": 70, "responsiveness": 83, "relationship": 76},
        self_assessment=(
            "The landing-zone migration finished on plan; cost reports were late twice while we changed "
            "billing tooling."
        ),
        assessment=(
            "Good technical delivery; the late cost reports hurt budgeting. We expect the FinOps reports on "
            "the fifth working day from now on."
        ),
        meeting_notes="Agreed: FinOps report by the fifth working day; a monthly cost review call.",
    ),
)


@dataclass(frozen=True)
class DemoFinding:
    title: str
    description: str
    severity: str
    due_in_days: int  # negative: overdue
    internal_notes: str = ""
    remediation: str = ""  # reported by the vendor, waiting for verification
    evidence: tuple[str, str] = ("", "")  # (file name, CSV text) attached to the remediation


AUDITS = {
    data.ACME: (
        "Information security audit",
        "Access management, backup and restore, patching of the managed servers.",
        (
            DemoFinding(
                title="Leavers keep VPN access for weeks",
                description="Three of twelve leavers sampled still had an active VPN account 10 to 25 days "
                "after their last day.",
                severity=FindingSeverity.HIGH,
                due_in_days=-10,
                internal_notes="Raise at the steering committee if it is still open.",
            ),
            DemoFinding(
                title="Restore tests are not documented",
                description="Quarterly restore tests are run but no record shows which systems were "
                "restored and whether the restore met its recovery time.",
                severity=FindingSeverity.MEDIUM,
                due_in_days=20,
                remediation="A restore-test record (system, date, duration, outcome) is now kept for every "
                "test; the last quarter's tests are attached.",
                evidence=(
                    "restore-tests.csv",
                    "system,duration_minutes,recovery_time_objective_minutes,outcome\n"
                    "ERP,95,240,met\nMail,40,120,met\nFile shares,130,240,met\n",
                ),
            ),
        ),
    ),
    data.GLOBEX: (
        "Cloud security posture review",
        "Identity and access, logging, encryption at rest in the client's cloud tenancy.",
        (
            DemoFinding(
                title="Audit logs kept for 30 days only",
                description="The contract requires 12 months of audit-log retention; the tenancy keeps 30 "
                "days.",
                severity=FindingSeverity.HIGH,
                due_in_days=-5,
            ),
            DemoFinding(
                title="Two storage accounts without customer-managed keys",
                description="Two storage accounts of the reporting platform use platform-managed keys.",
                severity=FindingSeverity.LOW,
                due_in_days=30,
                remediation="Both accounts now use customer-managed keys from the client's key vault.",
                evidence=(
                    "storage-encryption.csv",
                    "account,key_source\nrptdata01,customer\nrptdata02,customer\n",
                ),
            ),
        ),
    ),
}


def _steps(start: datetime, now: datetime, count: int) -> list[datetime]:
    """``count`` moments spread between ``start`` and ``now`` (never in the future)."""
    start = min(start, now - timedelta(hours=count + 1))
    span = (now - start) / (count + 1)
    return [start + span * (i + 1) for i in range(count)]


def _locked_review(spec: DemoReview, vendor, manager, signer, period, now) -> Review:
    start, end = period
    review = review_services.review_open(
        vendor=vendor, period_start=start, period_end=end, due_on=end + timedelta(days=30), actor=manager
    )
    t = _steps(aware(end + timedelta(days=1), 9), now, 6)
    review_services.review_request_self_assessment(review=review, actor=manager, now=t[0])
    review_services.review_self_assess(
        review=review, actor=signer, scores=spec.vendor_scores, text=spec.self_assessment, now=t[1]
    )
    review_services.review_assess(
        review=review, actor=manager, scores=spec.manager_scores, text=spec.assessment, now=t[2]
    )
    review_services.review_record_meeting(review=review, actor=manager, notes=spec.meeting_notes, now=t[3])
    review_services.review_sign(review=review, actor=manager, now=t[4])
    review_services.review_sign(review=Review.objects.get(pk=review.pk), actor=signer, now=t[5])
    return review


def _open_review(vendor, manager, period, now) -> Review:
    start, end = period
    review = review_services.review_open(
        vendor=vendor, period_start=start, period_end=end, due_on=end + timedelta(days=30), actor=manager
    )
    review_services.review_request_self_assessment(review=review, actor=manager, now=now)
    return review


def _seed_reviews(vendor: Vendor, spec: DemoReview, manager: User, signer: User, now: datetime, today: date):
    cadence = review_services.review_cadences()[vendor.tier]
    current = review_services.review_period(cadence.months, today)
    previous = review_services.review_period(cadence.months, current[0] - timedelta(days=1))
    existing = set(Review.objects.filter(vendor=vendor).values_list("period_start", flat=True))
    created = 0
    if previous[0] not in existing:
        _locked_review(spec, vendor, manager, signer, previous, now)
        created += 1
    if current[0] not in existing:
        _open_review(vendor, manager, current, now)
        created += 1
    return created


def _seed_audit(vendor: Vendor, auditor: User, owner: User, now: datetime, today: date) -> int:
    title, scope, findings = AUDITS[vendor.name]
    created = 0
    audit = Audit.objects.filter(vendor=vendor, title=title).first()
    if audit is None:
        audit = audit_services.audit_plan(
            vendor=vendor,
            actor=auditor,
            title=title,
            scope=scope,
            planned_start=today - timedelta(days=45),
            planned_end=today - timedelta(days=38),
            lead=auditor,
        )
        audit_services.audit_change(audit=audit, actor=auditor, data={"status": AuditStatus.IN_PROGRESS})
        created += 1
    known = set(Finding.objects.filter(audit=audit).values_list("title", flat=True))
    for spec in findings:
        if spec.title in known:
            continue
        finding = audit_services.finding_record(
            audit=audit,
            actor=auditor,
            title=spec.title,
            description=spec.description,
            severity=spec.severity,
            owner_side=Side.VENDOR,
            owner=owner,
            due_on=today + timedelta(days=spec.due_in_days),
            internal_notes=spec.internal_notes,
            now=now - timedelta(days=36),
        )
        if spec.remediation:
            name, text = spec.evidence
            evidence = SimpleUploadedFile(name, text.encode(), content_type="text/csv") if name else None
            audit_services.finding_remediate(
                finding=finding,
                actor=owner,
                remediation=spec.remediation,
                evidence=evidence,
                now=now - timedelta(days=2),
            )
        created += 1
    return created


@transaction.atomic
def seed_governance_reviews(*, now: datetime) -> int:
    """Create whatever part of the demo reviews and audits is missing; returns how many rows were made."""
    today = local_today(now)
    users = {
        u.email: u
        for u in User.objects.filter(email__in=[data.MARIA, data.AUDREY, *(r.signer for r in REVIEWS)])
    }
    vendors = {v.name: v for v in Vendor.objects.filter(name__in=[r.vendor for r in REVIEWS])}
    manager, auditor = users.get(data.MARIA), users.get(data.AUDREY)
    if manager is None or auditor is None:
        return 0
    created = 0
    for spec in REVIEWS:
        vendor, signer = vendors.get(spec.vendor), users.get(spec.signer)
        if vendor is None or signer is None:
            continue
        created += _seed_reviews(vendor, spec, manager, signer, now, today)
        created += _seed_audit(vendor, auditor, signer, now, today)
    return created
