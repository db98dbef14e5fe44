"""What the engine made of the figures: results, breaches (with the vendor's answers) and scorecards."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kpis import services
from kpis.models import Scorecard, ServiceLevelResult
from kpis.selectors import breaches as breach_selectors
from kpis.selectors import scorecards as scorecard_selectors

from ..filters.outcomes import BreachFilter, ResultFilter, ScorecardFilter
from ..serializers.outcomes import (
    BreachAcknowledgeSerializer,
    BreachDisputeSerializer,
    BreachRespondSerializer,
    BreachSerializer,
    DisputeSerializer,
    ResultSerializer,
    ScorecardExplanationSerializer,
    ScorecardSerializer,
)
from .base import ScopedReadOnlyViewSet, service_errors, validated


@extend_schema_view(
    list=extend_schema(
        summary="Results", description="The evaluated outcome of each service level and period."
    ),
    retrieve=extend_schema(summary="One result"),
)
class ResultViewSet(ScopedReadOnlyViewSet):
    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    ordering_fields = ["period_start", "evaluated_at", "id"]
    ordering = ["-period_start", "service_level_id", "id"]

    def base_queryset(self):
        return ServiceLevelResult.objects.all()


@extend_schema_view(
    list=extend_schema(summary="Breaches"),
    retrieve=extend_schema(summary="One breach"),
)
class BreachViewSet(ScopedReadOnlyViewSet):
    serializer_class = BreachSerializer
    filterset_class = BreachFilter
    ordering_fields = ["period_start", "opened_at", "response_due_at", "id"]
    ordering = ["-period_start", "id"]

    def get_queryset(self):
        # Scoped by the selector, with has_open_dispute and is_overdue annotated.
        return breach_selectors.breach_list_for_user(user=self.request.user, status="all")

    def _step(self, request, step: str, serializer_class, perform):
        breach = self.get_object()
        if not services.breach_step_permitted(breach=breach, actor=request.user, step=step):
            raise exceptions.PermissionDenied("Only the vendor's own users answer for a breach.")
        data = validated(serializer_class, request)
        with service_errors():
            return breach, perform(breach, data)

    def _breach(self, breach) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=breach.pk)).data)

    @extend_schema(summary="Acknowledge a breach (vendor)", request=BreachAcknowledgeSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        breach, _ = self._step(
            request,
            "acknowledge",
            BreachAcknowledgeSerializer,
            lambda b, d: services.breach_acknowledge(breach=b, actor=request.user, note=d["note"]),
        )
        return self._breach(breach)

    @extend_schema(
        summary="Respond to a breach (vendor)",
        description="Root cause and a corrective action plan with its due date.",
        request=BreachRespondSerializer,
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        breach, _ = self._step(
            request,
            "respond",
            BreachRespondSerializer,
            lambda b, d: services.breach_respond(breach=b, actor=request.user, **d),
        )
        return self._breach(breach)

    @extend_schema(
        summary="Dispute a breach (vendor)",
        request=BreachDisputeSerializer,
        responses={201: DisputeSerializer},
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        _, dispute = self._step(
            request,
            "dispute",
            BreachDisputeSerializer,
            lambda b, d: services.breach_dispute(breach=b, actor=request.user, reason=d["reason"]),
        )
        return Response(
            DisputeSerializer(dispute, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(list=extend_schema(summary="Scorecards"), retrieve=extend_schema(summary="One scorecard"))
class ScorecardViewSet(ScopedReadOnlyViewSet):
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter
    ordering_fields = ["period_start", "score", "rank", "id"]
    ordering = ["-period_start", "rank", "id"]

    def base_queryset(self):
        return Scorecard.objects.select_related("vendor")

    @extend_schema(
        summary="How a score came about",
        description="Every result's points, weight and contribution; the contributions add up to the score.",
        responses={200: ScorecardExplanationSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def explanation(self, request, pk=None):
        scorecard = self.get_object()
        explanation = scorecard_selectors.scorecard_explanation(scorecard=scorecard, user=request.user)
        return Response(ScorecardExplanationSerializer(explanation).data)
