"""Query filters of the figure list; they narrow querysets already scoped by the access policy."""

import django_filters

from api.filters.base import DateTimeFromToRangeFilter, IdFilter
from kpis.models import (
    Measurement,
    MeasurementSource,
    MeasurementStatus,
)


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
