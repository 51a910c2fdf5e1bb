"""What clients may see: every door (pages, search, feeds, sitemap, API, digests) starts here."""

import datetime
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from advisory.accounts.models import AccessTier, Follow, User
from advisory.accounts.selectors import (
    Entitlement,
    entitlement_of,
    follow_targets_of,
    follows_of,
)
from advisory.briefs.models import (
    CorrectionNote,
    MentionRole,
    Publication,
    PublicationEntity,
    PublicationRegion,
    PublicationTag,
)
from advisory.briefs.publication import publications_version
from advisory.briefs.readings import (
    JudgmentReading,
    ScenarioReading,
    SourceCitation,
    TradecraftParts,
    snapshot_readings,
    with_history,
)
from advisory.briefs.selectors import BylineAuthor, recorded_changes
from advisory.entities.graph import EgoGraph, GraphEntity, Tie, ego_graph
from advisory.entities.models import (
    Alias,
    Designation,
    Entity,
    EntityKind,
    Region,
    Relationship,
)
from advisory.lib.text import normalise_name


def _keys(ids: frozenset[int]) -> list[str]:
    return [str(pk) for pk in sorted(ids)]


def readable_condition(entitlement: Entitlement) -> Q:
    """The publications the entitlement opens in full, as a condition on `Publication`.

    Public briefs are open to all. Otherwise the tier must be covered and, unless the contract
    covers every region, one of the brief's regions or countries (a brief with none is about
    no place in particular and reads as covered); a contract limited to topics needs a shared tag.
    """
    public = Q(access_tier=AccessTier.PUBLIC)
    if entitlement.tier == AccessTier.PUBLIC:
        return public
    covered = Q(access_tier__lte=entitlement.tier)
    if entitlement.region_ids is not None:
        # Tested on the publication's own row: see `Publication.region_keys`.
        placed = Q(region_keys={})
        if entitlement.region_ids:
            placed |= Q(region_keys__has_any_keys=_keys(entitlement.region_ids))
        covered &= placed
    if entitlement.topic_ids is not None:
        topics = entitlement.topic_ids
        covered &= Q(tag_keys__has_any_keys=_keys(topics)) if topics else Q(pk__in=[])
    return public | covered


def readable_key(entitlement: Entitlement) -> str:
    """All that `readable_condition` reads of the entitlement, as a cache key's part: two
    readers with equal keys may read exactly the same, so may be shown the same results."""

    def ids(found: frozenset[int] | None) -> str:
        return "all" if found is None else ",".join(map(str, sorted(found)))

    plain = f"{int(entitlement.tier)}|{ids(entitlement.region_ids)}|{ids(entitlement.topic_ids)}"
    return hashlib.sha256(plain.encode()).hexdigest()


