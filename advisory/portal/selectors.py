"""What clients may see: every door (pages, search, feeds, sitemap, API, digests) starts here."""

import contextlib
import datetime
import functools
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import IntegrityError, connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
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
from django.db.models.expressions import RawSQL
from django.template.loader import get_template
from django.urls import get_script_prefix
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
    JudgmentChange,
    Publication,
    PublicationEntity,
    PublicationRegion,
    PublicationTag,
    ReadingMemo,
    Series,
)
from advisory.briefs.publication import publications_version
from advisory.entities.graph import EgoGraph, GraphEntity, Tie, ego_graph
from advisory.entities.models import (
    Alias,
    Designation,
    Entity,
    EntityKind,
    Region,
    Relationship,
)
from advisory.lib.sql import commit_without_disk_wait, models_from_rows, statement_cursor
from advisory.lib.text import normalise_name
from advisory.portal.reading import (
    Covered,
    Link,
    PublicationReading,
    reading_built,
    reading_rendered,
    slug_url,
)


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


def _readable_sql(entitlement: Entitlement) -> tuple[str, list[Any]]:
    """`readable_condition` compiled by the ORM into SQL on the publication table under its
    own name, for the statements this module writes itself: the same rule, never a copy."""
    sql, params = _readable_sql_compiled(
        connection.vendor, entitlement.tier, entitlement.region_ids, entitlement.topic_ids
    )
    return sql, list(params)


@functools.lru_cache(maxsize=1024)
def _readable_sql_compiled(
    vendor: str,
    tier: int,
    region_ids: frozenset[int] | None,
    topic_ids: frozenset[int] | None,
) -> tuple[str, tuple[Any, ...]]:
    """Compiled once per process for each entitlement alike (all `readable_condition`
    reads of one): compiling took longer than running the statements it goes into."""
    entitlement = Entitlement(tier=AccessTier(tier), region_ids=region_ids, topic_ids=topic_ids)
    query = Publication.objects.filter(readable_condition(entitlement)).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return f"({sql})", tuple(params)


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
    """A brief's page. `reading_html`, `related` and `follow_items` stay empty unless it is
    readable and not retracted."""

    publication: Publication
    readable: bool
    regions: tuple[Link, ...]
    # `briefs/_brief_body.html` rendered for the publication, the same for every reader.
    reading_html: SafeString = field(default_factory=SafeString)
    related: list[Publication] = field(default_factory=list)
    follow_items: tuple[FollowItem, ...] = ()


