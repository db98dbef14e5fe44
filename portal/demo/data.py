"""The demo portfolio as data: people, vendors, contracts, the metric catalogue, service levels, the story.

Dates are relative to the day of seeding (months ago, days from today) so the portfolio always looks
current; ``seed`` and ``figures`` turn these declarations into rows.
"""

from typing import NamedTuple

from accounts.models import Role
from contracts.models import ContractStatus, ContractType, DeliverableKind, DeliverableStatus, RenewalType
from kpis.models import Aggregation, Direction, MeasurementPeriod, MetricCategory
from vendors.models import VendorStatus, VendorTier

ADMIN = "admin@example.com"
MARIA = "manager@example.com"
MARCUS = "manager2@example.com"
VICTOR = "viewer@example.com"
AUDREY = "auditor@example.com"

ACME = "Acme Managed Services"
GLOBEX = "Globex Cloud"
INITECH = "Initech Service Desk"
UMBRELLA = "Umbrella Security Operations"
STARK = "Stark Application Support"
HOOLI = "Hooli Development Studio"
WAYNE = "Wayne Data Centres"
CYBERDYNE = "Cyberdyne Network Services"
VANDELAY = "Vandelay Analytics"
OCEANIC = "Oceanic Telecom"

# (e-mail, full name, role, vendor, job title)
USERS = [
    (ADMIN, "Ada Admin", Role.ADMIN, None, "IT security & platform administrator"),
    (MARIA, "Maria Manager", Role.MANAGER, None, "Vendor relationship manager"),
    (MARCUS, "Marcus Meyer", Role.MANAGER, None, "Head of vendor management"),
    (VICTOR, "Victor Viewer", Role.VIEWER, None, "Chief information officer"),
    (AUDREY, "Audrey Auditor", Role.AUDITOR, None, "IT risk & compliance auditor"),
    ("ops@acme.example.com", "Olivia Okafor", Role.VENDOR_ADMIN, ACME, "Service delivery manager"),
    ("reporting@acme.example.com", "Raj Patel", Role.VENDOR_USER, ACME, "Service reporting analyst"),
    ("ops@globex.example.com", "Gina Novak", Role.VENDOR_ADMIN, GLOBEX, "Customer success manager"),
    ("reporting@globex.example.com", "Tom Berger", Role.VENDOR_USER, GLOBEX, "Cloud operations analyst"),
    ("reporting@initech.example.com", "Peter Gibbons", Role.VENDOR_USER, INITECH, "Service desk team lead"),
    ("reporting@umbrella.example.com", "Jill Valentine", Role.VENDOR_USER, UMBRELLA, "SOC reporting lead"),
    ("reporting@stark.example.com", "Pepper Potts", Role.VENDOR_USER, STARK, "Service manager"),
    ("reporting@hooli.example.com", "Dinesh Chugtai", Role.VENDOR_USER, HOOLI, "Delivery manager"),
    ("reporting@wayne.example.com", "Lucius Fox", Role.VENDOR_USER, WAYNE, "Facilities operations manager"),
]


def _contact(name, title, email, phone, *, primary=False, escalation=False, notes=""):
    return {
        "name": name,
        "job_title": title,
        "email": email,
        "phone": phone,
        "is_primary": primary,
        "is_escalation_contact": escalation,
        "notes": notes,
    }


