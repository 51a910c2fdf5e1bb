"""Reading entity records."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from advisory.briefs.models import Mention
from advisory.entities.models import Alias, Entity
from advisory.lib.text import normalise_name


def _count_of(queryset: QuerySet[Alias] | QuerySet[Mention]) -> Coalesce:
    """A per-entity count as a subquery, so two counts do not multiply each other's joins."""
    counted = (
        queryset.filter(entity=OuterRef("pk"))
        .order_by()
        .values("entity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def entities_with_counts(queryset: QuerySet[Entity]) -> QuerySet[Entity]:
    """Entities annotated with `alias_count` and `mention_count`."""
    return queryset.annotate(
        alias_count=_count_of(Alias.objects.all()),
        mention_count=_count_of(Mention.objects.all()),
    )


def entities_matching(queryset: QuerySet[Entity], term: str) -> QuerySet[Entity]:
    """Entities whose name or an alias contains the term once both are folded.

    Folding lets *Kataib* find *Kata'ib Hezbollah* and نوري find نُوري; a term that folds to
    nothing matches nothing.
    """
    folded = normalise_name(term)
    if not folded:
        return queryset.none()
    return queryset.filter(
        Q(normalised_name__contains=folded)
        | Q(pk__in=Alias.objects.filter(normalised__contains=folded).values("entity_id"))
    )