def publications_for(user: User | AnonymousUser | None) -> QuerySet[Publication]:
    """Every publication the user may know of, each annotated `readable`.

    A publication the user may know of is live and past its embargo; its title and summary are
    a teaser anyone may see. `readable` says whether the user may read the rest: a door shows
    the body, key judgments, sources and entity links only when it is true.
    """
    condition = readable_condition(entitlement_of(user))
    return Publication.objects.filter(published_at__lte=timezone.now()).annotate(
        readable=Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def publications_readable(user: User | AnonymousUser | None) -> QuerySet[Publication]:
    """Only what the user may read in full: for search, feeds with content, digests and the API."""
    return publications_for(user).filter(readable_condition(entitlement_of(user)))


# ---------------------------------------------------------------------------------------------
# The reading pages. Each selector below starts from publications_for / publications_readable
# and runs a fixed number of queries, however many tags, entities or briefs are involved.
# ---------------------------------------------------------------------------------------------

HOME_LATEST = 8
HOME_PER_SECTION = 4
RELATED_LIMIT = 5
TIMELINE_LIMIT = 20
CO_MENTIONED_LIMIT = 10
_RELATED_CANDIDATES = 50


def publications_listed(user: User | AnonymousUser | None) -> QuerySet[Publication]:
    """What a listing shows: known, not retracted, newest first, with teaser fields and regions."""
    return (
        publications_for(user)
        .filter(retracted_at__isnull=True)
        .defer("body_html", "authors")
        .prefetch_related(
            Prefetch(
                "regions", queryset=Region.objects.order_by("name").only("name", "slug", "parent")
            )
        )
        .order_by("-published_at", "-pk")
    )


def in_region(region: Region) -> Q:
    """About the region itself or, for a region, one of its countries."""
    return Q(
        Exists(
            PublicationRegion.objects.filter(publication=OuterRef("pk")).filter(
                Q(region=region) | Q(region__parent=region)
            )
        )
    )


def _about_entity(entity: Entity) -> Q:
    return Q(Exists(PublicationEntity.objects.filter(publication=OuterRef("pk"), entity=entity)))


def _about_tag(tag: Tag) -> Q:
    return Q(Exists(PublicationTag.objects.filter(publication=OuterRef("pk"), tag=tag)))


@dataclass(frozen=True)
class BriefFilters:
    """The brief list's filters, each already resolved to a row or a value."""

    region: Region | None = None
    country: Region | None = None
    kind: str = ""
    tag: Tag | None = None
    entity: Entity | None = None
    published_from: datetime.date | None = None
    published_to: datetime.date | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, field.name) for field in fields(self))


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def publications_filtered(
    user: User | AnonymousUser | None, filters: BriefFilters
) -> QuerySet[Publication]:
    """The brief list: a region takes in its countries; dates are whole days, both included."""
    queryset = publications_listed(user)
    if filters.region is not None:
        queryset = queryset.filter(in_region(filters.region))
    if filters.country is not None:
        queryset = queryset.filter(in_region(filters.country))
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.tag is not None:
        queryset = queryset.filter(_about_tag(filters.tag))
    if filters.entity is not None:
        queryset = queryset.filter(_about_entity(filters.entity))
    if filters.published_from is not None:
        queryset = queryset.filter(published_at__gte=_day_start(filters.published_from))
    if filters.published_to is not None:
        next_day = filters.published_to + datetime.timedelta(days=1)
        queryset = queryset.filter(published_at__lt=_day_start(next_day))
    return queryset


# The filters' choices: they change with what is published (renewing the version) or when
# the desk adds a region or renames a topic, which this bounds.
CHOICES_CACHE_SECONDS = 600


def regions_listed() -> list[Region]:
    """Every region and country, by name, for the filters."""
    key = f"portal:regions-listed:{publications_version()}"
    regions: list[Region] | None = cache.get(key)
    if regions is None:
        regions = list(Region.objects.order_by("name").only("name", "slug", "kind", "parent_id"))
        cache.set(key, regions, CHOICES_CACHE_SECONDS)
    return regions


def tags_listed() -> list[Tag]:
    """The topics of live briefs, by name."""
    key = f"portal:tags-listed:{publications_version()}"
    tags: list[Tag] | None = cache.get(key)
    if tags is None:
        used = PublicationTag.objects.values("tag_id")
        tags = list(Tag.objects.filter(pk__in=used).order_by("name"))
        cache.set(key, tags, CHOICES_CACHE_SECONDS)
    return tags


def entity_for_reference(reference: str) -> Entity | None:
    """The entity a filter names: by slug, else by its name or an alias, spelling folded."""
    reference = reference.strip()
    if not reference:
        return None
    by_slug = Entity.objects.filter(slug=reference).first()
    if by_slug is not None:
        return by_slug
    folded = normalise_name(reference)
    if not folded:
        return None
    return (
        Entity.objects.filter(Q(normalised_name=folded) | Q(aliases__normalised=folded))
        .order_by("name", "pk")
        .first()
    )


# --- Home ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionSection:
    region: Region
    publications: list[Publication]


@dataclass(frozen=True)
class HomePage:
    latest: list[Publication]
    sections: list[RegionSection]
    followed: list[Publication]
    follows: int


def _section_regions(entitlement: Entitlement) -> list[Region]:
    """The regions of the reader's contract; for the desk and contracts without regions, all."""
    if entitlement.region_ids and entitlement.organisation is not None:
        return list(Region.objects.filter(entitled_organisations=entitlement.organisation))
    return list(Region.objects.filter(kind=Region.Kind.REGION).order_by("name"))