def _related_ranked(publication_id: int, covered: list[Covered]) -> list[int]:
    """The ids of the briefs sharing most entities and tags with this one (an entity counts
    double), best first, newest first within a score; the same whoever reads.

    Scores are summed from the join tables' entity and tag side (index-only reads) and only
    the best `_RELATED_CANDIDATES` are joined to their publications to be dated: among briefs
    tied at that cut-off, the later written is kept rather than the later published.
    """
    entity_ids = [item["id"] for item in covered if item["kind"] == "entity"]
    tag_ids = [item["id"] for item in covered if item["kind"] == "tag"]
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
    params += [publication_id, connection.ops.adapt_datetimefield_value(timezone.now())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# What a related brief's teaser shows of it.
_RELATED_FIELDS = ("brief", "slug", "title", "kind", "published_at")


def publications_related(user: User | AnonymousUser, ranked: list[int]) -> list[Publication]:
    """The related briefs ranked by `_related_ranked`, as this user may know of them, with
    what a teaser of them shows and whether the user may read them (`publications_for`).

    Which briefs they are does not depend on the reader, so the ranking is kept in the
    reading's memo (`brief_page`). The statement is written out: the ORM took longer to
    build and compile it than PostgreSQL to run it, and it is prepared (`statement_cursor`).
    """
    if not ranked:
        return []
    own = connection.ops.quote_name(Publication._meta.db_table)
    readable, readable_params = _readable_sql(entitlement_of(user))
    fields = [field for field in Publication._meta.concrete_fields if field.name in _RELATED_FIELDS]
    columns = ", ".join(f"{own}.{connection.ops.quote_name(str(field.column))}" for field in fields)
    with statement_cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, CASE WHEN {readable} THEN 1 ELSE 0 END FROM {own}"
            f" WHERE {own}.brief_id IN ({', '.join(['%s'] * len(ranked))})"
            f" AND {own}.published_at <= %s AND {own}.retracted_at IS NULL",
            [
                *readable_params,
                *ranked,
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )
        rows = cursor.fetchall()
    found = {
        related.pk: related
        for related in models_from_rows(Publication, rows, fields=fields, extra=["readable"])
    }
    for related in found.values():
        related.readable = bool(related.readable)  # type: ignore[attr-defined]
    return [found[pk] for pk in ranked if pk in found]


# How long a memo's ranking of related briefs is used before its page ranks it again. Publishing
# a brief ranks again the memos it may join at once (`related_rankings_renew`); this bounds
# only how late other changes show, such as an entity merged into another. The rest of the
# memo is rebuilt as soon as what it shows changes (`_reading_fingerprint`).
RELATED_RANKING_SECONDS = 24 * 60 * 60


_FOLLOW_GROUPS = {"entity": "Actors and places", "tag": "Topics", "region": "Regions and countries"}


def _reading_built(publication: Publication) -> tuple[PublicationReading, list[Covered]]:
    """The reading of the live revision and what it covers (`reading.reading_built`), its
    series' neighbours among the briefs anyone may know of."""
    return reading_built(publication, known=publications_for(None))


def publication_reading(publication: Publication) -> PublicationReading:
    """The reading of a brief `brief_page` has opened to the reader, as data (for the API):
    made afresh, never from the memo, which keeps only its rendering."""
    return _reading_built(publication)[0]


# The sources a memo's rendering is made with, beside the rows `_reading_fingerprint` digests:
# the fragment's templates, and the modules that shape the reading and name its kinds and
# scales. A deploy changing any of them rebuilds every memo as it is next read.
_READING_TEMPLATES = ("briefs/_brief_body.html", "briefs/_likelihood.html")
_READING_MODULES = (
    "advisory.portal.reading",
    "advisory.briefs.readings",
    "advisory.briefs.scales",
    "advisory.briefs.models",
    "advisory.entities.models",
)


@functools.cache
def _reading_build_version() -> str:
    digest = hashlib.sha256()
    for name in _READING_TEMPLATES:
        digest.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]
    for module in _READING_MODULES:
        digest.update(Path(str(sys.modules[module].__file__)).read_bytes())
    # Dates are rendered in the site's zone and language.
    digest.update(f"{settings.TIME_ZONE}|{settings.LANGUAGE_CODE}".encode())
    return digest.hexdigest()


def _rows_digested(columns: str, source: str, order: str) -> str:
    """A scalar subquery giving the rows of `source` as one JSON array (an injective text:
    names may hold any separator), in a fixed order."""
    if connection.vendor == "postgresql":
        return f"(SELECT json_agg(json_build_array({columns}) ORDER BY {order}) FROM {source})"
    # SQLite before 3.44 has no ORDER BY inside an aggregate: its input is ordered instead.
    return (
        f"(SELECT json_group_array(json(r)) FROM"
        f" (SELECT json_array({columns}) AS r FROM {source} ORDER BY {order}))"
    )


