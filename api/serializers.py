"""What the API shows and accepts. Fields a model lists as internal-only are dropped for vendor users.

Serializers only shape data: reads come scoped from the views' querysets, writes go to services.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import policy
from contracts.models import Contract
from kpis.models import Breach, Dispute, Measurement, Metric, Scorecard, ServiceLevel, ServiceLevelResult
from vendors.models import Vendor

from .models import SUBSCRIBABLE_EVENT_TYPES, TokenScope, WebhookDelivery, WebhookSubscription

MAX_ID = 2**63 - 1
KEY_PATTERN = r"^[A-Za-z0-9._:~/+=@-]{1,100}$"
TEXT_MAX = 5000


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _value_field(**kwargs):
    return serializers.DecimalField(max_digits=18, decimal_places=4, **kwargs)


class PolicyFieldsMixin:
    """Drops the model's ``policy_internal_fields`` unless the requesting user is internal.

    The schema documents every field; the internal ones as optional (see ``api.schema``).
    """

    def internal_field_names(self) -> tuple[str, ...]:
        return policy.internal_fields(self.Meta.model)

    def get_fields(self):
        fields = super().get_fields()
        if getattr(self.context.get("view"), "swagger_fake_view", False):
            return fields
        request = self.context.get("request")
        if not policy.sees_internal(getattr(request, "user", None)):
            for name in self.internal_field_names():
                fields.pop(name, None)
        return fields


class ReadOnlyModelSerializer(PolicyFieldsMixin, serializers.ModelSerializer):
    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra


# ---- The portfolio -------------------------------------------------------------------------------------


class VendorSerializer(ReadOnlyModelSerializer):
    service_categories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    # A plain string: an empty website is no URL, so the schema must not promise one.
    website = serializers.CharField(read_only=True, help_text="The vendor's website, or empty.")

    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "legal_name",
            "registration_number",
            "vat_number",
            "website",
            "status",
            "tier",
            "service_categories",
            "description",
            "internal_owner",
            "internal_notes",
            "created_at",
            "updated_at",
        ]


class ContractSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Contract
        fields = [
            "id",
            "vendor",
            "reference",
            "title",
            "contract_type",
            "parent",
            "status",
            "owner",
            "currency",
            "total_value",
            "monthly_charge",
            "at_risk_percent",
            "start_date",
            "initial_term_end",
            "renewal_type",
            "renewal_term_months",
            "notice_period_days",
            "scope_of_work",
            "internal_notes",
            "created_at",
            "updated_at",
        ]


class MetricSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Metric
        fields = ["code", "name", "unit", "direction", "aggregation", "category"]


class ServiceLevelSerializer(ReadOnlyModelSerializer):
    vendor = serializers.IntegerField(source="contract.vendor_id", read_only=True)
    metric = MetricSerializer(read_only=True)

    class Meta:
        model = ServiceLevel
        fields = [
            "id",
            "contract",
            "vendor",
            "metric",
            "kind",
            "target",
            "minimum",
            "period",
            "grace_days",
            "credit_allocation_percent",
            "weight",
            "effective_from",
            "effective_to",
            "is_active",
        ]


# ---- Figures ---------------------------------------------------------------------------------------------


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


# ---- Engine output ---------------------------------------------------------------------------------------


class ResultSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = ServiceLevelResult
        fields = [
            "id",
            "service_level",
            "period_start",
            "period_end",
            "attained",
            "sample_count",
            "target",
            "minimum",
            "outcome",
            "period_charge",
            "at_risk_percent",
            "allocation_percent",
            "factor_percent",
            "credit_amount",
            "evaluated_at",
        ]


class BreachSerializer(ReadOnlyModelSerializer):
    contract = serializers.IntegerField(source="service_level.contract_id", read_only=True)
    vendor = serializers.IntegerField(source="service_level.contract.vendor_id", read_only=True)
    metric = serializers.CharField(source="service_level.metric.name", read_only=True)
    has_open_dispute = serializers.BooleanField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Not answered by the response deadline.")

    class Meta:
        model = Breach
        fields = [
            "id",
            "service_level",
            "contract",
            "vendor",
            "metric",
            "period_start",
            "period_end",
            "kind",
            "severity",
            "status",
            "opened_at",
            "response_due_at",
            "acknowledged_at",
            "responded_at",
            "root_cause",
            "corrective_action",
            "action_due_on",
            "response_accepted_at",
            "closed_at",
            "closure_reason",
            "has_open_dispute",
            "is_overdue",
        ]


class BreachAcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class BreachRespondSerializer(serializers.Serializer):
    root_cause = serializers.CharField(max_length=TEXT_MAX)
    corrective_action = serializers.CharField(max_length=TEXT_MAX)
    action_due_on = serializers.DateField(
        help_text="When the corrective action will be done; not in the past."
    )


class BreachDisputeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


class DisputeSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Dispute
        fields = ["id", "breach", "measurement", "status", "reason", "raised_at", "resolved_at", "resolution"]


class ScorecardSerializer(ReadOnlyModelSerializer):
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "vendor",
            "vendor_name",
            "period_start",
            "period_end",
            "score",
            "quality_score",
            "delivery_score",
            "responsiveness_score",
            "relationship_score",
            "result_count",
            "band",
            "rag",
            "rank",
            "previous_score",
            "trend",
            "evaluated_at",
        ]


class ExplainedResultSerializer(serializers.Serializer):
    result = serializers.IntegerField(source="result.pk")
    service_level = serializers.IntegerField(source="result.service_level_id")
    metric = serializers.CharField(source="result.service_level.metric.name")
    outcome = serializers.CharField(source="result.outcome")
    attained = _value_field(source="result.attained", allow_null=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    weight = serializers.IntegerField()
    contribution = serializers.DecimalField(
        max_digits=6, decimal_places=2, source="shown_contribution", help_text="Points it adds to the score."
    )


class ExplainedCategorySerializer(serializers.Serializer):
    category = serializers.CharField()
    weight = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    contribution = serializers.DecimalField(max_digits=6, decimal_places=2, source="shown_contribution")
    results = ExplainedResultSerializer(many=True)


class ScorecardExplanationSerializer(serializers.Serializer):
    scorecard = serializers.IntegerField(source="scorecard.pk")
    total = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Equals the scorecard's score."
    )
    warning_points = serializers.IntegerField()
    categories = ExplainedCategorySerializer(many=True)


# ---- Webhooks and the caller -------------------------------------------------------------------------------


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENT_TYPES), min_length=1, max_length=20
    )
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "description", "event_types", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Signs every delivery (X-Portal-Signature). Shown only in this response."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.event_id", read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    occurred_at = serializers.DateTimeField(source="event.occurred_at", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "occurred_at",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_code",
            "last_error",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scope = serializers.ChoiceField(choices=TokenScope.choices)
    expires_at = serializers.DateTimeField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    vendor = serializers.IntegerField(source="vendor_id", allow_null=True)
    token = serializers.SerializerMethodField()

    @extend_schema_field(TokenInfoSerializer(allow_null=True))
    def get_token(self, user) -> dict | None:
        token = self.context.get("token")
        return TokenInfoSerializer(token).data if token is not None else None
