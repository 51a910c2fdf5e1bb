"""The sitemap: the pages a visitor may open, never a body (a sitemap lists URLs).

Brief pages of every brief a visitor may know of (public briefs and the teasers of the others),
and the entity, topic and region pages those briefs lead to: see `advisory.portal.feed_selectors`.
"""

import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse
from taggit.models import Tag

from advisory.briefs.models import Publication
from advisory.entities.models import Entity, Region
from advisory.portal.feed_selectors import (
    sitemap_entities,
    sitemap_publications,
    sitemap_regions,
    sitemap_tags,
)


class BriefSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> QuerySet[Publication]:
        return sitemap_publications()

    def location(self, publication: Publication) -> str:
        return reverse("portal:brief-detail", args=[publication.slug])

    def lastmod(self, publication: Publication) -> datetime.datetime:
        return publication.visible_at


class EntitySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Entity]:
        return sitemap_entities()

    def location(self, entity: Entity) -> str:
        return reverse("portal:entity-detail", args=[entity.slug])

    def lastmod(self, entity: Entity) -> datetime.datetime:
        return entity.last_published  # type: ignore[attr-defined]


class TagSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self) -> QuerySet[Tag]:
        return sitemap_tags()

    def location(self, tag: Tag) -> str:
        return reverse("portal:tag-detail", args=[tag.slug])

    def lastmod(self, tag: Tag) -> datetime.datetime:
        return tag.last_published


class RegionSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self) -> QuerySet[Region]:
        return sitemap_regions()

    def location(self, region: Region) -> str:
        return reverse("portal:region-detail", args=[region.slug])

    def lastmod(self, region: Region) -> datetime.datetime:
        return region.last_published  # type: ignore[attr-defined]


SITEMAPS: dict[str, type[Sitemap]] = {
    "briefs": BriefSitemap,
    "entities": EntitySitemap,
    "topics": TagSitemap,
    "regions": RegionSitemap,
}
