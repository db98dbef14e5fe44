"""Who may do what in partner selection: vendors never see it (404 everywhere), readers read, managers
create and own, only named evaluators score. List and event pages run a fixed number of queries."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts import policy
from accounts.models import Role
from selection import services
from selection.models import SelectionEvent
from tests import factories
from tests.factories_selection import candidates_of, make_event, score
from tests.test_isolation import all_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(manager, vendor_a, vendor_b):
    evaluator = factories.InternalUserFactory(full_name="Eva Evaluator")
    event = make_event(
        owner=manager, vendors=[vendor_a, vendor_b], prospects=["Northwind Test"], evaluators=[evaluator]
    )
    a, b, c = candidates_of(event)
    services.commitment_add(
        candidate=a, actor=manager, metric=factories.MetricFactory(), target=99, minimum=98
    )
    score(event, evaluator, {a: [4, 4, 4], b: [3, 3, 3], c: [2, 2, 2]})
    return event


def selection_urls(event):
    """Every selection URL, filled with this event's rows."""
    candidate = event.candidates.order_by("pk").first()
    values = {
        "pk": event.pk,
        "candidate_pk": candidate.pk,
        "commitment_pk": candidate.commitments.first().pk,
        "evaluator_pk": event.evaluators.first().pk,
    }
    routes = [r for r in all_routes() if r.namespace == "selection"]
    assert len(routes) >= 20
    return [(r.name, reverse(r.name, kwargs={k: values[k] for k in r.kwargs})) for r in routes]


@pytest.mark.parametrize("role", ["vendor_a_user", "vendor_a_admin", "vendor_b_user"])
def test_vendor_users_get_404_on_every_selection_url(request, event, role):
    """Even vendor A, a candidate of the event, sees nothing of it."""
    client = Client()
    client.force_login(request.getfixturevalue(role))
    for name, url in selection_urls(event):
        assert client.get(url).status_code == 404, f"GET {name}"
        assert client.post(url).status_code == 404, f"POST {name}"


def test_anonymous_visitors_are_sent_to_sign_in(event):
    for name, url in selection_urls(event):
        response = Client().get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), name


READ_ONLY = ["list", "detail", "ranking", "candidate"]
OWNER_PAGES = ["create", "edit", "criteria", "candidate_add", "decide", "award"]
OWNER_STEPS = [
    "open_scoring",
    "close_scoring",
    "cancel",
    "candidate_remove",
    "commitment_remove",
    "evaluator_add",
    "evaluator_remove",
    "conflict_decide",
]


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_readers_read_and_change_nothing(request, client_for, event, role):
    client = client_for(request.getfixturevalue(role))
    urls = dict(selection_urls(event))
    for name in READ_ONLY:
        assert client.get(urls[f"selection:{name}"]).status_code == 200, name
    for name in OWNER_PAGES:
        assert client.get(urls[f"selection:{name}"]).status_code == 403, name
    for name in OWNER_STEPS:
        assert client.post(urls[f"selection:{name}"]).status_code == 403, name
    # Not an evaluator: no sheet, no declaration.
    assert client.get(urls["selection:sheet"]).status_code == 403
    assert client.get(urls["selection:declaration"]).status_code == 403
    assert "New selection event" not in client.get(urls["selection:list"]).content.decode()


def test_another_manager_reads_but_does_not_run_the_event(client_for, event):
    other = factories.InternalUserFactory(full_name="Otto Other")
    client = client_for(other)

    assert client.get(reverse("selection:detail", args=[event.pk])).status_code == 200
    assert client.get(reverse("selection:edit", args=[event.pk])).status_code == 403
    assert client.post(reverse("selection:close_scoring", args=[event.pk])).status_code == 403
    assert client.get(reverse("selection:create")).status_code == 200  # but may start their own
    with pytest.raises(PermissionDenied):
        services.scoring_close(event=event, actor=other)


def test_an_administrator_may_step_in(client_for, admin_user, event):
    assert client_for(admin_user).get(reverse("selection:edit", args=[event.pk])).status_code == 200


def test_the_owner_is_a_manager_or_administrator(manager, viewer):
    with pytest.raises(ValidationError, match="owner"):
        services.event_create(actor=manager, title="X", requirement="Y", owner=viewer)
    with pytest.raises(PermissionDenied):
        services.event_create(actor=viewer, title="X", requirement="Y", owner=manager)


def test_evaluators_are_internal(manager, vendor_a_user, event):
    with pytest.raises(ValidationError, match="internal"):
        services.evaluator_add(event=event, actor=manager, user=vendor_a_user)


def test_only_named_evaluators_score(client_for, manager, viewer, vendor_a):
    """Being named is what lets a user score: the owner who is not named cannot, a named viewer can."""
    event = make_event(owner=manager, vendors=[vendor_a], evaluators=[viewer])
    sheet = reverse("selection:sheet", args=[event.pk])

    assert client_for(manager).get(sheet).status_code == 403
    client_for(viewer).post(reverse("selection:declaration", args=[event.pk]), {"conflict": "none"})
    assert client_for(viewer).get(sheet).status_code == 200
    other_reader = factories.InternalUserFactory(role=Role.VIEWER)
    assert client_for(other_reader).post(sheet).status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(
    client_for, manager, vendor_a, django_assert_max_num_queries
):
    client = client_for(manager)
    make_event(owner=manager, vendors=[vendor_a], evaluators=[manager], title="First")
    client.get(reverse("selection:list"))  # warm the session

    with django_assert_max_num_queries(6) as few:
        client.get(reverse("selection:list"))
    for n in range(8):
        make_event(owner=manager, vendors=[vendor_a], evaluators=[manager], title=f"Event {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("selection:list")).content.decode()
    assert "Event 7" in page and "0 of 1" in page


def test_the_event_page_runs_a_fixed_number_of_queries(
    client_for, manager, vendor_a, vendor_b, django_assert_max_num_queries
):
    evaluators = [factories.InternalUserFactory() for _ in range(3)]
    small = make_event(owner=manager, vendors=[vendor_a], evaluators=evaluators[:1], title="Small")
    big = make_event(
        owner=manager,
        vendors=[vendor_a, vendor_b],
        prospects=["P1", "P2"],
        evaluators=evaluators,
        title="Big",
    )
    for event in (small, big):
        for user in event.evaluators.values_list("user", flat=True):
            user = next(e for e in evaluators if e.pk == user)
            score(event, user, {c: [3, 3, 3] for c in candidates_of(event)})
    client = client_for(manager)
    client.get(reverse("selection:detail", args=[small.pk]))

    with django_assert_max_num_queries(30) as small_run:
        client.get(reverse("selection:detail", args=[small.pk]))
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        client.get(reverse("selection:detail", args=[big.pk]))
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        client.get(reverse("selection:ranking", args=[big.pk]))


def test_vendor_users_see_no_selection_event_through_the_policy(vendor_a_user, event):
    assert not policy.scope(vendor_a_user, SelectionEvent.objects.all()).exists()
    assert not policy.can(vendor_a_user, policy.Action.VIEW, event)