def _sections(user: User | AnonymousUser, regions: list[Region]) -> list[RegionSection]:
    """The latest briefs of each region, in one query whatever the number of regions.

    Each region's newest briefs are picked by a LIMIT subquery; a brief about two regions
    comes back once and is placed under each region it belongs to.
    """
    if not regions:
        return []
    listed = publications_listed(user)
    picked = Q()
    for region in regions:
        newest = listed.filter(in_region(region)).values("pk")[:HOME_PER_SECTION]
        picked |= Q(pk__in=newest)
    publications = list(listed.filter(picked))
    sections = []
    for region in regions:
        members = [
            publication
            for publication in publications
            if any(region.pk in (place.pk, place.parent_id) for place in publication.regions.all())
        ]
        sections.append(RegionSection(region=region, publications=members[:HOME_PER_SECTION]))
    return sections


def _followed(user: User | AnonymousUser, follows: list[Follow]) -> list[Publication]:
    entity_ids = [f.entity_id for f in follows if f.entity_id is not None]
    tag_ids = [f.tag_id for f in follows if f.tag_id is not None]
    region_ids = [f.region_id for f in follows if f.region_id is not None]
    places = PublicationRegion.objects.filter(publication=OuterRef("pk")).filter(
        Q(region_id__in=region_ids) | Q(region__parent_id__in=region_ids)
    )
    condition = (
        Q(
            Exists(
                PublicationEntity.objects.filter(
                    publication=OuterRef("pk"), entity_id__in=entity_ids
                )
            )
        )
        | Q(Exists(PublicationTag.objects.filter(publication=OuterRef("pk"), tag_id__in=tag_ids)))
        | Q(Exists(places))
    )
    return list(publications_listed(user).filter(condition)[:HOME_LATEST])


def _latest_readable_first(listed: QuerySet[Publication]) -> list[Publication]:
    """The newest briefs the reader may read, then the newest teasers, in one query.

    Each half is a LIMIT subquery walking the listing's date order, so the entitlement rule is
    tested on the few rows read rather than on every publication to sort them.
    """
    newest = Q()
    for readable in (True, False):
        newest |= Q(pk__in=listed.filter(Q(readable=readable)).values("pk")[:HOME_LATEST])
    publications = list(listed.filter(newest))
    publications.sort(key=lambda publication: not publication.readable)  # type: ignore[attr-defined]
    return publications[:HOME_LATEST]


def home_page(user: User | AnonymousUser) -> HomePage:
    """Latest for the reader (what they may read first), by region, and from what they follow."""
    listed = publications_listed(user)
    if not user.is_authenticated:
        return HomePage(latest=list(listed[:12]), sections=[], followed=[], follows=0)
    latest = _latest_readable_first(listed)
    sections = _sections(user, _section_regions(entitlement_of(user)))
    follows = follows_of(user)
    followed = _followed(user, follows) if follows else []
    return HomePage(latest=latest, sections=sections, followed=followed, follows=len(follows))


# --- Brief detail -------------------------------------------------------------------------


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


@dataclass(frozen=True)
class FollowItem:
    """Something a brief covers that the reader may follow, and whether they do."""

    kind: str
    group: str
    slug: str
    name: str
    label: str
    url: str
    following: bool


@dataclass(frozen=True)
class BriefPage:
    """A brief's page. `reading`, `related` and `follow_items` stay empty unless it is readable."""

    publication: Publication
    readable: bool
    regions: tuple[Link, ...]
    reading: PublicationReading | None = None
    related: list[Publication] = field(default_factory=list)
    follow_items: tuple[FollowItem, ...] = ()


def _region_link(region: Region) -> Link:
    return Link(region.name, reverse("portal:region-detail", args=[region.slug]))


def _series_nav(publication: Publication) -> SeriesNav | None:
    """The neighbours in the series, as links: which briefs anyone may know of (and see the
    title of) does not depend on who asks, so the navigation is the same for every reader."""
    series, position = publication.series, publication.series_position
    if series is None or position is None:
        return None
    neighbours = {
        neighbour.series_position: Link(
            neighbour.title, reverse("portal:brief-detail", args=[neighbour.slug])
        )
        for neighbour in publications_for(None)
        .filter(series=series, series_position__in=[position - 1, position + 1])
        .filter(retracted_at__isnull=True)
        .only("title", "slug", "series_position")
    }
    return SeriesNav(
        title=series.title,
        position=position,
        previous=neighbours.get(position - 1),
        next=neighbours.get(position + 1),
    )