# Contacts are listed account lead first (the primary), then the service delivery lead, then any third.
VENDORS = [
    {
        "name": ACME,
        "legal_name": "Acme Managed Services Ltd",
        "registration_number": "09876543",
        "vat_number": "GB 298 4471 63",
        "website": "https://acme.example.com",
        "status": VendorStatus.ACTIVE,
        "tier": VendorTier.CRITICAL,
        "categories": ["Infrastructure management", "Service desk", "End-user computing"],
        "owner": MARIA,
        "description": "Runs the hybrid infrastructure estate, the 24×7 service desk and workplace services "
        "for 4,500 staff in six countries.",
        "internal_notes": "Strategic partner. Benchmark the infrastructure pricing before the SOW-01 notice "
        "date; the account director has hinted at a 4% uplift.",
        "contacts": [
            _contact(
                "Daniel Hart",
                "Account director",
                "daniel.hart@acme.example.com",
                "+44 20 7946 0101",
                primary=True,
                escalation=True,
                notes="Responsive; prefers a call before anything formal.",
            ),
            _contact(
                "Olivia Okafor",
                "Service delivery manager",
                "ops@acme.example.com",
                "+44 20 7946 0102",
                escalation=True,
            ),
            _contact(
                "Sarah Chen",
                "Managing director, UK",
                "sarah.chen@acme.example.com",
                "+44 20 7946 0100",
                escalation=True,
            ),
        ],
    },
    {
        "name": GLOBEX,
        "legal_name": "Globex Cloud Services B.V.",
        "registration_number": "KvK 71234567",
        "vat_number": "NL859123456B01",
        "website": "https://globex.example.com",
        "status": VendorStatus.ACTIVE,
        "tier": VendorTier.HIGH,
        "categories": ["Cloud hosting", "Infrastructure management"],
        "owner": MARIA,
        "description": "Hosts the customer-facing platforms and the managed databases in its two EU regions.",
        "internal_notes": "Availability has slipped since the storage platform migration; a service "
        "improvement plan is due. Exit-cost estimate (EUR 1.1m) not to be shared with the vendor.",
        "contacts": [
            _contact(
                "Helena Vos",
                "Account executive",
                "helena.vos@globex.example.com",
                "+31 20 794 6001",
                primary=True,
                escalation=True,
            ),
            _contact(
                "Gina Novak",
                "Customer success manager",
                "ops@globex.example.com",
                "+31 20 794 6002",
                escalation=True,
            ),
            _contact(
                "Pieter de Jong",
                "VP cloud operations",
                "pieter.dejong@globex.example.com",
                "+31 20 794 6000",
                escalation=True,
                notes="Only involve at executive escalation.",
            ),
        ],
    },
    {
        "name": INITECH,
        "legal_name": "Initech Support Services Ltd",
        "registration_number": "11223344",
        "vat_number": "GB 734 1190 22",
        "website": "https://initech.example.com",
        "status": VendorStatus.ACTIVE,
        "tier": VendorTier.MEDIUM,
        "categories": ["Service desk"],
        "owner": MARCUS,
        "description": "Multilingual first- and second-line service desk for the retail business.",
        "internal_notes": "Call volumes spike in January sales; staffing plan agreed but not yet proven.",
        "contacts": [
            _contact(
                "Bill Lumbergh",
                "Account manager",
                "bill.lumbergh@initech.example.com",
                "+44 161 496 0201",
                primary=True,
                escalation=True,
            ),
            _contact(
                "Peter Gibbons", "Service desk team lead", "reporting@initech.example.com", "+44 161 496 0202"
            ),
        ],
    },
    {
        "name": UMBRELLA,
        "legal_name": "Umbrella Cyber Defence GmbH",
        "registration_number": "HRB 184467",
        "vat_number": "DE298765432",
        "website": "https://umbrella.example.com",
        "status": VendorStatus.ACTIVE,
        "tier": VendorTier.HIGH,
        "categories": ["Security operations"],
        "owner": MARCUS,
        "description": "24×7 security operations centre (monitoring, triage, incident response) and the "
        "vulnerability management service.",
        "internal_notes": "Strong technically; reporting is thin. SOC renewal negotiation under way.",
        "contacts": [
            _contact(
                "Albert Wesker",
                "Client partner",
                "albert.wesker@umbrella.example.com",
                "+49 30 901820 10",
                primary=True,
                escalation=True,
            ),
            _contact(
                "Jill Valentine",
                "SOC manager",
                "reporting@umbrella.example.com",
                "+49 30 901820 11",
                escalation=True,
            ),
            _contact(
                "Chris Redfield",
                "Incident response lead",
                "chris.redfield@umbrella.example.com",
                "+49 30 901820 12",
            ),
        ],
    },
    {
        "name": STARK,
        "legal_name": "Stark Application Services plc",
        "registration_number": "04455667",
        "vat_number": "GB 411 2290 87",
        "website": "https://stark.example.com",
        "status": VendorStatus.ACTIVE,
        "tier": VendorTier.MEDIUM,
        "categories": ["Application support"],
        "owner": MARIA,
        "description": "Second- and third-line support and minor enhancements for the ERP platform.",
        "internal_notes": "Contract ends soon with no renewal right. Reporting is unreliable and P1 "
        "resolution has failed three times this year — candidate for re-tender.",
        "contacts": [
            _contact(
                "Happy Hogan",
                "Account manager",
                "happy.hogan@stark.example.com",
                "+44 121 496 0301",
                primary=True,
                escalation=True,
            ),
            _contact("Pepper Potts", "Service manager", "reporting@stark.example.com", "+44 121 496 0302"),
        ],
    },
    {
        "name": HOOLI,
        "legal_name": "Hooli Digital Studio Inc.",
        "registration_number": "C4410923",
        "vat_number": "",
        "website": "https://hooli.example.com",
        "status": VendorStatus.ACTIVE,
        "tier": VendorTier.MEDIUM,
        "categories": ["Software development"],
        "owner": MARCUS,
        "description": "Agile delivery teams rebuilding the customer portal and the mobile app.",
        "internal_notes": "Velocity fine, quality uneven; two senior engineers left in the spring.",
        "contacts": [
            _contact(
                "Gavin Belson",
                "Engagement director",
                "gavin.belson@hooli.example.com",
                "+1 415 555 0140",
                primary=True,
                escalation=True,
            ),
            _contact("Dinesh Chugtai", "Delivery manager", "reporting@hooli.example.com", "+1 415 555 0141"),
            _contact(
                "Gilfoyle Bertram", "Lead architect", "bertram.gilfoyle@hooli.example.com", "+1 415 555 0142"
            ),
        ],
    },
    {
        "name": WAYNE,
        "legal_name": "Wayne Data Centres Ltd",
        "registration_number": "07788990",
        "vat_number": "GB 155 6621 40",
        "website": "https://wayne.example.com",
        "status": VendorStatus.EXITING,
        "tier": VendorTier.LOW,
        "categories": ["Data centre"],
        "owner": MARIA,
        "description": "Colocation of the legacy racks in the Slough data hall while they move to the cloud.",
        "internal_notes": "Exit plan agreed: racks decommissioned by the end of the term, no renewal.",
        "contacts": [
            _contact(
                "Alfred Pennyworth",
                "Client services manager",
                "alfred.pennyworth@wayne.example.com",
                "+44 1753 496 0401",
                primary=True,
                escalation=True,
            ),
            _contact(
                "Lucius Fox",
                "Facilities operations manager",
                "reporting@wayne.example.com",
                "+44 1753 496 0402",
            ),
        ],
    },
    {
        "name": CYBERDYNE,
        "legal_name": "Cyberdyne Networks S.A.",
        "registration_number": "B 512 884 203",
        "vat_number": "FR40512884203",
        "website": "https://cyberdyne.example.com",
        "status": VendorStatus.ONBOARDING,
        "tier": VendorTier.HIGH,
        "categories": ["Network services"],
        "owner": MARCUS,
        "description": "Managed SD-WAN for 140 branch offices, replacing the carrier-managed MPLS network.",
        "internal_notes": "Won the network tender; transition starts next quarter. Watch key-person "
        "commitments in the transition plan.",
        "contacts": [
            _contact(
                "Miles Dyson",
                "Programme director",
                "miles.dyson@cyberdyne.example.com",
                "+33 1 70 36 01 01",
                primary=True,
                escalation=True,
            ),
            _contact(
                "Sarah Connor",
                "Transition manager",
                "sarah.connor@cyberdyne.example.com",
                "+33 1 70 36 01 02",
            ),
        ],
    },
    {
        "name": VANDELAY,
        "legal_name": "Vandelay Industries Analytics LLC",
        "registration_number": "",
        "vat_number": "",
        "website": "https://vandelay.example.com",
        "status": VendorStatus.PROSPECT,
        "tier": VendorTier.LOW,
        "categories": ["Data & analytics"],
        "owner": MARCUS,
        "description": "Data platform and reporting services; shortlisted for the analytics tender.",
        "internal_notes": "References not yet checked. Pricing looks aggressive.",
        "contacts": [
            _contact(
                "Art Vandelay",
                "Sales director",
                "art.vandelay@vandelay.example.com",
                "+1 212 555 0190",
                primary=True,
            ),
            _contact(
                "Kel Varnsen", "Solutions architect", "kel.varnsen@vandelay.example.com", "+1 212 555 0191"
            ),
        ],
    },
    {
        "name": OCEANIC,
        "legal_name": "Oceanic Telecom Ltd",
        "registration_number": "06611223",
        "vat_number": "GB 622 1180 31",
        "website": "https://oceanic.example.com",
        "status": VendorStatus.EXITED,
        "tier": VendorTier.LOW,
        "categories": ["Telecommunications"],
        "owner": MARIA,
        "description": "Former provider of fixed and mobile telephony, replaced by Teams calling.",
        "internal_notes": "Exit completed; final invoice reconciled. Keep records for seven years.",
        "contacts": [
            _contact(
                "Jack Shephard",
                "Account manager",
                "jack.shephard@oceanic.example.com",
                "+44 20 7946 0815",
                primary=True,
                escalation=True,
            ),
            _contact("Kate Austen", "Service manager", "kate.austen@oceanic.example.com", "+44 20 7946 0816"),
        ],
    },
]


