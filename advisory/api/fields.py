"""Fields the API's write serializers share."""

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers


class SlugsField(serializers.ListField):
    """A list of slugs in, the rows they name out (in one query), in the order given.

    Every slug must name a row: the error lists those that do not.
    """

    def __init__(self, *, queryset: QuerySet[Any], noun: str, **kwargs: Any) -> None:
        self.queryset = queryset
        self.noun = noun
        kwargs.setdefault("max_length", 100)
        super().__init__(child=serializers.CharField(max_length=255), **kwargs)

    def to_internal_value(self, data: Any) -> list[Model]:
        slugs = list(dict.fromkeys(super().to_internal_value(data)))
        found = {row.slug: row for row in self.queryset.filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise serializers.ValidationError(
                f"No {self.noun} has the slug {', '.join(f'“{slug}”' for slug in missing)}."
            )
        return [found[slug] for slug in slugs]

    def to_representation(self, data: Any) -> list[str]:
        return [row.slug for row in data]
