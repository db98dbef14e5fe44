"""The notification list, read marks, the nav badge, preferences and the one-click unsubscribe."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from notifications.emails import unsubscribe_token
from notifications.kinds import kinds_for
from notifications.models import Notification, NotificationPreference
from tests import factories_notifications as nf

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
PREFERENCES = reverse("notifications:preferences")


def test_the_list_shows_own_notifications_newest_first_with_the_unread_count(client_for, manager, viewer):
    older = nf.NotificationFactory(
        recipient=manager, title="Older one", created_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    )
    newer = nf.NotificationFactory(
        recipient=manager, title="Newer one", created_at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
    )
    nf.NotificationFactory(
        recipient=manager, title="Read one", read_at=dt.datetime(2026, 4, 3, tzinfo=dt.UTC)
    )
    nf.NotificationFactory(recipient=viewer, title="Someone else's")

    response = client_for(manager).get(LIST)

    text = response.content.decode()
    assert response.status_code == 200
    assert "2 unread" in text
    assert text.index(newer.title) < text.index(older.title)
    assert "Someone else" not in text
    assert list(response.context["page_obj"]) == [
        *Notification.objects.filter(recipient=manager).order_by("-created_at", "-pk")
    ]
    unread = client_for(manager).get(LIST, {"show": "unread"})
    assert "Read one" not in unread.content.decode() and newer.title in unread.content.decode()


def test_the_empty_states(client_for, manager):
    assert "No notifications yet." in client_for(manager).get(LIST).content.decode()
    nf.NotificationFactory(recipient=manager, read_at=dt.datetime(2026, 4, 3, tzinfo=dt.UTC))
    assert "You are all caught up." in client_for(manager).get(LIST, {"show": "unread"}).content.decode()


def test_the_list_is_paginated_in_a_constant_number_of_queries(
    client_for, manager, django_assert_max_num_queries, portfolio
):
    client = client_for(manager)
    nf.NotificationFactory.create_batch(3, recipient=manager, vendor=portfolio.a.vendor)
    with django_assert_max_num_queries(6) as few:
        client.get(LIST)
    nf.NotificationFactory.create_batch(60, recipient=manager, vendor=portfolio.b.vendor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"page": 2})
    assert len(response.context["page_obj"]) == 25
    assert "Page 2 of 3" in response.content.decode()


def test_mark_one_read_then_all_read(client_for, manager):
    client = client_for(manager)
    first, second, third = nf.NotificationFactory.create_batch(3, recipient=manager)

    response = client.post(reverse("notifications:read", args=[first.pk]), {"next": f"{LIST}?page=1"})
    assert response.status_code == 302 and response.url == f"{LIST}?page=1"
    first.refresh_from_db()
    assert first.read_at is not None

    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "Marked 2 notifications read." in response.content.decode()
    assert not Notification.objects.filter(recipient=manager, read_at__isnull=True).exists()
    # Read marks are the reader's own: nothing in the audit trail.
    assert not AuditEvent.objects.filter(object_type="notifications.notification").exists()


def test_marking_read_can_open_the_page_and_never_redirects_elsewhere(client_for, manager):
    notification = nf.NotificationFactory(recipient=manager, url="/breaches/12/")
    client = client_for(manager)
    opened = client.post(reverse("notifications:read", args=[notification.pk]), {"open": "1"})
    assert opened.url == "/breaches/12/"
    outside = client.post(
        reverse("notifications:read", args=[notification.pk]), {"next": "https://evil.example/"}
    )
    assert outside.url == LIST
    odd = nf.NotificationFactory(recipient=manager, url="//evil.example/")
    assert client.post(reverse("notifications:read", args=[odd.pk]), {"open": "1"}).url == LIST


def test_nobody_reads_someone_elses_notification(client_for, manager, vendor_a_user, vendor_b_user):
    theirs = nf.NotificationFactory(recipient=vendor_a_user)
    for intruder in (manager, vendor_b_user):
        response = client_for(intruder).post(reverse("notifications:read", args=[theirs.pk]))
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_marks_need_a_post_with_the_csrf_token(manager):
    notification = nf.NotificationFactory(recipient=manager)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.get(reverse("notifications:read", args=[notification.pk])).status_code == 405
    assert client.post(reverse("notifications:read", args=[notification.pk])).status_code == 403
    assert client.post(reverse("notifications:read_all")).status_code == 403


def test_the_nav_badge_loads_the_unread_count_after_the_page(client_for, manager):
    page = client_for(manager).get(LIST).content.decode()
    assert f'hx-get="{reverse("notifications:badge")}"' in page
    assert "nav-badge" not in client_for(manager).get(reverse("notifications:badge")).content.decode()
    nf.NotificationFactory.create_batch(2, recipient=manager)
    badge = client_for(manager).get(reverse("notifications:badge")).content.decode()
    assert '<span class="nav-badge">2<span class="visually-hidden"> unread</span></span>' in badge
    assert Client().get(reverse("notifications:badge")).status_code == 401


# ---- Preferences ---------------------------------------------------------------------------------


def _form(user=None, **changes):
    data = {f"mode_{kind}": "digest" for kind in kinds_for(user.role)} if user else {}
    data |= {
        "digests_enabled": "on",
        "digest_frequency": "weekly",
        "delivery_time": "08:30",
        "time_zone": "Europe/Paris",
        "mode_breach_opened": "immediate",
        "mode_report_due": "off",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_vendor_users_choose_among_their_kinds_and_save(client_for, vendor_a_user):
    client = client_for(vendor_a_user)
    page = client.get(PREFERENCES).content.decode()
    assert "Figures due" in page and "Figures waiting for validation" not in page
    assert 'value="Europe/Paris"' in page  # the time-zone suggestions

    response = client.post(PREFERENCES, _form(vendor_a_user), follow=True)

    assert "Your notification preferences are saved." in response.content.decode()
    saved = NotificationPreference.objects.get(user=vendor_a_user)
    assert saved.digest_frequency == "weekly" and saved.delivery_time == dt.time(8, 30)
    assert saved.time_zone == "Europe/Paris"
    assert saved.mode_for("breach_opened") == "immediate" and saved.mode_for("report_due") == "off"
    event = AuditEvent.objects.get(action="notifications.notificationpreference.created")
    assert event.actor == vendor_a_user and event.vendor_id == vendor_a_user.vendor_id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "is not a time zone name"),
        ("time_zone", "../../etc/passwd", "is not a time zone name"),
        ("delivery_time", "25:99", "Enter a valid time."),
        ("digest_frequency", "hourly", "Select a valid choice."),
        ("mode_breach_opened", "sometimes", "Select a valid choice."),
    ],
)
def test_bad_preferences_show_field_errors_and_save_nothing(client_for, manager, field, value, message):
    data = _form(manager, **{field: value})
    response = client_for(manager).post(PREFERENCES, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_changing_preferences_is_audited_with_old_and_new_values(client_for, manager):
    nf.PreferenceFactory(user=manager, digest_frequency="daily")
    client_for(manager).post(PREFERENCES, _form(manager, mode_report_due=None, digest_frequency="weekly"))
    event = AuditEvent.objects.get(action="notifications.notificationpreference.updated")
    assert event.changes["digest_frequency"] == ["daily", "weekly"]


def test_viewers_have_the_summary_only(client_for, viewer):
    page = client_for(viewer).get(PREFERENCES).content.decode()
    assert "monthly summary" in page and "there are no event notifications to choose" in page


# ---- One-click unsubscribe -----------------------------------------------------------------------


def test_the_unsubscribe_link_asks_first_then_one_post_unsubscribes_without_signing_in(manager):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(manager.pk)])
    client = Client(enforce_csrf_checks=True)

    page = client.get(url)
    assert (
        page.status_code == 200
        and "Stop sending digest e-mails to manager@portal.test?" in page.content.decode()
    )
    assert not NotificationPreference.objects.exists()  # a link checker's GET changes nothing

    # What a mail client sends for List-Unsubscribe-Post (RFC 8058): no session, no CSRF token.
    done = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    preference = NotificationPreference.objects.get(user=manager)
    assert preference.digests_enabled is False and preference.unsubscribed_at is not None
    event = AuditEvent.objects.get(action="notifications.notificationpreference.unsubscribed")
    assert "one-click" in event.note

    client.post(url)  # a second click changes nothing more
    assert AuditEvent.objects.filter(action="notifications.notificationpreference.unsubscribed").count() == 1


def test_a_tampered_unsubscribe_link_is_not_found(manager):
    token = unsubscribe_token(manager.pk)
    for bad in (token[:-2] + "xx", "no-such-token"):
        url = reverse("notifications:unsubscribe", args=[bad])
        assert Client().post(url).status_code == 404
    assert not NotificationPreference.objects.exists()


def test_turning_digests_back_on_clears_the_unsubscription(client_for, manager):
    nf.PreferenceFactory(
        user=manager, digests_enabled=False, unsubscribed_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    )
    page = client_for(manager).get(PREFERENCES).content.decode()
    assert "You unsubscribed from digests on 1 Apr 2026" in page
    client_for(manager).post(PREFERENCES, _form(manager, mode_report_due=None))
    preference = NotificationPreference.objects.get(user=manager)
    assert preference.digests_enabled and preference.unsubscribed_at is None
