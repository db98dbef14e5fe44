"""Races and double submits happen once: escalation by hand, agenda positions, upload confirmation and
the create forms (issue, decision, action item, comments).

The page tests run on any database; the concurrent ones release threads together against PostgreSQL
(set DATABASE_URL), where the row locks and unique constraints they rely on are real.
"""

import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from accounts.form_tokens import create_once, new_form_token
from accounts.models import FormSubmission
from governance.models import ActionItem, Decision, Issue, IssueComment, IssueEscalation, MeetingComment, Side
from governance.services.agenda import agenda_add
from governance.services.issues import issue_escalate, issue_raise
from kpis import services as kpi_services
from kpis.models import Measurement, MeasurementUpload, UploadStatus
from tests import factories
from tests.concurrency import THREADS, in_threads
from tests.factories_issues import IssueFactory, path_with_levels
from tests.factories_meetings import ForumFactory, MeetingFactory


def postgres_only(test):
    """Threads released together against PostgreSQL, committing for real."""
    marks = (
        pytest.mark.postgres,
        pytest.mark.skipif(
            connection.vendor != "postgresql",
            reason="Concurrent submissions need PostgreSQL row locks (set DATABASE_URL).",
        ),
        pytest.mark.django_db(transaction=True),
    )
    for mark in marks:
        test = mark(test)
    return test


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def token_on(page) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', page.content.decode())
    assert match, "the form carries no one-time token"
    return match.group(1)


@pytest.fixture
def issue(vendor_a):
    return IssueFactory(vendor=vendor_a, path=path_with_levels(vendor=vendor_a, hours=(8, 24, 72)))


# ---- Escalation by hand ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_escalating_without_the_level_seen_moves_nothing(client_for, manager, issue):
    response = client_for(manager).post(
        reverse("issues:escalate", kwargs={"issue_pk": issue.pk}), {"note": ""}
    )

    assert response.status_code == 200
    assert "Reload the issue and escalate from the level it shows." in response.content.decode()
    issue.refresh_from_db()
    assert issue.level == 1
    assert not IssueEscalation.objects.exists()
    with pytest.raises(ValidationError):
        issue_escalate(issue=issue, actor=manager, from_level=None)


@postgres_only
def test_concurrent_clicks_escalate_one_level(manager, vendor_a):
    issue = IssueFactory(vendor=vendor_a, path=path_with_levels(vendor=vendor_a, hours=(8, 24, 72)))

    outcomes = in_threads(
        lambda: issue_escalate(issue=issue, actor=manager, from_level=1), refusals=(ValidationError,)
    )

    assert sum(not isinstance(o, ValidationError) for o in outcomes) == 1
    issue.refresh_from_db()
    assert issue.level == 2
    assert list(IssueEscalation.objects.values_list("level", flat=True)) == [2]


# ---- Agenda positions --------------------------------------------------------------------------------


@postgres_only
def test_concurrent_agenda_additions_get_their_own_positions(manager, vendor_a):
    meeting = MeetingFactory(
        forum=ForumFactory(vendor=vendor_a, members=[manager]),
        scheduled_for=dt.datetime(2030, 4, 15, 10, tzinfo=dt.UTC),
    )
    agenda_add(meeting=meeting, actor=manager, title="Welcome")
    names = iter(range(THREADS))

    in_threads(lambda: agenda_add(meeting=meeting, actor=manager, title=f"Point {next(names)}"))

    positions = list(meeting.agenda_items.values_list("position", flat=True))
    assert sorted(positions) == list(range(1, THREADS + 2))


# ---- Upload confirmation -----------------------------------------------------------------------------


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@postgres_only
def test_two_uploads_of_the_same_figures_confirmed_at_once_save_once(vendor_a, vendor_a_user):
    """The first confirmation holds its transaction open while the second runs its re-check: the
    second must wait for it (a lock), then find the figures already recorded."""
    now = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
    service_level = factories.ServiceLevelFactory(
        contract=factories.SOWFactory(vendor=vendor_a), effective_from=dt.date(2025, 1, 1)
    )
    body = f"service_level,measured_on,value,denominator,note\n{service_level.pk},2026-06-01,99.95,,\n"
    first, second = (
        kpi_services.upload_check(
            uploaded_file=SimpleUploadedFile(f"figures-{n}.csv", body.encode(), content_type="text/csv"),
            vendor=vendor_a,
            actor=vendor_a_user,
            now=now,
        )
        for n in range(2)
    )
    first_done, release, second_done = threading.Event(), threading.Event(), threading.Event()
    outcomes, errors = {}, []

    def confirm_and_hold():
        try:
            with transaction.atomic():
                outcomes["first"] = kpi_services.upload_confirm(upload=first, actor=vendor_a_user, now=now)
                first_done.set()
                release.wait(timeout=60)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            first_done.set()
        finally:
            connection.close()

    def confirm_meanwhile():
        try:
            first_done.wait(timeout=60)
            outcomes["second"] = kpi_services.upload_confirm(upload=second, actor=vendor_a_user, now=now)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=confirm_and_hold), threading.Thread(target=confirm_meanwhile)]
    for thread in threads:
        thread.start()
    first_done.wait(timeout=60)
    # Until the second confirmation either finished (nothing stopped it) or waits on the first's lock.
    for _ in range(600):
        if second_done.is_set() or _waiting_on_a_lock():
            break
        second_done.wait(timeout=0.05)
    release.set()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert len(outcomes["first"].saved) == 1
    assert outcomes["second"].saved == []
    assert "already recorded" in outcomes["second"].errors[0]["message"]
    assert Measurement.objects.count() == 1
    statuses = dict(MeasurementUpload.objects.values_list("pk", "status"))
    assert statuses == {first.pk: UploadStatus.CONFIRMED, second.pk: UploadStatus.REJECTED}


