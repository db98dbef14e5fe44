"""Query filters of the action item and issue lists; like every filter of the API they narrow querysets
already scoped by the access policy."""

import django_filters
from django import forms
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from governance.models import (
    ACTION_OPEN_STATUSES,
    ActionItem,
    ActionStatus,
    Issue,
    IssueOrigin,
    IssueSeverity,
    IssueStatus,
    Side,
)

from .base import DateTimeFromToRangeFilter, IdFilter

LEVEL_MAX = 32767  # the column is a small integer


@extend_schema_field(OpenApiTypes.INT)
class LevelFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", LEVEL_MAX)
        super().__init__(*args, **kwargs)


class ActionItemFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id")
    meeting = IdFilter(field_name="meeting_id")
    decision = IdFilter(field_name="decision_id")
    owner = IdFilter(field_name="owner_id")
    owner_side = django_filters.ChoiceFilter(choices=Side.choices)
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices)
    is_open = django_filters.BooleanFilter(method="filter_is_open", help_text="Open or in progress.")
    is_overdue = django_filters.BooleanFilter(
        method="filter_is_overdue", help_text="Open or in progress, and past its due date."
    )
    due_on = django_filters.DateFromToRangeFilter(help_text="due_on_after / due_on_before")

    class Meta:
        model = ActionItem
        fields = [
            "vendor",
            "meeting",
            "decision",
            "owner",
            "owner_side",
            "status",
            "is_open",
            "is_overdue",
            "due_on",
        ]

    def filter_is_open(self, queryset, name, value):
        if value is None:
            return queryset
        statuses = [str(s) for s in ACTION_OPEN_STATUSES]
        return queryset.filter(status__in=statuses) if value else queryset.exclude(status__in=statuses)

    def filter_is_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = {"status__in": [str(s) for s in ACTION_OPEN_STATUSES], "due_on__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class IssueFilter(django_filters.FilterSet):
    vendor = IdFilter(field_name="vendor_id")
    contract = IdFilter(field_name="contract_id")
    status = django_filters.ChoiceFilter(choices=IssueStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=IssueSeverity.choices)
    origin = django_filters.ChoiceFilter(choices=IssueOrigin.choices)
    raised_side = django_filters.ChoiceFilter(choices=Side.choices)
    level = LevelFilter(help_text="The current escalation level (1 = the first).")
    raised_at = DateTimeFromToRangeFilter()

    class Meta:
        model = Issue
        fields = ["vendor", "contract", "status", "severity", "origin", "raised_side", "level", "raised_at"]
