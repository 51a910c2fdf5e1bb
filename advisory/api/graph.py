"""The actor graph in the API: an entity's neighbourhood, one or two ties deep."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.api.errors import ErrorSerializer
from advisory.entities.models import Confidence, EntityKind, RelationshipKind
from advisory.portal.graph_selectors import MAX_DEPTH, entity_neighbourhood


class GraphQuerySerializer(serializers.Serializer[Any]):
    depth = serializers.IntegerField(
        required=False,
        default=1,
        min_value=1,
        max_value=MAX_DEPTH,
        help_text="How many ties away from the entity to go: 1 or 2.",
    )


class GraphNodeSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=EntityKind.choices)
    depth = serializers.IntegerField(help_text="Ties from the entity asked about (0: itself).")
    mentions = serializers.IntegerField(help_text="Briefs you may read that name it.")
    co_mentions = serializers.IntegerField(
        help_text="Briefs you may read that name it and the entity asked about."
    )


class GraphEdgeSerializer(serializers.Serializer[Any]):
    # Declared fields leave the class's attributes, so this does not hide `Field.source`.
    source = serializers.CharField(help_text="The subject's slug.")  # type: ignore[assignment]
    target = serializers.CharField(help_text="The object's slug.")
    kind = serializers.ChoiceField(choices=RelationshipKind.choices)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    confidence = serializers.ChoiceField(choices=Confidence.choices)


class GraphSerializer(serializers.Serializer[Any]):
    entity = serializers.CharField(help_text="The slug of the entity asked about.")
    depth = serializers.IntegerField()
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)
    truncated = serializers.BooleanField(help_text="Whether entities were left out (over 200).")


class EntityGraph(APIView):
    """The entities within one or two ties of an entity, and the ties between them."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[GraphQuerySerializer],
        responses={
            200: GraphSerializer,
            400: OpenApiResponse(ErrorSerializer, description="A depth other than 1 or 2."),
            404: OpenApiResponse(ErrorSerializer, description="No entity has this slug."),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        params = GraphQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        graph = entity_neighbourhood(request.user, slug, params.validated_data["depth"])
        if graph is None:
            raise NotFound("No entity has this slug.")
        return Response(GraphSerializer(graph).data)
