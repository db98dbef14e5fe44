"""Setting up a selection event: criteria weights that must add up to 100, the suggested criteria,
candidates (vendors with their track record, prospects), commitments, and opening scoring."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from governance.models import Issue, IssueSeverity, Side
from kpis.models import BreachSeverity, Direction
from selection import services
from selection.forms import CriterionFormSet
from selection.models import DEFAULT_CRITERIA, Candidate, Criterion, EventStatus, SelectionEvent
from selection.selectors import track_records
from tests import factories
from tests.factories_selection import make_event

pytestmark = pytest.mark.django_db


def _formset_data(rows, prefix="criteria"):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, (name, weight) in enumerate(rows):
        data[f"{prefix}-{i}-name"] = name
        data[f"{prefix}-{i}-weight"] = str(weight)
    return data


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        (
            [("Quality", 50), ("Cost", 40)],
            "The weights add up to 90; they must add up to exactly 100 (add 10).",
        ),
        (
            [("Quality", 60), ("Cost", 50)],
            "The weights add up to 110; they must add up to exactly 100 (remove 10).",
        ),
        ([("Quality", 50), ("quality ", 50)], "The criterion “quality” appears twice."),
        ([], "Give at least one criterion."),
    ],
)
def test_the_criteria_formset_refuses_weights_not_adding_up_to_100(rows, error):
    formset = CriterionFormSet(_formset_data(rows), prefix="criteria")

    assert not formset.is_valid()
    assert formset.non_form_errors() == [error]


def test_the_criteria_formset_ignores_deleted_and_empty_rows():
    data = _formset_data([("Quality", 60), ("Cost", 40), ("Extra", 30)])
    data["criteria-2-DELETE"] = "on"
    data["criteria-TOTAL_FORMS"] = "4"  # one blank extra row

    formset = CriterionFormSet(data, prefix="criteria")

    assert formset.is_valid(), formset.errors
    assert [(r["name"], r["weight"]) for r in formset.rows()] == [("Quality", 60), ("Cost", 40)]


def test_a_weight_must_be_a_whole_number_from_1_to_100():
    formset = CriterionFormSet(_formset_data([("Quality", 0), ("Cost", 100)]), prefix="criteria")

    assert not formset.is_valid()
    assert formset.forms[0].errors["weight"] == ["Ensure this value is greater than or equal to 1."]


def test_the_create_page_suggests_the_six_criteria_and_refuses_bad_weights(client_for, manager):
    page = client_for(manager).get(reverse("selection:create")).content.decode()
    for name, _weight, _ in DEFAULT_CRITERIA:
        assert f'value="{name}"' in page
    assert sum(w for _, w, _ in DEFAULT_CRITERIA) == 100

    data = {
        "title": "Security operations",
        "requirement": "24×7 SOC.",
        "owner": manager.pk,
        "scale_min": "1",
        "scale_max": "10",
        "spread_threshold": "15",
        **_formset_data([("Experience", 50), ("Cost", 45)]),
    }
    response = client_for(manager).post(reverse("selection:create"), data)

    assert response.status_code == 200
    assert "The weights add up to 95" in response.content.decode()
    assert not SelectionEvent.objects.exists()

    data.update(_formset_data([("Experience", 50), ("Cost", 50)]))
    response = client_for(manager).post(reverse("selection:create"), data)

    event = SelectionEvent.objects.get()
    assert response.status_code == 302 and response.url == reverse("selection:detail", args=[event.pk])
    assert (event.status, event.scale_min, event.scale_max, event.owner) == ("draft", 1, 10, manager)
    assert [(c.name, c.weight) for c in event.criteria.all()] == [("Experience", 50), ("Cost", 50)]
    assert AuditEvent.objects.filter(
        action="selection.selectionevent.created", object_id=str(event.pk)
    ).exists()


def test_the_scale_must_have_room(client_for, manager):
    data = {
        "title": "X",
        "requirement": "Y",
        "owner": manager.pk,
        "scale_min": "1",
        "scale_max": "1",
        "spread_threshold": "20",
        **_formset_data([("Experience", 100)]),
    }
    response = client_for(manager).post(reverse("selection:create"), data)

    assert response.status_code == 200
    assert "The highest score must be above the lowest score." in response.content.decode()


def test_services_check_the_weights_too(manager):
    with pytest.raises(ValidationError, match="add up to 99"):
        services.event_create(
            actor=manager, title="X", requirement="Y", owner=manager, criteria=[{"name": "A", "weight": 99}]
        )
    event = services.event_create(actor=manager, title="X", requirement="Y", owner=manager)
    assert [c.name for c in event.criteria.all()] == [name for name, _, _ in DEFAULT_CRITERIA]
    with pytest.raises(ValidationError, match="add up to 90"):
        services.criteria_replace(event=event, actor=manager, rows=[{"name": "A", "weight": 90}])


def test_criteria_can_swap_names_and_change_weights_while_a_draft(client_for, manager):
    event = make_event(owner=manager, criteria=(("Quality", 60), ("Cost", 40)), open_scoring=False)
    quality, cost = event.criteria.all()
    data = {
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "2",
        "criteria-0-id": str(quality.pk),
        "criteria-0-name": "Cost",
        "criteria-0-weight": "30",
        "criteria-1-id": str(cost.pk),
        "criteria-1-name": "Quality",
        "criteria-1-weight": "70",
    }

    response = client_for(manager).post(reverse("selection:criteria", args=[event.pk]), data)

    assert response.status_code == 302
    assert {(c.pk, c.name, c.weight) for c in Criterion.objects.filter(event=event)} == {
        (quality.pk, "Cost", 30),
        (cost.pk, "Quality", 70),
    }


def test_criteria_are_fixed_once_scoring_opens(client_for, manager, vendor_a):
    event = make_event(owner=manager, vendors=[vendor_a], evaluators=[manager])

    response = client_for(manager).get(reverse("selection:criteria", args=[event.pk]), follow=True)

    assert "Criteria are fixed once scoring has opened." in response.content.decode()
    with pytest.raises(ValidationError, match="scoring"):
        services.criteria_replace(event=event, actor=manager, rows=[{"name": "A", "weight": 100}])


# ---- Candidates --------------------------------------------------------------------------------


def test_candidates_are_vendors_or_prospects(client_for, manager, vendor_a):
    event = make_event(owner=manager, open_scoring=False)
    url = reverse("selection:candidate_add", args=[event.pk])

    client_for(manager).post(url, {"kind": "vendor", "vendor": vendor_a.pk})
    response = client_for(manager).post(
        url,
        {
            "kind": "prospect",
            "prospect_name": "Northwind Test",
            "contact_name": "Nadia",
            "contact_email": "nadia@northwind.test",
            "website": "northwind.test",
        },
    )

    prospect = Candidate.objects.get(prospect_name="Northwind Test")
    assert response.url == reverse("selection:candidate", kwargs={"candidate_pk": prospect.pk})
    assert prospect.website == "https://northwind.test" and prospect.vendor is None
    assert event.candidates.filter(vendor=vendor_a).exists()

    # The same vendor twice, a prospect named like a vendor, or a prospect without a name: field errors.
    again = client_for(manager).post(url, {"kind": "vendor", "vendor": vendor_a.pk})
    assert again.status_code == 200 and "Select a valid choice" in again.content.decode()
    clash = client_for(manager).post(url, {"kind": "prospect", "prospect_name": "acme test"})
    assert "A vendor called “acme test” exists; add it as an existing vendor." in clash.content.decode()
    nameless = client_for(manager).post(url, {"kind": "prospect"})
    assert "Name the prospect." in nameless.content.decode()
    assert event.candidates.count() == 2


def test_the_track_record_shows_scorecards_breaches_and_open_issues(manager, vendor_a, vendor_b, portfolio):
    for month, score in ((1, "81.5"), (2, "77.0"), (3, "64.0")):
        factories.ScorecardFactory(
            vendor=vendor_a,
            period_start=dt.date(2026, month, 1),
            period_end=dt.date(2026, month, 28),
            score=score,
        )
    factories.BreachFactory(service_level=portfolio.a.service_level, severity=BreachSeverity.HIGH)
    factories.BreachFactory(
        service_level=portfolio.a.service_level,
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
        severity=BreachSeverity.LOW,
        status="resolved",
        closed_at=dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
    )
    Issue.objects.create(
        vendor=vendor_a,
        title="Slow P1 handling",
        description="x",
        severity=IssueSeverity.HIGH,
        raised_side=Side.INTERNAL,
    )

    records = track_records([vendor_a.pk, vendor_b.pk], today=dt.date(2026, 4, 15))

    a = records[vendor_a.pk]
    assert [str(c.score) for c in a.scorecards] == ["64.00", "77.00", "81.50"]  # latest first
    assert a.breaches == {"high": 1, "low": 1} and a.open_breaches == 1
    assert a.open_issues == {"high": 1}
    assert records[vendor_b.pk].breach_total == 0 and records[vendor_b.pk].scorecards == []


def test_the_candidate_page_shows_the_track_record_and_takes_commitments(
    client_for, manager, vendor_a, portfolio
):
    event = make_event(owner=manager, vendors=[vendor_a], open_scoring=False)
    candidate = event.candidates.get()
    metric = portfolio.metric  # higher is better
    url = reverse("selection:candidate", kwargs={"candidate_pk": candidate.pk})

    page = client_for(manager).get(url).content.decode()
    assert "Track record" in page and "No scorecard in the last 12 months." in page

    bad = client_for(manager).post(
        url, {"metric": metric.pk, "target": "99.5", "minimum": "99.9", "period": "monthly"}
    )
    assert (
        "When higher is better the minimum level cannot be above the expected level." in bad.content.decode()
    )
    client_for(manager).post(
        url, {"metric": metric.pk, "target": "99.5", "minimum": "99", "period": "monthly"}
    )
    commitment = candidate.commitments.get()
    assert (commitment.target, commitment.minimum) == (Decimal("99.5"), Decimal("99"))
    assert metric.direction == Direction.HIGHER


# ---- Opening scoring --------------------------------------------------------------------------------


def test_scoring_opens_only_when_the_event_is_ready(client_for, manager, vendor_a):
    event = make_event(owner=manager, open_scoring=False)
    url = reverse("selection:open_scoring", args=[event.pk])

    page = client_for(manager).post(url, follow=True).content.decode()

    assert "Add at least one candidate." in page and "Name at least one evaluator." in page
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT

    services.candidate_add(event=event, actor=manager, vendor=vendor_a)
    services.evaluator_add(event=event, actor=manager, user=manager)
    client_for(manager).post(url)

    event.refresh_from_db()
    assert event.status == EventStatus.SCORING and event.scoring_opened_at is not None
    assert AuditEvent.objects.filter(action="selection.selectionevent.scoring_opened").count() == 1
    # Opening twice is refused, not repeated.
    with pytest.raises(ValidationError, match="scoring"):
        services.scoring_open(event=event, actor=manager)


def test_the_scale_is_fixed_once_scoring_opens(manager, vendor_a):
    event = make_event(owner=manager, vendors=[vendor_a], evaluators=[manager])

    with pytest.raises(ValidationError):
        services.event_update(event=event, actor=manager, data={"scale_max": 10})
    services.event_update(event=event, actor=manager, data={"title": "Service desk 2027"})

    event.refresh_from_db()
    assert (event.title, event.scale_max) == ("Service desk 2027", 5)
