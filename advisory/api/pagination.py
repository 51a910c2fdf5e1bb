"""Cursor pagination for every list: stable under inserts, no page counts, no deep offsets."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView


class ApiCursorPagination(CursorPagination):
    """A cursor the API did not hand out is bad input (400), never a server error.

    DRF checks a cursor's offset but filters on its position as given, so a forged position
    that is no value of the ordering field would fail in the database: it is checked first.
    """

    page_size_query_param = "page_size"
    page_size_query_description = "Results per page (at most the endpoint's maximum)."
    invalid_cursor_message = "The cursor is not valid: use the `next` or `previous` link as given."
    _model: type[Model] | None = None

    def paginate_queryset(
        self, queryset: Any, request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        assert isinstance(queryset, QuerySet)  # every list here pages a queryset
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:  # DRF's answer to a cursor it cannot read
            raise self._invalid() from error
        if cursor is not None and cursor.position is not None:
            self._check_position(str(cursor.position))
        return cursor

    def _check_position(self, position: str) -> None:
        assert self._model is not None
        field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        if "\x00" in position:
            raise self._invalid()
        try:
            field.to_python(position)  # type: ignore[union-attr]  # a column, not a relation
        except (DjangoValidationError, ValueError, TypeError, OverflowError) as error:
            raise self._invalid() from error

    def _invalid(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})


class BriefCursorPagination(ApiCursorPagination):
    page_size = 20
    max_page_size = 100
    ordering = ("-published_at", "-pk")


class EntityCursorPagination(ApiCursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("name", "pk")


class NameCursorPagination(ApiCursorPagination):
    """Topics and regions, by name."""

    page_size = 100
    max_page_size = 500
    ordering = ("name", "pk")


class DeskBriefCursorPagination(ApiCursorPagination):
    """The desk's briefs, newest first by creation (which, unlike an edit, never moves)."""

    page_size = 20
    max_page_size = 100
    ordering = ("-created_at", "-pk")


class FollowCursorPagination(ApiCursorPagination):
    """What a user follows, newest first."""

    page_size = 100
    max_page_size = 500
    ordering = ("-created_at", "-pk")
