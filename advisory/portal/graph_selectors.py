"""An entity's neighbourhood in the actor graph, with how often the reader's briefs name each
entity: the counts read only briefs the user may read in full (`publications_readable`)."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q

from advisory.accounts.models import User
from advisory.briefs.models import PublicationEntity
from advisory.entities.models import Entity, Relationship
from advisory.portal.selectors import publications_readable

MAX_DEPTH = 2
# A neighbourhood two ties deep can reach most of the records; past this many entities it is
# cut, the nearest kept, and says so.
MAX_NODES = 200


@dataclass(frozen=True)
class NeighbourNode:
    slug: str
    name: str
    kind: str
    depth: int  # ties between it and the entity asked about: 0 for that entity itself
    mentions: int  # briefs the user may read that name it
    co_mentions: int  # of those, briefs that also name the entity asked about


@dataclass(frozen=True)
class NeighbourEdge:
    source: str  # the subject's slug
    target: str  # the object's slug
    kind: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    confidence: str


@dataclass(frozen=True)
class Neighbourhood:
    entity: str
    depth: int
    nodes: list[NeighbourNode]
    edges: list[NeighbourEdge]
    truncated: bool


def entity_neighbourhood(
    user: User | AnonymousUser | None, slug: str, depth: int
) -> Neighbourhood | None:
    """The entity, the entities within `depth` ties of it (1 or 2) and the ties between them.

    One query per level of depth and three more, whatever the number of ties. Entity records
    are open to all; only the mention counts depend on what the user may read.
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}")
    centre = Entity.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if centre is None:
        return None
    levels = {centre: 0}
    ties: dict[int, tuple[int, int, str, datetime.date | None, datetime.date | None, str]] = {}
    frontier = {centre}
    truncated = False
    for level in range(1, depth + 1):
        rows = (
            Relationship.objects.filter(Q(subject_id__in=frontier) | Q(object_id__in=frontier))
            .order_by("kind", "subject_id", "object_id", "pk")
            .values_list(
                "pk", "subject_id", "object_id", "kind", "start_date", "end_date", "confidence"
            )
        )
        reached: set[int] = set()
        for pk, subject, obj, kind, start, end, confidence in rows:
            for other in (subject, obj):
                if other in levels:
                    continue
                if len(levels) >= MAX_NODES:
                    truncated = True
                    continue
                levels[other] = level
                reached.add(other)
            if subject in levels and obj in levels:
                ties[pk] = (subject, obj, kind, start, end, confidence)
        frontier = reached
    records = {
        row["pk"]: row
        for row in Entity.objects.filter(pk__in=levels).values("pk", "slug", "name", "kind")
    }
    readable = publications_readable(user).filter(retracted_at__isnull=True).values("pk")
    named = PublicationEntity.objects.filter(publication__in=readable)
    mentions = dict(
        named.filter(entity_id__in=levels)
        .values("entity_id")
        .annotate(n=Count("publication_id", distinct=True))
        .values_list("entity_id", "n")
    )
    with_centre = named.filter(
        publication__in=named.filter(entity_id=centre).values("publication_id")
    )
    co_mentions = dict(
        with_centre.filter(entity_id__in=levels)
        .exclude(entity_id=centre)
        .values("entity_id")
        .annotate(n=Count("publication_id", distinct=True))
        .values_list("entity_id", "n")
    )
    nodes = [
        NeighbourNode(
            slug=records[pk]["slug"],
            name=records[pk]["name"],
            kind=records[pk]["kind"],
            depth=level,
            mentions=mentions.get(pk, 0),
            co_mentions=co_mentions.get(pk, 0),
        )
        for pk, level in sorted(
            levels.items(), key=lambda item: (item[1], records[item[0]]["name"])
        )
    ]
    edges = [
        NeighbourEdge(
            source=records[subject]["slug"],
            target=records[obj]["slug"],
            kind=kind,
            start_date=start,
            end_date=end,
            confidence=confidence,
        )
        for subject, obj, kind, start, end, confidence in ties.values()
    ]
    return Neighbourhood(records[centre]["slug"], depth, nodes, edges, truncated)
