"""The demo's partner selection: the service desk re-tender, scored by three evaluators and ready for a
decision. Acme and Initech compete with a prospect; the evaluators disagree on Initech (a flagged spread).

Idempotent: the event is found by its title, and nothing is created when it exists.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import User
from kpis.models import Metric
from selection import services
from selection.models import SelectionEvent
from vendors.models import Vendor

from . import data

TITLE = "Service desk re-tender"
REQUIREMENT = (
    "Re-tender of the 24×7 multilingual service desk for 4,500 staff in six countries when the current "
    "service desk SOWs come up for renewal: first-line support by phone, chat and portal, major-incident "
    "communication, and a move to self-service. Three-year initial term with yearly renewals."
)
OWNER = data.MARIA
EVALUATORS = (data.MARIA, data.MARCUS, data.AUDREY)
PROSPECT = {
    "prospect_name": "Northwind Service Desk",
    "contact_name": "Nadia Rahman",
    "contact_email": "nadia.rahman@northwind.example.com",
    "website": "https://northwind.example.com",
    "notes": "Approached us after the sector summit; references from two banks of our size.",
}

# Scores per evaluator and candidate, in the order of the default criteria (experience, expertise, track
# record, capacity, cost, security), on the 0–5 scale.
SCORES = {
    data.MARIA: {
        data.ACME: [4, 4, 3, 4, 3, 4],
        data.INITECH: [3, 4, 4, 3, 4, 3],
        "prospect": [4, 4, 2, 4, 5, 4],
    },
    data.MARCUS: {
        data.ACME: [4, 5, 3, 4, 3, 4],
        data.INITECH: [4, 4, 4, 4, 4, 4],
        "prospect": [4, 3, 2, 4, 5, 3],
    },
    data.AUDREY: {
        data.ACME: [4, 4, 3, 3, 3, 4],
        data.INITECH: [2, 2, 3, 3, 4, 1],
        "prospect": [4, 4, 2, 4, 4, 5],
    },
}
# What each evaluator wrote on the criteria that split them.
COMMENTS = {
    (data.MARIA, data.ACME): {"Cost": "Pricing stays about 8% above the benchmark."},
    (data.MARIA, data.INITECH): {"Experience": "Runs desks of our size, but mostly single-language."},
    (data.MARIA, "prospect"): {
        "Track record": "No history with us; references from two banks check out.",
        "Cost": "Cheapest credible bid, transition included.",
    },
    (data.MARCUS, data.ACME): {"Expertise": "Knows our estate and tooling better than anyone."},
    (data.MARCUS, data.INITECH): {"Security": "Answers are adequate; ISO 27001 certificate is current."},
    (data.MARCUS, "prospect"): {"Security": "Penetration test summary shared late and partly redacted."},
    (data.AUDREY, data.ACME): {"Capacity": "Peak-season staffing relied on overtime last winter."},
    (data.AUDREY, data.INITECH): {
        "Security": "Security questionnaire left gaps on privileged access and logging.",
        "Experience": "References were for a single country only.",
    },
    (data.AUDREY, "prospect"): {"Security": "Strongest control set of the three; SOC 2 type II report."},
}
# (metric code, expected level, minimum level or None) per candidate.
COMMITMENTS = {
    data.ACME: [("speed-to-answer", "30", "60"), ("first-contact-resolution", "75", "65")],
    data.INITECH: [("speed-to-answer", "25", "45"), ("call-abandonment-rate", "4", "7")],
    "prospect": [
        ("speed-to-answer", "20", "40"),
        ("first-contact-resolution", "80", "70"),
        ("customer-satisfaction", "4.4", None),
    ],
}


def seed_selection(*, now: datetime) -> SelectionEvent | None:
    """Create the re-tender unless it exists; skipped when the demo people or vendors are missing."""
    existing = SelectionEvent.objects.filter(title=TITLE).first()
    if existing is not None:
        return existing
    users = {u.email: u for u in User.objects.filter(email__in={OWNER, *EVALUATORS})}
    vendors = {v.name: v for v in Vendor.objects.filter(name__in=[data.ACME, data.INITECH])}
    if len(users) < len({OWNER, *EVALUATORS}) or len(vendors) < 2:
        return None
    owner = users[OWNER]
    event = services.event_create(actor=owner, title=TITLE, requirement=REQUIREMENT, owner=owner)
    candidates = {
        name: services.candidate_add(event=event, actor=owner, vendor=vendors[name])
        for name in (data.ACME, data.INITECH)
    }
    candidates["prospect"] = services.candidate_add(event=event, actor=owner, **PROSPECT)
    metrics = {
        m.code: m for m in Metric.objects.filter(code__in={c[0] for cs in COMMITMENTS.values() for c in cs})
    }
    for key, rows in COMMITMENTS.items():
        for code, target, minimum in rows:
            if code in metrics:
                services.commitment_add(
                    candidate=candidates[key],
                    actor=owner,
                    metric=metrics[code],
                    target=Decimal(target),
                    minimum=Decimal(minimum) if minimum else None,
                )
    for email in EVALUATORS:
        services.evaluator_add(event=event, actor=owner, user=users[email])
    opened = now - timedelta(days=12)
    event = services.scoring_open(event=event, actor=owner, now=opened)
    criteria = list(event.criteria.all())
    for day, email in enumerate(EVALUATORS, start=1):
        _score(event, users[email], candidates, criteria, now=opened + timedelta(days=2 * day))
    return event


def _score(event, user, candidates, criteria, *, now) -> None:
    evaluator = event.evaluators.get(user=user)
    evaluator = services.conflict_declare(evaluator=evaluator, actor=user, has_conflict=False, now=now)
    entries = {}
    for key, values in SCORES[user.email].items():
        for criterion, value in zip(criteria, values, strict=True):
            comment = COMMENTS.get((user.email, key), {}).get(criterion.name, "")
            entries[(candidates[key].pk, criterion.pk)] = (value, comment)
    services.sheet_save(evaluator=evaluator, actor=user, entries=entries, submit=True, now=now)
