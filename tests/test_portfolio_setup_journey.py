"""A relationship set up from an empty portal, entirely through its own pages, as issue 14 is checked.

A manager onboards a vendor with two contacts, an MSA with a SOW, five service levels from a catalogue
they first fill themselves and an escalation path; invites the vendor's administrator, who accepts
from the e-mail; moves the vendor to active once the checklist is complete. The vendor reports its
figures every month and the manager validates them in the queue. In June the manager previews a lower
availability target with the what-if replay — the table is compared with a calculation done here by
hand — and applies it from July; the engine then judges January–June with the old levels and July
onwards with the new ones.
"""

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse

from accounts.models import Role, User
from contracts.models import Contract
from governance.models import EscalationPath
from kpis.engine import run_evaluation
from kpis.models import (
    Measurement,
    MeasurementStatus,
    Metric,
    ServiceLevel,
    ServiceLevelResult,
    ServiceLevelTarget,
)
from tests.factories import TEST_PASSWORD
from vendors.models import Vendor, VendorContact, VendorStatus

pytestmark = pytest.mark.django_db

ADMIN_EMAIL = "ops.lead@initech.example"
ADMIN_PASSWORD = "Staple-remover-in-jelly-7"

MONTHLY_CHARGE, AT_RISK, ALLOCATION = Decimal("40000"), Decimal("12"), Decimal("60")
OLD_LEVELS, NEW_LEVELS = (Decimal("99.5"), Decimal("99.0")), (Decimal("99.0"), Decimal("98.5"))

# Two availability figures a month (the 10th and the 20th), chosen so that the old and the new levels
# judge most months differently.
AVAILABILITY = {
    1: ("99.8", "99.6"),  # 99.7
    2: ("99.2", "99.4"),  # 99.3
    3: ("98.6", "98.8"),  # 98.7
    4: ("99.0", "98.9"),  # 98.95
    5: ("99.9", "99.1"),  # 99.5: exactly on the old target
    6: ("99.3", "99.1"),  # 99.2
    7: ("99.2", "99.0"),  # 99.1
    8: ("98.7", "98.5"),  # 98.6
}

# The catalogue the manager fills first: code, name, unit, direction, category, bounds.
METRICS = [
    ("availability", "Service availability", "%", "higher", "quality", "0", "100"),
    ("p1-response", "P1 response time", "minutes", "lower", "responsiveness", "0", ""),
    ("first-time-fix", "First-time fix rate", "%", "higher", "quality", "0", "100"),
    ("csat", "Customer satisfaction", "points", "higher", "relationship", "0", "5"),
    ("reports-on-time", "Reports on time", "%", "higher", "delivery", "0", "100"),
]
# Each metric's service level: kind, expected, minimum, weight, pool allocation, monthly figures.
SERVICE_LEVELS = {
    "availability": ("csl", "99.5", "99.0", "40", str(ALLOCATION), None),
    "p1-response": ("kpi", "30", "60", "20", "0", ("25", "20")),
    "first-time-fix": ("kpi", "80", "70", "20", "0", ("84", "82")),
    "csat": ("kpi", "4.2", "3.8", "10", "0", ("4.5", "4.3")),
    "reports-on-time": ("kpi", "95", "90", "10", "0", ("100", "98")),
}


@pytest.fixture(autouse=True)
def _utc_and_private_media(settings, tmp_path):
    settings.TIME_ZONE = "UTC"
    settings.MEDIA_ROOT = tmp_path / "media"


def at(year, month, day, hour=9):
    return datetime(year, month, day, hour, tzinfo=UTC)


# ---- An independent calculation ---------------------------------------------------------------------------


def hand_outcome(attained: Decimal, target: Decimal, minimum: Decimal) -> str:
    """Higher is better: on or above the expected level is met, down to the minimum a warning."""
    if attained >= target:
        return "met"
    if attained >= minimum:
        return "warning"
    return "breached"


def hand_credit(outcome: str) -> Decimal:
    """A breached month of the critical service level: charge × at-risk % × pool allocation %."""
    if outcome != "breached":
        return Decimal("0")
    return MONTHLY_CHARGE * AT_RISK / 100 * ALLOCATION / 100


