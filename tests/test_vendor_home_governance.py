"""The vendor home's governance part: action items the vendor's side owes (overdue ones marked) and
reviews waiting for its self-assessment or signature — its own only, in a fixed number of queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from governance.models import ActionStatus, ReviewStatus, Side
from portal.selectors import vendor_home
from tests.factories_governance_portal import ActionItemFactory, ReviewFactory

pytestmark = pytest.mark.django_db

HOME = reverse("vendor_portal:home")
NOW = dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 3)


@pytest.fixture(autouse=True)
def _early_june():
    with time_machine.travel(NOW, tick=False):
        yield


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def detail_path(name: str, pk: int) -> str | None:
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return None


def test_open_vendor_side_action_items_are_listed_earliest_due_first(client_for, vendor_a, vendor_a_user):
    late = ActionItemFactory(
        vendor=vendor_a, title="Send the capacity plan", due_on=days(-2), owner=vendor_a_user
    )
    soon = ActionItemFactory(
        vendor=vendor_a, title="Patch the gateways", due_on=days(4), status=ActionStatus.IN_PROGRESS
    )
    ActionItemFactory(
        vendor=vendor_a, title="Approve the change window", owner_side=Side.INTERNAL, due_on=days(1)
    )
    ActionItemFactory(vendor=vendor_a, title="Rotate the keys", due_on=days(-5), status=ActionStatus.DONE)
    ActionItemFactory(vendor=vendor_a, title="Old idea", due_on=days(-5), status=ActionStatus.CANCELLED)

    response = client_for(vendor_a_user).get(HOME)

    due = response.context["actions_due"]
    assert [item.title for item in due.items] == [late.title, soon.title]
    assert (due.total, due.overdue, due.more) == (2, 1, 0)
    assert [item.is_late for item in due.items] == [True, False]
    html = response.content.decode()
    assert "Approve the change window" not in html and "Rotate the keys" not in html
    assert "2</span>\n      action items assigned to you" in html and "1 overdue" in html
    assert html.count('<span class="badge badge--severity-high">Overdue</span>') == 1
    assert str(vendor_a_user) in html and "Not named yet" in html


def test_action_items_link_to_their_page_when_it_exists(client_for, vendor_a, vendor_a_user):
    item = ActionItemFactory(vendor=vendor_a, title="Send the capacity plan", due_on=days(3))

    html = client_for(vendor_a_user).get(HOME).content.decode()

    url = detail_path("actions:detail", item.pk)
    if url:
        assert f'<a class="strong" href="{url}">Send the capacity plan</a>' in html
    else:
        assert '<span class="strong">Send the capacity plan</span>' in html


def test_the_home_page_lists_the_first_25_action_items_and_counts_the_rest(
    client_for, vendor_a, vendor_a_user
):
    ActionItemFactory.create_batch(27, vendor=vendor_a, due_on=days(-1))

    response = client_for(vendor_a_user).get(HOME)

    due = response.context["actions_due"]
    assert (len(due.items), due.total, due.overdue, due.more) == (25, 27, 27, 2)
    assert "2 more action items due later" in response.content.decode()


def test_reviews_waiting_for_the_self_assessment_or_the_vendors_signature(
    client_for, vendor_a, vendor_a_user, manager
):
    self_assessment = ReviewFactory(vendor=vendor_a, period_start=dt.date(2026, 1, 1), due_on=days(20))
    sign_off = ReviewFactory(
        vendor=vendor_a,
        period_start=dt.date(2025, 7, 1),
        period_end=dt.date(2025, 12, 31),
        status=ReviewStatus.SIGN_OFF,
        due_on=days(-1),
        internal_signed_by=manager,
        internal_signed_at=NOW,
    )
    # Not waiting for the vendor: signed by the vendor already, with the manager, draft, locked.
    ReviewFactory(
        vendor=vendor_a,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 6, 30),
        status=ReviewStatus.SIGN_OFF,
        vendor_signed_by=vendor_a_user,
        vendor_signed_at=NOW,
    )
    ReviewFactory(
        vendor=vendor_a,
        period_start=dt.date(2024, 7, 1),
        period_end=dt.date(2024, 12, 31),
        status=ReviewStatus.ASSESSMENT,
    )
    ReviewFactory(
        vendor=vendor_a,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 6, 30),
        status=ReviewStatus.DRAFT,
    )
    ReviewFactory(
        vendor=vendor_a,
        period_start=dt.date(2023, 7, 1),
        period_end=dt.date(2023, 12, 31),
        status=ReviewStatus.LOCKED,
    )

    response = client_for(vendor_a_user).get(HOME)

    assert response.context["reviews_waiting"] == [sign_off, self_assessment]
    html = response.content.decode()
    assert "Your sign-off is due" in html and "Your self-assessment is due" in html
    # Only the sign-off, due yesterday, is overdue.
    assert html.count('<span class="badge badge--severity-high">Overdue</span>') == 1
    assert "2</span>\n      reviews waiting for you" in html
    for review in (sign_off, self_assessment):
        url = detail_path("reviews:detail", review.pk)
        if url:
            assert f'href="{url}"' in html


def test_empty_states(client_for, vendor_a, vendor_a_user):
    html = client_for(vendor_a_user).get(HOME).content.decode()

    assert "No open action item is assigned to Acme Test." in html
    assert "No review is waiting for your self-assessment or your signature." in html
    assert "will be listed here once governance forums" not in html


def test_vendor_b_items_never_appear_for_vendor_a(
    client_for, vendor_a, vendor_b, vendor_a_user, vendor_b_user
):
    ActionItemFactory(vendor=vendor_a, title="Acme sends the capacity plan", due_on=days(-1))
    ActionItemFactory(vendor=vendor_b, title="Globex renews the certificate", due_on=days(-1))
    ReviewFactory(vendor=vendor_a, period_start=dt.date(2026, 1, 1), due_on=dt.date(2026, 7, 1))
    globex_review = ReviewFactory(
        vendor=vendor_b, period_start=dt.date(2026, 1, 1), due_on=dt.date(2026, 7, 2)
    )

    acme = client_for(vendor_a_user).get(HOME)
    globex = client_for(vendor_b_user).get(HOME)

    acme_html, globex_html = acme.content.decode(), globex.content.decode()
    assert "Acme sends the capacity plan" in acme_html and "Globex renews the certificate" not in acme_html
    assert (
        "Globex renews the certificate" in globex_html and "Acme sends the capacity plan" not in globex_html
    )
    assert globex_review not in acme.context["reviews_waiting"]
    assert "2 Jul 2026" not in acme_html and "1 Jul 2026" in acme_html
    assert acme.context["actions_due"].total == globex.context["actions_due"].total == 1


def test_the_selectors_are_scoped_even_when_asked_for_another_vendor(vendor_a, vendor_b, vendor_a_user):
    ActionItemFactory(vendor=vendor_b, due_on=days(-1))
    ReviewFactory(vendor=vendor_b)

    assert not vendor_home.vendor_actions_due_for_user(user=vendor_a_user, vendor=vendor_b).exists()
    assert not vendor_home.reviews_awaiting_vendor_for_user(user=vendor_a_user, vendor=vendor_b).exists()


def test_query_count_does_not_grow_with_action_items_and_reviews(client_for, vendor_a, vendor_a_user):
    client = client_for(vendor_a_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        return len(captured)

    ActionItemFactory(vendor=vendor_a, due_on=days(-1), owner=vendor_a_user)
    ReviewFactory(vendor=vendor_a)
    few = queries()

    for n in range(6):
        ActionItemFactory(vendor=vendor_a, due_on=days(n - 3), owner=vendor_a_user)
        ReviewFactory(
            vendor=vendor_a, period_start=dt.date(2020 + n, 1, 1), period_end=dt.date(2020 + n, 6, 30)
        )
    assert queries() == few
