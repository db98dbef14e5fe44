"""Performance reviews: scheduling from the cadence per tier, the workflow by both sides, permissions per
side and role, locking, the printable document, and the review score feeding the scorecard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent
from contracts.models import ContractStatus
from governance.models import Review, ReviewCadence, ReviewScore, ReviewStatus, Side
from governance.services import review_feed
from governance.services import reviews as services
from governance.tasks import schedule_reviews as schedule_reviews_task
from kpis.engine import run_evaluation
from kpis.models import Measurement, MeasurementSource, MetricCategory, Scorecard, ServiceLevel
from kpis.scoring import active_scheme
from tests import factories
from tests.concurrency import in_threads
from tests.factories_gov_reviews import ReviewFactory, review_at, scores
from vendors.models import VendorStatus, VendorTier

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(year, month, day, hour=12):
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def codes(review) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="governance.review", object_id=str(review.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def score_post(**overrides) -> dict:
    data = {f"score_{category}": str(value) for category, value in scores(**overrides).items()}
    data["text"] = "A fair quarter."
    return data


# ---- Scheduling -----------------------------------------------------------------------------------------


@pytest.fixture
def tiered_vendors(time_machine):
    time_machine.move_to(at(2025, 6, 1), tick=False)
    vendors = {
        tier: factories.VendorFactory(name=f"{tier.title()} vendor", tier=tier) for tier in VendorTier.values
    }
    factories.VendorFactory(name="Exited vendor", tier=VendorTier.CRITICAL, status=VendorStatus.EXITED)
    return vendors


def test_review_periods_follow_the_calendar():
    assert services.review_period(3, dt.date(2026, 5, 17)) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert services.review_period(6, dt.date(2026, 8, 2)) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert services.review_period(12, dt.date(2026, 2, 28)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_default_cadences_apply_until_a_tier_is_configured():
    cadences = services.review_cadences()
    assert {tier: c.months for tier, c in cadences.items()} == {
        "critical": 3,
        "high": 6,
        "medium": 12,
        "low": 12,
    }
    ReviewCadence.objects.create(tier=VendorTier.LOW, months=24, lead_days=10)
    low = services.review_cadences()[VendorTier.LOW]
    assert (low.months, low.lead_days, low.configured) == (24, 10, True)


def test_schedule_opens_each_due_review_once(tiered_vendors, time_machine):
    time_machine.move_to(at(2026, 3, 5), tick=False)

    opened = services.schedule_reviews(today=dt.date(2026, 3, 5))

    # Critical: Q1 2026 is within 30 days of its end. High (H1 2026) and yearly tiers are not due yet, and
    # their previous periods (H2 2025, year 2025) count as the vendors existed then.
    by_vendor = {r.vendor.tier: (r.period_start, r.period_end, r.due_on) for r in Review.objects.all()}
    assert by_vendor == {
        "critical": (dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        "high": (dt.date(2025, 7, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 30)),
        "medium": (dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 30)),
        "low": (dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 30)),
    }
    assert opened == 4
    assert AuditEvent.objects.filter(action="governance.review.opened").count() == 4
    assert set(Review.objects.values_list("status", flat=True)) == {ReviewStatus.DRAFT}

    assert services.schedule_reviews(today=dt.date(2026, 3, 5)) == 0
    assert Review.objects.count() == 4


def test_schedule_skips_periods_that_ended_before_the_vendor_existed(time_machine):
    time_machine.move_to(at(2026, 2, 10), tick=False)
    factories.VendorFactory(tier=VendorTier.HIGH)

    assert services.schedule_reviews(today=dt.date(2026, 2, 10)) == 0  # H2 2025 ended before
    assert services.schedule_reviews(today=dt.date(2026, 6, 1)) == 1  # H1 2026 opens 30 days before its end
    assert Review.objects.get().period_start == dt.date(2026, 1, 1)


def test_schedule_follows_a_configured_cadence(tiered_vendors, time_machine):
    ReviewCadence.objects.create(tier=VendorTier.MEDIUM, months=3, lead_days=10)
    time_machine.move_to(at(2026, 6, 25), tick=False)

    services.schedule_reviews(today=dt.date(2026, 6, 25))

    medium = Review.objects.get(vendor=tiered_vendors["medium"])
    assert (medium.period_start, medium.period_end) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def test_the_scheduled_task_runs_the_service(tiered_vendors, time_machine):
    time_machine.move_to(at(2026, 3, 5), tick=False)
    assert schedule_reviews_task.apply().get() == 4


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Concurrent scheduling needs PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_concurrent_schedule_runs_open_each_review_once():
    vendors = [factories.VendorFactory(tier=VendorTier.CRITICAL) for _ in range(12)]
    counts = in_threads(lambda: services.schedule_reviews(today=dt.date(2026, 12, 10)))
    assert sum(counts) == len(vendors)
    assert Review.objects.count() == len(vendors)
    assert AuditEvent.objects.filter(action="governance.review.opened").count() == len(vendors)


# ---- The workflow, both sides -------------------------------------------------------------------------


def step_url(review, step):
    return reverse(f"reviews:{step}", args=[review.pk])


def test_a_review_runs_from_draft_to_locked(client_for, manager, vendor_a, vendor_a_user, vendor_a_admin):
    review = ReviewFactory(vendor=vendor_a)
    as_manager, as_vendor = client_for(manager), client_for(vendor_a_user)

    assert as_manager.post(step_url(review, "request_self_assessment")).status_code == 302
    response = as_vendor.post(step_url(review, "self_assess"), score_post(quality=70), follow=True)
    assert b"Self-assessment sent" in response.content
    assert as_manager.post(step_url(review, "assess"), score_post(relationship=85)).status_code == 302
    response = as_manager.post(step_url(review, "record_meeting"), {"notes": "Agreed the plan."})
    assert response.status_code == 302
    assert as_manager.post(step_url(review, "sign"), {"confirm": "on"}).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.SIGN_OFF and review.internal_signed_by == manager
    response = client_for(vendor_a_admin).post(step_url(review, "sign"), {"confirm": "on"}, follow=True)

    assert b"signed by both sides and locked" in response.content
    review.refresh_from_db()
    assert review.status == ReviewStatus.LOCKED and review.locked_at is not None
    assert review.vendor_signed_by == vendor_a_admin
    assert review.self_assessed_by == vendor_a_user and review.assessed_by == manager
    assert ReviewScore.objects.get(review=review, side=Side.VENDOR, category="quality").score == 70
    assert ReviewScore.objects.get(review=review, side=Side.INTERNAL, category="relationship").score == 85
    assert codes(review) == [
        "governance.review.self_assessment_requested",
        "governance.review.self_assessed",
        "governance.review.assessed",
        "governance.review.meeting_recorded",
        "governance.review.signed",
        "governance.review.signed",
        "governance.review.locked",
        "governance.review.not_scored",  # vendor A has no contract to carry the score
    ]
    signed_notes = AuditEvent.objects.filter(action="governance.review.signed", object_id=str(review.pk))
    assert sorted(signed_notes.values_list("note", flat=True)) == ["internal", "vendor"]


def test_the_review_meeting_may_link_a_forum_meeting_of_the_vendor_only(manager, vendor_a, vendor_b):
    from governance.models import Forum, Meeting

    review = review_at(ReviewStatus.MEETING, vendor=vendor_a, manager=manager)
    own = Meeting.objects.create(
        forum=Forum.objects.create(vendor=vendor_a, name="Steering", first_meeting_on=dt.date(2026, 1, 5)),
        scheduled_for=at(2026, 4, 5),
    )
    other = Meeting.objects.create(
        forum=Forum.objects.create(vendor=vendor_b, name="Steering", first_meeting_on=dt.date(2026, 1, 5)),
        scheduled_for=at(2026, 4, 5),
    )

    with pytest.raises(ValidationError) as refused:
        services.review_record_meeting(review=review, actor=manager, notes="Held.", meeting=other)
    assert "meeting" in refused.value.message_dict

    services.review_record_meeting(review=review, actor=manager, notes="Held.", meeting=own)
    review.refresh_from_db()
    assert review.meeting == own and review.status == ReviewStatus.SIGN_OFF


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (ReviewStatus.DRAFT, "request_self_assessment"),
        (ReviewStatus.ASSESSMENT, "assess"),
        (ReviewStatus.MEETING, "record_meeting"),
    ],
)
def test_vendor_users_cannot_take_the_clients_steps(client_for, vendor_a, vendor_a_admin, status, step):
    review = review_at(status, vendor=vendor_a)
    response = client_for(vendor_a_admin).post(step_url(review, step), score_post() | {"notes": "x"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == status


@pytest.mark.parametrize("role", ["viewer", "auditor"])
@pytest.mark.parametrize("step", services.STEPS)
def test_viewers_and_auditors_only_read_reviews(request, client_for, vendor_a, role, step):
    user = request.getfixturevalue(role)
    review = review_at(services.STEP_STATUS[step], vendor=vendor_a)
    client = client_for(user)

    assert client.get(reverse("reviews:detail", args=[review.pk])).status_code == 200
    assert (
        client.post(step_url(review, step), score_post() | {"confirm": "on", "notes": "x"}).status_code == 403
    )
    assert codes(review) == []


def test_the_manager_cannot_self_assess_for_the_vendor(client_for, manager, vendor_a):
    review = review_at(ReviewStatus.SELF_ASSESSMENT, vendor=vendor_a)
    assert client_for(manager).post(step_url(review, "self_assess"), score_post()).status_code == 403
    with pytest.raises(PermissionDenied):
        services.review_self_assess(review=review, actor=manager, scores=scores(), text="x")


def test_another_vendors_users_get_404_everywhere(client_for, vendor_a, vendor_b_user):
    review = review_at(ReviewStatus.SELF_ASSESSMENT, vendor=vendor_a)
    client = client_for(vendor_b_user)
    for url in (reverse("reviews:detail", args=[review.pk]), reverse("reviews:document", args=[review.pk])):
        assert client.get(url).status_code == 404
    assert client.post(step_url(review, "self_assess"), score_post()).status_code == 404
    assert vendor_a.name.encode() not in client.get(reverse("reviews:list")).content


def test_a_step_out_of_turn_is_explained_not_taken(client_for, vendor_a, vendor_a_user):
    review = ReviewFactory(vendor=vendor_a)  # still a draft: not sent to the vendor yet

    response = client_for(vendor_a_user).post(step_url(review, "self_assess"), score_post(), follow=True)

    assert response.status_code == 200
    assert b"still a draft" in response.content
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT and not ReviewScore.objects.exists()


def test_each_side_signs_once(client_for, manager, admin_user, vendor_a, vendor_a_user):
    review = review_at(ReviewStatus.SIGN_OFF, vendor=vendor_a, manager=manager, vendor_user=vendor_a_user)
    services.review_sign(review=review, actor=manager)

    with pytest.raises(ValidationError, match="signed this review already"):
        services.review_sign(review=Review.objects.get(pk=review.pk), actor=admin_user)
    response = client_for(admin_user).post(step_url(review, "sign"), {"confirm": "on"}, follow=True)
    assert b"signed this review already" in response.content or b"Sign the review" not in response.content

    review.refresh_from_db()
    assert review.internal_signed_by == manager and review.status == ReviewStatus.SIGN_OFF
    assert codes(review).count("governance.review.signed") == 1


def test_signing_needs_the_confirmation(client_for, manager, vendor_a):
    review = review_at(ReviewStatus.SIGN_OFF, vendor=vendor_a, manager=manager)
    response = client_for(manager).post(step_url(review, "sign"), {})
    assert response.status_code == 200
    assert b"Tick the box to sign the review." in response.content
    review.refresh_from_db()
    assert review.internal_signed_at is None


def test_nothing_changes_after_the_lock(client_for, manager, vendor_a, vendor_a_user):
    review = review_at(ReviewStatus.SIGN_OFF, vendor=vendor_a, manager=manager, vendor_user=vendor_a_user)
    services.review_sign(review=review, actor=manager)
    services.review_sign(review=Review.objects.get(pk=review.pk), actor=vendor_a_user)
    review.refresh_from_db()
    assert review.status == ReviewStatus.LOCKED
    before = codes(review)

    for user in (manager, vendor_a_user):
        assert services.review_allowed_steps(review=review, actor=user) == []
        for step in services.STEPS:
            if services.review_step_permitted(review=review, actor=user, step=step):
                response = client_for(user).post(
                    step_url(review, step), score_post() | {"confirm": "on", "notes": "Again."}, follow=True
                )
                assert response.status_code == 200
                assert b"locked; nothing can change" in response.content
    with pytest.raises(ValidationError, match="locked"):
        services.review_assess(review=review, actor=manager, scores=scores(), text="Changed my mind.")
    assert codes(review) == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"score_quality": ""}, "score_quality", b"Score quality (0\xe2\x80\x93100)."),
        ({"score_delivery": "101"}, "score_delivery", b"less than or equal to 100"),
        ({"score_relationship": "-1"}, "score_relationship", b"greater than or equal to 0"),
        ({"score_responsiveness": "50.123"}, "score_responsiveness", b"2 decimal places"),
        ({"text": ""}, "text", b"This field is required."),
    ],
)
def test_scores_are_validated_with_field_errors(
    client_for, vendor_a, vendor_a_user, overrides, field, message
):
    review = review_at(ReviewStatus.SELF_ASSESSMENT, vendor=vendor_a)
    response = client_for(vendor_a_user).post(step_url(review, "self_assess"), score_post() | overrides)
    assert response.status_code == 200
    assert message in response.content
    assert response.context["forms"]["self_assess"].errors[field]
    review.refresh_from_db()
    assert review.status == ReviewStatus.SELF_ASSESSMENT and not ReviewScore.objects.exists()


def test_the_service_requires_every_category(vendor_a, vendor_a_user):
    review = review_at(ReviewStatus.SELF_ASSESSMENT, vendor=vendor_a)
    partial = {"quality": 80, "delivery": 80}
    with pytest.raises(ValidationError) as refused:
        services.review_self_assess(review=review, actor=vendor_a_user, scores=partial, text="x")
    assert set(refused.value.message_dict) == {"score_responsiveness", "score_relationship"}


# ---- Pages ----------------------------------------------------------------------------------------------


def test_the_list_filters_and_keeps_its_query_count(
    client_for, manager, vendor_a, vendor_b, django_assert_max_num_queries, time_machine
):
    time_machine.move_to(at(2026, 4, 15), tick=False)
    due = review_at(ReviewStatus.SELF_ASSESSMENT, vendor=vendor_a)  # due 30 Apr
    later = ReviewFactory(
        vendor=vendor_a,
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2026, 6, 30),
        due_on=dt.date(2026, 7, 30),
    )
    locked = review_at(ReviewStatus.LOCKED, vendor=vendor_b)
    client = client_for(manager)

    def listed(query=""):
        response = client.get(reverse("reviews:list") + query)
        assert response.status_code == 200
        return {r.pk for r in response.context["page_obj"]}

    assert listed() == {due.pk, later.pk, locked.pk}
    assert listed("?due=1") == {due.pk}
    assert listed(f"?vendor={vendor_b.pk}") == {locked.pk}
    assert listed("?status=locked") == {locked.pk}

    for _ in range(30):
        vendor = factories.VendorFactory()
        review_at(ReviewStatus.SIGN_OFF, vendor=vendor, manager=manager)
    with django_assert_max_num_queries(8):
        client.get(reverse("reviews:list"))


def test_vendor_users_see_only_their_reviews(client_for, vendor_a, vendor_b, vendor_a_user):
    own = review_at(ReviewStatus.SELF_ASSESSMENT, vendor=vendor_a)
    review_at(ReviewStatus.SELF_ASSESSMENT, vendor=vendor_b)
    response = client_for(vendor_a_user).get(reverse("reviews:list"))
    assert [r.pk for r in response.context["page_obj"]] == [own.pk]
    assert "vendor" not in response.context["form"].fields


def test_the_detail_shows_scores_side_by_side(client_for, manager, vendor_a, vendor_a_user):
    review = review_at(ReviewStatus.MEETING, vendor=vendor_a, manager=manager, vendor_user=vendor_a_user)
    ReviewScore.objects.filter(review=review, side=Side.VENDOR, category="quality").update(
        score=Decimal("62.5")
    )
    response = client_for(vendor_a_user).get(reverse("reviews:detail", args=[review.pk]))
    text = response.content.decode()
    assert "62.5" in text and "Solid quarter." in text and "We delivered." in text
    assert response.context["score_rows"][0].difference == Decimal("17.5")
    assert response.context["forms"] == {}  # the manager records the meeting, not the vendor


def test_the_printable_document(client_for, manager, vendor_a, vendor_a_user):
    review = review_at(ReviewStatus.SIGN_OFF, vendor=vendor_a, manager=manager, vendor_user=vendor_a_user)
    factories.ScorecardFactory(
        vendor=vendor_a,
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
        score=Decimal("91.5"),
        band="Green",
    )
    services.review_sign(review=review, actor=manager)
    services.review_sign(review=Review.objects.get(pk=review.pk), actor=vendor_a_user)

    response = client_for(vendor_a_user).get(reverse("reviews:document", args=[review.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "@media print" not in text  # the print rules live in the stylesheet
    assert "review-print" in text
    for expected in (
        vendor_a.name,
        "February 2026",
        "91.5",
        "Agreed the improvement plan.",
        manager.full_name,
        vendor_a_user.full_name,
        "Signed",
    ):
        assert expected in text
    assert "Not final" not in text


def test_managers_open_reviews_by_hand(client_for, manager, viewer, vendor_a):
    url = reverse("reviews:create")
    assert client_for(viewer).get(url).status_code == 403
    data = {
        "vendor": vendor_a.pk,
        "period_start": "2026-04-01",
        "period_end": "2026-06-30",
        "due_on": "2026-07-31",
    }

    response = client_for(manager).post(url, data)
    review = Review.objects.get(vendor=vendor_a)
    assert response.status_code == 302 and response.url == reverse("reviews:detail", args=[review.pk])
    assert codes(review) == ["governance.review.opened"]

    again = client_for(manager).post(url, data)
    assert again.status_code == 200 and b"already has a review" in again.content


def test_managers_set_the_cadence_per_tier(client_for, manager, viewer, vendor_a_user):
    url = reverse("reviews:cadences")
    assert client_for(vendor_a_user).get(url).status_code == 403
    assert client_for(viewer).get(url).status_code == 200
    data = {f"months_{t}": m for t, m in {"critical": 3, "high": 6, "medium": 6, "low": 12}.items()}
    data |= {f"lead_{t}": 30 for t in VendorTier.values}
    assert client_for(viewer).post(url, data).status_code == 403

    assert client_for(manager).post(url, data).status_code == 302
    assert ReviewCadence.objects.get(tier="medium").months == 6
    assert services.review_cadences()["medium"].configured

    bad = client_for(manager).post(url, data | {"months_low": "30"})
    assert bad.status_code == 200 and b"less than or equal to 24" in bad.content


# ---- The scorecard feed ---------------------------------------------------------------------------------


def lock(review, manager, vendor_user, *, relationship, now):
    review.status = ReviewStatus.ASSESSMENT
    review.save()
    services.review_assess(
        review=review, actor=manager, scores=scores(relationship=relationship), text="x", now=now
    )
    services.review_record_meeting(review=review, actor=manager, notes="Held.", now=now)
    services.review_sign(review=review, actor=manager, now=now)
    services.review_sign(review=Review.objects.get(pk=review.pk), actor=vendor_user, now=now)


@pytest.fixture
def measured_vendor(vendor_a, manager, settings):
    settings.TIME_ZONE = "UTC"
    active_scheme()
    msa = factories.ContractFactory(vendor=vendor_a, owner=manager, status=ContractStatus.ACTIVE)
    return msa


@pytest.mark.parametrize(
    ("relationship", "points"), [(90, Decimal("100")), (65, Decimal("50")), (40, Decimal("0"))]
)
def test_a_locked_review_feeds_the_relationship_score(
    measured_vendor, manager, vendor_a, vendor_a_user, relationship, points
):
    review = ReviewFactory(vendor=vendor_a, status=ReviewStatus.ASSESSMENT)
    lock(review, manager, vendor_a_user, relationship=relationship, now=at(2026, 4, 10))

    service_level = ServiceLevel.objects.select_related("metric").get(metric__code=review_feed.METRIC_CODE)
    assert service_level.contract == measured_vendor
    assert service_level.metric.category == MetricCategory.RELATIONSHIP
    assert (service_level.effective_from, service_level.effective_to) == (
        review.period_start,
        review.period_end,
    )
    figure = Measurement.objects.get(service_level=service_level)
    assert (figure.value, figure.source, figure.measured_on) == (
        Decimal(relationship),
        MeasurementSource.SYSTEM,
        dt.date(2026, 3, 31),
    )

    run_evaluation(now=at(2026, 4, 10))

    card = Scorecard.objects.get(vendor=vendor_a, period_start=dt.date(2026, 3, 1))
    assert card.relationship_score == points


def test_later_reviews_extend_the_review_service_level(measured_vendor, manager, vendor_a, vendor_a_user):
    lock(ReviewFactory(vendor=vendor_a), manager, vendor_a_user, relationship=90, now=at(2026, 4, 10))
    run_evaluation(now=at(2026, 4, 10))
    half = ReviewFactory(
        vendor=vendor_a,
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2026, 9, 30),
        due_on=dt.date(2026, 10, 30),
    )

    lock(half, manager, vendor_a_user, relationship=70, now=at(2026, 10, 12))
    run_evaluation(now=at(2026, 10, 12))

    service_level = ServiceLevel.objects.get(metric__code=review_feed.METRIC_CODE)
    assert service_level.effective_to == dt.date(2026, 9, 30)
    assert sorted(
        Measurement.objects.filter(service_level=service_level).values_list("measured_on", "value")
    ) == [
        (dt.date(2026, 3, 31), Decimal("90")),
        (dt.date(2026, 6, 30), Decimal("70")),
        (dt.date(2026, 9, 30), Decimal("70")),
    ]
    relationship = dict(
        Scorecard.objects.filter(vendor=vendor_a).values_list("period_start", "relationship_score")
    )
    assert relationship == {
        dt.date(2026, 3, 1): Decimal("100"),
        dt.date(2026, 6, 1): Decimal("50"),
        dt.date(2026, 9, 1): Decimal("50"),
    }


def test_a_vendor_without_an_active_contract_is_not_scored(manager, vendor_a, vendor_a_user):
    review = ReviewFactory(vendor=vendor_a)
    lock(review, manager, vendor_a_user, relationship=90, now=at(2026, 4, 10))
    review.refresh_from_db()
    assert review.status == ReviewStatus.LOCKED
    assert not Measurement.objects.exists()
    assert "governance.review.not_scored" in codes(review)


# ---- Demo data ------------------------------------------------------------------------------------------


def test_the_demo_has_a_locked_review_one_waiting_for_the_vendor_and_audits():
    from accounts.models import Role
    from governance.models import Audit, Finding, FindingStatus
    from portal.demo import data
    from portal.demo.governance_reviews import seed_governance_reviews

    factories.InternalUserFactory(email=data.MARIA)
    factories.InternalUserFactory(email=data.AUDREY, role=Role.AUDITOR)
    acme = factories.VendorFactory(name=data.ACME, tier=VendorTier.CRITICAL)
    globex = factories.VendorFactory(name=data.GLOBEX, tier=VendorTier.HIGH)
    factories.VendorUserFactory(email="ops@acme.example.com", vendor=acme, role=Role.VENDOR_ADMIN)
    factories.VendorUserFactory(email="ops@globex.example.com", vendor=globex, role=Role.VENDOR_ADMIN)
    factories.ContractFactory(vendor=acme, start_date=dt.date(2025, 1, 1))
    now = at(2026, 5, 20)

    assert seed_governance_reviews(now=now) == 10  # per vendor: two reviews, an audit, two findings

    for vendor, previous_start in ((acme, dt.date(2026, 1, 1)), (globex, dt.date(2025, 7, 1))):
        statuses = dict(Review.objects.filter(vendor=vendor).values_list("period_start", "status"))
        assert statuses[previous_start] == ReviewStatus.LOCKED
        assert list(statuses.values()).count(ReviewStatus.SELF_ASSESSMENT) == 1
        findings = Finding.objects.filter(audit__vendor=vendor)
        assert findings.filter(status=FindingStatus.OPEN, due_on__lt=dt.date(2026, 5, 20)).exists()
        assert findings.filter(status=FindingStatus.REMEDIATED, evidence__isnull=False).exists()
    locked = Review.objects.get(vendor=acme, period_start=dt.date(2026, 1, 1))
    assert locked.internal_signed_by.email == data.MARIA
    assert locked.vendor_signed_by.email == "ops@acme.example.com"
    assert locked.vendor_signed_at < now
    figure = Measurement.objects.get(service_level__metric__code=review_feed.METRIC_CODE)
    assert figure.value == 82  # the manager's relationship score for Acme

    counts = (
        Review.objects.count(),
        Audit.objects.count(),
        Finding.objects.count(),
        AuditEvent.objects.count(),
    )
    assert seed_governance_reviews(now=now) == 0
    assert (
        Review.objects.count(),
        Audit.objects.count(),
        Finding.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