# ---- Create forms: one-time tokens -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_issue_raised_twice_with_one_token_is_raised_once(client_for, vendor_a_user, vendor_a, issue):
    client = client_for(vendor_a_user)
    data = {"title": "VPN access", "description": "Two engineers lack access.", "severity": "high"}
    data["form_token"] = token_on(client.get(reverse("issues:raise")))

    first = client.post(reverse("issues:raise"), data)
    second = client.post(reverse("issues:raise"), data)

    raised = Issue.objects.get(title="VPN access")
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("issues:detail", kwargs={"issue_pk": raised.pk})
    # A fresh form gets a fresh token and raises a second issue.
    data["form_token"] = token_on(client.get(reverse("issues:raise")))
    client.post(reverse("issues:raise"), data)
    assert Issue.objects.filter(title="VPN access").count() == 2


@pytest.mark.django_db
def test_a_refused_submission_keeps_its_token_usable(client_for, vendor_a_user, issue):
    client = client_for(vendor_a_user)
    token = token_on(client.get(reverse("issues:raise")))

    refused = client.post(reverse("issues:raise"), {"title": "", "description": "", "form_token": token})
    assert refused.status_code == 200 and token_on(refused) == token
    assert not FormSubmission.objects.exists()

    data = {
        "title": "Late reports",
        "description": "Twice this month.",
        "severity": "low",
        "form_token": token,
    }
    assert client.post(reverse("issues:raise"), data).status_code == 302
    assert Issue.objects.filter(title="Late reports").count() == 1


@pytest.mark.django_db
def test_a_decision_recorded_twice_with_one_token_is_recorded_once(
    client_for, manager, vendor_a, vendor_a_user
):
    meeting = MeetingFactory(forum=ForumFactory(vendor=vendor_a, members=[manager, vendor_a_user]))
    client = client_for(manager)
    url = reverse("decisions:create") + f"?meeting={meeting.pk}"
    data = {
        "title": "Extend the service desk hours",
        "rationale": "Demand after 18:00 has doubled.",
        "decided_on": "2026-04-09",
        "owner": vendor_a_user.pk,
        "meeting": meeting.pk,
        "form_token": token_on(client.get(url)),
    }

    responses = [client.post(url, data) for _ in range(2)]

    decision = Decision.objects.get()
    assert {r.url for r in responses} == {reverse("decisions:detail", args=[decision.pk])}


@pytest.mark.django_db
def test_an_action_created_twice_with_one_token_is_created_once(client_for, manager, vendor_a, vendor_a_user):
    client = client_for(manager)
    url = reverse("actions:create") + f"?vendor={vendor_a.pk}"
    data = {
        "title": "Send the capacity plan",
        "owner_side": Side.VENDOR,
        "owner": vendor_a_user.pk,
        "due_on": "2030-04-24",
        "form_token": token_on(client.get(url)),
    }

    responses = [client.post(url, data) for _ in range(2)]

    action = ActionItem.objects.get()
    assert {r.url for r in responses} == {reverse("actions:detail", args=[action.pk])}


@pytest.mark.django_db
def test_comments_sent_twice_with_one_token_are_added_once(
    client_for, manager, vendor_a, vendor_a_user, issue
):
    client = client_for(vendor_a_user)
    token = token_on(client.get(reverse("issues:detail", kwargs={"issue_pk": issue.pk})))
    for _ in range(2):
        client.post(
            reverse("issues:comment", kwargs={"issue_pk": issue.pk}), {"body": "Hi", "form_token": token}
        )
    assert IssueComment.objects.filter(issue=issue).count() == 1

    meeting = MeetingFactory(forum=ForumFactory(vendor=vendor_a, members=[manager, vendor_a_user]))
    token = token_on(client.get(reverse("forums:meeting_detail", args=[meeting.pk])))
    for _ in range(2):
        client.post(reverse("forums:meeting_comment", args=[meeting.pk]), {"body": "Hi", "form_token": token})
    assert MeetingComment.objects.filter(meeting=meeting).count() == 1


@pytest.mark.django_db
def test_a_token_is_one_users(manager, vendor_a_user, vendor_a, issue):
    token = new_form_token()
    create_once(
        token=token,
        user=manager,
        create=lambda: issue_raise(actor=manager, vendor=vendor_a, title="Mine", description="d"),
        url_of=lambda made: f"/issues/{made.pk}/",
    )
    with pytest.raises(ValidationError):
        create_once(
            token=token,
            user=vendor_a_user,
            create=lambda: issue_raise(actor=vendor_a_user, vendor=vendor_a, title="Theirs", description="d"),
            url_of=lambda made: f"/issues/{made.pk}/",
        )
    assert not Issue.objects.filter(title="Theirs").exists()


@postgres_only
def test_concurrent_submissions_with_one_token_create_once(vendor_a_user, vendor_a):
    token = new_form_token()

    def submit():
        return create_once(
            token=token,
            user=vendor_a_user,
            create=lambda: issue_raise(actor=vendor_a_user, vendor=vendor_a, title="Once", description="d"),
            url_of=lambda made: f"/issues/{made.pk}/",
        )

    outcomes = in_threads(submit)

    raised = Issue.objects.get(title="Once")
    assert {url for url, _created in outcomes} == {f"/issues/{raised.pk}/"}
    assert sum(created for _url, created in outcomes) == 1
