"""Query filters of the result, breach and scorecard lists; they narrow querysets already scoped
by the access policy."""

import django_filters

from api.filters.base import IdFilter
from kpis.models import (
    Breach,
    BreachKind,
    BreachSeverity,
    BreachStatus,
    Outcome,
    Scorecard,
    ServiceLevelResult,
)
from kpis.models.results import OPEN_BREACH_STATUSES
from kpis.models.scoring import Rag


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