def hand_quality_score(outcome: str) -> Decimal:
    """The vendor's quality score for a month: availability (weight 40) beside first-time fix (weight 20,
    always met); met 100 points, warning 50, breached 0; two decimals."""
    points = {"met": 100, "warning": 50, "breached": 0}[outcome]
    return (Decimal(40 * points + 20 * 100) / 60).quantize(Decimal("0.01"))


def hand_average(month: int) -> Decimal:
    first, second = AVAILABILITY[month]
    return (Decimal(first) + Decimal(second)) / 2


# ---- Reading the pages ------------------------------------------------------------------------------------


class TableReader(HTMLParser):
    """The text of every cell of every row of the tables carrying ``css_class``, by section."""

    def __init__(self, css_class):
        super().__init__()
        self.css_class, self.depth, self.section = css_class, 0, None
        self.rows = {"thead": [], "tbody": [], "tfoot": []}
        self.cell = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and (self.depth or self.css_class in classes):
            self.depth += 1
        elif self.depth and tag in self.rows:
            self.section = tag
        elif self.depth and tag == "tr":
            self.rows[self.section].append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[self.section][-1].append(" ".join(" ".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, css_class: str) -> dict:
    reader = TableReader(css_class)
    reader.feed(html)
    return reader.rows


def amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.\-]", "", text))


def sign_in(email, password) -> Client:
    """A fresh browser signing in on the login page (sessions end after 12 hours)."""
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def errors_of(response) -> str:
    """A failed form post's field errors, for the assertion message."""
    context = response.context or {}
    forms = [context.get(name) for name in ("form", "levels", "tiers", "steps")]
    return repr([(form.errors, getattr(form, "non_form_errors", lambda: "")()) for form in forms if form])


def page(client, url, **query) -> str:
    response = client.get(url, query)
    assert response.status_code == 200, url
    return response.content.decode()


def checklist(html: str) -> dict[str, str]:
    """Checklist item label → its badge (Done / Missing / Open) as the lifecycle page shows it."""
    items = re.findall(
        r'<span class="badge[^"]*">(Done|Missing|Open)</span>\s*<span class="strong">([^<]+)</span>', html
    )
    return {label: badge for badge, label in items}


# ---- The manager's and the vendor's steps --------------------------------------------------------------


def onboard_vendor(manager_client) -> Vendor:
    assert "New vendor" in page(manager_client, reverse("vendors:list"))
    response = manager_client.post(
        reverse("vendors:create"),
        {
            "name": "Initech",
            "legal_name": "Initech Services GmbH",
            "registration_number": "HRB 12345",
            "vat_number": "DE 123 456 789",
            "lei": "5493001KJTIIGC8Y1R12",
            "duns": "12-345-6789",
            "parent": "",
            "tier": "high",
            "service_categories": [],
            "new_categories": "Service desk",
            "internal_owner": "",
            "website": "https://initech.example",
            "address": "Hauptstraße 1\n10115 Berlin",
            "description": "",
            "internal_notes": "Incumbent for the service desk.",
        },
        follow=True,
    )
    vendor = Vendor.objects.get(name="Initech")
    assert response.redirect_chain == [(reverse("vendors:contacts", args=[vendor.pk]), 302)]
    assert vendor.status == VendorStatus.PROSPECT

    url = reverse("vendors:contact_create", args=[vendor.pk])
    for name, email, title in (
        ("Pat Primary", "pat@initech.example", "Account manager"),
        ("Sam Second", "sam@initech.example", "Service delivery manager"),
    ):
        response = manager_client.post(
            url, {"name": name, "job_title": title, "email": email, "phone": "", "notes": ""}
        )
        assert response.status_code == 302, errors_of(response)
    contacts = page(manager_client, reverse("vendors:contacts", args=[vendor.pk]))
    assert "Pat Primary" in contacts and "Sam Second" in contacts
    assert dict(VendorContact.objects.filter(vendor=vendor).values_list("name", "is_primary")) == {
        "Pat Primary": True,
        "Sam Second": False,
    }
    return vendor