def _contract(
    reference,
    vendor,
    title,
    contract_type,
    *,
    term,
    starts=None,
    ends_in_days=None,
    parent=None,
    status=ContractStatus.ACTIVE,
    owner=None,
    value=0,
    monthly=0,
    at_risk=0,
    renewal=RenewalType.NONE,
    renewal_term=12,
    notice=90,
    scope="",
    notes="",
):
    """One contract: ``starts`` months ago (on the 1st), or ending ``ends_in_days`` from today."""
    return {
        "reference": reference,
        "vendor": vendor,
        "title": title,
        "contract_type": contract_type,
        "parent": parent,
        "status": status,
        "owner": owner,
        "total_value": value or monthly * term,
        "monthly_charge": monthly,
        "at_risk_percent": at_risk,
        "starts_months_ago": starts,
        "ends_in_days": ends_in_days,
        "term_months": term,
        "renewal_type": renewal,
        "renewal_term_months": renewal_term,
        "notice_period_days": notice,
        "scope_of_work": scope,
        "internal_notes": notes,
    }


MSA, SOW, ORDER = ContractType.MSA, ContractType.SOW, ContractType.ORDER

# Parents come before their children.
CONTRACTS = [
    _contract(
        "ACME-MSA-2023",
        ACME,
        "Master services agreement — managed IT services",
        MSA,
        starts=40,
        term=60,
        owner=MARCUS,
        value=24_000_000,
        at_risk=12,
        renewal=RenewalType.TACIT,
        renewal_term=24,
        notice=180,
        scope="Framework terms for infrastructure, service desk and workplace services, including the "
        "service-credit regime (schedule 4) and governance (schedule 7).",
    ),
    _contract(
        "ACME-SOW-01",
        ACME,
        "Hybrid infrastructure managed service",
        SOW,
        parent="ACME-MSA-2023",
        starts=40,
        term=48,
        owner=MARIA,
        monthly=180_000,
        at_risk=12,
        renewal=RenewalType.TACIT,
        notice=180,
        scope="Operation of 1,900 servers across two data centres and Azure: monitoring, incident and "
        "problem management, patching, backup and restore, capacity management, change implementation.",
        notes="Notice date is close — decide on renewal vs. re-tender at the next steering committee.",
    ),
    _contract(
        "ACME-SOW-02",
        ACME,
        "24×7 service desk",
        SOW,
        parent="ACME-MSA-2023",
        starts=28,
        term=36,
        owner=MARIA,
        monthly=65_000,
        at_risk=10,
        renewal=RenewalType.EXPRESS,
        scope="Single point of contact by phone, chat and portal in English, German and French; "
        "first-line resolution, ticket routing, major-incident communication.",
    ),
    _contract(
        "ACME-SOW-03",
        ACME,
        "Workplace services",
        SOW,
        parent="ACME-MSA-2023",
        starts=16,
        term=36,
        owner=MARIA,
        monthly=48_000,
        at_risk=10,
        renewal=RenewalType.EXPRESS,
        scope="Laptop lifecycle, deskside support in the six largest offices, endpoint patching and "
        "mobile device management.",
    ),
    _contract(
        "ACME-ORD-0107",
        ACME,
        "Storage expansion — 400 TB",
        ORDER,
        parent="ACME-SOW-01",
        starts=5,
        term=12,
        owner=MARIA,
        value=310_000,
        scope="Supply, installation and migration of 400 TB of all-flash storage in data centre 2.",
    ),
    _contract(
        "GLOBEX-MSA-2022",
        GLOBEX,
        "Cloud services framework agreement",
        MSA,
        starts=50,
        term=60,
        owner=MARCUS,
        value=9_500_000,
        at_risk=15,
        renewal=RenewalType.TACIT,
        notice=120,
        scope="Framework terms for hosting and managed platform services in the vendor's EU regions.",
    ),
    _contract(
        "GLOBEX-SOW-01",
        GLOBEX,
        "Customer platform hosting",
        SOW,
        parent="GLOBEX-MSA-2022",
        starts=30,
        term=36,
        owner=MARIA,
        monthly=120_000,
        at_risk=15,
        renewal=RenewalType.TACIT,
        notice=90,
        scope="Hosting of the web shop and customer portal: compute, storage, network, 24×7 operations, "
        "backups and disaster recovery between the Amsterdam and Frankfurt regions.",
        notes="Availability credits have hit the cap for three months running.",
    ),
    _contract(
        "GLOBEX-SOW-02",
        GLOBEX,
        "Managed databases",
        SOW,
        parent="GLOBEX-MSA-2022",
        starts=20,
        term=24,
        owner=MARIA,
        monthly=40_000,
        at_risk=12,
        renewal=RenewalType.TACIT,
        notice=90,
        scope="Operation of 60 PostgreSQL and SQL Server instances: patching, backups, tuning, "
        "failover tests.",
    ),
    _contract(
        "INITECH-MSA-2025",
        INITECH,
        "Master services agreement — support services",
        MSA,
        starts=22,
        term=36,
        owner=MARCUS,
        value=2_500_000,
        at_risk=10,
        renewal=RenewalType.EXPRESS,
        scope="Framework terms for support services.",
    ),
    _contract(
        "INITECH-SOW-01",
        INITECH,
        "Retail service desk",
        SOW,
        parent="INITECH-MSA-2025",
        starts=22,
        term=36,
        owner=MARCUS,
        monthly=55_000,
        at_risk=10,
        renewal=RenewalType.EXPRESS,
        scope="First- and second-line service desk for 320 stores, 07:00–22:00 seven days a week.",
    ),
    _contract(
        "UMBRELLA-MSA-2024",
        UMBRELLA,
        "Security services framework agreement",
        MSA,
        starts=34,
        term=48,
        owner=MARCUS,
        value=5_000_000,
        at_risk=12,
        renewal=RenewalType.EXPRESS,
        scope="Framework terms for managed security services, including data-protection schedule.",
    ),
    _contract(
        "UMBRELLA-SOW-01",
        UMBRELLA,
        "Security operations centre",
        SOW,
        parent="UMBRELLA-MSA-2024",
        ends_in_days=60,
        term=36,
        owner=MARCUS,
        monthly=85_000,
        at_risk=12,
        renewal=RenewalType.EXPRESS,
        scope="24×7 monitoring of SIEM and EDR alerts, triage, incident response and threat hunting.",
        notes="Renewal terms under negotiation; target a 6% reduction for a 3-year extension.",
    ),
    _contract(
        "UMBRELLA-SOW-02",
        UMBRELLA,
        "Vulnerability management",
        SOW,
        parent="UMBRELLA-MSA-2024",
        starts=14,
        term=24,
        owner=MARCUS,
        monthly=30_000,
        at_risk=10,
        renewal=RenewalType.EXPRESS,
        scope="Weekly authenticated scanning, risk-ranked remediation tickets, patch compliance reporting.",
    ),
    _contract(
        "STARK-MSA-2022",
        STARK,
        "Master services agreement — application services",
        MSA,
        ends_in_days=45,
        term=60,
        owner=MARIA,
        value=6_000_000,
        at_risk=12,
        renewal=RenewalType.NONE,
        scope="Framework terms for application support and development services.",
    ),
    _contract(
        "STARK-SOW-01",
        STARK,
        "ERP application support",
        SOW,
        parent="STARK-MSA-2022",
        ends_in_days=45,
        term=36,
        owner=MARIA,
        monthly=70_000,
        at_risk=12,
        renewal=RenewalType.NONE,
        scope="Second- and third-line support of the ERP platform, monthly release of minor "
        "enhancements, up to 120 enhancement days a quarter.",
        notes="No renewal right. Re-tender decision overdue; interim extension may be needed.",
    ),
    _contract(
        "HOOLI-MSA-2025",
        HOOLI,
        "Master services agreement — digital delivery",
        MSA,
        starts=15,
        term=36,
        owner=MARCUS,
        value=4_000_000,
        at_risk=10,
        renewal=RenewalType.EXPRESS,
        scope="Framework terms for agile development teams on a capacity basis.",
    ),
    _contract(
        "HOOLI-SOW-01",
        HOOLI,
        "Customer portal rebuild",
        SOW,
        parent="HOOLI-MSA-2025",
        starts=13,
        term=18,
        owner=MARCUS,
        monthly=95_000,
        at_risk=10,
        scope="Two delivery teams rebuilding the customer portal on the new design system, with "
        "monthly releases and a hypercare period.",
    ),
    _contract(
        "HOOLI-SOW-02",
        HOOLI,
        "Mobile app — phase 2",
        SOW,
        parent="HOOLI-MSA-2025",
        starts=3,
        term=12,
        owner=MARCUS,
        monthly=60_000,
        at_risk=10,
        scope="Loyalty and payments features for the iOS and Android apps.",
    ),
    _contract(
        "WAYNE-MSA-2020",
        WAYNE,
        "Colocation framework agreement",
        MSA,
        ends_in_days=75,
        term=84,
        owner=MARIA,
        value=4_200_000,
        at_risk=10,
        scope="Framework terms for data-centre space, power and remote hands.",
    ),
    _contract(
        "WAYNE-SOW-01",
        WAYNE,
        "Colocation — Slough data hall",
        SOW,
        parent="WAYNE-MSA-2020",
        ends_in_days=75,
        term=84,
        owner=MARIA,
        monthly=45_000,
        at_risk=10,
        scope="22 racks with dual 16 A feeds, cross-connects and remote hands (40 hours a month).",
        notes="Exit: last racks decommissioned four weeks before the end of the term.",
    ),
    _contract(
        "CYBERDYNE-MSA-2026",
        CYBERDYNE,
        "Network services agreement",
        MSA,
        starts=1,
        term=60,
        owner=MARCUS,
        value=7_800_000,
        at_risk=12,
        renewal=RenewalType.TACIT,
        notice=180,
        scope="Framework terms for managed network services.",
    ),
    _contract(
        "CYBERDYNE-SOW-01",
        CYBERDYNE,
        "Managed SD-WAN",
        SOW,
        parent="CYBERDYNE-MSA-2026",
        starts=-2,
        term=48,
        status=ContractStatus.DRAFT,
        owner=MARCUS,
        monthly=125_000,
        at_risk=12,
        renewal=RenewalType.TACIT,
        notice=180,
        scope="Design, transition and operation of SD-WAN for 140 branches with dual-carrier access.",
    ),
    _contract(
        "OCEANIC-MSA-2021",
        OCEANIC,
        "Telecommunications services agreement",
        MSA,
        starts=62,
        term=56,
        status=ContractStatus.EXPIRED,
        owner=MARIA,
        value=3_100_000,
        at_risk=10,
        scope="Fixed and mobile telephony for all sites.",
    ),
    _contract(
        "OCEANIC-SOW-01",
        OCEANIC,
        "Fixed and mobile telephony",
        SOW,
        parent="OCEANIC-MSA-2021",
        starts=62,
        term=56,
        status=ContractStatus.EXPIRED,
        owner=MARIA,
        monthly=52_000,
        at_risk=10,
        scope="Fixed lines, SIP trunks and 3,800 mobile subscriptions with a UK service desk.",
    ),
]