def _related_ranked(
    publication: Publication, *, entity_ids: list[int], tag_ids: list[int]
) -> list[int]:
    """The ids of the briefs sharing most entities and tags with this one (an entity counts
    double), best first, newest first within a score; the same whoever reads.

    Scores are summed from the join tables' entity and tag side (index-only reads) and only
    the best `_RELATED_CANDIDATES` are joined to their publications to be dated: among briefs
    tied at that cut-off, the later written is kept rather than the later published.
    """
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    for model, column, ids, weight in (
        (PublicationEntity, "entity_id", entity_ids, 2),
        (PublicationTag, "tag_id", tag_ids, 1),
    ):
        if ids:
            placeholders = ", ".join(["%s"] * len(ids))
            parts.append(
                f"SELECT publication_id, {weight} AS w FROM {quote(model._meta.db_table)}"
                f" WHERE {column} IN ({placeholders})"
            )
            params += ids
    if not parts:
        return []
    table = quote(Publication._meta.db_table)
    sql = (
        f"SELECT p.brief_id FROM (SELECT publication_id, SUM(w) AS shared"
        f" FROM ({' UNION ALL '.join(parts)}) links WHERE publication_id <> %s"
        f" GROUP BY publication_id ORDER BY shared DESC, publication_id DESC"
        f" LIMIT {_RELATED_CANDIDATES}) scores"
        f" JOIN {table} p ON p.brief_id = scores.publication_id"
        f" WHERE p.retracted_at IS NULL AND p.published_at <= %s"
        f" ORDER BY scores.shared DESC, p.published_at DESC, p.brief_id DESC LIMIT {RELATED_LIMIT}"
    )
    params += [publication.pk, connection.ops.adapt_datetimefield_value(timezone.now())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def publications_related(user: User | AnonymousUser, ranked: list[int]) -> list[Publication]:
    """The related briefs ranked by `_related_ranked`, as this user may know of them.

    Which briefs they are does not depend on the reader, so the ranking is kept with the
    reading's parts (`brief_page`); the briefs themselves are read through `publications_for`.
    """
    if not ranked:
        return []
    found = {
        related.pk: related
        for related in publications_for(user)
        .filter(pk__in=ranked, retracted_at__isnull=True)
        .defer("body_html", "authors")
    }
    return [found[pk] for pk in ranked if pk in found]


@dataclass(frozen=True)
class _ReadingParts:
    """What a readable brief's page shows the same to every reader who may read it."""

    reading: PublicationReading
    # The briefs sharing most with this one, best first (`_related_ranked`).
    related_ids: list[int]
    # Each with its target's id; whether the reader follows it is filled in per reader.
    follow_items: tuple[tuple[int, FollowItem], ...]


# The parts are kept per version of the publication; this bounds how late a renamed entity,
# tag or region, a series neighbour or a related brief published meanwhile, shows on its page.
READING_CACHE_SECONDS = 600


def _slug_url(name: str) -> Callable[[str], str]:
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


def _reading_parts(publication: Publication) -> _ReadingParts:
    """The reading of the live revision, the links to what it covers and the related briefs'
    ids, in five queries (six in a series)."""
    body_html, snapshot = (
        Publication.objects.filter(pk=publication.pk)
        .values_list("body_html", "revision__snapshot")
        .get()
    )
    entities, tags, regions = _covered(publication)
    judgments, sources, scenarios = snapshot_readings(snapshot)
    entity_url = _slug_url("portal:entity-detail")
    tag_url = _slug_url("portal:tag-detail")
    region_url = _slug_url("portal:region-detail")
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
        series=_series_nav(publication),
        corrections=tuple(CorrectionNote.objects.filter(brief_id=publication.pk)),
        retraction_notice="",
    )
    return _ReadingParts(
        reading=reading,
        related_ids=_related_ranked(
            publication,
            entity_ids=[entity.pk for entity in entities],
            tag_ids=[tag.pk for tag in tags],
        ),
        follow_items=_follow_items(
            entities=entities,
            tags=tags,
            regions=regions,
            entity_url=entity_url,
            tag_url=tag_url,
            region_url=region_url,
        ),
    )


