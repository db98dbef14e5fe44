"""The dashboard's governance tiles: overdue action items by side and reviews due, linked to their lists,
following the dashboard's filters (with and without htmx), and the vendor 360's governance facts."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from governance.models import ActionStatus, ReviewStatus, Side
from portal.selectors.dashboard import governance_summary_for_user
from tests import factories
from tests.factories_governance_portal import ActionItemFactory, IssueFactory, ReviewFactory
from vendors.models import VendorTier

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
HOME = "/"
HTMX = {"HX-Request": "true", "HX-Target": "portfolio-table"}


@pytest.fixture(autouse=True)
def _noon_on_15_june():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, 15, 12, 0)), tick=False):
        yield


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def list_path(name: str, fallback: str) -> str:
    """The list page's path, as the tiles link to it."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def tiles(response) -> dict:
    return response.context["governance_tiles"]


def test_overdue_action_items_are_open_items_past_their_due_date_by_side(client_for, manager, vendor_a):
    ActionItemFactory(vendor=vendor_a, owner_side=Side.VENDOR, due_on=days(-1))
    ActionItemFactory(
        vendor=vendor_a, owner_side=Side.VENDOR, due_on=days(-30), status=ActionStatus.IN_PROGRESS
    )
    ActionItemFactory(vendor=vendor_a, owner_side=Side.INTERNAL, due_on=days(-2))
    # Not overdue: due today, due later, done or cancelled.
    ActionItemFactory(vendor=vendor_a, due_on=TODAY)
    ActionItemFactory(vendor=vendor_a, due_on=days(5))
    ActionItemFactory(vendor=vendor_a, due_on=days(-3), status=ActionStatus.DONE)
    ActionItemFactory(vendor=vendor_a, due_on=days(-3), status=ActionStatus.CANCELLED)

    actions = tiles(client_for(manager).get(HOME))["actions"]

    assert actions["count"] == 3
    assert {side["key"]: side["count"] for side in actions["sides"]} == {"internal": 1, "vendor": 2}


def test_reviews_due_are_unsigned_reviews_due_within_30_days_or_past(client_for, manager, vendor_a, vendor_b):
    ReviewFactory(vendor=vendor_a, period_start=dt.date(2025, 7, 1), due_on=days(-10))  # overdue
    ReviewFactory(vendor=vendor_a, period_start=dt.date(2026, 1, 1), due_on=days(30))
    ReviewFactory(vendor=vendor_b, status=ReviewStatus.SIGN_OFF, due_on=TODAY)
    ReviewFactory(vendor=vendor_b, period_start=dt.date(2025, 7, 1), due_on=days(31))  # not yet
    ReviewFactory(
        vendor=vendor_b, period_start=dt.date(2025, 1, 1), due_on=days(-40), status=ReviewStatus.LOCKED
    )

    response = client_for(manager).get(HOME)

    reviews = tiles(response)["reviews"]
    assert (reviews["count"], reviews["overdue"]) == (3, 1)
    html = response.content.decode()
    assert "1 past its sign-off date." in html
    assert "with the sign-off date within 30 days or past" in html


def test_every_governance_number_links_to_the_list_behind_it(client_for, manager, vendor_a):
    ActionItemFactory(vendor=vendor_a, due_on=days(-1))
    actions, reviews = list_path("actions:list", "/actions/"), list_path("reviews:list", "/reviews/")

    html = client_for(manager).get(HOME).content.decode()

    for href in (
        f"{actions}?status=overdue",
        f"{actions}?status=overdue&amp;owner_side=internal",
        f"{actions}?status=overdue&amp;owner_side=vendor",
        f"{reviews}?due=1",
    ):
        assert f'href="{href}"' in html, href
    assert "Owed by us" in html and "Owed by vendors" in html
    assert "arrive with the governance workflows" not in html


def test_the_tiles_follow_the_dashboards_filters(client_for, manager, vendor_a, vendor_b):
    other_owner = factories.InternalUserFactory()
    critical = factories.VendorFactory(tier=VendorTier.CRITICAL, internal_owner=manager)
    vendor_b.internal_owner = other_owner
    vendor_b.save()
    for vendor in (critical, vendor_a, vendor_b):
        ActionItemFactory(vendor=vendor, due_on=days(-1))
        ReviewFactory(vendor=vendor, due_on=days(3))
    client = client_for(manager)

    everything = tiles(client.get(HOME))
    by_tier = tiles(client.get(HOME, {"tier": VendorTier.CRITICAL}))
    mine = tiles(client.get(HOME, {"mine": "on"}))
    by_owner = tiles(client.get(HOME, {"owner": other_owner.pk}))
    no_scorecard = tiles(client.get(HOME, {"standing": "none"}))
    red = tiles(client.get(HOME, {"standing": "red"}))

    assert (everything["actions"]["count"], everything["reviews"]["count"], everything["filtered"]) == (
        3,
        3,
        False,
    )
    assert (by_tier["actions"]["count"], by_tier["reviews"]["count"], by_tier["filtered"]) == (1, 1, True)
    assert (mine["actions"]["count"], by_owner["actions"]["count"]) == (1, 1)
    assert no_scorecard["actions"]["count"] == 3 and red["actions"]["count"] == 0