@functools.cache
def _reading_fingerprint_sql(vendor: str) -> str:
    """The fingerprint of a publication's reading, as an expression on its row (see
    `_reading_fingerprint`); one per database, built once.

    Why this is all the memo depends on. `briefs/_brief_body.html` shows only the
    `PublicationReading` that `_reading_built` makes, and the follow panel only its covered
    items; `_reading_built` reads (1) the publication's row and its revision's snapshot,
    (2) `_covered`'s links with their entities, topics and regions, (3) the series through the
    row (`select_related`) and `_series_nav`'s neighbours, which also depend on the time,
    (4) `recorded_changes` and (5) the correction notes; the rest is code (scales, legends,
    labels, the templates) and the address prefix. Each is below; the related briefs are not
    part of the fingerprint but of the memo's ranking time. A test holds the tables
    `_reading_built` queries to the ones named here.
    """
    quote = connection.ops.quote_name
    own = quote(Publication._meta.db_table)
    digested = [
        # The code and templates, and the links' script prefix (a parameter).
        "CAST(%s AS TEXT)",
        # The publication's own row. Everything else the reading shows of it (body, snapshot:
        # judgments, sources, scenarios; authors) is written only by `publication_write`,
        # which always sets a new revision and `visible_at`; a retracted publication's memo is
        # never used.
        *(
            f"{own}.{quote(column)}"
            for column in (
                "revision_id",
                "visible_at",
                "slug",
                "title",
                "summary",
                "kind",
                "word_count",
                "published_at",
                "updated_at",
                "series_id",
                "series_position",
            )
        ),
        # `_covered`: the entities linked, with the role, and the topics and regions.
        _rows_digested(
            "e.id, e.name, e.slug, e.kind, x.role",
            f"{quote(PublicationEntity._meta.db_table)} x"
            f" JOIN {quote(Entity._meta.db_table)} e ON e.id = x.entity_id"
            f" WHERE x.publication_id = {own}.brief_id",
            "e.id",
        ),
        _rows_digested(
            "t.id, t.name, t.slug",
            f"{quote(PublicationTag._meta.db_table)} x"
            f" JOIN {quote(Tag._meta.db_table)} t ON t.id = x.tag_id"
            f" WHERE x.publication_id = {own}.brief_id",
            "t.id",
        ),
        _rows_digested(
            "r.id, r.name, r.slug, r.kind",
            f"{quote(PublicationRegion._meta.db_table)} x"
            f" JOIN {quote(Region._meta.db_table)} r ON r.id = x.region_id"
            f" WHERE x.publication_id = {own}.brief_id",
            "r.id",
        ),
        # `_series_nav`: the series' title, and the neighbours it may show, with whether
        # each is retracted and visible at this moment (the second parameter).
        f"(SELECT s.title FROM {quote(Series._meta.db_table)} s WHERE s.id = {own}.series_id)",
        _rows_digested(
            "n.brief_id, n.series_position, n.slug, n.title,"
            " n.retracted_at IS NULL, n.published_at <= %s",
            f"{own} n WHERE n.series_id = {own}.series_id"
            f" AND n.series_position IN ({own}.series_position - 1, {own}.series_position + 1)",
            "n.series_position, n.brief_id",
        ),
        # `recorded_changes`: the judgments' history, every column it shows.
        _rows_digested(
            "j.id, j.judgment_pk, j.published_at, j.scale, j.likelihood, j.confidence,"
            " j.previous_scale, j.previous_likelihood, j.previous_confidence, j.reason",
            f"{quote(JudgmentChange._meta.db_table)} j WHERE j.brief_id = {own}.brief_id",
            "j.id",
        ),
        # The correction notes.
        _rows_digested(
            "c.id, c.note, c.created_at",
            f"{quote(CorrectionNote._meta.db_table)} c WHERE c.brief_id = {own}.brief_id",
            "c.id",
        ),
    ]
    if vendor == "postgresql":
        return f"md5(json_build_array({', '.join(digested)})::text)"
    # Django gives every SQLite connection an MD5 function.
    return f"MD5(json_array({', '.join(digested)}))"


def _reading_fingerprint(now: datetime.datetime) -> RawSQL:
    """A digest of everything a publication's memo shows, computed by the database on the
    publication's row, in the query that reads it: the rows `_reading_built` reads (each
    table it reads is here, which a test checks) and the code it is made with. Equal
    fingerprints, equal readings; any write to one of those rows, through a service or not,
    gives another fingerprint, so no write has to renew the memo."""
    build = f"{_reading_build_version()}|{get_script_prefix()}"
    return RawSQL(
        _reading_fingerprint_sql(connection.vendor),
        [build, connection.ops.adapt_datetimefield_value(now)],
        output_field=CharField(),
    )


@dataclass(frozen=True)
class _Memo:
    """What a readable brief's page shows the same to every reader who may read it."""

    html: SafeString
    covered: list[Covered]
    # The briefs sharing most with this one, best first (`_related_ranked`).
    related_ids: list[int]


def _memo_written(publication: Publication, *, fingerprint: str, now: datetime.datetime) -> _Memo:
    """Build the publication's memo and keep it. Readers of a stale memo may rebuild it at
    once: each writes the same, or a later reading, and any memo written under a fingerprint
    its reading is older than is rebuilt at the next read (the fingerprint is read first)."""
    reading, covered = _reading_built(publication)
    memo = _Memo(
        html=reading_rendered(reading),
        covered=covered,
        related_ids=_related_ranked(publication.pk, covered),
    )
    # Archived while the page was being made: the reader is shown what was read, and no memo
    # is kept for a publication that is gone.
    with contextlib.suppress(IntegrityError):
        _memo_upserted(publication, fingerprint=fingerprint, memo=memo, now=now)
    return memo


