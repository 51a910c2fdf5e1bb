"""A live brief's reading: what `briefs/_brief_body.html` shows of it, with links, and what
it covers (the follow panel's items), built from its rows.

The reading memo (`selectors.brief_page`) keeps this module's rendering, under a fingerprint
that digests this module's source: it holds only what shapes the reading, so that other edits
to the portal do not make every memo stale.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from advisory.briefs.models import (
    CorrectionNote,
    MentionRole,
    Publication,
    PublicationEntity,
    PublicationRegion,
    PublicationTag,
)
from advisory.briefs.readings import (
    JudgmentReading,
    ScenarioReading,
    SourceCitation,
    TradecraftParts,
    snapshot_readings,
    with_history,
)
from advisory.briefs.selectors import BylineAuthor, recorded_changes
from advisory.entities.models import Entity, EntityKind, Region


@dataclass(frozen=True)
class Link:
    """A named page; prints as its name, so templates written for plain names still work."""

    name: str
    url: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class EntityItem:
    pk: int
    name: str
    kind: str
    is_subject: bool
    url: str


@dataclass(frozen=True)
class SeriesNav:
    title: str
    position: int
    previous: Link | None
    next: Link | None


@dataclass(frozen=True)
class PublicationReading(TradecraftParts):
    """A live brief for `briefs/_brief_body.html`: the published revision, with links."""

    title: str
    slug: str
    summary: str
    kind: str
    authors: tuple[BylineAuthor, ...]
    regions: tuple[Link, ...]
    tags: tuple[Link, ...]
    word_count: int
    reading_minutes: int
    body_html: SafeString
    key_judgments: tuple[JudgmentReading, ...]
    sources: tuple[SourceCitation, ...]
    published_at: datetime.datetime
    updated_at: datetime.datetime | None
    entities: tuple[EntityItem, ...]
    series: SeriesNav | None
    corrections: tuple[CorrectionNote, ...]
    retraction_notice: str
    scenarios: tuple[ScenarioReading, ...] = ()

    @property
    def authors_with_bio(self) -> tuple[BylineAuthor, ...]:
        return tuple(author for author in self.authors if author.bio)


def _series_nav(publication: Publication, known: QuerySet[Publication]) -> SeriesNav | None:
    """The neighbours in the series, as links: which briefs anyone may know of (and see the
    title of) does not depend on who asks, so the navigation is the same for every reader."""
    series, position = publication.series, publication.series_position
    if series is None or position is None:
        return None
    neighbours = {
        neighbour.series_position: Link(
            neighbour.title, reverse("portal:brief-detail", args=[neighbour.slug])
        )
        for neighbour in known.filter(
            series=series,
            series_position__in=[position - 1, position + 1],
            retracted_at__isnull=True,
        ).only("title", "slug", "series_position")
    }
    return SeriesNav(
        title=series.title,
        position=position,
        previous=neighbours.get(position - 1),
        next=neighbours.get(position + 1),
    )


def slug_url(name: str) -> Callable[[str], str]:
    """The address of the `name` page of a slug, the URL resolver asked once rather than once
    per link (a brief's page links a score of entities, topics and regions)."""
    placeholder = "slug-placeholder"
    pattern = reverse(name, args=[placeholder])
    head, tail = pattern.split(placeholder)
    return lambda slug: f"{head}{slug}{tail}"


_ENTITY_KIND_LABELS = dict(EntityKind.choices)


@dataclass(frozen=True)
class _CoveredEntity:
    pk: int
    name: str
    slug: str
    kind: str
    is_subject: bool

    def get_kind_display(self) -> str:
        # As the model's own display: an unknown value shows as stored.
        return str(_ENTITY_KIND_LABELS.get(self.kind, self.kind))


def _covered(
    publication: Publication,
) -> tuple[list[_CoveredEntity], list[Tag], list[Region]]:
    """The entities the publication links (subjects first, then by name), its topics and its
    regions and countries (by name), in one query that builds no model but the plain rows."""
    quote = connection.ops.quote_name
    entity_table = quote(Entity._meta.db_table)
    tag_table = quote(Tag._meta.db_table)
    region_table = quote(Region._meta.db_table)
    sql = (
        f"SELECT 0, e.id, e.name, e.slug, e.kind, pe.role"
        f" FROM {quote(PublicationEntity._meta.db_table)} pe"
        f" JOIN {entity_table} e ON e.id = pe.entity_id WHERE pe.publication_id = %s"
        f" UNION ALL SELECT 1, t.id, t.name, t.slug, '', ''"
        f" FROM {quote(PublicationTag._meta.db_table)} pt"
        f" JOIN {tag_table} t ON t.id = pt.tag_id WHERE pt.publication_id = %s"
        f" UNION ALL SELECT 2, r.id, r.name, r.slug, r.kind, ''"
        f" FROM {quote(PublicationRegion._meta.db_table)} pr"
        f" JOIN {region_table} r ON r.id = pr.region_id WHERE pr.publication_id = %s"
        f" ORDER BY 1, 6 DESC, 3"
    )
    entities: list[_CoveredEntity] = []
    tags: list[Tag] = []
    regions: list[Region] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [publication.pk] * 3)
        for part, pk, name, slug, kind, role in cursor.fetchall():
            if part == 0:
                entities.append(_CoveredEntity(pk, name, slug, kind, role == MentionRole.SUBJECT))
            elif part == 1:
                tags.append(Tag(pk=pk, name=name, slug=slug))
            else:
                regions.append(Region(pk=pk, name=name, slug=slug, kind=kind))
    return entities, tags, regions