def fill_the_catalogue(manager_client) -> dict[str, Metric]:
    assert not Metric.objects.filter(code__in=[m[0] for m in METRICS]).exists()
    for code, name, unit, direction, category, low, high in METRICS:
        response = manager_client.post(
            reverse("metrics:new"),
            {
                "code": code,
                "name": name,
                "unit": unit,
                "direction": direction,
                "aggregation": "avg",
                "category": category,
                "min_value": low,
                "max_value": high,
                "description": f"{name}, as reported by the vendor.",
                "is_active": "on",
            },
        )
        assert response.status_code == 302, errors_of(response)
    catalogue = page(manager_client, reverse("metrics:list"))
    assert all(name in catalogue for _c, name, *_ in METRICS)
    return {metric.code: metric for metric in Metric.objects.filter(code__in=[m[0] for m in METRICS])}


def contract_form(vendor, **overrides):
    data = {
        "vendor": vendor.pk,
        "status": "active",
        "reference": "INI-MSA-2026",
        "title": "Initech master services agreement",
        "contract_type": "msa",
        "parent": "",
        "owner": "",
        "start_date": "2026-01-01",
        "initial_term_end": "2028-12-31",
        "renewal_type": "tacit",
        "renewal_term_months": "12",
        "notice_period_unit": "months",
        "notice_period_days": "90",
        "notice_period_months": "3",
        "notice_alignment": "none",
        "currency": "EUR",
        "total_value": "1440000",
        "monthly_charge": "0",
        "at_risk_percent": "0",
        "scope_of_work": "",
        "internal_notes": "",
    }
    data.update(overrides)
    return data


def sign_contracts(manager_client, vendor, manager) -> Contract:
    response = manager_client.post(reverse("contracts:new"), contract_form(vendor, owner=manager.pk))
    assert response.status_code == 302, errors_of(response)
    msa = Contract.objects.get(reference="INI-MSA-2026")
    response = manager_client.post(
        reverse("contracts:new"),
        contract_form(
            vendor,
            reference="INI-SOW-01",
            title="Service desk SOW",
            contract_type="sow",
            parent=msa.pk,
            owner=manager.pk,
            monthly_charge=str(MONTHLY_CHARGE),
            at_risk_percent=str(AT_RISK),
            scope_of_work="First- and second-line service desk for 4,000 seats.",
        ),
    )
    assert response.status_code == 302, errors_of(response)
    sow = Contract.objects.get(reference="INI-SOW-01")
    assert (sow.parent, sow.contract_type, sow.status) == (msa, "sow", "active")
    assert "INI-SOW-01" in page(manager_client, msa.get_absolute_url())
    return sow


def agree_service_levels(manager_client, sow, metrics) -> dict[str, ServiceLevel]:
    for code, (kind, target, minimum, weight, allocation, _figures) in SERVICE_LEVELS.items():
        response = manager_client.post(
            reverse("service_levels:new", args=[sow.pk]),
            {
                "metric": metrics[code].pk,
                "kind": kind,
                "target": target,
                "minimum": minimum,
                "period": "monthly",
                "grace_days": "5",
                "weight": weight,
                "credit_allocation_percent": allocation,
                "effective_from": "2026-01-01",
                "tiers-TOTAL_FORMS": "0",
                "tiers-INITIAL_FORMS": "0",
                "tiers-MIN_NUM_FORMS": "0",
                "tiers-MAX_NUM_FORMS": "10",
            },
        )
        assert response.status_code == 302, errors_of(response)
    service_levels = {sl.metric.code: sl for sl in ServiceLevel.objects.filter(contract=sow)}
    assert len(service_levels) == 5
    contract_page = page(manager_client, sow.get_absolute_url())
    assert all(name in contract_page for _c, name, *_ in METRICS)
    return service_levels


