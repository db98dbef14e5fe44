"""Independent scoring: conflicts of interest first, sheets locked on submit, and nobody sees another
evaluator's scores before submitting their own (the owner sees progress only until the reveal)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from selection import rules, services
from selection.models import ConflictStatus, Evaluator, EventStatus, Score
from tests import factories
from tests.factories_selection import candidates_of, evaluator_of, make_event, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluators(db):
    return [
        factories.InternalUserFactory(email="eva@portal.test", full_name="Eva Evaluator"),
        factories.InternalUserFactory(email="ezra@portal.test", full_name="Ezra Expert", role=Role.VIEWER),
        factories.InternalUserFactory(email="elif@portal.test", full_name="Elif Engineer", role=Role.AUDITOR),
    ]


@pytest.fixture
def event(manager, evaluators, vendor_a, vendor_b):
    return make_event(owner=manager, vendors=[vendor_a, vendor_b], evaluators=evaluators)


def _table(event, first, second):
    a, b = candidates_of(event)
    return {a: first, b: second}


def _secret_sheet(event, user, *, submit):
    """A sheet whose comments are unique, so a page can be searched for them."""
    evaluator = evaluator_of(event, user)
    if evaluator.conflict_status == ConflictStatus.PENDING:
        services.conflict_declare(evaluator=evaluator, actor=user, has_conflict=False)
    entries = {
        (c.pk, k.pk): (3, f"secret-{user.pk}-{c.pk}-{k.pk}")
        for c in event.candidates.all()
        for k in event.criteria.all()
    }
    return services.sheet_save(
        evaluator=evaluator_of(event, user), actor=user, entries=entries, submit=submit
    )


# ---- Conflict of interest --------------------------------------------------------------------------


def test_an_evaluator_declares_before_scoring(client_for, event, evaluators):
    eva = evaluators[0]
    client = client_for(eva)

    response = client.get(reverse("selection:sheet", args=[event.pk]))

    assert response.status_code == 302
    assert response.url == reverse("selection:declaration", args=[event.pk])
    with pytest.raises(ValidationError, match="Declare your conflicts"):
        services.sheet_save(evaluator=evaluator_of(event, eva), actor=eva, entries={})

    response = client.post(reverse("selection:declaration", args=[event.pk]), {"conflict": "none"})

    assert response.status_code == 302 and response.url == reverse("selection:sheet", args=[event.pk])
    assert evaluator_of(event, eva).conflict_status == ConflictStatus.NONE
    assert client.get(reverse("selection:sheet", args=[event.pk])).status_code == 200


def test_a_declared_conflict_needs_a_statement(client_for, event, evaluators):
    response = client_for(evaluators[0]).post(
        reverse("selection:declaration", args=[event.pk]), {"conflict": "declared", "statement": " "}
    )

    assert response.status_code == 200
    assert "Describe the conflict" in response.content.decode()
    assert evaluator_of(event, evaluators[0]).conflict_status == ConflictStatus.PENDING


def test_a_declared_conflict_blocks_scoring_until_the_owner_accepts_it(
    client_for, manager, event, evaluators
):
    eva = evaluators[0]
    client_for(eva).post(
        reverse("selection:declaration", args=[event.pk]),
        {"conflict": "declared", "statement": "My brother works at Acme Test."},
    )
    evaluator = evaluator_of(event, eva)
    assert evaluator.awaits_owner
    assert not rules.may_score(eva, event, evaluator)
    sheet = client_for(eva).get(reverse("selection:sheet", args=[event.pk]))
    assert "the owner decides whether you score" in sheet.content.decode()

    # Only the owner decides.
    refused = client_for(evaluators[1]).post(
        reverse("selection:conflict_decide", args=[evaluator.pk]), {"decision": "accept"}
    )
    assert refused.status_code == 403

    client_for(manager).post(
        reverse("selection:conflict_decide", args=[evaluator.pk]), {"decision": "accept"}
    )

    evaluator.refresh_from_db()
    assert evaluator.is_cleared
    assert evaluator.conflict_decided_by == manager
    assert AuditEvent.objects.filter(action="selection.evaluator.conflict_accepted").count() == 1
    assert rules.may_score(eva, event, evaluator)


def test_excluding_needs_a_reason_and_an_excluded_evaluator_never_scores(
    client_for, manager, event, evaluators
):
    eva, ezra, elif_ = evaluators
    evaluator = services.conflict_declare(
        evaluator=evaluator_of(event, eva), actor=eva, has_conflict=True, statement="Shares in Globex Test."
    )
    url = reverse("selection:conflict_decide", args=[evaluator.pk])

    client_for(manager).post(url, {"decision": "exclude", "note": ""})
    evaluator.refresh_from_db()
    assert evaluator.conflict_decision == ""

    client_for(manager).post(url, {"decision": "exclude", "note": "Direct financial interest."})
    evaluator.refresh_from_db()
    assert evaluator.is_excluded
    with pytest.raises(ValidationError):
        services.sheet_save(evaluator=evaluator, actor=eva, entries={})
    # Declaring "no conflict" afterwards does not undo the exclusion.
    response = client_for(eva).post(reverse("selection:declaration", args=[event.pk]), {"conflict": "none"})
    assert "that decision stands" in response.content.decode()
    evaluator.refresh_from_db()
    assert evaluator.is_excluded

    # The two others submitting reveals the scores: the excluded evaluator is not waited for.
    a, b = candidates_of(event)
    score(event, ezra, {a: [4, 4, 4], b: [3, 3, 3]})
    score(event, elif_, {a: [5, 4, 3], b: [2, 2, 2]})
    event.refresh_from_db()
    assert rules.scores_revealed(event, list(event.evaluators.all()))


# ---- The sheet -------------------------------------------------------------------------------------


def test_a_draft_saves_partial_scores_and_submit_requires_every_cell(client_for, event, evaluators):
    eva = evaluators[0]
    services.conflict_declare(evaluator=evaluator_of(event, eva), actor=eva, has_conflict=False)
    a, b = candidates_of(event)
    quality = event.criteria.get(name="Quality")
    client = client_for(eva)
    url = reverse("selection:sheet", args=[event.pk])

    response = client.post(
        url, {f"s-{a.pk}-{quality.pk}": "4", f"c-{a.pk}-{quality.pk}": "Solid.", "save": ""}
    )

    assert response.status_code == 302
    assert Score.objects.get(evaluator__user=eva).value == 4
    assert evaluator_of(event, eva).submitted_at is None

    response = client.post(url, {f"s-{a.pk}-{quality.pk}": "4", "submit": ""})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Score every criterion before submitting." in page
    assert "5 scores need attention." in page
    assert evaluator_of(event, eva).submitted_at is None


def test_a_score_outside_the_scale_is_refused(event, evaluators):
    eva = evaluators[0]
    evaluator = services.conflict_declare(evaluator=evaluator_of(event, eva), actor=eva, has_conflict=False)
    a, _b = candidates_of(event)
    quality = event.criteria.get(name="Quality")

    with pytest.raises(services.SheetError) as error:
        services.sheet_save(evaluator=evaluator, actor=eva, entries={(a.pk, quality.pk): (6, "")})

    assert error.value.cells == {(a.pk, quality.pk): "Scores run from 0 to 5."}


def test_submitting_locks_the_sheet(client_for, event, evaluators):
    eva = evaluators[0]
    a, b = candidates_of(event)
    score(event, eva, {a: [4, 4, 4], b: [3, 3, 3]})
    quality = event.criteria.get(name="Quality")

    response = client_for(eva).post(
        reverse("selection:sheet", args=[event.pk]), {f"s-{a.pk}-{quality.pk}": "0", "save": ""}
    )

    assert response.status_code == 302
    assert Score.objects.get(evaluator__user=eva, candidate=a, criterion=quality).value == 4
    with pytest.raises(ValidationError, match="submitted and locked"):
        score(event, eva, {a: [1, 1, 1], b: [1, 1, 1]})
    page = client_for(eva).get(reverse("selection:sheet", args=[event.pk])).content.decode()
    assert "they are locked" in page
    assert f'name="s-{a.pk}-{quality.pk}"' not in page
    assert AuditEvent.objects.filter(action="selection.evaluator.submitted").count() == 1


def test_only_the_evaluator_fills_their_sheet(event, evaluators, manager, client_for):
    eva = evaluators[0]
    with pytest.raises(PermissionDenied):
        services.sheet_save(evaluator=evaluator_of(event, eva), actor=manager, entries={})
    assert client_for(manager).get(reverse("selection:sheet", args=[event.pk])).status_code == 403
    assert client_for(manager).get(reverse("selection:declaration", args=[event.pk])).status_code == 403


def test_the_trail_never_records_scores(event, evaluators):
    eva = evaluators[0]
    a, b = candidates_of(event)
    score(event, eva, {a: [4, 4, 4], b: [3, 3, 3]})

    saves = AuditEvent.objects.filter(action__startswith="selection.evaluator.").exclude(
        action="selection.evaluator.created"
    )
    assert {a.action for a in saves} == {
        "selection.evaluator.conflict_declared",
        "selection.evaluator.submitted",
    }
    for audit in AuditEvent.objects.filter(action__startswith="selection."):
        assert "on Quality" not in str(audit.changes) + audit.note  # the comments of the sheet
        assert not {"value", "comment", "scores"} & set(audit.changes)
    submitted = saves.get(action="selection.evaluator.submitted")
    assert submitted.changes["cells_scored"] == [None, "6 of 6"]


# ---- Who sees which scores -------------------------------------------------------------------------


def test_nobody_sees_a_score_before_submitting_their_own(client_for, manager, viewer, event, evaluators):
    eva, ezra, elif_ = evaluators
    _secret_sheet(event, eva, submit=True)
    _secret_sheet(event, ezra, submit=False)  # a draft
    ranking = reverse("selection:ranking", args=[event.pk])
    detail = reverse("selection:detail", args=[event.pk])

    # Ezra has not submitted: nothing of Eva's, nothing of his own draft on the ranking.
    page = client_for(ezra).get(ranking).content.decode()
    assert f"secret-{eva.pk}" not in page
    assert "Submit your own scores" in page
    # The owner and a reader see progress only.
    for user in (manager, viewer):
        for url in (ranking, detail):
            page = client_for(user).get(url).content.decode()
            assert "secret-" not in page
            assert "60.00" not in page  # every score is 3 of 5: a total of 60
        assert "1 of 3 submitted" in client_for(user).get(detail).content.decode()

    # Eva submitted: she sees the submitted sheets (her own) as provisional, never Ezra's draft.
    page = client_for(eva).get(ranking).content.decode()
    assert "Provisional" in page
    assert f"secret-{eva.pk}" in page
    assert f"secret-{ezra.pk}" not in page


def test_the_owner_sees_the_scores_once_everyone_submitted(client_for, manager, event, evaluators):
    for user in evaluators:
        _secret_sheet(event, user, submit=True)

    page = client_for(manager).get(reverse("selection:ranking", args=[event.pk])).content.decode()

    assert "Provisional" not in page
    for user in evaluators:
        assert f"secret-{user.pk}" in page


def test_closing_scoring_reveals_the_submitted_scores_only(client_for, manager, event, evaluators):
    eva, ezra, _elif = evaluators
    _secret_sheet(event, eva, submit=True)
    _secret_sheet(event, ezra, submit=False)

    response = client_for(manager).post(reverse("selection:close_scoring", args=[event.pk]))

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.scoring_closed_at is not None
    page = client_for(manager).get(reverse("selection:ranking", args=[event.pk])).content.decode()
    assert f"secret-{eva.pk}" in page
    assert f"secret-{ezra.pk}" not in page  # a draft never counts
    with pytest.raises(ValidationError, match="Scoring is not open"):
        _secret_sheet(event, ezra, submit=True)


def test_closing_with_nothing_submitted_is_refused(client_for, manager, event):
    response = client_for(manager).post(reverse("selection:close_scoring", args=[event.pk]), follow=True)

    assert "Nobody has submitted scores yet" in response.content.decode()
    event.refresh_from_db()
    assert event.scoring_closed_at is None


@pytest.mark.parametrize(
    ("submitted", "closed", "status", "expected_owner", "expected_submitter"),
    [
        (0, False, EventStatus.SCORING, "none", None),
        (1, False, EventStatus.SCORING, "none", "submitted"),
        (3, False, EventStatus.SCORING, "all", "all"),
        (1, True, EventStatus.SCORING, "all", "all"),
        (1, False, EventStatus.DECIDED, "all", "all"),
    ],
)
def test_score_view_rules(
    manager, event, evaluators, submitted, closed, status, expected_owner, expected_submitter
):
    a, b = candidates_of(event)
    for user in evaluators[:submitted]:
        score(event, user, {a: [1, 2, 3], b: [3, 2, 1]})
    event.status = status
    if closed:
        event.scoring_closed_at = timezone.now()
    rows = list(Evaluator.objects.filter(event=event))
    assert rules.score_view(manager, event, rows) == expected_owner
    if expected_submitter:
        assert rules.score_view(evaluators[0], event, rows) == expected_submitter


def test_the_owner_sees_who_submitted(client_for, manager, event, evaluators):
    a, b = candidates_of(event)
    score(event, evaluators[1], {a: [1, 2, 3], b: [3, 2, 1]})

    page = client_for(manager).get(reverse("selection:detail", args=[event.pk])).content.decode()

    assert "1 of 3 submitted" in page
    assert page.count("Not submitted") == 2
    assert "Scores stay hidden until every evaluator has submitted or you close scoring" in page
