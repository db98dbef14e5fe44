"""The vendor 360: what it shows to whom, the fragments htmx swaps, and its query budget."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from governance.models import ProgressUpdate, Raci, Side
from kpis.models import Outcome
from portal.selectors.vendor360 import TIMELINE_LIMIT, month_start
from tests import factories

HX_TREND = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "scorecard-trend"}
HX_TIMELINE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "timeline-older"}


def month(back: int) -> dt.date:
    """The first day of the month ``back`` months before this one."""
    return month_start(timezone.localdate(), back)


def month_end(back: int) -> dt.date:
    return month(back - 1) - dt.timedelta(days=1)


def add_scorecards(vendor, months: int = 24):
    for back in range(months, 0, -1):
        score = Decimal(50 + back)
        factories.ScorecardFactory(
            vendor=vendor,
            period_start=month(back),
            period_end=month_end(back),
            score=score,
            quality_score=score,
            delivery_score=Decimal(100),
            responsiveness_score=None,
            relationship_score=Decimal(back),
            band="Red" if score < 70 else "Amber",
            rag="red" if score < 70 else "amber",
            trend="up",
        )


def add_service_level(vendor, msa, metric, *, periods: int = 14):
    """A SOW with one service level and ``periods`` monthly results, the latest breached."""
    sow = factories.SOWFactory(vendor=vendor, parent=msa)
    sl = factories.ServiceLevelFactory(contract=sow, metric=metric)
    for back in range(periods, 0, -1):
        factories.ServiceLevelResultFactory(
            service_level=sl,
            period_start=month(back),
            period_end=month_end(back),
            attained=Decimal("97.2") if back == 1 else Decimal("99.7") + Decimal(back) / 100,
            outcome=Outcome.BREACHED if back == 1 else Outcome.MET,
        )
    return sow, sl


def grow(vendor, msa, manager, metric, extra: int):
    """``extra`` more of everything the page lists."""
    for index in range(extra):
        sow, sl = add_service_level(vendor, msa, metric)
        factories.DeliverableFactory(contract=sow, due_date=timezone.localdate() - dt.timedelta(days=3))
        factories.BreachFactory(service_level=sl, period_start=month(1), period_end=month_end(1))
        factories.RoleAssignmentFactory(vendor=vendor, contract=sow, area=f"Area {index}")
        factories.VendorContactFactory(vendor=vendor)
        factories.AuditEventFactory(obj=sow, actor=manager)
        ProgressUpdate.objects.create(
            vendor=vendor, period_start=month(index + 1), rag="amber", summary=f"Update {index}"
        )


# --- Query budget -------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [1, 5])
@pytest.mark.parametrize("actor", ["manager", "vendor_a_user"])
def test_vendor_360_query_count_does_not_grow(
    request, client_for, portfolio, manager, actor, extra, django_assert_num_queries
):
    vendor = portfolio.a.vendor
    add_scorecards(vendor)
    grow(vendor, portfolio.a.msa, manager, portfolio.metric, extra)
    client = client_for(request.getfixturevalue(actor))

    # 1 session, 2 user, 3 vendor with owner, 4 categories, 5 contacts, 6 contracts, 7 deliverables,
    # 8 role assignments with holders, 9 scorecards of two years, 10 standing bands, 11 service levels
    # with metrics and contracts, 12 their last 12 results (one windowed query), 13 escalation path,
    # 14 its levels, 15 timeline with actors, 16 open breaches, 17 progress updates
    with django_assert_num_queries(17):
        response = client.get(reverse("vendors:detail", args=[vendor.pk]))

    page = response.context["page"]
    assert len(page.service_levels) == 1 + extra
    assert len(page.contracts) == 2 + extra
    assert all(len(row.results) == 12 for row in page.service_levels[1:])
    assert response.content.decode().count('class="chart chart--spark') == extra


def test_sparklines_hold_the_last_twelve_results_oldest_first(client_for, manager, vendor_a):
    msa = factories.ContractFactory(vendor=vendor_a)
    _sow, sl = add_service_level(vendor_a, msa, factories.MetricFactory(), periods=14)

    response = client_for(manager).get(reverse("vendors:detail", args=[vendor_a.pk]))

    [row] = response.context["page"].service_levels
    assert [r.period_start for r in row.results] == [month(back) for back in range(12, 0, -1)]
    assert row.last_result.outcome == Outcome.BREACHED
    html = response.content.decode()
    assert "97.2%" in html and "badge--outcome-breached" in html
    assert "Missed in " + month(1).strftime("%b %Y") in html
    assert sl.metric.name in html


# --- What the page shows ---------------------------------------------------------------------------


def test_header_shows_the_current_standing_and_owner(client_for, manager, vendor_a):
    vendor_a.internal_owner = manager
    vendor_a.save()
    add_scorecards(vendor_a, months=3)

    html = client_for(manager).get(reverse("vendors:detail", args=[vendor_a.pk])).content.decode()

    assert "Current standing" in html
    assert '<span class="standing-pill__score">51.0</span>' in html
    assert month(1).strftime("%B %Y") in html
    assert 'Owner: <span class="strong">Mona Manager</span>' in html


def test_trend_covers_the_months_asked_for_and_defaults_to_twelve(client_for, manager, vendor_a):
    add_scorecards(vendor_a)
    url = reverse("vendors:detail", args=[vendor_a.pk])
    client = client_for(manager)

    default = client.get(url).context["trend"]
    long = client.get(url, {"months": "24"}).context["trend"]
    nonsense = client.get(url, {"months": "7'; drop"})

    assert default.months == [month(back) for back in range(12, 0, -1)]
    assert len(long.months) == 24 and len(long.by_month) == 24
    assert nonsense.status_code == 200 and nonsense.context["trend"].month_count == 12


def test_trend_fragment_for_htmx_is_only_the_chart(client_for, manager, vendor_a, django_assert_num_queries):
    add_scorecards(vendor_a)
    client = client_for(manager)

    # 1 session, 2 user, 3 vendor, 4 scorecards, 5 standing bands
    with django_assert_num_queries(5):
        response = client.get(reverse("vendors:detail", args=[vendor_a.pk]), {"months": "6"}, **HX_TREND)

    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith('<div id="scorecard-trend"')
    assert "Scorecard trend of Acme Test, 6 months" in html
    assert 'aria-current="true">6 months' in html
    assert "HX-Request" in response["Vary"]


def test_trend_fragment_is_404_for_another_vendor(client_for, vendor_b_user, vendor_a):
    response = client_for(vendor_b_user).get(reverse("vendors:detail", args=[vendor_a.pk]), **HX_TREND)

    assert response.status_code == 404


def test_contracts_list_their_deliverables_and_mark_the_overdue(client_for, manager, vendor_a):
    sow = factories.SOWFactory(vendor=vendor_a)
    today = timezone.localdate()
    late = factories.DeliverableFactory(
        contract=sow, title="Late plan", due_date=today - dt.timedelta(days=1)
    )
    factories.DeliverableFactory(contract=sow, title="Future plan", due_date=today + dt.timedelta(days=5))
    factories.DeliverableFactory(
        contract=sow,
        title="Accepted plan",
        due_date=today - dt.timedelta(days=9),
        status="accepted",
        accepted_by=manager,
        accepted_at=timezone.now(),
    )

    response = client_for(manager).get(reverse("vendors:detail", args=[vendor_a.pk]))

    assert [d.title for d in response.context["page"].overdue_deliverables] == [late.title]
    html = response.content.decode()
    assert html.count("badge--overdue") == 1
    assert "Late plan" in html and "Future plan" in html and "Accepted plan" in html


def test_progress_card_shows_the_latest_three_updates(client_for, vendor_a_user, vendor_a):
    for back in range(1, 5):
        ProgressUpdate.objects.create(
            vendor=vendor_a, period_start=month(back), rag="green", summary=f"Month -{back}"
        )

    html = client_for(vendor_a_user).get(reverse("vendors:detail", args=[vendor_a.pk])).content.decode()

    assert "Month -1" in html and "Month -3" in html and "Month -4" not in html


def test_a_vendor_named_like_markup_renders_harmlessly(client_for, manager):
    vendor = factories.VendorFactory(name="<script>alert(1)</script>")
    add_scorecards(vendor, months=2)
    msa = factories.ContractFactory(vendor=vendor)
    metric = factories.MetricFactory(name='<img src=x onerror="alert(2)">')
    add_service_level(vendor, msa, metric, periods=2)

    html = client_for(manager).get(reverse("vendors:detail", args=[vendor.pk])).content.decode()

    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "Scorecard trend of &lt;script&gt;alert(1)&lt;/script&gt;, 12 months" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;: last 2 results" in html


# --- RACI -------------------------------------------------------------------------------------------


def test_raci_warns_when_an_area_has_no_single_accountable(client_for, manager, vendor_a):
    def assign(area, raci):
        factories.RoleAssignmentFactory(vendor=vendor_a, area=area, raci=raci)

    assign("Security", Raci.ACCOUNTABLE)
    assign("Security", Raci.ACCOUNTABLE)
    assign("Commercial", Raci.RESPONSIBLE)
    assign("Commercial", Raci.CONSULTED)
    assign("Service delivery", Raci.ACCOUNTABLE)
    assign("Service delivery", Raci.RESPONSIBLE)

    response = client_for(manager).get(reverse("vendors:detail", args=[vendor_a.pk]))

    warnings = {area.name: area.warning for area in response.context["page"].raci}
    assert warnings == {
        "Commercial": "No one is accountable for this area.",
        "Security": "2 roles are accountable for this area; exactly one should be.",
        "Service delivery": "",
    }
    html = response.content.decode()
    assert html.count('class="raci-warning"') == 2
    assert "No one is accountable for this area." in html


def test_raci_counts_an_internal_accountable_too(client_for, vendor_a_user, vendor_a, manager):
    factories.RoleAssignmentFactory(
        vendor=vendor_a,
        area="Security",
        raci=Raci.ACCOUNTABLE,
        side=Side.INTERNAL,
        person=manager,
        contact=None,
    )

    response = client_for(vendor_a_user).get(reverse("vendors:detail", args=[vendor_a.pk]))

    [area] = response.context["page"].raci
    assert area.warning == "" and manager.full_name in response.content.decode()


# --- Timeline -----------------------------------------------------------------------------------------


def test_timeline_reads_as_sentences_grouped_by_day(client_for, manager, vendor_a):
    sow = factories.SOWFactory(vendor=vendor_a)
    factories.AuditEventFactory(
        obj=sow,
        actor=manager,
        action="contracts.contract.updated",
        changes={"title": ["Old title", "New title"], "status": ["draft", "active"], "owner": [1, 2]},
        occurred_at=timezone.now() - dt.timedelta(days=1),
    )
    service_level = factories.ServiceLevelFactory(contract=sow)
    factories.AuditEventFactory(obj=service_level, action="kpis.servicelevel.target_changed", changes={})

    response = client_for(manager).get(reverse("vendors:detail", args=[vendor_a.pk]))

    timeline = response.context["timeline"]
    assert [len(day.entries) for day in timeline.days] == [1, 1]
    newest, older = timeline.days[0].entries[0], timeline.days[1].entries[0]
    assert newest.label == "Service level target changed" and newest.actor_name == "System"
    assert older.label == "Contract updated" and older.actor_name == "Mona Manager"
    assert [(c.label, c.old, c.new) for c in older.changes] == [
        ("Title", "Old title", "New title"),
        ("Status", "Draft", "Active"),
        ("Owner", None, "changed"),
    ]
    html = response.content.decode()
    assert "<del>Old title</del> → <ins>New title</ins>" in html
    assert "contracts.contract.updated" not in html


def test_vendor_users_never_see_internal_events_or_values(client_for, manager, vendor_a_user, vendor_a):
    sow = factories.SOWFactory(vendor=vendor_a)
    factories.AuditEventFactory(
        obj=sow,
        actor=manager,
        changes={
            "title": ["Old title", "New title"],
            "internal_notes": ["", f"{factories.INTERNAL_MARK}: walk away"],
            "monthly_charge": ["1000.00", "98765.00"],
        },
    )
    factories.AuditEventFactory(
        obj=sow, internal_only=True, object_repr="secret-event", changes={"internal_notes": ["", "x"]}
    )
    metric = factories.MetricFactory()
    AuditEvent.objects.create(
        action="kpis.metric.updated",
        object_type="kpis.metric",
        object_id=str(metric.pk),
        object_repr="catalogue-event",
        vendor_id=vendor_a.pk,
        changes={"name": ["a", "b"]},
    )
    url = reverse("vendors:detail", args=[vendor_a.pk])

    vendor_html = client_for(vendor_a_user).get(url).content.decode()
    manager_html = client_for(manager).get(url).content.decode()

    assert "New title" in vendor_html
    for leak in (factories.INTERNAL_MARK, "98765", "Monthly charge", "secret-event", "catalogue-event"):
        assert leak not in vendor_html, leak
    for shown in (f"{factories.INTERNAL_MARK}: walk away", "98765.00", "secret-event", "catalogue-event"):
        assert shown in manager_html, shown


def test_timeline_pages_back_through_older_events(client_for, manager, vendor_a, django_assert_num_queries):
    sow = factories.SOWFactory(vendor=vendor_a)
    at = timezone.now()
    # Equal timestamps on purpose: the cursor must still neither skip nor repeat an event.
    events = [
        factories.AuditEventFactory(obj=sow, object_repr=f"event-{i:02d}", occurred_at=at)
        for i in range(TIMELINE_LIMIT + 5)
    ]
    url = reverse("vendors:detail", args=[vendor_a.pk])
    client = client_for(manager)

    first = client.get(url)
    cursor = first.context["timeline"].older_than
    # 1 session, 2 user, 3 vendor, 4 the next page of events
    with django_assert_num_queries(4):
        fragment = client.get(url, {"before": cursor}, **HX_TIMELINE)
    full_older = client.get(url, {"before": cursor})

    first_reprs = [e.event.object_repr for e in first.context["timeline"].entries]
    assert first_reprs == [f"event-{i:02d}" for i in range(TIMELINE_LIMIT + 4, 4, -1)]
    assert f"?before={cursor}" in first.content.decode()
    html = fragment.content.decode()
    assert "<html" not in html and "timeline__item" in html
    assert [f"event-{i:02d}" in html for i in range(5)] == [True] * 5
    assert "event-05" not in html and "Show older events" not in html
    assert [e.event.object_repr for e in full_older.context["timeline"].entries] == [
        f"event-{i:02d}" for i in range(4, -1, -1)
    ]
    assert "Back to the latest events" in full_older.content.decode()
    assert len(events) == TIMELINE_LIMIT + 5


@pytest.mark.parametrize("before", ["abc", "-3", "999999"])
def test_timeline_cursor_that_makes_no_sense_is_not_an_error(client_for, manager, vendor_a, before):
    response = client_for(manager).get(reverse("vendors:detail", args=[vendor_a.pk]), {"before": before})

    assert response.status_code == 200


def test_timeline_cursor_of_another_vendor_reveals_nothing(client_for, vendor_a_user, portfolio):
    other = portfolio.b.audit_event.pk

    response = client_for(vendor_a_user).get(
        reverse("vendors:detail", args=[portfolio.a.vendor.pk]), {"before": other}, **HX_TIMELINE
    )

    assert response.status_code == 200 and "timeline__item" not in response.content.decode()


@pytest.mark.parametrize(("actor", "reads_trail"), [("viewer", False), ("auditor", True), ("manager", True)])
def test_the_timeline_shows_values_and_notes_only_to_roles_that_read_the_audit_trail(
    request, client_for, manager, vendor_a, actor, reads_trail
):
    user = request.getfixturevalue(actor)
    sow = factories.SOWFactory(vendor=vendor_a)
    at = timezone.now()
    for i in range(TIMELINE_LIMIT + 3):
        factories.AuditEventFactory(
            obj=sow,
            actor=manager,
            object_repr=f"event-{i:02d}",
            occurred_at=at - dt.timedelta(minutes=i),
            changes={
                "title": [f"Old title {i}", f"New title {i}"],
                "internal_notes": ["", f"Walk away from renewal {i}"],
            },
            note=f"Exit plan discussed {i}",
            internal_only=i % 2 == 0,
        )
    url = reverse("vendors:detail", args=[vendor_a.pk])
    client = client_for(user)
    assert client.get("/audit-trail/").status_code == (200 if reads_trail else 403)

    first = client.get(url)
    older = first.context["timeline"].older_than
    fragment = client.get(url, {"before": older}, **HX_TIMELINE)
    full_older = client.get(url, {"before": older})

    for response in (first, fragment, full_older):
        html = response.content.decode()
        assert response.status_code == 200 and "timeline__item" in html
        # Every role sees what happened, to what, by whom.
        assert "Mona Manager" in html
        for value in ("New title", "Old title", "Walk away from renewal", "Exit plan discussed", "<del>"):
            assert (value in html) is reads_trail, (actor, value)
    assert f"event-{TIMELINE_LIMIT:02d}" in fragment.content.decode()


# --- The contract page ------------------------------------------------------------------------------


def test_contract_page_shows_sparklines_and_overdue_deliverables(client_for, vendor_a_user, vendor_a):
    msa = factories.ContractFactory(vendor=vendor_a)
    sow, _sl = add_service_level(vendor_a, msa, factories.MetricFactory(name="Uptime"))
    factories.DeliverableFactory(contract=sow, due_date=timezone.localdate() - dt.timedelta(days=2))

    html = client_for(vendor_a_user).get(reverse("contracts:detail", args=[sow.pk])).content.decode()

    assert "Uptime: last 12 results" in html and "badge--overdue" in html
    assert "Pool allocation" not in html