PLANNED, DELIVERED, ACCEPTED, REJECTED = (
    DeliverableStatus.PLANNED,
    DeliverableStatus.DELIVERED,
    DeliverableStatus.ACCEPTED,
    DeliverableStatus.REJECTED,
)
MILESTONE, DELIVERABLE = DeliverableKind.MILESTONE, DeliverableKind.DELIVERABLE

# contract reference: [(title, kind, due in days from today, status, description)]
DELIVERABLES = {
    "ACME-SOW-01": [
        (
            "Annual disaster recovery test report",
            DELIVERABLE,
            -70,
            ACCEPTED,
            "Fail-over of the tier-1 services to data centre 2, with recovery times achieved.",
        ),
        (
            "Capacity plan for next financial year",
            DELIVERABLE,
            -12,
            PLANNED,
            "Compute and storage forecast with cost options.",
        ),
        ("Windows Server 2016 retirement complete", MILESTONE, 95, PLANNED, ""),
    ],
    "ACME-SOW-02": [
        ("Knowledge base review", DELIVERABLE, -40, ACCEPTED, "Top-200 articles reviewed and re-published."),
        ("Chatbot go-live", MILESTONE, -5, DELIVERED, "Virtual agent live for password resets."),
    ],
    "ACME-SOW-03": [
        ("Laptop refresh wave 2", MILESTONE, -20, ACCEPTED, "1,200 devices replaced in the German offices."),
        ("Laptop refresh wave 3", MILESTONE, 60, PLANNED, "1,100 devices in France and Benelux."),
    ],
    "ACME-ORD-0107": [
        ("Storage arrays installed", MILESTONE, -90, ACCEPTED, ""),
        ("Data migration complete", MILESTONE, -15, PLANNED, "Move of the file and backup tiers."),
    ],
    "GLOBEX-SOW-01": [
        (
            "Service improvement plan — availability",
            DELIVERABLE,
            -8,
            PLANNED,
            "Root causes of the storage-related outages and the remediation plan with dates.",
        ),
        ("Disaster recovery rehearsal report", DELIVERABLE, -120, ACCEPTED, ""),
        ("Frankfurt region fail-over automation", MILESTONE, 45, PLANNED, ""),
    ],
    "GLOBEX-SOW-02": [
        ("PostgreSQL 16 upgrade", MILESTONE, -30, REJECTED, "Upgrade of the 40 PostgreSQL instances."),
        ("Backup restore test evidence", DELIVERABLE, 25, PLANNED, ""),
    ],
    "INITECH-SOW-01": [
        ("Peak-season staffing plan", DELIVERABLE, -50, ACCEPTED, ""),
        ("Store staff satisfaction survey results", DELIVERABLE, 30, PLANNED, ""),
    ],
    "UMBRELLA-SOW-01": [
        ("Threat-hunting report Q3", DELIVERABLE, -35, ACCEPTED, ""),
        ("Incident response playbooks refresh", DELIVERABLE, -3, DELIVERED, "Ransomware and BEC playbooks."),
        ("Purple-team exercise", MILESTONE, 40, PLANNED, ""),
    ],
    "UMBRELLA-SOW-02": [
        ("External attack-surface baseline", DELIVERABLE, -150, ACCEPTED, ""),
        ("Scanner coverage for cloud workloads", MILESTONE, -25, PLANNED, ""),
    ],
    "STARK-SOW-01": [
        ("ERP release 24.3 deployed", MILESTONE, -60, ACCEPTED, ""),
        (
            "Exit and knowledge-transfer plan",
            DELIVERABLE,
            -20,
            PLANNED,
            "Required by the exit schedule 90 days before the end of the term.",
        ),
        ("ERP release 24.4 deployed", MILESTONE, -10, DELIVERED, ""),
    ],
    "HOOLI-SOW-01": [
        ("Design system and component library", MILESTONE, -200, ACCEPTED, ""),
        ("Customer portal beta", MILESTONE, -45, ACCEPTED, ""),
        ("Customer portal go-live", MILESTONE, -6, PLANNED, "Slipped: performance tests not yet passed."),
        ("Hypercare exit report", DELIVERABLE, 80, PLANNED, ""),
    ],
    "HOOLI-SOW-02": [
        ("Loyalty feature release", MILESTONE, 20, PLANNED, ""),
    ],
    "WAYNE-SOW-01": [
        ("Rack decommissioning plan", DELIVERABLE, -40, ACCEPTED, ""),
        ("Final rack removal certificate", DELIVERABLE, 50, PLANNED, ""),
    ],
    "CYBERDYNE-SOW-01": [
        ("Transition plan", DELIVERABLE, 30, PLANNED, "Site waves, cut-over windows, key personnel."),
        ("Pilot sites live", MILESTONE, 100, PLANNED, "Ten branches on SD-WAN."),
    ],
}

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER
# How vendors report each metric: one figure a day, a week (dated Sunday), at the end of each period, or
# one figure per event (an incident, a release) on the day it happened.
DAILY, WEEKLY, PERIOD_END, EVENT = "daily", "weekly", "period_end", "event"


