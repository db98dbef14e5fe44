"""Action items and issues of the relationships: list and read them; the client's staff create action
items, both sides add progress notes, raise issues and comment on them — all through the governance
services, which check who may do what."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import policy
from contracts.models import Contract
from governance.models import ActionItem, ActionNote, Decision, Issue, IssueComment, IssueEscalation, Meeting
from governance.services import actions as action_services
from governance.services import issues as issue_services
from vendors.models import Vendor

from ..exceptions import Conflict
from ..filters.governance import ActionItemFilter, IssueFilter
from ..serializers.governance import (
    ActionItemCreateSerializer,
    ActionItemSerializer,
    ActionNoteCreateSerializer,
    ActionNoteSerializer,
    IssueCommentCreateSerializer,
    IssueCommentSerializer,
    IssueCreateSerializer,
    IssueSerializer,
)
from .base import ScopedReadOnlyViewSet, service_errors, validated


def _visible(user, queryset, pk, field: str, message: str):
    """The row with this id if the user may see it; otherwise the same 400 whether it exists or not."""
    if pk is None:
        return None
    found = policy.scope(user, queryset).filter(pk=pk).first()
    if found is None:
        raise exceptions.ValidationError({field: [message]})
    return found


def _permitted(allowed: bool, message: str) -> None:
    if not allowed:
        raise exceptions.PermissionDenied(message)


@extend_schema_view(
    list=extend_schema(
        summary="Action items",
        description="What each side promised to do by a date, soonest due first, with progress notes.",
    ),
    retrieve=extend_schema(summary="One action item"),
)
class ActionItemViewSet(ScopedReadOnlyViewSet):
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    ordering_fields = ["due_on", "created_at", "status", "id"]
    ordering = ["due_on", "id"]

    def base_queryset(self):
        notes = policy.scope(self.request.user, ActionNote.objects.select_related("author"))
        return ActionItem.objects.select_related("vendor", "owner").prefetch_related(
            Prefetch("notes", queryset=notes.order_by("created_at", "id"))
        )

    def _item(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=code)

    @extend_schema(
        summary="Create an action item (client staff)",
        request=ActionItemCreateSerializer,
        responses={201: ActionItemSerializer},
    )
    def create(self, request):
        user = request.user
        _permitted(
            policy.can(user, policy.Action.CREATE, ActionItem),
            "Only the client's managers create action items.",
        )
        data = validated(ActionItemCreateSerializer, request)
        vendor = _visible(user, Vendor.objects.all(), data["vendor"], "vendor", "No such vendor.")
        owner = _visible(user, get_user_model().objects.all(), data.get("owner"), "owner", "No such user.")
        meeting = _visible(
            user, Meeting.objects.select_related("forum"), data.get("meeting"), "meeting", "No such meeting."
        )
        decision = _visible(
            user, Decision.objects.all(), data.get("decision"), "decision", "No such decision."
        )
        with service_errors():
            item = action_services.action_create(
                actor=user,
                vendor=vendor,
                title=data["title"],
                description=data["description"],
                owner_side=data["owner_side"],
                owner=owner,
                due_on=data["due_on"],
                meeting=meeting,
                decision=decision,
            )
        return self._item(item.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a progress note",
        description="The client's managers on any action; a vendor's users on their own vendor's actions.",
        request=ActionNoteCreateSerializer,
        responses={201: ActionNoteSerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        item = self.get_object()
        _permitted(
            action_services.may_add_note(request.user, item), "You may not add notes to this action item."
        )
        data = validated(ActionNoteCreateSerializer, request)
        with service_errors():
            note = action_services.action_add_note(action=item, actor=request.user, body=data["body"])
        return Response(
            ActionNoteSerializer(note, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    list=extend_schema(
        summary="Issues",
        description="Problems raised by either side, newest first, with their escalation level and thread.",
    ),
    retrieve=extend_schema(summary="One issue"),
)
class IssueViewSet(ScopedReadOnlyViewSet):
    serializer_class = IssueSerializer
    filterset_class = IssueFilter
    ordering_fields = ["raised_at", "level", "level_started_at", "id"]
    ordering = ["-raised_at", "-id"]

    def base_queryset(self):
        user = self.request.user
        comments = policy.scope(user, IssueComment.objects.select_related("author"))
        escalations = policy.scope(user, IssueEscalation.objects.all())
        return Issue.objects.select_related("vendor", "raised_by").prefetch_related(
            Prefetch("comments", queryset=comments.order_by("created_at", "id")),
            Prefetch("escalations", queryset=escalations.order_by("level")),
        )

    @extend_schema(
        summary="Raise an issue",
        description="The client's managers raise issues on any vendor, a vendor's users on their own. "
        "The issue starts at level 1 of the escalation path that applies.",
        request=IssueCreateSerializer,
        responses={201: IssueSerializer},
    )
    def create(self, request):
        user = request.user
        _permitted(issue_services.issue_can_raise(user), "You may not raise issues.")
        data = validated(IssueCreateSerializer, request)
        vendor_id = data.get("vendor") or user.vendor_id
        if vendor_id is None:
            raise exceptions.ValidationError({"vendor": ["Say which vendor the issue is about."]})
        vendor = _visible(user, Vendor.objects.all(), vendor_id, "vendor", "No such vendor.")
        contract = _visible(
            user, Contract.objects.all(), data.get("contract"), "contract", "No such contract."
        )
        with service_errors():
            issue = issue_services.issue_raise(
                actor=user,
                vendor=vendor,
                contract=contract,
                title=data["title"],
                description=data["description"],
                severity=data["severity"],
            )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=issue.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Comment on an issue",
        description="Both sides comment on an open issue; a resolved issue's thread is closed (409).",
        request=IssueCommentCreateSerializer,
        responses={201: IssueCommentSerializer},
    )
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        issue = self.get_object()
        if not issue.is_open:
            raise Conflict("This issue is resolved; its thread is closed.")
        _permitted(
            issue_services.issue_step_permitted(issue=issue, actor=request.user, step="comment"),
            "You may not comment on this issue.",
        )
        data = validated(IssueCommentCreateSerializer, request)
        with service_errors():
            comment = issue_services.issue_comment(issue=issue, actor=request.user, body=data["body"])
        return Response(
            IssueCommentSerializer(comment, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