# What a covered entity, topic or region is kept as in the memo, for the follow panel:
# {"kind": "entity" | "tag" | "region", "id", "slug", "name", "label", "url"}.
Covered = dict[str, Any]


def reading_built(
    publication: Publication, *, known: QuerySet[Publication]
) -> tuple[PublicationReading, list[Covered]]:
    """The reading of the live revision and what it covers, in four queries (five in a series):
    `known` is what anyone may know of, for the series' neighbours.

    Every row read here is digested by `selectors._reading_fingerprint`
    (`tests/test_reading_memo.py` holds the two to the same tables).
    """
    body_html, snapshot = (
        Publication.objects.filter(pk=publication.pk)
        .values_list("body_html", "revision__snapshot")
        .get()
    )
    entities, tags, regions = _covered(publication)
    judgments, sources, scenarios = snapshot_readings(snapshot)
    entity_url = slug_url("portal:entity-detail")
    tag_url = slug_url("portal:tag-detail")
    region_url = slug_url("portal:region-detail")
    reading = PublicationReading(
        title=publication.title,
        slug=publication.slug,
        summary=publication.summary,
        kind=publication.get_kind_display(),
        authors=tuple(
            BylineAuthor(author.get("name", ""), author.get("bio", ""))
            for author in publication.authors
        ),
        regions=tuple(Link(region.name, region_url(region.slug)) for region in regions),
        tags=tuple(Link(tag.name, tag_url(tag.slug)) for tag in tags),
        word_count=publication.word_count,
        reading_minutes=publication.reading_minutes,
        # Sanitised against an allow-list when the publication was written.
        body_html=mark_safe(body_html),
        key_judgments=with_history(judgments, recorded_changes([publication.pk])),
        sources=sources,
        scenarios=scenarios,
        published_at=publication.published_at,
        updated_at=publication.updated_at,
        entities=tuple(
            EntityItem(
                pk=entity.pk,
                name=entity.name,
                kind=entity.get_kind_display(),
                is_subject=entity.is_subject,
                url=entity_url(entity.slug),
            )
            for entity in entities
        ),
        series=_series_nav(publication, known),
        corrections=tuple(CorrectionNote.objects.filter(brief_id=publication.pk)),
        retraction_notice="",
    )
    covered: list[Covered] = [
        *(
            {
                "kind": "entity",
                "id": entity.pk,
                "slug": entity.slug,
                "name": entity.name,
                "label": entity.get_kind_display(),
                "url": entity_url(entity.slug),
            }
            for entity in entities
        ),
        *(
            {
                "kind": "tag",
                "id": tag.pk,
                "slug": tag.slug,
                "name": tag.name,
                "label": "Topic",
                "url": tag_url(tag.slug),
            }
            for tag in tags
        ),
        *(
            {
                "kind": "region",
                "id": region.pk,
                "slug": region.slug,
                "name": region.name,
                "label": region.get_kind_display(),
                "url": region_url(region.slug),
            }
            for region in regions
        ),
    ]
    return reading, covered


def reading_rendered(reading: PublicationReading) -> SafeString:
    """The reading as the memo keeps it: `briefs/_brief_body.html`, the same for every reader."""
    return render_to_string("briefs/_brief_body.html", {"brief": reading})