class MetricSpec(NamedTuple):
    """A catalogue entry, its usual expected / minimum levels, and how vendors report it."""

    name: str
    unit: str
    direction: str
    aggregation: str
    category: str
    low: int
    high: int
    expected: str
    minimum: str
    cadence: str  # DAILY, WEEKLY, PERIOD_END or EVENT
    base: int | None  # typical denominator of one ratio figure, or typical number of events a month
    description: str


METRICS = {
    "availability": MetricSpec(
        name="Service availability (business hours)",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.AVG,
        category=MetricCategory.QUALITY,
        low=0,
        high=100,
        expected="99.9",
        minimum="99.5",
        cadence=DAILY,
        base=None,
        description=(
            "Share of business hours (08:00–18:00 local, Monday–Friday) the service was usable, from "
            "the monitoring platform; agreed maintenance windows excluded."
        ),
    ),
    "p1-response-time": MetricSpec(
        name="P1 incident response time",
        unit="minutes",
        direction=LOWER,
        aggregation=Aggregation.P95,
        category=MetricCategory.RESPONSIVENESS,
        low=0,
        high=1440,
        expected="15",
        minimum="30",
        cadence=EVENT,
        base=3,
        description=(
            "Minutes from the P1 ticket being logged to a qualified engineer working on it; one figure "
            "per P1."
        ),
    ),
    "p1-resolution-time": MetricSpec(
        name="P1 incident resolution time",
        unit="hours",
        direction=LOWER,
        aggregation=Aggregation.P95,
        category=MetricCategory.RESPONSIVENESS,
        low=0,
        high=720,
        expected="4",
        minimum="8",
        cadence=EVENT,
        base=3,
        description="Hours from the P1 ticket being logged to service restoration; one figure per P1.",
    ),
    "incidents-resolved-in-target": MetricSpec(
        name="Incidents resolved within target",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.RESPONSIVENESS,
        low=0,
        high=100,
        expected="95",
        minimum="90",
        cadence=WEEKLY,
        base=140,
        description="Incidents resolved within their priority's resolution target ÷ incidents resolved.",
    ),
    "first-contact-resolution": MetricSpec(
        name="Service desk first-contact resolution",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.QUALITY,
        low=0,
        high=100,
        expected="75",
        minimum="65",
        cadence=WEEKLY,
        base=260,
        description=(
            "Contacts resolved without hand-off or call-back ÷ contacts that could be resolved at first line."
        ),
    ),
    "speed-to-answer": MetricSpec(
        name="Service desk average speed to answer",
        unit="seconds",
        direction=LOWER,
        aggregation=Aggregation.AVG,
        category=MetricCategory.RESPONSIVENESS,
        low=0,
        high=3600,
        expected="30",
        minimum="60",
        cadence=WEEKLY,
        base=None,
        description=(
            "Average seconds callers wait in the queue before an agent answers, from the telephony platform."
        ),
    ),
    "call-abandonment-rate": MetricSpec(
        name="Call abandonment rate",
        unit="%",
        direction=LOWER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.RESPONSIVENESS,
        low=0,
        high=100,
        expected="5",
        minimum="8",
        cadence=WEEKLY,
        base=420,
        description="Calls abandoned after 10 seconds in the queue ÷ calls offered.",
    ),
    "customer-satisfaction": MetricSpec(
        name="Customer satisfaction (survey)",
        unit="score",
        direction=HIGHER,
        aggregation=Aggregation.AVG,
        category=MetricCategory.RELATIONSHIP,
        low=1,
        high=5,
        expected="4.3",
        minimum="4.0",
        cadence=PERIOD_END,
        base=None,
        description="Average score (1–5) of the post-ticket and quarterly satisfaction surveys.",
    ),
    "change-success-rate": MetricSpec(
        name="Change success rate",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.QUALITY,
        low=0,
        high=100,
        expected="98",
        minimum="95",
        cadence=PERIOD_END,
        base=60,
        description=(
            "Changes implemented without incident, back-out or unplanned outage ÷ changes implemented."
        ),
    ),
    "backup-success-rate": MetricSpec(
        name="Backup success rate",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.QUALITY,
        low=0,
        high=100,
        expected="99.5",
        minimum="99",
        cadence=WEEKLY,
        base=2800,
        description=(
            "Scheduled backup jobs completed successfully (first run or re-run within the window) ÷ "
            "jobs scheduled."
        ),
    ),
    "patch-compliance": MetricSpec(
        name="Patch compliance within 30 days",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.QUALITY,
        low=0,
        high=100,
        expected="95",
        minimum="90",
        cadence=PERIOD_END,
        base=1200,
        description=(
            "Devices with every security patch older than 30 days installed ÷ devices in scope, at month end."
        ),
    ),
    "critical-vulns-fixed": MetricSpec(
        name="Critical vulnerabilities fixed within 15 days",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.QUALITY,
        low=0,
        high=100,
        expected="95",
        minimum="90",
        cadence=PERIOD_END,
        base=25,
        description=(
            "Critical (CVSS ≥ 9) findings remediated within 15 days of detection ÷ critical findings due."
        ),
    ),
    "deliverables-on-time": MetricSpec(
        name="Deliverables accepted on time",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.DELIVERY,
        low=0,
        high=100,
        expected="95",
        minimum="85",
        cadence=PERIOD_END,
        base=8,
        description="Deliverables and milestones accepted by their due date ÷ deliverables due.",
    ),
    "defects-after-release": MetricSpec(
        name="Defects found after release",
        unit="count",
        direction=LOWER,
        aggregation=Aggregation.SUM,
        category=MetricCategory.QUALITY,
        low=0,
        high=1000,
        expected="2",
        minimum="5",
        cadence=EVENT,
        base=2,
        description=(
            "Severity 1–2 defects found in production within 30 days of a release; one figure per release."
        ),
    ),
    "service-report-on-time": MetricSpec(
        name="Monthly service report delivered on time",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.DELIVERY,
        low=0,
        high=100,
        expected="100",
        minimum="100",
        cadence=PERIOD_END,
        base=1,
        description="Monthly service report delivered by the fifth working day (1 = on time, 0 = late).",
    ),
    "key-personnel-attrition": MetricSpec(
        name="Key personnel attrition",
        unit="% per quarter",
        direction=LOWER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.RELATIONSHIP,
        low=0,
        high=100,
        expected="5",
        minimum="10",
        cadence=PERIOD_END,
        base=40,
        description="Named key personnel who left the account in the quarter ÷ named key personnel.",
    ),
    "invoice-accuracy": MetricSpec(
        name="Invoice accuracy",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.RATIO,
        category=MetricCategory.RELATIONSHIP,
        low=0,
        high=100,
        expected="99.5",
        minimum="98",
        cadence=PERIOD_END,
        base=250,
        description="Invoice lines accepted without correction or credit note ÷ invoice lines.",
    ),
    "security-incident-notification": MetricSpec(
        name="Security incident notification time",
        unit="hours",
        direction=LOWER,
        aggregation=Aggregation.MAX,
        category=MetricCategory.RESPONSIVENESS,
        low=0,
        high=720,
        expected="24",
        minimum="48",
        cadence=EVENT,
        base=2,
        description=(
            "Hours from detection of a confirmed security incident to written notification; worst case "
            "counts."
        ),
    ),
    "power-availability-worst-day": MetricSpec(
        name="Data centre power availability (worst day)",
        unit="%",
        direction=HIGHER,
        aggregation=Aggregation.MIN,
        category=MetricCategory.QUALITY,
        low=0,
        high=100,
        expected="99.99",
        minimum="99.9",
        cadence=DAILY,
        base=None,
        description=(
            "Share of the day both power feeds to every rack were live; the worst day of the period counts."
        ),
    ),
    "major-incidents": MetricSpec(
        name="Major incidents",
        unit="count",
        direction=LOWER,
        aggregation=Aggregation.SUM,
        category=MetricCategory.QUALITY,
        low=0,
        high=100,
        expected="1",
        minimum="3",
        cadence=PERIOD_END,
        base=None,
        description="Major incidents (P1 with business-wide impact) in the month, from the problem record.",
    ),
}

