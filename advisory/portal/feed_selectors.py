"""What the Atom feeds and the sitemap may show, scoped by `publications_for` like every door."""

import datetime
from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from taggit.models import Tag

from advisory.accounts.models import FeedKey, User
from advisory.briefs.models import Publication, PublicationEntity, PublicationRegion, PublicationTag
from advisory.entities.models import Entity, Region
from advisory.portal.selectors import publications_for, publications_readable

FEED_LENGTH = 50

FeedSubject: TypeAlias = Region | Tag | Entity


def feed_publications(
    user: User | AnonymousUser | None, *, subject: FeedSubject | None = None
) -> list[Publication]:
    """The latest publications the user may know of, newest version first, tags loaded.

    Retracted briefs are left out (a feed entry cannot carry a retraction notice well), and each
    publication keeps its `readable` annotation: only readable ones may carry their body.
    A region takes in the briefs about its countries.
    """
    publications = publications_for(user).filter(retracted_at__isnull=True)
    if subject is not None:
        publications = publications.filter(_about(subject))
    return list(
        publications.prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name"))
        ).order_by("-visible_at", "-pk")[:FEED_LENGTH]
    )


def _about(subject: FeedSubject) -> Q:
    if isinstance(subject, Region):
        placed = PublicationRegion.objects.filter(publication=OuterRef("pk")).filter(
            Q(region=subject) | Q(region__parent=subject)
        )
        return Q(Exists(placed))
    if isinstance(subject, Tag):
        return Q(Exists(PublicationTag.objects.filter(publication=OuterRef("pk"), tag=subject)))
    return Q(Exists(PublicationEntity.objects.filter(publication=OuterRef("pk"), entity=subject)))


def feed_key_last_used_at(user: User) -> datetime.datetime | None:
    """When a feed reader last fetched one of the user's private feeds (None: never)."""
    return FeedKey.objects.filter(user=user).values_list("last_used_at", flat=True).first()


def feed_regions() -> QuerySet[Region]:
    """The regions and countries offered as public feeds: those a visitor knows a brief about."""
    return _regions_with_briefs().order_by("kind", "name")


def _anonymously_known() -> QuerySet[Publication]:
    return publications_for(AnonymousUser()).filter(retracted_at__isnull=True)


def _regions_placing(publications: QuerySet[Publication]) -> QuerySet[PublicationRegion]:
    """Links of those publications to the outer region or to one of its countries."""
    return PublicationRegion.objects.filter(publication__in=publications.values("pk")).filter(
        Q(region=OuterRef("pk")) | Q(region__parent=OuterRef("pk"))
    )


def _regions_with_briefs() -> QuerySet[Region]:
    return Region.objects.filter(Exists(_regions_placing(_anonymously_known())))


def sitemap_publications() -> QuerySet[Publication]:
    """Every brief page a visitor may open: public briefs and the teasers of the others.

    A teaser page (title, summary, a call to action) is public by design, so it is listed;
    drafts, scheduled, embargoed and retracted briefs are not, since the visitor cannot know
    of them.
    """
    return _anonymously_known().only("slug", "visible_at").order_by("-published_at", "-pk")


def _anonymously_readable() -> QuerySet[Publication]:
    return publications_readable(AnonymousUser()).filter(retracted_at__isnull=True)


def sitemap_entities() -> QuerySet[Entity]:
    """Entities a public brief is linked to, each annotated `last_published`.

    A brief's entity links are shown only to its readers, so a brief a visitor cannot read does
    not put its entities in the sitemap.
    """
    links = PublicationEntity.objects.filter(
        entity=OuterRef("pk"), publication__in=_anonymously_readable().values("pk")
    )
    return (
        Entity.objects.filter(Exists(links))
        .annotate(
            last_published=Subquery(
                links.order_by("-publication__visible_at").values("publication__visible_at")[:1]
            )
        )
        .only("slug")
        .order_by("name", "pk")
    )


def sitemap_tags() -> QuerySet[Tag]:
    """Topics of public briefs (a teaser does not show its tags), annotated `last_published`."""
    links = PublicationTag.objects.filter(
        tag=OuterRef("pk"), publication__in=_anonymously_readable().values("pk")
    )
    return (
        Tag.objects.filter(Exists(links))
        .annotate(
            last_published=Subquery(
                links.order_by("-publication__visible_at").values("publication__visible_at")[:1]
            )
        )
        .only("slug")
        .order_by("name", "pk")
    )


def sitemap_regions() -> QuerySet[Region]:
    """Regions and countries with a brief a visitor may know of (teasers show their regions),
    a region counting the briefs about its countries; annotated `last_published`."""
    placed = _regions_placing(_anonymously_known())
    return (
        _regions_with_briefs()
        .annotate(
            last_published=Subquery(
                placed.order_by("-publication__visible_at").values("publication__visible_at")[:1]
            )
        )
        .only("slug")
        .order_by("kind", "name")
    )
