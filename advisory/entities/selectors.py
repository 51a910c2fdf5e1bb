"""Reading entity records."""

import threading

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from advisory.briefs.models import Mention
from advisory.entities.linking import EntityInfo, Gazetteer, NameRecord, alias_is_short
from advisory.entities.models import Alias, Entity, GazetteerVersion
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


def gazetteer_version() -> str | None:
    """The token the entity services renew on every change of a name (None before the first)."""
    token = GazetteerVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    return str(token) if token is not None else None


def gazetteer_names() -> tuple[list[NameRecord], dict[int, EntityInfo]]:
    """Every canonical name and alias, and what the linker says of each entity.

    Weak aliases are short names (they link only where the brief names the entity in full),
    and so is a person's alias of one word.
    """
    entities: dict[int, EntityInfo] = {}
    names: list[NameRecord] = []
    for pk, name, kind, slug in Entity.objects.values_list("pk", "name", "kind", "slug"):
        entities[pk] = EntityInfo(name, kind, slug)
        names.append(NameRecord(pk, name))
    aliases = Alias.objects.values_list("entity_id", "name", "kind").order_by("entity_id", "pk")
    for entity_id, name, kind in aliases:
        info = entities.get(entity_id)
        if info is None:
            continue
        short = alias_is_short(name=name, alias_kind=kind, entity_kind=info.kind)
        names.append(NameRecord(entity_id, name, short))
    return names, entities


_gazetteer_lock = threading.Lock()
_gazetteer: tuple[str | None, Gazetteer] | None = None


def gazetteer_current() -> Gazetteer:
    """This process's gazetteer, rebuilt first if the entity records changed since it was built.

    Built once and kept: each call costs one primary-key read of the version token.
    """
    global _gazetteer
    version = gazetteer_version()
    held = _gazetteer
    if held is not None and held[0] == version:
        return held[1]
    with _gazetteer_lock:
        held = _gazetteer
        if held is None or held[0] != version:
            names, entities = gazetteer_names()
            held = (version, Gazetteer(names, entities))
            _gazetteer = held
        return held[1]