CSL = "csl"
KPI = "kpi"
MONTHLY, WEEKLY_PERIOD, QUARTERLY = (
    MeasurementPeriod.MONTHLY,
    MeasurementPeriod.WEEKLY,
    MeasurementPeriod.QUARTERLY,
)


def _sl(code, kind=KPI, allocation=0, period=MONTHLY, weight=None, levels=None):
    """A service level: CSLs weigh 30 on the scorecard, KPIs 10; ``levels`` overrides (expected, minimum)."""
    return {
        "code": code,
        "kind": kind,
        "allocation": allocation,
        "period": period,
        "weight": weight or (30 if kind == CSL else 10),
        "levels": levels,
    }


# Contract reference: service levels. Per contract the CSL allocations add up to 150–250% of the at-risk pool.
SERVICE_LEVELS = {
    "ACME-SOW-01": [
        _sl("availability", CSL, 80, weight=40),
        _sl("p1-resolution-time", CSL, 50),
        _sl("backup-success-rate", CSL, 40),
        _sl("p1-response-time"),
        _sl("change-success-rate"),
        _sl("patch-compliance"),
        _sl("major-incidents"),
        _sl("service-report-on-time"),
        _sl("invoice-accuracy"),
    ],
    "ACME-SOW-02": [
        _sl("speed-to-answer", CSL, 80),
        _sl("incidents-resolved-in-target", CSL, 90),
        _sl("first-contact-resolution"),
        _sl("call-abandonment-rate", period=WEEKLY_PERIOD),
        _sl("customer-satisfaction", weight=20),
    ],
    "ACME-SOW-03": [
        _sl("customer-satisfaction", weight=20),
        _sl("incidents-resolved-in-target", levels=("90", "85")),
        _sl("patch-compliance"),
        _sl("change-success-rate"),
        _sl("deliverables-on-time", period=QUARTERLY),
    ],
    "GLOBEX-SOW-01": [
        _sl("availability", CSL, 80, weight=40),
        _sl("p1-response-time", CSL, 50),
        _sl("backup-success-rate", CSL, 40),
        _sl("p1-resolution-time"),
        _sl("change-success-rate"),
        _sl("patch-compliance"),
        _sl("major-incidents"),
        _sl("invoice-accuracy"),
    ],
    "GLOBEX-SOW-02": [
        _sl("availability", CSL, 90, weight=40, levels=("99.95", "99.8")),
        _sl("backup-success-rate", CSL, 70),
        _sl("change-success-rate"),
        _sl("service-report-on-time"),
    ],
    "INITECH-SOW-01": [
        _sl("speed-to-answer", CSL, 90, period=WEEKLY_PERIOD),
        _sl("incidents-resolved-in-target", CSL, 80),
        _sl("call-abandonment-rate", period=WEEKLY_PERIOD),
        _sl("first-contact-resolution"),
        _sl("customer-satisfaction", weight=20),
        _sl("service-report-on-time"),
    ],
    "UMBRELLA-SOW-01": [
        _sl("security-incident-notification", CSL, 100),
        _sl("p1-response-time", CSL, 80),
        _sl("service-report-on-time"),
        _sl("customer-satisfaction", period=QUARTERLY),
        _sl("key-personnel-attrition", period=QUARTERLY),
    ],
    "UMBRELLA-SOW-02": [
        _sl("critical-vulns-fixed", CSL, 100),
        _sl("patch-compliance", CSL, 80),
        _sl("service-report-on-time"),
    ],
    "STARK-SOW-01": [
        _sl("p1-resolution-time", CSL, 90),
        _sl("incidents-resolved-in-target", CSL, 80),
        _sl("deliverables-on-time", period=QUARTERLY),
        _sl("customer-satisfaction", weight=20),
        _sl("key-personnel-attrition", period=QUARTERLY),
        _sl("defects-after-release"),
    ],
    "HOOLI-SOW-01": [
        _sl("deliverables-on-time", CSL, 100),
        _sl("defects-after-release", CSL, 80),
        _sl("key-personnel-attrition", period=QUARTERLY),
        _sl("customer-satisfaction", weight=20),
        _sl("invoice-accuracy"),
    ],
    "HOOLI-SOW-02": [
        _sl("deliverables-on-time"),
        _sl("defects-after-release"),
    ],
    "WAYNE-SOW-01": [
        _sl("power-availability-worst-day", CSL, 100, weight=40),
        _sl("availability", CSL, 80, levels=("99.99", "99.95")),
        _sl("service-report-on-time"),
        _sl("invoice-accuracy"),
    ],
    "CYBERDYNE-SOW-01": [
        _sl("availability", CSL, 100, weight=40, levels=("99.95", "99.9")),
        _sl("p1-response-time", CSL, 70),
        _sl("change-success-rate"),
    ],
    "OCEANIC-SOW-01": [
        _sl("availability"),
        _sl("customer-satisfaction"),
        _sl("invoice-accuracy"),
    ],
}