def set_escalation_path(manager_client, vendor, manager):
    pat, sam = (VendorContact.objects.get(vendor=vendor, name=name) for name in ("Pat Primary", "Sam Second"))
    levels = [
        ("1", "Service delivery", str(manager.pk), "", str(sam.pk), "", "24"),
        ("2", "Account", "", "Head of IT operations", str(pat.pk), "", "72"),
    ]
    data = {
        "name": "Initech escalation",
        "vendor": vendor.pk,
        "contract": "",
        "tier": "",
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "10",
    }
    for i, row in enumerate(levels):
        keys = ("level", "name", "internal_person", "internal_role", "vendor_contact", "vendor_role")
        for key, value in zip((*keys, "time_limit_hours"), row, strict=True):
            data[f"levels-{i}-{key}"] = value
    response = manager_client.post(reverse("escalation_paths:new"), data)
    assert response.status_code == 302, errors_of(response)
    path = EscalationPath.objects.get(vendor=vendor)
    detail = page(manager_client, reverse("escalation_paths:detail", args=[path.pk]))
    assert "Sam Second" in detail and "Head of IT operations" in detail


def move(manager_client, vendor, to_status, reason):
    return manager_client.post(
        reverse("vendors:lifecycle_move", args=[vendor.pk]),
        {
            "to_status": to_status,
            "effective_on": date.today().isoformat(),
            "reason": reason,
            "steps-TOTAL_FORMS": "0",
            "steps-INITIAL_FORMS": "0",
        },
    )