def brief_page(user: User | AnonymousUser, slug: str) -> BriefPage | None:
    """The brief with that slug as this user may see it, or None if they may not know of it.

    The reading comes from the live revision the publication was copied from, never from the
    brief's current draft. Whether the user may read it, and whether it is retracted, is read
    afresh every time; only then are the parts every reader is shown alike taken from the cache,
    kept under the version of the publication they were made from.
    """
    publication = (
        publications_for(user).select_related("series").defer("body_html").filter(slug=slug).first()
    )
    if publication is None:
        return None
    readable = bool(publication.readable)  # type: ignore[attr-defined]
    if not readable or publication.retracted_at is not None:
        regions = publication.regions.order_by("name")
        return BriefPage(
            publication=publication,
            readable=readable,
            regions=tuple(_region_link(region) for region in regions),
        )
    key = f"portal:reading:{publication.pk}:{publication.visible_at.timestamp()}"
    parts: _ReadingParts | None = cache.get(key)
    if parts is None:
        parts = _reading_parts(publication)
        cache.set(key, parts, READING_CACHE_SECONDS)
    follows = follow_targets_of(user)
    followed = {"entity": follows.entity_ids, "tag": follows.tag_ids, "region": follows.region_ids}
    return BriefPage(
        publication=publication,
        readable=True,
        regions=parts.reading.regions,
        reading=parts.reading,
        related=publications_related(user, parts.related_ids),
        follow_items=tuple(
            replace(item, following=pk in followed[item.kind]) for pk, item in parts.follow_items
        ),
    )


def _follow_items(
    *,
    entities: Sequence[_CoveredEntity],
    tags: Sequence[Tag],
    regions: Sequence[Region],
    entity_url: Callable[[str], str],
    tag_url: Callable[[str], str],
    region_url: Callable[[str], str],
) -> tuple[tuple[int, FollowItem], ...]:
    """The follow buttons' items, linked with the address makers the reading used."""
    return (
        *(
            (
                entity.pk,
                FollowItem(
                    kind="entity",
                    group="Actors and places",
                    slug=entity.slug,
                    name=entity.name,
                    label=entity.get_kind_display(),
                    url=entity_url(entity.slug),
                    following=False,
                ),
            )
            for entity in entities
        ),
        *(
            (
                tag.pk,
                FollowItem(
                    kind="tag",
                    group="Topics",
                    slug=tag.slug,
                    name=tag.name,
                    label="Topic",
                    url=tag_url(tag.slug),
                    following=False,
                ),
            )
            for tag in tags
        ),
        *(
            (
                region.pk,
                FollowItem(
                    kind="region",
                    group="Regions and countries",
                    slug=region.slug,
                    name=region.name,
                    label=region.get_kind_display(),
                    url=region_url(region.slug),
                    following=False,
                ),
            )
            for region in regions
        ),
    )


# --- Entity, tag and region pages -----------------------------------------------------------


@dataclass(frozen=True)
class RelationshipLine:
    """One tie of the entity, read as a sentence: subject — kind → object."""

    subject: Entity
    kind: str
    object: Entity
    start_date: datetime.date | None
    end_date: datetime.date | None
    source: str
    source_url: str


@dataclass(frozen=True)
class CoMention:
    name: str
    slug: str
    kind: str
    briefs: int


@dataclass(frozen=True)
class EntityPage:
    entity: Entity
    relationships: list[RelationshipLine]
    timeline: Sequence[Publication]
    timeline_total: int
    co_mentioned: list[CoMention]
    following: bool
    graph: EgoGraph | None = None


def _graph_entity(entity: Entity) -> GraphEntity:
    return GraphEntity(entity.pk, entity.name, entity.slug, entity.kind)


@dataclass(frozen=True)
class EntityRecord:
    """An entity with what the desk records of it: the same for every reader."""

    entity: Entity
    relationships: list[RelationshipLine]


def entity_record(slug: str) -> EntityRecord | None:
    """The entity with its country, aliases, designations, identifiers and ties: four queries."""
    entity = (
        Entity.objects.select_related("country")
        .prefetch_related(
            Prefetch("aliases", queryset=Alias.objects.order_by("name")),
            Prefetch(
                "designations", queryset=Designation.objects.order_by("-listed_on", "authority")
            ),
            "identifiers",
        )
        .filter(slug=slug)
        .first()
    )
    if entity is None:
        return None
    ties = (
        Relationship.objects.filter(Q(subject=entity) | Q(object=entity))
        .select_related("subject", "object")
        .order_by("kind", "start_date", "pk")
    )
    relationships = [
        RelationshipLine(
            subject=tie.subject,
            kind=tie.get_kind_display(),
            object=tie.object,
            start_date=tie.start_date,
            end_date=tie.end_date,
            source=tie.source,
            source_url=tie.source_url if tie.source_url.startswith(("https://", "http://")) else "",
        )
        for tie in ties
    ]
    return EntityRecord(entity=entity, relationships=relationships)