def _memo_upserted(
    publication: Publication, *, fingerprint: str, memo: "_Memo", now: datetime.datetime
) -> None:
    with commit_without_disk_wait():
        ReadingMemo.objects.bulk_create(
            [
                ReadingMemo(
                    publication_id=publication.pk,
                    fingerprint=fingerprint,
                    html=memo.html,
                    covered=memo.covered,
                    related_ids=memo.related_ids,
                    related_ranked_at=now,
                )
            ],
            update_conflicts=True,
            unique_fields=["publication"],
            update_fields=["fingerprint", "html", "covered", "related_ids", "related_ranked_at"],
        )


def _memo_of(publication: Publication, now: datetime.datetime) -> _Memo:
    """The memo read with the publication (`_publication_with_memo`), rebuilt if what it
    shows has changed, its related briefs ranked again if the ranking is older than allowed."""
    fingerprint: str = publication.reading_fingerprint  # type: ignore[attr-defined]
    if publication.memo_fingerprint != fingerprint:  # type: ignore[attr-defined]
        return _memo_written(publication, fingerprint=fingerprint, now=now)
    covered: list[Covered] = _json_column(publication.memo_covered)  # type: ignore[attr-defined]
    related_ids: list[int] = _json_column(publication.memo_related_ids)  # type: ignore[attr-defined]
    if publication.memo_related_due:  # type: ignore[attr-defined]
        related_ids = _related_ranked(publication.pk, covered)
        with commit_without_disk_wait():
            ReadingMemo.objects.filter(pk=publication.pk).update(
                related_ids=related_ids, related_ranked_at=now
            )
    # Rendered from a publication sanitised when it was written, by the project's templates.
    html = mark_safe(publication.memo_html)  # type: ignore[attr-defined]
    return _Memo(html=html, covered=covered, related_ids=related_ids)


def _json_column(value: Any) -> Any:
    """A JSON value read by a statement of our own: text from SQLite and for PostgreSQL's
    jsonb (as Django has psycopg load it), already decoded for PostgreSQL's json."""
    return json.loads(value) if isinstance(value, str) else value


def reading_memo_build(publication_id: int) -> bool:
    """Build a live publication's memo, so that its first reader finds it (the task queued
    when a brief is published, and the benchmark's seeder); False if it is gone or retracted."""
    now = timezone.now()
    publication = (
        Publication.objects.select_related("series")
        .defer("body_html")
        .annotate(reading_fingerprint=_reading_fingerprint(now))
        .filter(pk=publication_id, retracted_at__isnull=True)
        .first()
    )
    if publication is None:
        return False
    _memo_written(publication, fingerprint=publication.reading_fingerprint, now=now)
    return True


# Memos written in one statement when rankings are renewed.
RELATED_RENEW_BATCH = 500


def related_rankings_renew(publication_id: int) -> int:
    """Rank again the related briefs of every memo whose brief shares an entity or a topic
    with this publication, just published or updated (`portal.tasks.build_reading_memo`):
    theirs are the only rankings it may enter, leave or move in. How many were ranked."""
    sharing = set(
        PublicationEntity.objects.filter(
            entity__in=PublicationEntity.objects.filter(publication_id=publication_id).values(
                "entity"
            )
        ).values_list("publication_id", flat=True)
    )
    sharing |= set(
        PublicationTag.objects.filter(
            tag__in=PublicationTag.objects.filter(publication_id=publication_id).values("tag")
        ).values_list("publication_id", flat=True)
    )
    sharing.discard(publication_id)
    memos = list(ReadingMemo.objects.filter(publication_id__in=sharing).only("covered"))
    now = timezone.now()
    for memo in memos:
        memo.related_ids = _related_ranked(memo.publication_id, memo.covered)
        memo.related_ranked_at = now
    with commit_without_disk_wait():
        ReadingMemo.objects.bulk_update(
            memos, ["related_ids", "related_ranked_at"], batch_size=RELATED_RENEW_BATCH
        )
    return len(memos)


# The publication's columns a brief's page reads: all but the body, which the memo renders.
_PAGE_FIELDS = tuple(
    field for field in Publication._meta.concrete_fields if field.attname != "body_html"
)
_PAGE_EXTRA = (
    "readable",
    "reading_fingerprint",
    "memo_html",
    "memo_fingerprint",
    "memo_covered",
    "memo_related_ids",
    "memo_related_due",
    "region_rows",
)


