"""Figures: list and read them, submit one, correct one, or ingest a batch idempotently."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import policy
from kpis.models import Measurement

from ..exceptions import Conflict, PayloadTooLarge, error_body, flatten
from ..filters.measurements import MeasurementFilter
from ..serializers.measurements import (
    BatchItemSerializer,
    BatchResultSerializer,
    BatchSerializer,
    MeasurementCorrectSerializer,
    MeasurementCreateSerializer,
    MeasurementSerializer,
)
from ..services.ingestion import CREATED, FAILED, IngestionConflict, Item, Outcome, measurements_ingest
from .base import ID_PATTERN, validated

MODES = ("atomic", "partial")


def _item(index: int, data: dict) -> Item:
    return Item(
        index=index,
        key=data.get("idempotency_key"),
        service_level_id=data.get("service_level"),
        measured_on=data.get("measured_on"),
        value=data["value"],
        denominator=data.get("denominator"),
        note=data.get("note") or "",
        corrects_id=data.get("corrects"),
        correction_reason=data.get("correction_reason") or "",
    )


def _ingest(user, items: list[Item], **kwargs):
    try:
        return measurements_ingest(user=user, items=items, **kwargs)
    except IngestionConflict as conflict:
        raise Conflict(f"{conflict} Send the request again to get its figures.") from conflict


def _item_report(outcome: Outcome) -> dict:
    return {
        "index": outcome.index,
        "idempotency_key": outcome.key,
        "code": outcome.code,
        "errors": outcome.errors,
    }


def _item_result(outcome: Outcome) -> dict:
    result = {
        "index": outcome.index,
        "idempotency_key": outcome.key,
        "status": outcome.status,
        "id": outcome.measurement.pk if outcome.measurement else None,
        "is_late": outcome.measurement.is_late if outcome.measurement else None,
    }
    if outcome.status == FAILED:
        result |= {"code": outcome.code, "errors": outcome.errors}
    return result


MODE_PARAMETER = OpenApiParameter(
    "mode",
    OpenApiTypes.STR,
    enum=list(MODES),
    default="atomic",
    description="atomic: any bad item rejects the batch (400, per-item report, nothing saved). "
    "partial: good items are saved, bad ones reported per item.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Figures", description="Newest day first; corrections sit beside what they replace."
    ),
    retrieve=extend_schema(summary="One figure"),
)
class MeasurementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter
    ordering_fields = ["measured_on", "submitted_at", "id"]
    ordering = ["-measured_on", "-submitted_at", "-id"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return policy.scope(self.request.user, Measurement.objects.select_related("superseded_by"))

    def _one(self, outcome: Outcome) -> Response:
        """The answer to a single figure: 201 created, 200 replayed, or the item's error."""
        if outcome.status == FAILED:
            if outcome.code == "idempotency_conflict":
                raise Conflict(" ".join(outcome.errors.get("idempotency_key", [])))
            if outcome.code == "permission_denied":
                raise exceptions.PermissionDenied(" ".join(m for ms in outcome.errors.values() for m in ms))
            if outcome.code == "conflict":
                raise Conflict(" ".join(m for ms in outcome.errors.values() for m in ms))
            raise exceptions.ValidationError(outcome.errors)
        figure = self.get_queryset().filter(pk=outcome.measurement.pk).first()
        if figure is None:
            raise exceptions.NotFound()
        code = status.HTTP_201_CREATED if outcome.status == CREATED else status.HTTP_200_OK
        return Response(self.get_serializer(figure).data, status=code)

    @extend_schema(
        summary="Submit one figure",
        request=MeasurementCreateSerializer,
        responses={
            201: MeasurementSerializer,
            200: OpenApiResponse(MeasurementSerializer, description="Replayed: the figure this key created."),
        },
    )
    def create(self, request):
        data = validated(MeasurementCreateSerializer, request)
        result = _ingest(request.user, [_item(0, data)])
        return self._one(result.outcomes[0])

    @extend_schema(
        summary="Correct a figure",
        description="A new figure supersedes this one, with the reason; both stay in the history. "
        "A closed period is queued for re-evaluation.",
        request=MeasurementCorrectSerializer,
        responses={
            201: MeasurementSerializer,
            200: OpenApiResponse(
                MeasurementSerializer, description="Replayed: the correction this key made."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        figure = self.get_object()
        data = validated(MeasurementCorrectSerializer, request)
        item = _item(0, {**data, "corrects": figure.pk, "correction_reason": data["reason"]})
        return self._one(_ingest(request.user, [item]).outcomes[0])

    @extend_schema(
        summary="Ingest a batch of figures",
        description=f"Up to {settings.API_BATCH_MAX_ITEMS} new figures or corrections, each with a client "
        "idempotency key: a retried batch creates nothing twice and answers with the same ids. "
        "Late figures and corrections of closed periods queue those periods for re-evaluation.",
        parameters=[MODE_PARAMETER],
        request=BatchSerializer,
        responses={
            201: BatchResultSerializer,
            200: OpenApiResponse(BatchResultSerializer, description="Nothing new: every item was replayed."),
        },
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def batch(self, request):
        mode = request.query_params.get("mode", "atomic")
        if mode not in MODES:
            raise exceptions.ValidationError({"mode": ["Choose atomic or partial."]})
        raw = request.data.get("items") if isinstance(request.data, dict) else None
        if not isinstance(raw, list) or not raw:
            raise exceptions.ValidationError({"items": ["Send the figures as a non-empty list under items."]})
        if len(raw) > settings.API_BATCH_MAX_ITEMS:
            raise PayloadTooLarge(
                f"A batch holds at most {settings.API_BATCH_MAX_ITEMS} items; this one has {len(raw)}."
            )
        items, rejected = [], []
        # One serializer for every item: building its fields per item would cost more than the checks.
        item_serializer = BatchItemSerializer()
        for index, raw_item in enumerate(raw):
            try:
                items.append(_item(index, item_serializer.run_validation(raw_item)))
            except exceptions.ValidationError as error:
                key = raw_item.get("idempotency_key") if isinstance(raw_item, dict) else None
                outcome = Outcome(index=index, key=key if isinstance(key, str) else None)
                outcome.fail("invalid", flatten(error.detail))
                rejected.append(outcome)
        atomic = mode == "atomic"
        result = _ingest(request.user, items, all_or_nothing=atomic, check_only=atomic and bool(rejected))
        outcomes = sorted([*result.outcomes, *rejected], key=lambda o: o.index)
        failed = [o for o in outcomes if o.status == FAILED]
        if atomic and failed:
            message = f"{len(failed)} of {len(outcomes)} items are not valid; nothing was saved."
            return Response(
                error_body("invalid_batch", message, items=[_item_report(o) for o in failed]),
                status=status.HTTP_400_BAD_REQUEST,
            )
        created = sum(1 for o in outcomes if o.status == CREATED)
        body = {
            "mode": mode,
            "created": created,
            "replayed": sum(1 for o in outcomes if o.status == "replayed"),
            "failed": len(failed),
            "items": [_item_result(o) for o in outcomes],
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
