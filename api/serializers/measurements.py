"""What the API shows and accepts of figures: single, corrected and batched submissions."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.base import KEY_PATTERN, TEXT_MAX, ReadOnlyModelSerializer, _id_field, _value_field
from kpis.models import Measurement


class MeasurementSerializer(ReadOnlyModelSerializer):
    superseded_by = serializers.SerializerMethodField()

    class Meta:
        model = Measurement
        fields = [
            "id",
            "service_level",
            "measured_on",
            "value",
            "denominator",
            "note",
            "source",
            "status",
            "is_current",
            "is_late",
            "supersedes",
            "superseded_by",
            "corrects",
            "correction_reason",
            "submitted_by",
            "submitted_at",
            "reviewed_at",
            "review_reason",
        ]

    @extend_schema_field(
        serializers.IntegerField(allow_null=True, help_text="The correction that replaced it.")
    )
    def get_superseded_by(self, obj) -> int | None:
        try:
            return obj.superseded_by.pk
        except Measurement.superseded_by.RelatedObjectDoesNotExist:
            return None


class MeasurementInputSerializer(serializers.Serializer):
    """One figure: a new one (``service_level`` and ``measured_on``) or a correction (``corrects``)."""

    idempotency_key = serializers.RegexField(
        KEY_PATTERN,
        max_length=100,
        required=False,
        help_text="Client-chosen key; sending the same item again with it creates nothing and answers "
        "with the figure created the first time.",
    )
    service_level = _id_field(required=False)
    measured_on = serializers.DateField(required=False, help_text="The day the figure refers to.")
    value = _value_field(help_text="The figure; for ratio metrics the numerator.")
    denominator = _value_field(required=False, allow_null=True, help_text="Ratio metrics only.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    corrects = _id_field(required=False, allow_null=True, help_text="Id of the current figure this corrects.")
    correction_reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )

    def validate(self, data):
        if data.get("corrects") is None:
            missing = {
                name: ["This field is required for a new figure."]
                for name in ("service_level", "measured_on")
                if data.get(name) is None
            }
            if missing:
                raise serializers.ValidationError(missing)
        elif not data.get("correction_reason", "").strip():
            raise serializers.ValidationError({"correction_reason": ["Say why the figure is corrected."]})
        return data


class MeasurementCreateSerializer(MeasurementInputSerializer):
    """A new figure (corrections go to /measurements/{id}/correct/)."""

    corrects = None
    correction_reason = None
    service_level = _id_field()
    measured_on = serializers.DateField(help_text="The day the figure refers to.")


class BatchItemSerializer(MeasurementInputSerializer):
    idempotency_key = serializers.RegexField(
        KEY_PATTERN, max_length=100, help_text="Required in a batch: retries of the batch are then harmless."
    )


class MeasurementCorrectSerializer(serializers.Serializer):
    idempotency_key = serializers.RegexField(KEY_PATTERN, max_length=100, required=False)
    value = _value_field()
    denominator = _value_field(required=False, allow_null=True)
    reason = serializers.CharField(max_length=TEXT_MAX)


class BatchSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=BatchItemSerializer(),
        min_length=1,
        max_length=settings.API_BATCH_MAX_ITEMS,
        help_text=f"Up to {settings.API_BATCH_MAX_ITEMS} figures or corrections.",
    )


class BatchItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    idempotency_key = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "replayed", "error"])
    id = serializers.IntegerField(allow_null=True, help_text="The figure created (or created earlier).")
    is_late = serializers.BooleanField(allow_null=True)
    code = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class BatchResultSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["atomic", "partial"])
    created = serializers.IntegerField()
    replayed = serializers.IntegerField()
    failed = serializers.IntegerField()
    items = BatchItemResultSerializer(many=True)
