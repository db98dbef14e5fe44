"""The vendor's monthly progress update: submitted once per month, changed while the month runs, audited."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from governance.models import ProgressUpdate
from governance.services import progress_update_change, progress_update_submit
from tests import factories

pytestmark = pytest.mark.django_db

JUNE = dt.date(2026, 6, 1)
MID_JUNE = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)
LIST = reverse("vendor_portal:progress_list")
NEW = reverse("vendor_portal:progress_create")
FORM = {
    "rag": "amber",
    "summary": "Cut-over done.",
    "risks": "Key engineer leaving.",
    "requests": "Firewall change.",
}


@pytest.fixture(autouse=True)
def _mid_june():
    with time_machine.travel(MID_JUNE, tick=False):
        yield


def submit(actor, vendor=None, period_start=JUNE, **fields):
    data = {"rag": "green", "summary": "All well.", "risks": "", "requests": "", **fields}
    return progress_update_submit(
        vendor=vendor or actor.vendor, actor=actor, period_start=period_start, **data
    )


def edit_url(update):
    return reverse("vendor_portal:progress_edit", args=[update.pk])


def test_vendor_user_submits_the_months_update(client_for, vendor_a_user, vendor_a):
    response = client_for(vendor_a_user).post(NEW, FORM, follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    update = ProgressUpdate.objects.get()
    assert (update.vendor, update.period_start, update.rag, update.submitted_by) == (
        vendor_a,
        JUNE,
        "amber",
        vendor_a_user,
    )
    assert (update.summary, update.risks, update.requests) == (
        "Cut-over done.",
        "Key engineer leaving.",
        "Firewall change.",
    )
    page = response.content.decode()
    assert "June 2026" in page and "Cut-over done." in page and "Firewall change." in page
    event = AuditEvent.objects.get(action="governance.progressupdate.created")
    assert event.actor == vendor_a_user and event.vendor_id == vendor_a.pk
    assert event.changes["summary"] == [None, "Cut-over done."]


def test_missing_fields_are_field_errors(client_for, vendor_a_user):
    response = client_for(vendor_a_user).post(NEW, {"rag": "purple", "summary": "  "})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"rag", "summary"}
    assert not ProgressUpdate.objects.exists()


def test_a_second_update_for_the_month_is_a_form_error(client_for, vendor_a_user, vendor_a_admin):
    first = submit(vendor_a_admin)

    response = client_for(vendor_a_user).post(NEW, FORM)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "An update for June 2026 has been submitted already; change that one instead."
    ]
    assert edit_url(first) in response.content.decode()
    assert ProgressUpdate.objects.get() == first
    with pytest.raises(ValidationError):
        submit(vendor_a_user)


def test_the_new_form_sends_to_the_months_update_when_there_is_one(client_for, vendor_a_user):
    update = submit(vendor_a_user)

    response = client_for(vendor_a_user).get(NEW)

    assert response.status_code == 302 and response.url == edit_url(update)


def test_an_update_changes_while_its_month_runs(client_for, vendor_a_user, vendor_a_admin):
    update = submit(vendor_a_user, summary="First draft.")
    client = client_for(vendor_a_admin)

    page = client.get(edit_url(update))
    assert page.status_code == 200 and "First draft." in page.content.decode()
    response = client.post(edit_url(update), {**FORM, "rag": "red"})

    assert response.status_code == 302 and response.url == LIST
    update.refresh_from_db()
    assert (update.rag, update.summary, update.submitted_by) == ("red", "Cut-over done.", vendor_a_user)
    event = AuditEvent.objects.get(action="governance.progressupdate.updated")
    assert event.actor == vendor_a_admin
    assert event.changes["rag"] == ["green", "red"]
    assert event.changes["summary"] == ["First draft.", "Cut-over done."]


def test_after_the_month_ends_the_update_is_closed(client_for, vendor_a_user):
    update = submit(vendor_a_user)

    with time_machine.travel(dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC), tick=False):
        response = client_for(vendor_a_user).post(edit_url(update), FORM, follow=True)
        listing = response.content.decode()
        with pytest.raises(ValidationError, match="June 2026 has ended"):
            progress_update_change(update=update, actor=vendor_a_user, **FORM)
        with pytest.raises(ValidationError, match="has ended"):
            submit(vendor_a_user, period_start=dt.date(2026, 5, 1))

    assert response.redirect_chain == [(LIST, 302)]
    assert "June 2026 has ended" in listing
    update.refresh_from_db()
    assert update.summary == "All well."
    assert not AuditEvent.objects.filter(action="governance.progressupdate.updated").exists()


@pytest.mark.parametrize(
    ("moment", "editable"),
    [
        (dt.datetime(2026, 6, 30, 21, 59, tzinfo=dt.UTC), True),  # 23:59 in Amsterdam (CEST)
        (dt.datetime(2026, 6, 30, 22, 0, tzinfo=dt.UTC), False),  # midnight in Amsterdam
    ],
)
def test_the_month_ends_at_local_midnight(settings, vendor_a_user, moment, editable):
    settings.TIME_ZONE = "Europe/Amsterdam"
    update = submit(vendor_a_user)

    with time_machine.travel(moment, tick=False):
        if editable:
            progress_update_change(update=update, actor=vendor_a_user, **FORM)
        else:
            with pytest.raises(ValidationError):
                progress_update_change(update=update, actor=vendor_a_user, **FORM)
    assert moment.astimezone(ZoneInfo("Europe/Amsterdam")).month == (6 if editable else 7)


def test_only_the_running_month_can_be_submitted(vendor_a_user):
    with pytest.raises(ValidationError, match="not begun"):
        submit(vendor_a_user, period_start=dt.date(2026, 7, 1))
    with pytest.raises(ValidationError, match="first day"):
        submit(vendor_a_user, period_start=dt.date(2026, 6, 2))
    assert not ProgressUpdate.objects.exists()


def test_nobody_submits_for_another_vendor_or_without_the_right(vendor_a_user, vendor_b, manager, viewer):
    with pytest.raises(PermissionDenied):
        submit(vendor_a_user, vendor=vendor_b)
    for internal in (manager, viewer):
        with pytest.raises(PermissionDenied):
            submit(internal, vendor=vendor_b)
    update = submit(factories.VendorUserFactory(vendor=vendor_b))
    with pytest.raises(PermissionDenied):
        progress_update_change(update=update, actor=vendor_a_user, **FORM)
    assert ProgressUpdate.objects.count() == 1


def test_another_vendors_update_is_404(client_for, vendor_a_user, vendor_b_user):
    theirs = submit(vendor_b_user, summary="Globex private plans.")
    client = client_for(vendor_a_user)

    assert client.get(edit_url(theirs)).status_code == 404
    assert client.post(edit_url(theirs), FORM).status_code == 404
    listing = client.get(LIST).content.decode()
    assert "Globex private plans." not in listing
    theirs.refresh_from_db()
    assert theirs.summary == "Globex private plans."


def test_internal_staff_are_sent_to_the_portfolio(client_for, manager):
    for url in (LIST, NEW):
        response = client_for(manager).get(url)
        assert response.status_code == 302 and response.url == reverse("portal:home")


def test_list_shows_an_empty_state_and_the_way_to_submit(client_for, vendor_a_user):
    page = client_for(vendor_a_user).get(LIST).content.decode()

    assert "No progress update yet." in page
    assert NEW in page and "Write the June update" in page


def test_list_query_count_does_not_grow(client_for, vendor_a_user, vendor_a):
    client = client_for(vendor_a_user)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    submit(vendor_a_user)
    few = queries()
    for month in range(1, 6):
        ProgressUpdate.objects.create(
            vendor=vendor_a,
            period_start=dt.date(2026, month, 1),
            rag="green",
            summary="Old.",
            submitted_by=vendor_a_user,
        )
    assert queries() == few
