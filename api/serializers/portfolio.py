"""What the API shows of vendors, contracts, metrics and service levels."""

from rest_framework import serializers

from api.serializers.base import ReadOnlyModelSerializer
from contracts.models import Contract
from kpis.models import Metric, ServiceLevel
from vendors.models import Vendor


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
            "notice_period_unit",
            "notice_period_days",
            "notice_period_months",
            "notice_alignment",
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
