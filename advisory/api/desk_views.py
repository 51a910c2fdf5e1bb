"""The desk's endpoints for its own tools: drafts and proposed entity links.

Staff only, each method by the model permission the admin asks for the same change. They
call the brief services, so the workflow's rules hold: a brief is created as a draft, only a
draft is changed, a stale update is refused (409) rather than overwriting someone's save,
and nothing here submits, approves or publishes.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.accounts.models import User
from advisory.api import selectors
from advisory.api.desk_serializers import (
    DeskBriefQuerySerializer,
    DeskBriefSerializer,
    DeskBriefUpdateSerializer,
    DeskBriefWriteSerializer,
    DeskMentionSerializer,
    MentionProposalsSerializer,
)
from advisory.api.errors import Conflict
from advisory.api.pagination import DeskBriefCursorPagination
from advisory.api.permissions import DeskPermission
from advisory.api.schema import error_response
from advisory.briefs.models import Brief
from advisory.briefs.services import (
    EditConflict,
    NotADraft,
    brief_create,
    brief_draft_update,
    brief_mentions_propose,
)

CONFLICT = error_response(
    409,
    "Refused, nothing changed: `edit_conflict` when the brief was saved since the version "
    "sent; `not_a_draft` when it has moved on to review or beyond.",
)


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # DeskPermission let only staff in
    return user


def _desk_brief(pk: int) -> Brief:
    brief = selectors.desk_briefs().filter(pk=pk).first()
    if brief is None:
        raise NotFound("No brief has this id.")
    return brief


def _not_a_draft(error: NotADraft) -> Conflict:
    return Conflict(error.messages[0], code="not_a_draft")


class DeskBriefList(generics.ListAPIView[Brief]):
    """Briefs in any status, newest first; create a draft."""

    permission_classes = [DeskPermission]
    desk_permissions = {"GET": ("briefs.view_brief",), "POST": ("briefs.add_brief",)}
    serializer_class = DeskBriefSerializer
    pagination_class = DeskBriefCursorPagination

    def get_queryset(self) -> QuerySet[Brief]:
        params = DeskBriefQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.desk_briefs(status=params.validated_data.get("status", ""))

    @extend_schema(parameters=[DeskBriefQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=DeskBriefWriteSerializer,
        responses={201: OpenApiResponse(DeskBriefSerializer, description="The new draft.")},
    )
    def post(self, request: Request) -> Response:
        """Create a draft, with you as its author. Link entities with `mentions/`."""
        given = DeskBriefWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        brief = brief_create(
            actor=_user(request),
            regions=data.get("regions", ()),
            tags=data.get("tags", ()),
            **given.fields_to_save(),
        )
        body = DeskBriefSerializer(_desk_brief(brief.pk), context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class DeskBriefDetail(APIView):
    """A brief as the desk has it now; change a draft."""

    permission_classes = [DeskPermission]
    desk_permissions = {"GET": ("briefs.view_brief",), "PATCH": ("briefs.change_brief",)}

    @extend_schema(responses=DeskBriefSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(DeskBriefSerializer(_desk_brief(pk), context={"request": request}).data)

    @extend_schema(
        request=DeskBriefUpdateSerializer, responses={200: DeskBriefSerializer, 409: CONFLICT}
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Change the fields sent of a draft (or of a brief whose changes were requested).

        `version` is required: the one you read. If anyone has saved the brief since, nothing
        is changed and the answer is 409 `edit_conflict`: read it again and redo your change.
        """
        brief = _desk_brief(pk)
        given = DeskBriefUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            brief_draft_update(
                actor=_user(request),
                brief=brief,
                expected_version=data["version"],
                regions=data.get("regions"),
                tags=data.get("tags"),
                **given.fields_to_save(),
            )
        except EditConflict as error:
            raise Conflict(
                f"The brief was saved (version {error.stored.version}) since version "
                f"{data['version']}, which you sent: nothing was changed. Read it again, "
                "then send your change with its new version.",
                code="edit_conflict",
            ) from error
        except NotADraft as error:
            raise _not_a_draft(error) from error
        return Response(DeskBriefSerializer(_desk_brief(pk), context={"request": request}).data)


class DeskBriefMentions(APIView):
    """Propose entity links for a draft: they are added as suggestions for the writer to
    confirm; an entity the brief already links keeps its link."""

    permission_classes = [DeskPermission]
    desk_permissions = {"POST": ("briefs.change_brief", "briefs.add_mention")}

    @extend_schema(
        request=MentionProposalsSerializer,
        responses={
            200: OpenApiResponse(
                DeskMentionSerializer(many=True), description="The brief's links now."
            ),
            409: CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        brief = _desk_brief(pk)
        given = MentionProposalsSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            brief_mentions_propose(
                actor=_user(request), brief=brief, links=given.validated_data["links"]
            )
        except NotADraft as error:
            raise _not_a_draft(error) from error
        mentions = list(_desk_brief(pk).mentions.all())
        return Response(DeskMentionSerializer(mentions, many=True).data)
