"""What the API reads: the portal's selectors, narrowed to what an API client is given.

The API lists and shows only what the user may read in full (no teasers), so it starts from
`publications_readable` and `brief_page`, the same entitlement rule every other door uses.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from taggit.models import Tag

from advisory.accounts.models import Follow, User
from advisory.briefs.models import (
    Brief,
    BriefAuthor,
    Mention,
    MentionRole,
    Publication,
    PublicationEntity,
    PublicationTag,
)
from advisory.digests.models import Subscription
from advisory.entities.models import Alias, Entity, Region
from advisory.lib.text import normalise_name
from advisory.portal.search import publications_matching
from advisory.portal.selectors import (
    CoMention,
    EntityRecord,
    PublicationReading,
    brief_page,
    entities_co_mentioned,
    entity_record,
    in_region,
    publication_reading,
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
    q: str = ""


def briefs_listed(user: User | AnonymousUser | None, query: BriefQuery) -> QuerySet[Publication]:
    """Live, unretracted briefs the user may read in full, with their regions and tags.

    A region takes in its countries. `updated_since` is on when the version now read went live,
    so a client polling with it gets new briefs and published updates alike. `q` narrows the
    list to what the portal's search finds (names in any spelling), still newest first.
    """
    queryset = (
        publications_readable(user)
        .filter(retracted_at__isnull=True)
        .defer("body_html", "authors", "region_keys", "tag_keys")
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
    if query.q.strip():
        queryset = publications_matching(queryset, query.q)
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
    if page is None or not page.readable or page.publication.retracted_at is not None:
        return None
    publication = page.publication
    links = (
        PublicationEntity.objects.filter(publication=publication)
        .select_related("entity")
        .order_by("-role", "entity__name")
    )
    return BriefDetail(
        publication=publication,
        reading=publication_reading(publication),
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


def entities_listed(q: str = "", name: str = "") -> QuerySet[Entity]:
    """Entity records (not tier-restricted), by name.

    `q` matches part of a name or alias, `name` the whole of one; both fold case, accents and
    spelling first, so "Nouri al Maliki" finds *Nuri al-Maliki*.
    """
    queryset = Entity.objects.select_related("country").prefetch_related(
        Prefetch("aliases", queryset=Alias.objects.order_by("name"))
    )
    for text, lookup in ((q, "contains"), (name, "exact")):
        if not text.strip():
            continue
        folded = normalise_name(text)
        if not folded:
            return queryset.none()
        by_alias = Alias.objects.filter(entity=OuterRef("pk"), **{f"normalised__{lookup}": folded})
        queryset = queryset.filter(
            Q(**{f"normalised_name__{lookup}": folded}) | Q(Exists(by_alias))
        )
    return queryset


@dataclass(frozen=True)
class EntityDetail:
    """An entity record, and how the briefs the user may read name it."""

    record: EntityRecord
    briefs: int
    briefs_as_subject: int
    co_mentioned: list[CoMention]


def entity_detail(user: User | AnonymousUser, slug: str) -> EntityDetail | None:
    """The record, with its mentions counted over the briefs the user may read in full:
    which briefs name whom is part of what a subscription pays for."""
    record = entity_record(slug)
    if record is None:
        return None
    readable = publications_readable(user).filter(retracted_at__isnull=True).values("pk")
    counts = PublicationEntity.objects.filter(
        entity=record.entity, publication__in=readable
    ).aggregate(briefs=Count("pk"), as_subject=Count("pk", filter=Q(role=MentionRole.SUBJECT)))
    return EntityDetail(
        record=record,
        briefs=counts["briefs"],
        briefs_as_subject=counts["as_subject"],
        co_mentioned=entities_co_mentioned(user, record.entity),
    )


def topics_listed() -> QuerySet[Tag]:
    """The topics of published briefs, as the portal's filters offer them."""
    return Tag.objects.filter(pk__in=PublicationTag.objects.values("tag_id"))


def regions_listed() -> QuerySet[Region]:
    return Region.objects.select_related("parent")


# --- The user's own -----------------------------------------------------------------------


def follows_of_user(user: User) -> QuerySet[Follow]:
    return Follow.objects.filter(user=user).select_related("entity", "tag", "region")


def subscriptions_of(user: User) -> list[Subscription]:
    """The user's digest subscriptions (one per frequency), with what each is about."""
    return list(
        Subscription.objects.filter(user=user)
        .prefetch_related(
            Prefetch("regions", queryset=Region.objects.order_by("name")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch("entities", queryset=Entity.objects.order_by("name")),
        )
        .order_by("pk")
    )


# --- The desk -----------------------------------------------------------------------------


def desk_briefs(status: str = "") -> QuerySet[Brief]:
    """Briefs as the desk works on them (any status), with their parts, in a fixed number of
    queries however many there are."""
    # taggit's manager prefetches, though the Django stubs do not know it.
    queryset = Brief.objects.prefetch_related(  # type: ignore[misc]
        Prefetch("regions", queryset=Region.objects.order_by("name")),
        "tags",  # taggit's manager takes no custom queryset: the serializer sorts them
        Prefetch("bylines", queryset=BriefAuthor.objects.select_related("author")),
        Prefetch("mentions", queryset=Mention.objects.select_related("entity").order_by("pk")),
    )
    return queryset.filter(status=status) if status else queryset
