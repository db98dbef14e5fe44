"""What the API shows and accepts of the relationship's governance: action items with their progress
notes, and issues with their comment thread and escalation steps.

Reads come scoped from the views' querysets; writes go to the governance services.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.models import (
    ActionItem,
    ActionNote,
    Issue,
    IssueComment,
    IssueEscalation,
    IssueSeverity,
    Side,
)

from .base import TEXT_MAX, ReadOnlyModelSerializer, _id_field

# Plain values: with its labels the choice set would be the vendor tiers' (same values and labels), and
# the schema would name the issue severity after the tiers.
ISSUE_SEVERITIES = list(IssueSeverity.values)


def _person_field(source: str):
    return serializers.CharField(
        source=source, read_only=True, allow_null=True, help_text="The person's name (null if removed)."
    )


# ---- Action items -----------------------------------------------------------------------------------


class ActionNoteSerializer(ReadOnlyModelSerializer):
    author_name = _person_field("author.get_full_name")

    class Meta:
        model = ActionNote
        fields = ["id", "author", "author_name", "body", "created_at"]


class ActionItemSerializer(ReadOnlyModelSerializer):
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    owner_name = _person_field("owner.get_full_name")
    is_overdue = serializers.SerializerMethodField()
    notes = ActionNoteSerializer(many=True, read_only=True, help_text="Progress notes, oldest first.")

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "vendor",
            "vendor_name",
            "meeting",
            "decision",
            "title",
            "description",
            "owner_side",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "is_overdue",
            "overdue_since",
            "completed_at",
            "created_by",
            "created_at",
            "notes",
        ]

    @extend_schema_field(serializers.BooleanField(help_text="Still open after its due date."))
    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue(timezone.localdate())


class ActionItemCreateSerializer(serializers.Serializer):
    vendor = _id_field(help_text="The relationship the action belongs to.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    owner_side = serializers.ChoiceField(choices=Side.choices, help_text="The side that owes the action.")
    owner = _id_field(
        required=False, allow_null=True, help_text="A user of the client, or of this vendor for its side."
    )
    due_on = serializers.DateField(help_text="Today or later.")
    meeting = _id_field(required=False, allow_null=True, help_text="The meeting it came from.")
    decision = _id_field(required=False, allow_null=True, help_text="The decision it follows.")


class ActionNoteCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_MAX, help_text="How the action is getting on.")


# ---- Issues -----------------------------------------------------------------------------------------


class IssueCommentSerializer(ReadOnlyModelSerializer):
    author_name = _person_field("author.get_full_name")

    class Meta:
        model = IssueComment
        fields = ["id", "author", "author_name", "body", "created_at"]


class IssueEscalationSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = IssueEscalation
        fields = ["level", "escalated_at", "automatic"]


class IssueSerializer(ReadOnlyModelSerializer):
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    severity = serializers.ChoiceField(choices=ISSUE_SEVERITIES, read_only=True)
    raised_by_name = _person_field("raised_by.get_full_name")
    comments = IssueCommentSerializer(many=True, read_only=True, help_text="The thread, oldest first.")
    escalations = IssueEscalationSerializer(many=True, read_only=True, help_text="Each step up the path.")

    class Meta:
        model = Issue
        fields = [
            "id",
            "vendor",
            "vendor_name",
            "contract",
            "title",
            "description",
            "severity",
            "origin",
            "status",
            "raised_by",
            "raised_by_name",
            "raised_side",
            "raised_at",
            "path",
            "level",
            "level_started_at",
            "breach",
            "finding",
            "resolved_at",
            "resolved_by",
            "resolution",
            "comments",
            "escalations",
        ]


class IssueCreateSerializer(serializers.Serializer):
    vendor = _id_field(
        required=False,
        help_text="Required for the client's staff; a vendor's users raise on their own vendor.",
    )
    contract = _id_field(required=False, allow_null=True, help_text="The contract it concerns, if one.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX)
    severity = serializers.ChoiceField(choices=ISSUE_SEVERITIES, default=IssueSeverity.MEDIUM.value)


class IssueCommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_MAX)
