"""Partner selection: events, candidates, evaluators and scoring, the decision and the award.

Internal users only; every URL is a 404 for a vendor user.
"""

from django.urls import path

from .views import candidates, decisions, events, scoring

app_name = "selection"

urlpatterns = [
    path("", events.event_list, name="list"),
    path("new/", events.event_create, name="create"),
    path("<int:pk>/", events.event_detail, name="detail"),
    path("<int:pk>/edit/", events.event_edit, name="edit"),
    path("<int:pk>/criteria/", events.criteria_edit, name="criteria"),
    path("<int:pk>/open-scoring/", events.scoring_open, name="open_scoring"),
    path("<int:pk>/close-scoring/", events.scoring_close, name="close_scoring"),
    path("<int:pk>/cancel/", events.event_cancel, name="cancel"),
    path("<int:pk>/candidates/add/", candidates.candidate_add, name="candidate_add"),
    path("candidates/<int:candidate_pk>/", candidates.candidate_detail, name="candidate"),
    path("candidates/<int:candidate_pk>/remove/", candidates.candidate_remove, name="candidate_remove"),
    path("commitments/<int:commitment_pk>/remove/", candidates.commitment_remove, name="commitment_remove"),
    path("<int:pk>/evaluators/add/", scoring.evaluator_add, name="evaluator_add"),
    path("evaluators/<int:evaluator_pk>/remove/", scoring.evaluator_remove, name="evaluator_remove"),
    path("evaluators/<int:evaluator_pk>/conflict/", scoring.conflict_decide, name="conflict_decide"),
    path("<int:pk>/declaration/", scoring.declaration, name="declaration"),
    path("<int:pk>/sheet/", scoring.sheet, name="sheet"),
    path("<int:pk>/ranking/", scoring.ranking, name="ranking"),
    path("<int:pk>/decision/", decisions.decide, name="decide"),
    path("<int:pk>/approve/", decisions.approve, name="approve"),
    path("<int:pk>/award/", decisions.award, name="award"),
]
