"""What the API shows and accepts of results, breaches, disputes and scorecards with their explanations."""

from rest_framework import serializers

from api.serializers.base import TEXT_MAX, ReadOnlyModelSerializer, _value_field
from kpis.models import Breach, Dispute, FiguresBasis, Scorecard, ServiceLevelResult


class ResultSerializer(ReadOnlyModelSerializer):
    provisional = serializers.BooleanField(
        read_only=True, help_text="The result rests on figures awaiting review or disputed; it may change."
    )

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
            "figures_basis",
            "provisional",
            "evaluated_at",
        ]


class BreachSerializer(ReadOnlyModelSerializer):
    contract = serializers.IntegerField(source="service_level.contract_id", read_only=True)
    vendor = serializers.IntegerField(source="service_level.contract.vendor_id", read_only=True)
    metric = serializers.CharField(source="service_level.metric.name", read_only=True)
    has_open_dispute = serializers.BooleanField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Not answered by the response deadline.")
    figures_basis = serializers.ChoiceField(
        choices=FiguresBasis.choices,
        read_only=True,
        allow_null=True,
        help_text="What the period's result rests on: validated, pending (awaiting review) or disputed.",
    )
    provisional = serializers.SerializerMethodField(
        help_text="The period's result rests on figures awaiting review or disputed; the breach may change."
    )

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
            "reported_late",
            "figures_basis",
            "provisional",
        ]

    def get_provisional(self, breach) -> bool:
        return getattr(breach, "figures_basis", None) not in (None, FiguresBasis.VALIDATED)


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
