"""What the API reads: the portal's selectors, narrowed to what an API client is given.

The API lists and shows only what the user may read in full (no teasers), so it starts from
`publications_readable` and `brief_page`, the same entitlement rule every other door uses.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from taggit.models import Tag

from advisory.accounts.models import User
from advisory.briefs.models import Publication, PublicationEntity, PublicationTag
from advisory.entities.models import Alias, Entity, Region
from advisory.lib.text import normalise_name
from advisory.portal.selectors import (
    EntityPage,
    PublicationReading,
    brief_page,
    entity_page,
    in_region,
    publications_readable,
)


@dataclass(frozen=True)
class BriefQuery:
    """The brief list's filters, each already resolved to a row or a value."""

    region: Region | None = None
    country: Region | None = None
    kind: str = ""
    tag: Tag | None = None
    entity: Entity | None = None
    updated_since: datetime.datetime | None = None


def briefs_listed(user: User | AnonymousUser | None, query: BriefQuery) -> QuerySet[Publication]:
    """Live, unretracted briefs the user may read in full, with their regions and tags.

    A region takes in its countries. `updated_since` is on when the version now read went live,
    so a client polling with it gets new briefs and published updates alike.
    """
    queryset = (
        publications_readable(user)
        .filter(retracted_at__isnull=True)
        .defer("body_html", "search_vector", "authors", "region_keys", "tag_keys")
        .prefetch_related(
            Prefetch("regions", queryset=Region.objects.order_by("name")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
        )
    )
    if query.region is not None:
        queryset = queryset.filter(in_region(query.region))
    if query.country is not None:
        queryset = queryset.filter(in_region(query.country))
    if query.kind:
        queryset = queryset.filter(kind=query.kind)
    if query.tag is not None:
        about_tag = PublicationTag.objects.filter(publication=OuterRef("pk"), tag=query.tag)
        queryset = queryset.filter(Exists(about_tag))
    if query.entity is not None:
        about_entity = PublicationEntity.objects.filter(
            publication=OuterRef("pk"), entity=query.entity
        )
        queryset = queryset.filter(Exists(about_entity))
    if query.updated_since is not None:
        queryset = queryset.filter(visible_at__gte=query.updated_since)
    return queryset


@dataclass(frozen=True)
class EntityLink:
    slug: str
    name: str
    kind: str
    role: str


@dataclass(frozen=True)
class BriefDetail:
    publication: Publication
    reading: PublicationReading
    regions: tuple[Region, ...]
    tags: tuple[Tag, ...]
    entities: tuple[EntityLink, ...]


def brief_detail(user: User | AnonymousUser, slug: str) -> BriefDetail | None:
    """The brief in full, or None unless the user may read it and it is not retracted.

    The API gives no teasers: a brief the user may know of but not read is as absent as one
    they may not know of.
    """
    page = brief_page(user, slug)
    if page is None or not page.readable or page.reading is None:
        return None
    publication = page.publication
    if publication.retracted_at is not None:
        return None
    links = (
        PublicationEntity.objects.filter(publication=publication)
        .select_related("entity")
        .order_by("-role", "entity__name")
    )
    return BriefDetail(
        publication=publication,
        reading=page.reading,
        regions=tuple(publication.regions.all()),
        tags=tuple(publication.tags.order_by("name")),
        entities=tuple(
            EntityLink(
                slug=link.entity.slug,
                name=link.entity.name,
                kind=link.entity.kind,
                role=link.role,
            )
            for link in links
        ),
    )


def entities_listed(q: str = "") -> QuerySet[Entity]:
    """Entity records (not tier-restricted), by name; `q` matches a name or alias, folded."""
    queryset = Entity.objects.select_related("country").prefetch_related(
        Prefetch("aliases", queryset=Alias.objects.order_by("name"))
    )
    if not q.strip():
        return queryset
    folded = normalise_name(q)
    if not folded:
        return queryset.none()
    by_alias = Alias.objects.filter(entity=OuterRef("pk"), normalised__contains=folded)
    return queryset.filter(Q(normalised_name__contains=folded) | Q(Exists(by_alias)))


def entity_detail(user: User | AnonymousUser, slug: str) -> EntityPage | None:
    return entity_page(user, slug)
