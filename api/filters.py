"""Query filters of the list endpoints. They narrow querysets already scoped by the access policy, so
filtering by another vendor's id finds nothing rather than revealing anything."""

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.widgets import DateRangeWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from contracts.models import Contract, ContractStatus, ContractType
from kpis.models import (
    Breach,
    BreachKind,
    BreachSeverity,
    BreachStatus,
    Measurement,
    MeasurementPeriod,
    MeasurementSource,
    MeasurementStatus,
    Outcome,
    Scorecard,
    ServiceLevel,
    ServiceLevelKind,
    ServiceLevelResult,
)
from kpis.models.results import OPEN_BREACH_STATUSES
from kpis.models.scoring import Rag
from vendors.models import Vendor, VendorStatus, VendorTier

from .serializers import MAX_ID


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, in UTC: PostgreSQL accepts offsets only up to ±15:59, Python up to ±24:00."""

    def to_python(self, value):
        moment = super().to_python(value)
        try:
            return moment.astimezone(UTC) if moment is not None else None
        except OverflowError:
            raise forms.ValidationError("The date and time is out of range.", code="invalid") from None


class UtcDateTimeRangeField(RangeField):
    widget = DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((UtcDateTimeField(), UtcDateTimeField()), *args, **kwargs)


class DateTimeFromToRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    field_class = UtcDateTimeRangeField


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


class MeasurementFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="service_level__contract__vendor_id")
    contract = IdFilter(field_name="service_level__contract_id")
    service_level = IdFilter(field_name="service_level_id")
    measured_on = django_filters.DateFromToRangeFilter(help_text="measured_on_after / measured_on_before")
    submitted_at = DateTimeFromToRangeFilter()
    status = django_filters.ChoiceFilter(choices=MeasurementStatus.choices)
    source = django_filters.ChoiceFilter(choices=MeasurementSource.choices)
    is_current = django_filters.BooleanFilter()
    is_late = django_filters.BooleanFilter()

    class Meta:
        model = Measurement
        fields = [
            "vendor",
            "contract",
            "service_level",
            "measured_on",
            "submitted_at",
            "status",
            "source",
            "is_current",
            "is_late",
        ]


class ResultFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="service_level__contract__vendor_id")
    contract = IdFilter(field_name="service_level__contract_id")
    service_level = IdFilter(field_name="service_level_id")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    period_start = django_filters.DateFromToRangeFilter()

    class Meta:
        model = ServiceLevelResult
        fields = ["vendor", "contract", "service_level", "outcome", "period_start"]


class BreachFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="service_level__contract__vendor_id")
    contract = IdFilter(field_name="service_level__contract_id")
    service_level = IdFilter(field_name="service_level_id")
    status = django_filters.MultipleChoiceFilter(choices=BreachStatus.choices)
    is_open = django_filters.BooleanFilter(method="filter_is_open", help_text="Still awaiting an outcome.")
    severity = django_filters.ChoiceFilter(choices=BreachSeverity.choices)
    kind = django_filters.ChoiceFilter(choices=BreachKind.choices)
    period_start = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Breach
        fields = [
            "vendor",
            "contract",
            "service_level",
            "status",
            "is_open",
            "severity",
            "kind",
            "period_start",
        ]

    def filter_is_open(self, queryset, name, value):
        if value is None:
            return queryset
        statuses = [str(s) for s in OPEN_BREACH_STATUSES]
        return queryset.filter(status__in=statuses) if value else queryset.exclude(status__in=statuses)


class ScorecardFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id")
    rag = django_filters.ChoiceFilter(choices=Rag.choices)
    period_start = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Scorecard
        fields = ["vendor", "rag", "period_start"]