def invite_and_accept_the_admin(manager_client, vendor, mailoutbox, capture_on_commit) -> User:
    with capture_on_commit(execute=True):
        response = manager_client.post(
            reverse("vendors:admin_invite", args=[vendor.pk]), {"email": ADMIN_EMAIL}, follow=True
        )
    assert response.status_code == 200
    [message] = [m for m in mailoutbox if m.to == [ADMIN_EMAIL]]
    token = re.search(r"/accounts/invitation/([A-Za-z0-9_-]+)/", message.body).group(1)

    browser = Client()
    accept = reverse("accounts:invitation_accept", kwargs={"token": token})
    assert "Initech" in page(browser, accept)
    response = browser.post(
        accept,
        {"full_name": "Olga Ops", "password": ADMIN_PASSWORD, "password_confirm": ADMIN_PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    admin = User.objects.get(email=ADMIN_EMAIL)
    assert (admin.vendor, admin.role, admin.is_active) == (vendor, Role.VENDOR_ADMIN, True)
    assert response.context["user"] == admin  # signed in by accepting
    return admin


def record_raci(manager_client, vendor, manager):
    pat = VendorContact.objects.get(vendor=vendor, name="Pat Primary")
    url = reverse("raci:add", kwargs={"vendor_pk": vendor.pk})
    for role_title, holder, letter in (
        ("Service owner", f"user:{manager.pk}", "A"),
        ("Vendor service delivery", f"contact:{pat.pk}", "R"),
    ):
        response = manager_client.post(
            url, {"area": "Service delivery", "role_title": role_title, "holder": holder, "raci": letter}
        )
        assert response.status_code == 302, errors_of(response)


def figures_of(code, month):
    return AVAILABILITY[month] if code == "availability" else SERVICE_LEVELS[code][5]


def enter_figures_on_the_form(vendor_client, month, service_levels):
    for code, sl in service_levels.items():
        for day, value in zip((10, 20), figures_of(code, month), strict=True):
            response = vendor_client.post(
                reverse("measurements:new"),
                {
                    "service_level": sl.pk,
                    "measured_on": date(2026, month, day).isoformat(),
                    "value": value,
                    "note": "",
                },
            )
            assert response.status_code == 302, errors_of(response)


def upload_the_filled_template(vendor_client, month, service_levels):
    """Download the CSV template, fill in two rows per service level, upload it and confirm."""
    template = vendor_client.get(reverse("measurements:template", args=["csv"]))
    assert template.status_code == 200
    header, example, *listed = csv.reader(io.StringIO(template.content.decode("utf-8").lstrip("\ufeff")))
    assert example[0].startswith("#")
    by_pk = {sl.pk: code for code, sl in service_levels.items()}
    assert sorted(int(row[0]) for row in listed) == sorted(by_pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in listed:
        for day, value in zip((10, 20), figures_of(by_pk[int(row[0])], month), strict=True):
            filled = dict(zip(header, row, strict=True))
            filled.update(measured_on=date(2026, month, day).isoformat(), value=value)
            writer.writerow([filled[column] for column in header])
    upload = SimpleUploadedFile("figures.csv", out.getvalue().encode(), content_type="text/csv")
    response = vendor_client.post(reverse("measurements:upload"), {"file": upload}, follow=True)
    preview = response.content.decode()
    assert "10 figures checked and ready" in preview, preview[-3000:]
    upload_pk = resolve(response.redirect_chain[-1][0]).kwargs["pk"]
    confirm = reverse("measurements:upload_confirm", args=[upload_pk])
    assert "10 figures saved." in vendor_client.post(confirm, follow=True).content.decode()


def report_month(month, service_levels, manager, *, upload=False):
    """The vendor's administrator reports the month's figures on the 28th (on the form, or in the
    template it fills in and uploads); the manager validates them in the queue the same day."""
    vendor_client = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    if upload:
        upload_the_filled_template(vendor_client, month, service_levels)
    else:
        enter_figures_on_the_form(vendor_client, month, service_levels)

    manager_client = sign_in(manager.email, TEST_PASSWORD)
    queue = page(manager_client, reverse("measurements:validation"))
    ids = re.findall(r'<input type="checkbox" name="ids" value="(\d+)"', queue)
    waiting = Measurement.objects.filter(measured_on__month=month, status=MeasurementStatus.SUBMITTED)
    assert sorted(map(int, ids)) == sorted(waiting.values_list("pk", flat=True))
    assert len(ids) == 10
    response = manager_client.post(
        reverse("measurements:review"), {"ids": ids, "decision": "validate", "reason": ""}, follow=True
    )
    assert "10 figures validated." in response.content.decode()
    assert not Measurement.objects.filter(measured_on__month=month).exclude(
        status=MeasurementStatus.VALIDATED
    )


# ---- The journey -----------------------------------------------------------------------------------------


def test_a_relationship_set_up_from_an_empty_portal_through_its_pages(
    manager, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    assert not Vendor.objects.exists() and not Contract.objects.exists()

    # ---- Monday 5 January 2026: the relationship is set up ----
    time_machine.move_to(at(2026, 1, 5), tick=False)
    client = sign_in(manager.email, TEST_PASSWORD)
    vendor = onboard_vendor(client)
    metrics = fill_the_catalogue(client)
    sow = sign_contracts(client, vendor, manager)
    service_levels = agree_service_levels(client, sow, metrics)
    availability = service_levels["availability"]
    set_escalation_path(client, vendor, manager)

    assert move(client, vendor, "onboarding", "Contract signed; onboarding starts.").status_code == 302
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.ONBOARDING

    # The checklist says what is still missing, and activation is refused while it is.
    to_active = reverse("vendors:lifecycle_move", args=[vendor.pk]) + "?to=active"
    assert checklist(page(client, to_active)) == {
        "Contract signed": "Done",
        "Service levels agreed": "Done",
        "Escalation path set": "Done",
        "RACI complete": "Missing",
        "Vendor administrator invited": "Missing",
    }
    refused = move(client, vendor, "active", "Go-live.")
    assert refused.status_code == 200
    error = " ".join(refused.context["form"].errors["override_reason"])
    assert "RACI complete" in error and "Vendor administrator invited" in error
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.ONBOARDING

    invite_and_accept_the_admin(client, vendor, mailoutbox, django_capture_on_commit_callbacks)
    record_raci(client, vendor, manager)
    assert set(checklist(page(client, to_active)).values()) == {"Done"}
    manager_sees = page(client, sow.get_absolute_url()) + page(
        client, reverse("vendors:detail", args=[vendor.pk])
    )
    assert "40,000" in manager_sees and "Incumbent for the service desk" in manager_sees
    # The new administrator reads its side of the relationship, never the internal notes or charges.
    vendor_client = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    for url in (
        reverse("vendors:detail", args=[vendor.pk]),
        sow.get_absolute_url(),
        reverse("service_levels:detail", args=[availability.pk]),
    ):
        seen = page(vendor_client, url)
        assert "Initech" in seen and "Incumbent for the service desk" not in seen and "40,000" not in seen
    assert vendor_client.get(reverse("vendors:lifecycle", args=[vendor.pk])).status_code == 403
    assert move(client, vendor, "active", "Go-live agreed.").status_code == 302
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.ACTIVE
    lifecycle = page(client, reverse("vendors:lifecycle", args=[vendor.pk]))
    assert "Go-live agreed." in lifecycle and "Checklist overridden" not in lifecycle

    # ---- January to May: the vendor reports, the manager validates, the engine runs ----
    for month in range(1, 6):
        time_machine.move_to(at(2026, month, 28), tick=False)
        report_month(month, service_levels, manager)

    time_machine.move_to(at(2026, 6, 10), tick=False)
    run_evaluation()
    stored = list(ServiceLevelResult.objects.order_by("pk").values_list("pk", "outcome", "target"))
    assert len(stored) == 25  # five service levels, January to May

    # ---- 10 June: the manager previews a lower availability target, then applies it from July ----
    client = sign_in(manager.email, TEST_PASSWORD)
    change_url = reverse("targets:change", args=[availability.pk])
    form = client.get(change_url).context["form"]
    assert form.initial["effective_from"] == "2026-07-01"  # the next period is offered first
    new_target, new_minimum = NEW_LEVELS
    proposal = {
        "target": str(new_target),
        "minimum": str(new_minimum),
        "effective_from": "2026-07-01",
        "reason": "Year-one review: availability levels aligned with the hosting SLA.",
        "months": "12",
    }
    preview = client.post(change_url, {**proposal, "preview": "1"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "What-if: the last 12 months under 99 / 98.5" in html
    rows = table_rows(html, "table--whatif")

    expected_rows, totals = [], {"today": [0, Decimal(0)], "proposal": [0, Decimal(0)]}
    for month in range(1, 6):
        attained = hand_average(month)
        sides = []
        for side, (target, minimum) in (("today", OLD_LEVELS), ("proposal", NEW_LEVELS)):
            outcome = hand_outcome(attained, target, minimum)
            totals[side][0] += outcome == "breached"
            totals[side][1] += hand_credit(outcome)
            levels = f"{target.normalize():f} / {minimum.normalize():f}"
            breach = outcome == "breached"
            sides.append((levels, outcome, breach, hand_credit(outcome), hand_quality_score(outcome)))
        expected_rows.append((date(2026, month, 1).strftime("%b %Y"), attained, *sides))

    shown_rows = [
        (
            cells[0],
            amount(cells[1]),
            *(
                (
                    cells[i],
                    cells[i + 1].split()[0].lower(),
                    cells[i + 1].endswith(" Breach"),
                    amount(cells[i + 2]),
                    Decimal(cells[i + 3]),
                )
                for i in (2, 6)
            ),
        )
        for cells in rows["tbody"]
    ]
    assert shown_rows == expected_rows
    # By hand: 99.7 met → met; 99.3 warning → met; 98.7 breached → warning; 98.95 breached → warning;
    # 99.5 (on the old target) met → met. Two breaches of 40,000 × 12 % × 60 % = 2,880.00 each today,
    # none under the proposal; the quality score of a breached month rises from 33.33 to 66.67.
    assert [(row[2][1], row[3][1]) for row in shown_rows] == [
        ("met", "met"),
        ("warning", "met"),
        ("breached", "warning"),
        ("breached", "warning"),
        ("met", "met"),
    ]
    assert totals == {"today": [2, Decimal("5760")], "proposal": [0, Decimal("0")]}
    [footer] = rows["tfoot"]
    assert footer[1].startswith("2 breaches") and amount(footer[1].split("·")[1]) == Decimal("5760")
    assert footer[2].startswith("0 breaches") and amount(footer[2].split("·")[1]) == Decimal("0")
    # The preview wrote nothing.
    assert not ServiceLevelTarget.objects.filter(
        service_level=availability, effective_from__gt=date(2026, 1, 1)
    )
    assert list(ServiceLevelResult.objects.order_by("pk").values_list("pk", "outcome", "target")) == stored

    applied = client.post(change_url, {**proposal, "apply": "1"}, follow=True)
    assert applied.redirect_chain == [(reverse("service_levels:detail", args=[availability.pk]), 302)]
    detail = applied.content.decode()
    assert "Year-one review" in detail and "Scheduled" in detail
    assert list(
        ServiceLevelTarget.objects.filter(service_level=availability).values_list(
            "effective_from", "target", "minimum"
        )
    ) == [(date(2026, 1, 1), *OLD_LEVELS), (date(2026, 7, 1), *NEW_LEVELS)]

    # ---- June to August: reporting goes on, now by file; on 10 September the engine has judged them all ----
    for month in range(6, 9):
        time_machine.move_to(at(2026, month, 28), tick=False)
        report_month(month, service_levels, manager, upload=True)
    time_machine.move_to(at(2026, 9, 10), tick=False)
    run_evaluation()

    judged = {
        r.period_start.month: (r.target, r.minimum, r.attained, r.outcome, r.credit_amount)
        for r in ServiceLevelResult.objects.filter(service_level=availability)
    }
    expected = {}
    for month in range(1, 9):
        levels = OLD_LEVELS if month < 7 else NEW_LEVELS
        outcome = hand_outcome(hand_average(month), *levels)
        expected[month] = (*levels, hand_average(month), outcome, hand_credit(outcome))
    assert judged == expected
    # June still had the old levels (99.2 is a warning); July and August the new ones (99.1 met,
    # 98.6 a warning where the old minimum would have been breached).
    assert [judged[m][3] for m in (6, 7, 8)] == ["warning", "met", "warning"]
    others = ServiceLevelResult.objects.filter(service_level__contract=sow).exclude(
        service_level=availability
    )
    assert set(others.values_list("outcome", flat=True)) == {"met"} and others.count() == 32

    # The vendor reads its service level with both levels in its history but without the internal fields.
    vendor_client = sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    seen = page(vendor_client, reverse("service_levels:detail", args=[availability.pk]))
    assert "Year-one review" in seen and "Pool allocation" not in seen and "2,880" not in seen
    # Its monthly scores, by hand: the other categories are always met (100), so the score is
    # 30 % × quality + 70 % × 100 under the default scheme (30/30/25/15).
    scorecards = table_rows(page(vendor_client, reverse("scorecards:list")), "table")["tbody"]
    expected_scores = []
    for month in range(8, 0, -1):
        levels = OLD_LEVELS if month < 7 else NEW_LEVELS
        points = {"met": 100, "warning": 50, "breached": 0}[hand_outcome(hand_average(month), *levels)]
        quality = Decimal(40 * points + 20 * 100) / 60
        score = (Decimal("0.30") * quality + 70).quantize(Decimal("0.01"))
        expected_scores.append((date(2026, month, 1).strftime("%B %Y"), score))
    assert [(row[0], Decimal(row[2])) for row in scorecards] == expected_scores
    # The contract-wide replay in September shows the SOW's capped credit ledger, by hand: March and April
    # breached under the levels they had (2,880.00 each, under the 4,800.00 cap), every other month nothing.
    client = sign_in(manager.email, TEST_PASSWORD)
    contract_whatif = client.get(
        reverse("whatif:contract", args=[sow.pk]), {"replay": "1", f"sl{availability.pk}-target": "99"}
    )
    assert contract_whatif.status_code == 200
    ledger = contract_whatif.context["replay"].ledger
    assert {row.period_start.month: row.today for row in ledger if row.today} == {
        3: Decimal("2880"),
        4: Decimal("2880"),
    }
    # The breaches the engine opened are exactly the two months the levels of their day failed.
    breaches = client.get(reverse("breaches:list"), {"status": ""}).context["page_obj"]
    assert sorted((b.service_level_id, b.period_start) for b in breaches) == [
        (availability.pk, date(2026, 3, 1)),
        (availability.pk, date(2026, 4, 1)),
    ]
    for url in ("/", reverse("vendors:detail", args=[vendor.pk]), sow.get_absolute_url()):
        assert client.get(url).status_code == 200, url