def test_the_category_filter_narrows_the_tiles(client_for, manager, vendor_a, vendor_b):
    category = factories.ServiceCategoryFactory(name="Service desk")
    vendor_a.service_categories.add(category)
    ActionItemFactory(vendor=vendor_a, due_on=days(-1))
    ActionItemFactory(vendor=vendor_b, due_on=days(-1), owner_side=Side.INTERNAL)

    response = client_for(manager).get(HOME, {"category": category.pk})

    actions = tiles(response)["actions"]
    assert actions["count"] == 1
    assert {side["key"]: side["count"] for side in actions["sides"]} == {"internal": 0, "vendor": 1}
    assert "for the vendors matching the filters" in response.content.decode()


def test_a_filtered_htmx_table_brings_the_tiles_out_of_band(client_for, manager, vendor_a):
    critical = factories.VendorFactory(tier=VendorTier.CRITICAL)
    ActionItemFactory(vendor=critical, due_on=days(-1))
    ActionItemFactory(vendor=vendor_a, due_on=days(-1))

    response = client_for(manager).get(HOME, {"tier": VendorTier.CRITICAL}, headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="portfolio-table"') and "<html" not in html
    assert (
        '<section class="tile" id="tile-actions" aria-labelledby="tile-actions-title" hx-swap-oob="true">'
        in html
    )
    assert 'id="tile-reviews" aria-labelledby="tile-reviews-title" hx-swap-oob="true"' in html
    assert tiles(response)["actions"]["count"] == 1


def test_the_full_page_does_not_mark_the_tiles_out_of_band(client_for, manager):
    html = client_for(manager).get(HOME).content.decode()

    assert 'id="tile-actions"' in html and "hx-swap-oob" not in html


def test_the_summary_is_scoped_by_the_access_policy(vendor_a, vendor_b, vendor_a_user):
    ActionItemFactory(vendor=vendor_a, due_on=days(-1))
    ActionItemFactory(vendor=vendor_b, due_on=days(-1))
    ReviewFactory(vendor=vendor_b, due_on=days(1))

    summary = governance_summary_for_user(user=vendor_a_user, today=TODAY)

    assert (summary.overdue_actions, summary.reviews_due) == (1, 0)


def test_viewers_see_the_governance_tiles(client_for, viewer, vendor_a):
    ActionItemFactory(vendor=vendor_a, due_on=days(-1))

    assert tiles(client_for(viewer).get(HOME))["actions"]["count"] == 1


# --- Vendor 360 -----------------------------------------------------------------------------------


def test_vendor_360_shows_overdue_actions_and_open_issues_with_links(client_for, manager, vendor_a, vendor_b):
    ActionItemFactory(vendor=vendor_a, due_on=days(-1))
    ActionItemFactory(vendor=vendor_a, due_on=days(-9), owner_side=Side.INTERNAL)
    ActionItemFactory(vendor=vendor_a, due_on=days(2))
    ActionItemFactory(vendor=vendor_b, due_on=days(-1))
    IssueFactory(vendor=vendor_a)
    IssueFactory(vendor=vendor_a, status="resolved", resolved_at=timezone.now())
    IssueFactory(vendor=vendor_b)

    response = client_for(manager).get(f"/vendors/{vendor_a.pk}/")

    vendor = response.context["vendor"]
    assert (vendor.overdue_action_count, vendor.open_issue_count) == (2, 1)
    html = response.content.decode()
    actions, issues = list_path("actions:list", "/actions/"), list_path("issues:list", "/issues/")
    assert f'href="{actions}?status=overdue&amp;vendor={vendor_a.pk}"' in html
    assert f'href="{issues}?vendor={vendor_a.pk}"' in html
    assert "2</span> overdue action items" in html and "1</span> open issue<" in html


def test_vendor_users_see_their_own_counts_on_their_vendor_page(
    client_for, vendor_a, vendor_b, vendor_a_user
):
    ActionItemFactory(vendor=vendor_a, due_on=days(-1))
    ActionItemFactory(vendor=vendor_b, due_on=days(-1))
    IssueFactory(vendor=vendor_b)

    response = client_for(vendor_a_user).get(f"/vendors/{vendor_a.pk}/")

    vendor = response.context["vendor"]
    assert (vendor.overdue_action_count, vendor.open_issue_count) == (1, 0)


def test_vendor_360_query_count_does_not_grow_with_governance_rows(client_for, manager, vendor_a):
    client = client_for(manager)
    url = f"/vendors/{vendor_a.pk}/"

    def queries() -> int:
        client.get(url)  # the session and the content types are read once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    ActionItemFactory(vendor=vendor_a, due_on=days(-1))
    IssueFactory(vendor=vendor_a)
    few = queries()
    ActionItemFactory.create_batch(5, vendor=vendor_a, due_on=days(-1))
    IssueFactory.create_batch(5, vendor=vendor_a)

    assert queries() == few
