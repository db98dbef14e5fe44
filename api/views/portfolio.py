"""Vendors, contracts and service levels, read-only."""

from drf_spectacular.utils import extend_schema, extend_schema_view

from contracts.models import Contract
from kpis.models import ServiceLevel
from vendors.models import Vendor

from ..filters.portfolio import ContractFilter, ServiceLevelFilter, VendorFilter
from ..serializers.portfolio import ContractSerializer, ServiceLevelSerializer, VendorSerializer
from .base import ScopedReadOnlyViewSet


@extend_schema_view(
    list=extend_schema(
        summary="Vendors", description="Every vendor for internal users; a vendor user's own."
    ),
    retrieve=extend_schema(summary="One vendor"),
)
class VendorViewSet(ScopedReadOnlyViewSet):
    serializer_class = VendorSerializer
    filterset_class = VendorFilter
    ordering_fields = ["name", "status", "tier", "updated_at", "id"]
    ordering = ["name", "id"]

    def base_queryset(self):
        return Vendor.objects.prefetch_related("service_categories")


@extend_schema_view(list=extend_schema(summary="Contracts"), retrieve=extend_schema(summary="One contract"))
class ContractViewSet(ScopedReadOnlyViewSet):
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["reference", "start_date", "initial_term_end", "updated_at", "id"]
    ordering = ["reference", "id"]

    def base_queryset(self):
        return Contract.objects.all()


@extend_schema_view(
    list=extend_schema(summary="Service levels", description="The KPIs and critical service levels agreed."),
    retrieve=extend_schema(summary="One service level"),
)
class ServiceLevelViewSet(ScopedReadOnlyViewSet):
    serializer_class = ServiceLevelSerializer
    filterset_class = ServiceLevelFilter
    ordering_fields = ["id", "effective_from", "weight"]
    ordering = ["contract_id", "id"]

    def base_queryset(self):
        return ServiceLevel.objects.select_related("metric", "contract")