def entity_page(user: User | AnonymousUser, slug: str) -> EntityPage | None:
    """An actor's profile, ties, the briefs that name it and who is most often named with it.

    Who is named with it is counted over the briefs the user may read: the entity links of a
    brief are part of what its subscribers pay for.
    """
    record = entity_record(slug)
    if record is None:
        return None
    entity = record.entity
    mentioning = publications_listed(user).filter(_about_entity(entity))
    role = PublicationEntity.objects.filter(publication=OuterRef("pk"), entity=entity)
    timeline = list(mentioning.annotate(role=Subquery(role.values("role")[:1]))[:TIMELINE_LIMIT])
    return EntityPage(
        entity=entity,
        relationships=record.relationships,
        timeline=timeline,
        timeline_total=mentioning.count() if len(timeline) == TIMELINE_LIMIT else len(timeline),
        co_mentioned=entities_co_mentioned(user, entity),
        following=entity.pk in follow_targets_of(user).entity_ids,
        # Drawn from the ties already read: the graph costs no query.
        graph=ego_graph(
            _graph_entity(entity),
            [
                Tie(_graph_entity(line.subject), line.kind, _graph_entity(line.object))
                for line in record.relationships
            ],
        )
        if record.relationships
        else None,
    )


# A brief's change renews the key at once; this bounds how late a renamed entity shows.
CO_MENTIONED_CACHE_SECONDS = 600


def entities_co_mentioned(user: User | AnonymousUser, entity: Entity) -> list[CoMention]:
    """Counted over the briefs the user may read, so shared only by readers who read the same."""
    key = ":".join(
        (
            "portal:co-mentioned",
            publications_version(),
            readable_key(entitlement_of(user)),
            str(entity.pk),
        )
    )
    found: list[CoMention] | None = cache.get(key)
    if found is not None:
        return found
    readable_mentioning = (
        publications_readable(user)
        .filter(retracted_at__isnull=True)
        .filter(_about_entity(entity))
        .values("pk")
    )
    found = [
        CoMention(
            name=row["entity__name"],
            slug=row["entity__slug"],
            kind=EntityKind(row["entity__kind"]).label,
            briefs=row["briefs"],
        )
        for row in PublicationEntity.objects.filter(publication__in=readable_mentioning)
        .exclude(entity=entity)
        .values("entity__name", "entity__slug", "entity__kind")
        .annotate(briefs=Count("publication_id", distinct=True))
        .order_by("-briefs", "entity__name")[:CO_MENTIONED_LIMIT]
    ]
    cache.set(key, found, CO_MENTIONED_CACHE_SECONDS)
    return found


def tag_for_slug(slug: str) -> Tag | None:
    return Tag.objects.filter(slug=slug).first()


def region_for_slug(slug: str) -> Region | None:
    """The region or country, with its parent region and, for a region, its countries."""
    return (
        Region.objects.select_related("parent")
        .prefetch_related(Prefetch("countries", queryset=Region.objects.order_by("name")))
        .filter(slug=slug)
        .first()
    )


def publications_tagged(user: User | AnonymousUser, tag: Tag) -> QuerySet[Publication]:
    return publications_listed(user).filter(_about_tag(tag))


def publications_in_region(user: User | AnonymousUser, region: Region) -> QuerySet[Publication]:
    return publications_listed(user).filter(in_region(region))


def follow_target_for(kind: str, slug: str) -> Entity | Tag | Region | None:
    """What a follow button names: an entity, a tag or a region, by slug."""
    models: dict[str, type[Entity] | type[Tag] | type[Region]] = {
        "entity": Entity,
        "tag": Tag,
        "region": Region,
    }
    model = models.get(kind)
    if model is None:
        return None
    return model.objects.filter(slug=slug).first()


def follows_listed(user: User | AnonymousUser) -> list[Follow]:
    """What the reader follows, entities first, then topics, then regions, each by name."""
    follows = follows_of(user)
    return sorted(
        follows,
        key=lambda follow: (
            0 if follow.entity else 1 if follow.tag else 2,
            str(follow.entity or follow.tag or follow.region).casefold(),
        ),
    )