def _publication_with_memo(
    entitlement: Entitlement, slug: str, now: datetime.datetime
) -> Publication | None:
    """The publication with that slug if the entitlement may know of it (`publications_for`),
    annotated: `readable`; for a readable, unretracted one its memo's rendering and the
    fingerprint of what the memo would show now (`_reading_fingerprint`); the memo's
    fingerprint, covered items and related briefs, and whether they are due to be ranked
    again; for any other, its regions' names and slugs (`region_rows`), by name.

    One statement, written out and prepared (`statement_cursor`): the ORM took longer to
    build and compile it than PostgreSQL to run it, and PostgreSQL longer to plan it than to
    run it. The entitlement's rule is still the ORM's (`_readable_sql`).
    """
    quote = connection.ops.quote_name
    own = quote(Publication._meta.db_table)
    readable, readable_params = _readable_sql(entitlement)
    opened = f"{readable} AND {own}.retracted_at IS NULL"
    fingerprint = _reading_fingerprint(now)
    regions = _rows_digested(
        "r.name, r.slug",
        f"{quote(PublicationRegion._meta.db_table)} x"
        f" JOIN {quote(Region._meta.db_table)} r ON r.id = x.region_id"
        f" WHERE x.publication_id = {own}.brief_id",
        "r.name, r.id",
    )
    columns = ", ".join(f"{own}.{quote(str(field.column))}" for field in _PAGE_FIELDS)
    sql = (
        f"SELECT {columns}, CASE WHEN {readable} THEN 1 ELSE 0 END AS readable,"
        # Neither is computed nor read for a page that will not show the reading.
        f" CASE WHEN {opened} THEN {fingerprint.sql} END AS reading_fingerprint,"
        f" CASE WHEN {opened} THEN m.html END AS memo_html,"
        f" m.fingerprint AS memo_fingerprint, m.covered AS memo_covered,"
        f" m.related_ids AS memo_related_ids, m.related_ranked_at <= %s AS memo_related_due,"
        f" CASE WHEN {opened} THEN NULL ELSE {regions} END AS region_rows"
        f" FROM {own} LEFT JOIN {quote(ReadingMemo._meta.db_table)} m"
        f" ON m.publication_id = {own}.brief_id"
        f" WHERE {own}.slug = %s AND {own}.published_at <= %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        *readable_params,
        *readable_params,
        *fingerprint.params,
        *readable_params,
        adapt(now - datetime.timedelta(seconds=RELATED_RANKING_SECONDS)),
        *readable_params,
        slug,
        adapt(now),
    ]
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = models_from_rows(Publication, rows, fields=_PAGE_FIELDS, extra=_PAGE_EXTRA)
    publication = found[0] if found else None
    if publication is not None:
        publication.readable = bool(publication.readable)  # type: ignore[attr-defined]
    return publication


def brief_page(user: User | AnonymousUser, slug: str) -> BriefPage | None:
    """The brief with that slug as this user may see it, or None if they may not know of it.

    The reading comes from the live revision the publication was copied from, never from the
    brief's current draft. Whether the user may read it, and whether it is retracted, is read
    afresh every time, in the statement that also reads the publication's memo and computes
    the fingerprint of what it shows; only a readable, unretracted brief's memo is used, and
    only if its fingerprint is the one computed now (else it is rebuilt here).
    """
    now = timezone.now()
    publication = _publication_with_memo(entitlement_of(user), slug, now)
    if publication is None:
        return None
    readable: bool = publication.readable  # type: ignore[attr-defined]
    if not readable or publication.retracted_at is not None:
        region_url = slug_url("portal:region-detail")
        regions = _json_column(publication.region_rows) or []  # type: ignore[attr-defined]
        return BriefPage(
            publication=publication,
            readable=readable,
            regions=tuple(Link(name, region_url(region_slug)) for name, region_slug in regions),
        )
    memo = _memo_of(publication, now)
    follows = follow_targets_of(user)
    followed = {"entity": follows.entity_ids, "tag": follows.tag_ids, "region": follows.region_ids}
    return BriefPage(
        publication=publication,
        readable=True,
        regions=tuple(
            Link(item["name"], item["url"]) for item in memo.covered if item["kind"] == "region"
        ),
        reading_html=memo.html,
        related=publications_related(user, memo.related_ids),
        follow_items=tuple(
            FollowItem(
                kind=item["kind"],
                group=_FOLLOW_GROUPS[item["kind"]],
                slug=item["slug"],
                name=item["name"],
                label=item["label"],
                url=item["url"],
                following=item["id"] in followed[item["kind"]],
            )
            for item in memo.covered
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