# How often each vendor meets, warns and misses in periods the story below does not script.
# (met, warning, breached, missing report); the shares need not sum to 1, the rest is "met".
PROFILES = {
    ACME: (0.86, 0.11, 0.03, 0.0),
    GLOBEX: (0.74, 0.18, 0.08, 0.0),
    INITECH: (0.74, 0.18, 0.06, 0.02),
    UMBRELLA: (0.86, 0.11, 0.03, 0.0),
    STARK: (0.64, 0.2, 0.1, 0.06),
    HOOLI: (0.76, 0.16, 0.06, 0.02),
    WAYNE: (0.9, 0.08, 0.02, 0.0),
    CYBERDYNE: (0.9, 0.08, 0.02, 0.0),
    OCEANIC: (0.8, 0.14, 0.06, 0.0),
}

MET, WARNING, BREACHED, MISSING = "met", "warning", "breached", "missing"

# The portfolio's story, period by period: 0 is the current (unfinished) period, 1 the last closed one.
# Globex's platform availability collapses after a storage migration; Stark stops reporting and keeps
# missing P1 resolution (three failures in a year); Hooli's quality dips around the portal release.
STORY = {
    ("GLOBEX-SOW-01", "availability"): {0: BREACHED, 1: BREACHED, 2: BREACHED, 3: WARNING, 4: WARNING},
    ("GLOBEX-SOW-01", "p1-response-time"): {1: BREACHED, 2: WARNING, 3: WARNING},
    ("GLOBEX-SOW-01", "major-incidents"): {1: BREACHED, 2: BREACHED, 3: WARNING},
    ("GLOBEX-SOW-02", "availability"): {1: WARNING, 2: BREACHED},
    ("GLOBEX-SOW-02", "backup-success-rate"): {3: MISSING},
    ("STARK-SOW-01", "p1-resolution-time"): {1: BREACHED, 4: BREACHED, 7: BREACHED},
    ("STARK-SOW-01", "incidents-resolved-in-target"): {2: MISSING, 3: MISSING},
    ("STARK-SOW-01", "customer-satisfaction"): {1: MISSING, 2: WARNING},
    ("INITECH-SOW-01", "call-abandonment-rate"): {3: MISSING, 43: BREACHED, 44: WARNING, 45: BREACHED},
    ("INITECH-SOW-01", "speed-to-answer"): {43: WARNING, 44: BREACHED},
    ("WAYNE-SOW-01", "service-report-on-time"): {1: MISSING},
    ("ACME-SOW-01", "p1-resolution-time"): {5: BREACHED},
    ("ACME-SOW-02", "speed-to-answer"): {2: WARNING},
    ("HOOLI-SOW-01", "defects-after-release"): {3: BREACHED, 4: WARNING},
    ("HOOLI-SOW-01", "deliverables-on-time"): {1: WARNING, 2: WARNING},
    ("UMBRELLA-SOW-02", "critical-vulns-fixed"): {6: BREACHED},
}


