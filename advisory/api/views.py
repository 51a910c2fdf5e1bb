"""Client endpoints for reading: thin views over `advisory.api.selectors`.

Every view here is open to visitors, who get what a visitor of the portal gets; what a
signed-in user gets follows from the same entitlement rule as every other door. The error
responses each operation may give are added to the schema by `advisory.api.schema`.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView
from taggit.models import Tag

from advisory.api import selectors
from advisory.api.pagination import (
    BriefCursorPagination,
    EntityCursorPagination,
    NameCursorPagination,
)
from advisory.api.schema import error_response
from advisory.api.serializers import (
    BriefDetailSerializer,
    BriefListSerializer,
    BriefQuerySerializer,
    EntityDetailSerializer,
    EntityListSerializer,
    EntityQuerySerializer,
    ListQuerySerializer,
    RegionListSerializer,
    TagSerializer,
)
from advisory.briefs.models import Publication
from advisory.entities.models import Entity, Region

# An error an operation names itself; `advisory.api.schema` adds the ones every request risks.
ERROR = error_response(404)


class FilteredList(generics.ListAPIView[Any]):
    """A list whose query parameters are read by `query_serializer_class` (unknown ones are
    refused), open to visitors."""

    permission_classes = [AllowAny]
    query_serializer_class: type[BaseSerializer[Any]] = ListQuerySerializer

    def query(self) -> dict[str, Any]:
        """The list's own filters, checked (the pagination reads its parameters itself)."""
        params = self.query_serializer_class(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return {name: value for name, value in params.validated_data.items() if name != "page_size"}


class BriefList(FilteredList):
    """Briefs the user may read in full, newest first.

    Filters combine; `q` searches as the portal's search does, names in any spelling.
    """

    serializer_class = BriefListSerializer
    pagination_class = BriefCursorPagination
    query_serializer_class = BriefQuerySerializer

    def get_queryset(self) -> QuerySet[Publication]:
        return selectors.briefs_listed(self.request.user, selectors.BriefQuery(**self.query()))

    @extend_schema(parameters=[BriefQuerySerializer])
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


class EntityList(FilteredList):
    """Entity records by name; `q` finds them by part of any name or alias, `name` by a whole
    one (lookup by any spelling)."""

    serializer_class = EntityListSerializer
    pagination_class = EntityCursorPagination
    query_serializer_class = EntityQuerySerializer

    def get_queryset(self) -> QuerySet[Entity]:
        return selectors.entities_listed(**self.query())

    @extend_schema(parameters=[EntityQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class EntityDetail(APIView):
    """An entity record with its aliases, identifiers, designations and relationships, and
    how often the briefs the user may read name it."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: EntityDetailSerializer, 404: ERROR})
    def get(self, request: Request, slug: str) -> Response:
        detail = selectors.entity_detail(request.user, slug)
        if detail is None:
            raise NotFound("No entity has this slug.")
        return Response(EntityDetailSerializer(detail, context={"request": request}).data)


class TagList(FilteredList):
    """The topics of published briefs, by name: the values of the brief list's `tag`."""

    serializer_class = TagSerializer
    pagination_class = NameCursorPagination

    def get_queryset(self) -> QuerySet[Tag]:
        self.query()
        return selectors.topics_listed()


class RegionList(FilteredList):
    """Regions and countries, by name: the values of the brief list's `region` and `country`."""

    serializer_class = RegionListSerializer
    pagination_class = NameCursorPagination

    def get_queryset(self) -> QuerySet[Region]:
        self.query()
        return selectors.regions_listed()


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """The API's reference, rendered on the server from the OpenAPI schema (no CDN assets)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    return render(
        request,
        "api/docs.html",
        {"info": schema["info"], "operations": operations, "security": _security(schema)},
    )


def _security(schema: dict[str, Any]) -> list[dict[str, Any]]:
    schemes = schema.get("components", {}).get("securitySchemes", {})
    return [{"id": key, **scheme} for key, scheme in schemes.items()]
