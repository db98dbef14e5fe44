"""Query filters of the vendor, contract and service level lists; they narrow querysets already
scoped by the access policy."""

import django_filters

from api.filters.base import IdFilter
from contracts.models import Contract, ContractStatus, ContractType
from kpis.models import (
    MeasurementPeriod,
    ServiceLevel,
    ServiceLevelKind,
)
from vendors.models import Vendor, VendorStatus, VendorTier


class VendorFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=VendorStatus.choices)
    tier = django_filters.ChoiceFilter(choices=VendorTier.choices)
    name = django_filters.CharFilter(lookup_expr="icontains", max_length=150)

    class Meta:
        model = Vendor
        fields = ["status", "tier", "name"]


class ContractFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id")
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices)
    contract_type = django_filters.ChoiceFilter(choices=ContractType.choices)
    reference = django_filters.CharFilter(max_length=40)

    class Meta:
        model = Contract
        fields = ["vendor", "status", "contract_type", "reference"]


class ServiceLevelFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="contract__vendor_id")
    contract = IdFilter(field_name="contract_id")
    metric = django_filters.CharFilter(field_name="metric__code", max_length=60, help_text="Metric code.")
    kind = django_filters.ChoiceFilter(choices=ServiceLevelKind.choices)
    period = django_filters.ChoiceFilter(choices=MeasurementPeriod.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = ServiceLevel
        fields = ["vendor", "contract", "metric", "kind", "period", "is_active"]