class Correction(NamedTuple):
    """A figure the vendor (or the manager) corrected: the worst figure of a period is superseded."""

    contract: str
    metric: str
    periods_ago: int
    corrected_by: str
    reason: str
    rule: str  # how the value changes, see portal.demo.figures.CORRECTION_RULES


CORRECTIONS = [
    Correction(
        contract="GLOBEX-SOW-01",
        metric="availability",
        periods_ago=2,
        corrected_by="reporting@globex.example.com",
        reason="Part of the outage fell in the emergency maintenance window agreed with the customer "
        "(change CHG-48812); excluded as schedule 4 §2.3 allows.",
        rule="maintenance_window",
    ),
    Correction(
        contract="ACME-SOW-02",
        metric="incidents-resolved-in-target",
        periods_ago=4,
        corrected_by="ops@acme.example.com",
        reason="Six tickets raised twice by the monitoring integration were counted as separate incidents.",
        rule="drop_duplicates",
    ),
    Correction(
        contract="ACME-SOW-01",
        metric="p1-resolution-time",
        periods_ago=5,
        corrected_by=MARIA,
        reason="The clock was stopped while awaiting the customer, but the ticket history shows no customer "
        "action was pending; corrected from the ticket audit log.",
        rule="worsen",
    ),
    Correction(
        contract="HOOLI-SOW-01",
        metric="defects-after-release",
        periods_ago=3,
        corrected_by="reporting@hooli.example.com",
        reason="Two defects were reclassified as change requests by the joint triage board.",
        rule="reclassify",
    ),
]

AREAS = ("Service delivery", "Commercial", "Security", "Change management")
# area: [(role title, RACI letter, holder)] — holder is an internal e-mail or a vendor contact by position
# ("contact:0" is the account lead, "contact:1" the service delivery lead, "contact:2" the third contact).
RACI = {
    "Service delivery": [
        ("Relationship owner", "A", "owner"),
        ("Service delivery manager", "R", "contact:1"),
        ("Account lead", "C", "contact:0"),
        ("Executive sponsor", "I", VICTOR),
    ],
    "Commercial": [
        ("Commercial lead", "A", MARCUS),
        ("Account lead", "R", "contact:0"),
        ("Relationship owner", "C", "owner"),
        ("Executive sponsor", "I", VICTOR),
    ],
    "Security": [
        ("Information security manager", "A", ADMIN),
        ("Vendor security lead", "R", "contact:2"),
        ("Compliance auditor", "C", AUDREY),
        ("Relationship owner", "I", "owner"),
    ],
    "Change management": [
        ("Change authority", "A", "owner"),
        ("Vendor change manager", "R", "contact:1"),
        ("Platform administrator", "C", ADMIN),
        ("Compliance auditor", "I", AUDREY),
    ],
}
# Vendors with a running relationship get the RACI matrix.
GOVERNED_VENDORS = (ACME, GLOBEX, INITECH, UMBRELLA, STARK, HOOLI, WAYNE, CYBERDYNE)

# (level, name, internal person, internal role, vendor role, hours before it escalates further)
TIER_ESCALATION = [
    (1, "Operational", MARIA, "Vendor relationship manager", "Service delivery manager", 24),
    (2, "Management", MARCUS, "Head of vendor management", "Account director", 72),
    (3, "Executive", VICTOR, "Chief information officer", "Executive sponsor", 168),
]
# Vendor-specific paths name the vendor's people: (vendor, [(level, name, internal, contact no., hours)])
VENDOR_ESCALATION = {
    ACME: [
        (1, "Operational", MARIA, 1, 8),
        (2, "Management", MARCUS, 0, 24),
        (3, "Executive", VICTOR, 2, 72),
    ],
    GLOBEX: [
        (1, "Operational", MARIA, 1, 12),
        (2, "Management", MARCUS, 0, 48),
        (3, "Executive", VICTOR, 2, 120),
    ],
}

REJECTION_REASONS = {
    "PostgreSQL 16 upgrade": "Replication lag on three clusters after the upgrade; roll-back evidence and a "
    "re-test plan are needed before acceptance.",
}

# Notes a vendor attaches to a bad availability day.
OUTAGE_NOTES = [
    "Storage controller fail-over; volumes read-only for part of the day.",
    "Network change in the core switches caused packet loss.",
    "Certificate expiry on the load balancer.",
    "Database fail-over did not complete automatically.",
    "Hypervisor host crash; VMs restarted on another host.",
    "DNS misconfiguration after a change.",
]
