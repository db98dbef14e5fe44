"""The audit trail pages: who may read them, what vendor users see of them, the filters, keyset pages,
the download, and one object's trail on its page."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.trail import cursor_of, parse_cursor
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
START = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def contracts(vendor_a, vendor_b, manager):
    return factories.ContractFactory(vendor=vendor_a, owner=manager), factories.ContractFactory(
        vendor=vendor_b, owner=manager
    )


def _event(obj, *, actor=None, action="contracts.contract.updated", at=START, **fields):
    return factories.AuditEventFactory(obj=obj, actor=actor, action=action, occurred_at=at, **fields)


def trail(client, **query):
    response = client.get(reverse("audit:trail"), query)
    assert response.status_code == 200
    return response


def actions(response):
    return [entry.event.action for entry in response.context["page"].entries]


def test_internal_readers_of_the_trail_open_it_and_viewers_do_not(
    client_for, manager, auditor, admin_user, viewer
):
    for user in (manager, auditor, admin_user):
        assert client_for(user).get(reverse("audit:trail")).status_code == 200
    assert client_for(viewer).get(reverse("audit:trail")).status_code == 403
    assert client_for(viewer).get(reverse("audit:export")).status_code == 403


def test_vendor_users_read_only_their_own_vendors_events(client_for, vendor_a_user, contracts, manager):
    ours, theirs = contracts
    _event(ours, actor=manager, changes={"title": ["Old", "Ours renamed"]})
    _event(theirs, actor=manager, changes={"title": ["Old", "Theirs renamed"]})
    _event(ours, actor=manager, internal_only=True, changes={"internal_notes": ["", "exit plan"]})
    _event(vendor_a_user, actor=manager, action="accounts.user.updated", changes={"is_staff": [False, False]})

    response = trail(client_for(vendor_a_user))

    text = response.content.decode()
    entries = response.context["page"].entries
    assert {e.event.vendor_id for e in entries} == {ours.vendor_id}
    assert "Ours renamed" in text and "Theirs renamed" not in text and "exit plan" not in text
    assert "Globex" not in text
    # Internal-only fields never reach vendor users, even inside a visible event.
    user_entry = next(e for e in entries if e.event.action == "accounts.user.updated")
    assert user_entry.changes == []
    assert "vendor" not in response.context["form"].fields


def test_vendor_users_cannot_reach_other_vendors_events_through_filters(client_for, vendor_a_user, contracts):
    _, theirs = contracts
    _event(theirs)
    response = trail(client_for(vendor_a_user), object_type="contracts.contract", object_id=str(theirs.pk))
    assert response.context["page"].entries == []


def test_filters_by_actor_action_object_vendor_and_dates(client_for, auditor, manager, contracts, vendor_b):
    ours, theirs = contracts
    _event(ours, actor=manager, action="contracts.contract.updated", at=START)
    _event(ours, actor=None, action="governance.issue.escalated", at=START + DAY)
    _event(theirs, actor=manager, action="contracts.contract.created", at=START + 2 * DAY)
    client = client_for(auditor)

    assert actions(trail(client, actor=manager.pk)) == [
        "contracts.contract.created",
        "contracts.contract.updated",
    ]
    assert actions(trail(client, action="governance.issue")) == ["governance.issue.escalated"]
    assert actions(trail(client, action="contracts.contract.cr")) == ["contracts.contract.created"]
    assert len(actions(trail(client, object_type="contracts.contract", object_id=str(ours.pk)))) == 2
    assert actions(trail(client, vendor=vendor_b.pk)) == ["contracts.contract.created"]
    assert actions(trail(client, date_from="2026-04-02", date_to="2026-04-02")) == [
        "governance.issue.escalated"
    ]
    assert actions(trail(client, date_from="2026-04-02")) == [
        "contracts.contract.created",
        "governance.issue.escalated",
    ]


def test_a_reversed_date_range_is_an_error_on_the_form(client_for, auditor):
    response = trail(client_for(auditor), date_from="2026-04-05", date_to="2026-04-01")
    assert "date_to" in response.context["form"].errors


def test_keyset_pages_walk_the_whole_trail_without_gaps(client_for, auditor, contracts, monkeypatch):
    monkeypatch.setattr("accounts.trail.PAGE_SIZE", 4)
    ours, _ = contracts
    # Several events share one timestamp: the id breaks the tie.
    for n in range(10):
        _event(ours, at=START + (n // 3) * DAY, note=f"event {n}")
    client = client_for(auditor)

    seen, query = [], {}
    while True:
        page = trail(client, **query).context["page"]
        seen += [e.event.pk for e in page.entries]
        if not page.older:
            break
        query = {"before": page.older}
    expected = list(AuditEvent.objects.order_by("-occurred_at", "-id").values_list("pk", flat=True))
    assert seen == expected

    # And back: the page before the last one is the same as on the way down.
    newer = trail(client, after=page.newer).context["page"]
    assert [e.event.pk for e in newer.entries] == expected[4:8]


def test_a_broken_cursor_shows_the_first_page(client_for, auditor, contracts):
    _event(contracts[0])
    assert len(trail(client_for(auditor), before="nonsense").context["page"].entries) == 1
    assert parse_cursor("12_x") is None


def test_a_cursor_keeps_microseconds(contracts):
    event = _event(contracts[0], at=START.replace(microsecond=123457))
    assert parse_cursor(cursor_of(event)) == (event.occurred_at, event.pk)


def test_the_trail_page_runs_a_constant_number_of_queries(
    client_for, auditor, contracts, manager, django_assert_max_num_queries
):
    ours, theirs = contracts
    for _ in range(3):
        _event(ours, actor=manager)
    client = client_for(auditor)
    with django_assert_max_num_queries(6):
        trail(client)
    for n in range(40):
        _event(theirs if n % 2 else ours, actor=factories.InternalUserFactory())
    with django_assert_max_num_queries(6):
        assert len(trail(client).context["page"].entries) == 43


def test_the_download_is_the_filtered_trail_as_csv(client_for, auditor, manager, contracts, vendor_a):
    ours, theirs = contracts
    _event(ours, actor=manager, object_repr="=HYPERLINK(1)")
    _event(theirs, actor=manager)

    response = client_for(auditor).get(reverse("audit:export"), {"vendor": vendor_a.pk, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Occurred", "Actor", "Actor e-mail", "Action"]
    assert len(rows) == 2
    assert rows[1][1] == "Mona Manager" and rows[1][7] == "Acme Test"
    assert rows[1][6] == "'=HYPERLINK(1)"  # formula-safe
    assert rows[1][8] == "Title: Old title → New title"


def test_the_vendor_download_has_neither_notes_nor_other_vendors(client_for, vendor_a_user, contracts):
    ours, theirs = contracts
    _event(ours, note="internal reasoning")
    _event(theirs)

    response = client_for(vendor_a_user).get(reverse("audit:export"), {"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert "Note" not in rows[0] and "Vendor" not in rows[0]
    assert "internal reasoning" not in response.content.decode("utf-8-sig")


def test_an_unknown_download_format_is_a_400(client_for, auditor):
    assert client_for(auditor).get(reverse("audit:export"), {"format": "pdf"}).status_code == 400
