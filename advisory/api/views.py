"""Read-only client endpoints: thin views over `advisory.api.selectors`."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.api import selectors
from advisory.api.errors import ErrorSerializer
from advisory.api.serializers import (
    BriefDetailSerializer,
    BriefListSerializer,
    BriefQuerySerializer,
    EntityDetailSerializer,
    EntityListSerializer,
    EntityQuerySerializer,
)
from advisory.briefs.models import Publication
from advisory.entities.models import Entity

ERROR = OpenApiResponse(ErrorSerializer, description="The error, in the API's one shape.")


class BriefCursorPagination(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-published_at", "-pk")


class EntityCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("name", "pk")


class BriefList(generics.ListAPIView[Publication]):
    """Briefs the user may read in full, newest first."""

    permission_classes = [AllowAny]
    serializer_class = BriefListSerializer
    pagination_class = BriefCursorPagination

    def get_queryset(self) -> QuerySet[Publication]:
        params = BriefQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.briefs_listed(self.request.user, params.query())

    @extend_schema(
        parameters=[BriefQuerySerializer],
        responses={200: BriefListSerializer, 400: ERROR, 404: ERROR},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class BriefDetail(APIView):
    """A brief in full. 404 for any brief the user may not read, or that is retracted."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: BriefDetailSerializer, 404: ERROR})
    def get(self, request: Request, slug: str) -> Response:
        detail = selectors.brief_detail(request.user, slug)
        if detail is None:
            raise NotFound("No brief you may read has this slug.")
        return Response(BriefDetailSerializer(detail, context={"request": request}).data)


class EntityList(generics.ListAPIView[Entity]):
    """Entity records by name; `q` finds them by any name or alias."""

    permission_classes = [AllowAny]
    serializer_class = EntityListSerializer
    pagination_class = EntityCursorPagination

    def get_queryset(self) -> QuerySet[Entity]:
        params = EntityQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.entities_listed(params.validated_data.get("q", ""))

    @extend_schema(
        parameters=[EntityQuerySerializer],
        responses={200: EntityListSerializer, 400: ERROR, 404: ERROR},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class EntityDetail(APIView):
    """An entity record with its aliases, identifiers, designations and relationships."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: EntityDetailSerializer, 404: ERROR})
    def get(self, request: Request, slug: str) -> Response:
        page = selectors.entity_detail(request.user, slug)
        if page is None:
            raise NotFound("No entity has this slug.")
        return Response(EntityDetailSerializer(page, context={"request": request}).data)


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """The API's reference, rendered on the server from the OpenAPI schema (no CDN assets)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    return render(request, "api/docs.html", {"info": schema["info"], "operations": operations})
