"""Fill an empty, migrated PostgreSQL database with the benchmark's desk: 10,000 live briefs,
2,000 entities, their aliases, relationships and designations, and client readers.

Speed matters more than going through the services (that would take an hour), so rows are
built in Python with explicit primary keys and written with bulk_create, one transaction per
chunk of briefs. Every brief is written the way the workflow leaves a published one: the brief,
its revision (the snapshot clients read), its parts, and the clients' copy — `Publication` and
its join rows, filled as `advisory.briefs.publication.publication_write` fills them, with the
search vectors written afterwards in one INSERT like `_search_vector_set`; then each brief's
reading memo is built, as the task `publication_write` queues builds it. The data is deterministic
(one seeded random generator), so two runs measure the same database.

Bodies are assembled from a pool of pre-rendered paragraphs: rendering 10,000 full documents
through the Markdown pipeline alone would take half a minute, and the HTML of blocks separated
by blank lines is the concatenation of the blocks' HTML.
"""

import datetime
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from advisory.accounts.models import AccessTier, Membership, Organisation, Role, User
from advisory.briefs.models import (
    Brief,
    BriefAuthor,
    BriefKind,
    BriefRevision,
    BriefStatus,
    CorrectionNote,
    KeyJudgment,
    Mention,
    MentionOrigin,
    MentionRole,
    Publication,
    PublicationEntity,
    PublicationRegion,
    PublicationTag,
    Series,
    Source,
)
from advisory.briefs.publication import SEARCH_CONFIG
from advisory.briefs.selectors import snapshot_hash
from advisory.entities.models import (
    Alias,
    Confidence,
    Designation,
    Entity,
    EntityKind,
    ExternalIdentifier,
    Region,
    Relationship,
    RelationshipKind,
)
from advisory.lib.markdown import render_markdown, word_count
from advisory.lib.text import normalise_name
from advisory.portal.selectors import reading_memo_build
from tests.benchmarks import corpus

Progress = Callable[[str], None]
T = TypeVar("T")

BENCH_PASSWORD = "bench-portal-password"
READER_USERNAME = "bench-reader"
READER_REGION_SLUG = "middle-east"
CHUNK = 1000

_KINDS = [
    (BriefKind.ANALYSIS, 45),
    (BriefKind.FLASH_ALERT, 20),
    (BriefKind.SITUATION_REPORT, 12),
    (BriefKind.WEEKLY_OUTLOOK, 10),
    (BriefKind.QA, 8),
    (BriefKind.PROFILE, 5),
]
_TIERS = [(AccessTier.PUBLIC, 15), (AccessTier.STANDARD, 65), (AccessTier.PREMIUM, 20)]
_REGION_WEIGHTS = [55, 12, 12, 8, 8, 5]
_ENTITY_KINDS = [
    (EntityKind.PERSON, 45),
    (EntityKind.ARMED_GROUP, 12),
    (EntityKind.GOVERNMENT_BODY, 12),
    (EntityKind.ORGANISATION, 10),
    (EntityKind.LOCATION, 10),
    (EntityKind.POLITICAL_PARTY, 8),
    (EntityKind.EVENT, 3),
]
# Who may stand in which relationship to whom: subject kind -> [(kind, object kinds)].
_TIES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    EntityKind.PERSON: [
        (RelationshipKind.MEMBER_OF, ("armed_group", "political_party", "government_body")),
        (RelationshipKind.LEADS, ("armed_group", "political_party", "organisation")),
        (RelationshipKind.ALLIED_WITH, ("person",)),
        (RelationshipKind.OPPOSED_TO, ("person", "armed_group")),
    ],
    EntityKind.ARMED_GROUP: [
        (RelationshipKind.BACKED_BY, ("government_body", "armed_group", "political_party")),
        (RelationshipKind.ALLIED_WITH, ("armed_group", "political_party")),
        (RelationshipKind.OPPOSED_TO, ("armed_group", "government_body")),
        (RelationshipKind.PART_OF, ("government_body",)),
    ],
    EntityKind.GOVERNMENT_BODY: [(RelationshipKind.PART_OF, ("government_body",))],
    EntityKind.ORGANISATION: [
        (RelationshipKind.BACKED_BY, ("government_body", "armed_group")),
        (RelationshipKind.LOCATED_IN, ("location",)),
    ],
    EntityKind.LOCATION: [(RelationshipKind.LOCATED_IN, ("location",))],
    EntityKind.POLITICAL_PARTY: [
        (RelationshipKind.ALLIED_WITH, ("political_party", "armed_group")),
        (RelationshipKind.OPPOSED_TO, ("political_party",)),
    ],
    EntityKind.EVENT: [(RelationshipKind.LOCATED_IN, ("location",))],
}
_DESIGNATIONS = [
    ("US Treasury (OFAC)", "SDGT"),
    ("US Treasury (OFAC)", "IRAQ3"),
    ("US Treasury (OFAC)", "IRGC"),
    ("UK (OFSI)", "Global Human Rights"),
    ("UK (OFSI)", "Counter-Terrorism"),
    ("EU Council", "CFSP 2019/797"),
    ("UN Security Council", "1267/1989/2253 ISIL (Da'esh) and Al-Qaida"),
]


@dataclass(frozen=True)
class SeedSummary:
    briefs: int
    entities: int
    aliases: int
    relationships: int
    tags: int
    regions: int
    readers: int
    reader_username: str
    seconds: float


def _weighted(rng: random.Random, options: Sequence[tuple[T, int]]) -> T:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _distinct(rng: random.Random, population: Sequence[T], cum: Sequence[float], k: int) -> list[T]:
    """k distinct items drawn with the given cumulative weights (a popular few, a long tail)."""
    chosen: dict[T, None] = {}
    while len(chosen) < k:
        chosen.update(dict.fromkeys(rng.choices(population, cum_weights=cum, k=k - len(chosen))))
    return list(chosen)


def _zipf(n: int, offset: float) -> list[float]:
    return list(itertools.accumulate(1 / (rank + offset) for rank in range(n)))


def _unique_slug(text: str, taken: set[str]) -> str:
    base = slugify(text)[:240] or "item"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


class Seeder:
    def __init__(self, *, briefs: int, entities: int, progress: Progress, seed: int) -> None:
        self.brief_count = briefs
        self.entity_count = entities
        self.progress = progress
        self.rng = random.Random(seed)
        self.now = timezone.now().replace(microsecond=0)

    def run(self) -> SeedSummary:
        started = time.monotonic()
        with transaction.atomic():
            self._regions()
            self._tags()
            self._people()
            self._entities()
        self.progress(
            f"regions {len(self.region_names)}, tags {len(self.tag_names)}, "
            f"entities {len(self.entity_names)}, aliases {self.alias_count}, "
            f"relationships {self.relationship_count}, readers {self.reader_count}"
        )
        self._briefs()
        self._sequences_reset()
        self._reading_memos()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.progress("vacuumed and analysed")
        return SeedSummary(
            briefs=self.brief_count,
            entities=len(self.entity_names),
            aliases=self.alias_count,
            relationships=self.relationship_count,
            tags=len(self.tag_names),
            regions=len(self.region_names),
            readers=self.reader_count,
            reader_username=READER_USERNAME,
            seconds=time.monotonic() - started,
        )

    # Reference data ------------------------------------------------------------------------

    def _regions(self) -> None:
        rows: list[Region] = []
        self.region_names: dict[int, str] = {}
        self.countries_of: list[list[int]] = []
        self.region_ids: list[int] = []
        self.country_names: dict[int, str] = {}
        next_id = itertools.count(1)
        for name, slug, countries in corpus.REGIONS:
            region_id = next(next_id)
            rows.append(Region(id=region_id, name=name, slug=slug, kind=Region.Kind.REGION))
            self.region_ids.append(region_id)
            self.region_names[region_id] = name
            members = []
            for code, country in countries:
                country_id = next(next_id)
                rows.append(
                    Region(
                        id=country_id,
                        name=country,
                        slug=slugify(country),
                        kind=Region.Kind.COUNTRY,
                        iso_code=code,
                        parent_id=region_id,
                    )
                )
                members.append(country_id)
                self.region_names[country_id] = country
                self.country_names[country_id] = country
            self.countries_of.append(members)
        Region.objects.bulk_create(rows)

    def _tags(self) -> None:
        names = corpus.topic_names()
        Tag.objects.bulk_create(
            Tag(id=i, name=name, slug=slugify(name)) for i, name in enumerate(names, 1)
        )
        self.tag_names = dict(enumerate(names, 1))
        self.tag_cum = _zipf(len(names), offset=5)

    def _people(self) -> None:
        rng = self.rng
        password = make_password(BENCH_PASSWORD)
        today = self.now.date()
        desk = Organisation.objects.create(
            name="Advisory desk",
            slug="advisory-desk",
            kind=Organisation.Kind.DESK,
            seats=100,
            tier=AccessTier.PREMIUM,
        )
        users: list[User] = []
        memberships: list[Membership] = []
        self.authors: list[tuple[int, str, str]] = []
        user_ids = itertools.count(1)
        for n in range(24):
            first = rng.choice(corpus.PERSON_FIRST_NAMES)
            last = rng.choice(["Ashworth", "Haddad", "Kemal", "Okafor", "Moreau", "Lindqvist"])
            byline = f"{first} {last}"
            bio = (
                f"{byline} is an analyst on the Advisory desk covering "
                f"{rng.choice(list(self.country_names.values()))} and "
                f"{rng.choice(corpus.topic_names())}."
            )
            user = User(
                id=next(user_ids),
                username=f"analyst{n}",
                first_name=first,
                last_name=last,
                display_name=byline,
                bio=bio,
                email=f"analyst{n}@desk.invalid",
                is_staff=True,
                password=password,
            )
            users.append(user)
            memberships.append(Membership(user=user, organisation=desk, role=Role.WRITER))
            self.authors.append((user.pk, byline, bio))

        organisations: list[tuple[Organisation, list[int]]] = []
        for n in range(40):
            region_index = rng.choices(range(len(self.region_ids)), weights=_REGION_WEIGHTS)[0]
            if rng.random() < 0.4:
                covered = [self.region_ids[region_index]]
            else:
                covered = rng.sample(self.countries_of[region_index], k=rng.randint(1, 3))
            expired = rng.random() < 0.1
            organisation = Organisation(
                name=f"Client {n:02d} {rng.choice(['Energy', 'Logistics', 'Insurance', 'Mining'])}",
                slug=f"client-{n:02d}",
                seats=8,
                tier=_weighted(rng, [(AccessTier.STANDARD, 70), (AccessTier.PREMIUM, 30)]),
                expires_on=today - datetime.timedelta(days=30)
                if expired
                else today + datetime.timedelta(days=365),
            )
            organisations.append((organisation, covered))
        bench = Organisation(
            name="Bench Energy Partners",
            slug="bench-energy",
            seats=8,
            tier=AccessTier.STANDARD,
            expires_on=today + datetime.timedelta(days=365),
        )
        organisations.append((bench, [self.region_ids[0]]))
        Organisation.objects.bulk_create(organisation for organisation, _ in organisations)
        Organisation.regions.through.objects.bulk_create(
            Organisation.regions.through(organisation_id=organisation.pk, region_id=region_id)
            for organisation, covered in organisations
            for region_id in covered
        )
        for organisation, _ in organisations:
            usernames = (
                [READER_USERNAME]
                if organisation is bench
                else [f"{organisation.slug}-reader{i}" for i in range(4)]
            )
            for username in usernames:
                user = User(
                    id=next(user_ids),
                    username=username,
                    email=f"{username}@client.invalid",
                    display_name=username,
                    password=password,
                )
                users.append(user)
                memberships.append(
                    Membership(user=user, organisation=organisation, role=Role.CLIENT_READER)
                )
        User.objects.bulk_create(users)
        Membership.objects.bulk_create(memberships)
        self.reader_count = len(users) - len(self.authors)

        series_rows = [
            Series(id=i, title=f"{place} Watch", slug=slugify(f"{place}-watch"))
            for i, place in enumerate(sorted(set(corpus.PLACE_WORDS))[:60], 1)
        ]
        Series.objects.bulk_create(series_rows)
        self.series_titles = {series.pk: series.title for series in series_rows}

    def _entities(self) -> None:
        rng = self.rng
        country_ids = list(self.country_names)
        country_weights = [
            6 if country_id in self.countries_of[0] else 1 for country_id in country_ids
        ]
        seen: set[str] = set()
        slugs: set[str] = set()
        rows: list[Entity] = []
        generated: list[corpus.GeneratedEntity] = []
        while len(rows) < self.entity_count:
            kind = _weighted(rng, _ENTITY_KINDS)
            country_id = rng.choices(country_ids, weights=country_weights)[0]
            if kind == EntityKind.PERSON:
                entity = corpus.person(rng)
            else:
                entity = corpus.organisation_like(rng, kind, self.country_names[country_id])
            normalised = normalise_name(entity.name)
            if normalised in seen:
                continue
            seen.add(normalised)
            generated.append(entity)
            rows.append(
                Entity(
                    id=len(rows) + 1,
                    kind=kind,
                    name=entity.name,
                    normalised_name=normalised,
                    slug=_unique_slug(entity.name, slugs),
                    country_id=country_id,
                    description=f"{entity.name} is a {EntityKind(kind).label.lower()} "
                    f"active in {self.country_names[country_id]}.",
                )
            )
        # A prose generator over the actors, for the descriptions and then for the briefs.
        self.entity_names = {row.pk: row.name for row in rows}
        self.prose = corpus.Prose(
            rng, list(self.entity_names.values()), list(self.country_names.values())
        )
        for row in rows:
            row.description += " " + self.prose.paragraph(3, actors=[row.name])
        Entity.objects.bulk_create(rows, batch_size=CHUNK)

        aliases = []
        for row, entity in zip(rows, generated, strict=True):
            known = {row.normalised_name}
            for name, kind in entity.aliases:
                normalised = normalise_name(name)
                if normalised and normalised not in known:
                    known.add(normalised)
                    aliases.append(
                        Alias(
                            entity_id=row.pk,
                            name=name,
                            normalised=normalised,
                            language="en",
                            script="Latn",
                            kind=kind,
                        )
                    )
        Alias.objects.bulk_create(aliases, batch_size=CHUNK * 5)
        self.alias_count = len(aliases)
        ExternalIdentifier.objects.bulk_create(
            (
                ExternalIdentifier(entity_id=row.pk, scheme="wikidata", value=f"Q{900000 + row.pk}")
                for row in rows
                if rng.random() < 0.4
            ),
            batch_size=CHUNK * 5,
        )

        by_kind: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            by_kind[row.kind].append(row.pk)
        ties: dict[tuple[int, int, str], Relationship] = {}
        for row in rows:
            for _ in range(rng.randint(0, 6)):
                kind, object_kinds = rng.choice(_TIES[row.kind])
                candidates = by_kind[rng.choice(object_kinds)]
                object_id = rng.choice(candidates)
                if object_id == row.pk or (row.pk, object_id, kind) in ties:
                    continue
                start = None
                end = None
                if rng.random() < 0.5:
                    start = datetime.date(rng.randint(2003, 2025), rng.randint(1, 12), 1)
                    if rng.random() < 0.3:
                        end = start + datetime.timedelta(days=rng.randint(90, 2000))
                ties[(row.pk, object_id, kind)] = Relationship(
                    subject_id=row.pk,
                    object_id=object_id,
                    kind=kind,
                    start_date=start,
                    end_date=end,
                    source=rng.choice(["Desk reporting", "UN Panel of Experts", "Reuters"]),
                    confidence=rng.choice(Confidence.values),
                )
        Relationship.objects.bulk_create(ties.values(), batch_size=CHUNK * 5)
        self.relationship_count = len(ties)

        designations = []
        for row in rows:
            if row.kind in ("person", "armed_group", "organisation") and rng.random() < 0.2:
                for authority, programme in rng.sample(_DESIGNATIONS, k=rng.randint(1, 2)):
                    designations.append(
                        Designation(
                            entity_id=row.pk,
                            authority=authority,
                            programme=programme,
                            listed_on=datetime.date(rng.randint(2008, 2025), rng.randint(1, 12), 1),
                            reference=f"REF-{row.pk}-{rng.randint(100, 999)}",
                        )
                    )
        Designation.objects.bulk_create(designations, batch_size=CHUNK * 5)
        self.entity_cum = _zipf(len(rows), offset=10)

    # Briefs --------------------------------------------------------------------------------

    def _pools(self) -> None:
        """Pre-rendered blocks the bodies are assembled from: (markdown, html, words)."""
        prose = self.prose
        rng = self.rng

        def block(markdown: str) -> tuple[str, str, int]:
            return markdown, render_markdown(markdown), word_count(markdown)

        self.paragraphs = [block(prose.paragraph(rng.randint(4, 7))) for _ in range(4000)]
        self.extras = [block(prose.bullets()) for _ in range(300)]
        self.extras += [block(prose.quote()) for _ in range(300)]
        self.headings = [block(f"## {name}") for name in corpus.SECTIONS]

    def _briefs(self) -> None:
        self._pools()
        rng = self.rng
        span = datetime.timedelta(days=3 * 365)
        start = self.now - span
        times = sorted(
            start + datetime.timedelta(seconds=rng.uniform(0, span.total_seconds() - 3600))
            for _ in range(self.brief_count)
        )
        self.slugs: set[str] = set()
        self.series_next: dict[int, int] = defaultdict(int)
        self.brief_ct = ContentType.objects.get_for_model(Brief)
        started = time.monotonic()
        # PostgreSQL parses the text of one chunk for search while Python builds the next.
        with ThreadPoolExecutor(max_workers=1) as indexer:
            pending = []
            for first in range(0, self.brief_count, CHUNK):
                batch = [
                    self._brief(first + offset + 1, published_at)
                    for offset, published_at in enumerate(times[first : first + CHUNK])
                ]
                self._brief_rows_write(batch)
                pending.append(
                    indexer.submit(self._search_vectors_set, batch[0]["id"], batch[-1]["id"])
                )
                done = first + len(batch)
                self.progress(
                    f"briefs {done:>6}/{self.brief_count} ({time.monotonic() - started:.1f}s)"
                )
            for future in pending:
                future.result()
        self.progress(f"search vectors set ({time.monotonic() - started:.1f}s)")

    def _brief(self, brief_id: int, published_at: datetime.datetime) -> dict[str, Any]:
        rng = self.rng
        kind = _weighted(rng, _KINDS)
        tier = _weighted(rng, _TIERS)
        region_index = rng.choices(range(len(self.region_ids)), weights=_REGION_WEIGHTS)[0]
        countries = rng.sample(
            self.countries_of[region_index],
            k=min(rng.randint(1, 3), len(self.countries_of[region_index])),
        )
        regions = countries + ([self.region_ids[region_index]] if rng.random() < 0.2 else [])
        places = [self.country_names[c] for c in countries]
        tags = _distinct(rng, list(self.tag_names), self.tag_cum, rng.randint(2, 6))
        entity_ids = _distinct(rng, list(self.entity_names), self.entity_cum, rng.randint(3, 10))
        subjects = set(entity_ids[: rng.randint(1, 2)])
        actors = [self.entity_names[e] for e in entity_ids]
        topic = self.tag_names[tags[0]]
        bylines = rng.sample(self.authors, k=1 if rng.random() < 0.8 else 2)

        if kind == BriefKind.WEEKLY_OUTLOOK:
            region = self.region_names[self.region_ids[region_index]]
            title = f"{region} weekly outlook: {published_at:%-d %B %Y}"
        elif kind == BriefKind.PROFILE:
            title = f"Profile: {actors[0]}"
        else:
            title = self.prose.title(actors[0], places[0], topic)
        slug = _unique_slug(title, self.slugs)
        summary = self.prose.paragraph(2, actors=actors[:2], places=places)

        intro = self.prose.paragraph(4, actors=actors, places=places)
        blocks = [(intro, render_markdown(intro), word_count(intro))]
        target = rng.randint(600, 1500)
        words = blocks[0][2]
        while words < target:
            section = [rng.choice(self.headings)]
            section += rng.sample(self.paragraphs, k=rng.randint(2, 4))
            if rng.random() < 0.3:
                section.append(rng.choice(self.extras))
            for block in section:
                if words >= target:
                    break
                blocks.append(block)
                words += block[2]
        body = "\n\n".join(b[0] for b in blocks)
        body_html = "\n".join(b[1] for b in blocks)

        series_id = None
        position = None
        if rng.random() < 0.25:
            series_id = rng.choice(list(self.series_titles))
            self.series_next[series_id] += 1
            position = self.series_next[series_id]

        judgments = [
            self.prose.key_judgment(rng.choice(actors), rng.choice(places))
            for _ in range(rng.randint(2, 4))
        ]
        sources = []
        for n in range(rng.randint(2, 5)):
            source_title, publisher = self.prose.source()
            sources.append(
                {
                    "title": source_title,
                    "publisher": publisher,
                    "url": f"https://sources.example.org/{brief_id}/{n}",
                    "published_on": (published_at - datetime.timedelta(days=n + 1))
                    .date()
                    .isoformat(),
                    "note": "",
                }
            )
        updated_at = None
        if rng.random() < 0.12:
            updated_at = min(
                published_at + datetime.timedelta(hours=rng.randint(2, 24 * 20)),
                self.now - datetime.timedelta(minutes=1),
            )
        retracted_at = None
        if rng.random() < 0.005:
            retracted_at = updated_at or published_at + datetime.timedelta(hours=6)
            retracted_at = min(retracted_at, self.now - datetime.timedelta(minutes=1))
        corrected = rng.random() < 0.03
        return {
            "id": brief_id,
            "kind": kind,
            "tier": tier,
            "regions": regions,
            "tags": tags,
            "entities": entity_ids,
            "subjects": subjects,
            "bylines": bylines,
            "title": title,
            "slug": slug,
            "summary": summary,
            "body": body,
            "body_html": body_html,
            "words": words,
            "series_id": series_id,
            "position": position,
            "judgments": judgments,
            "sources": sources,
            "published_at": published_at,
            "updated_at": updated_at,
            "retracted_at": retracted_at,
            "corrected": corrected,
        }

    def _snapshot(self, b: dict[str, Any]) -> dict[str, Any]:
        """As `advisory.briefs.selectors.brief_snapshot` records it."""
        return {
            "title": b["title"],
            "summary": b["summary"],
            "body": b["body"],
            "kind": BriefKind(b["kind"]).label,
            "access_tier": AccessTier(b["tier"]).label,
            "series": self.series_titles[b["series_id"]] if b["series_id"] else None,
            "series_position": b["position"],
            "regions": sorted(self.region_names[r] for r in b["regions"]),
            "tags": sorted(self.tag_names[t] for t in b["tags"]),
            "authors": [byline for _, byline, _ in b["bylines"]],
            "key_judgments": b["judgments"],
            "sources": b["sources"],
            "mentions": sorted(
                (
                    {
                        "entity_id": entity_id,
                        "entity": self.entity_names[entity_id],
                        "role": self._role(b, entity_id),
                        "origin": MentionOrigin.CONFIRMED.value,
                    }
                    for entity_id in b["entities"]
                ),
                key=lambda mention: mention["entity"],
            ),
        }

    @staticmethod
    def _role(b: dict[str, Any], entity_id: int) -> str:
        return (MentionRole.SUBJECT if entity_id in b["subjects"] else MentionRole.MENTIONED).value

    @transaction.atomic
    def _brief_rows_write(self, batch: list[dict[str, Any]]) -> None:
        briefs, revisions, publications = [], [], []
        for b in batch:
            snapshot = self._snapshot(b)
            content_hash = snapshot_hash(snapshot)
            author_id = b["bylines"][0][0]
            retracted = b["retracted_at"] is not None
            briefs.append(
                Brief(
                    id=b["id"],
                    title=b["title"],
                    slug=b["slug"],
                    summary=b["summary"],
                    body=b["body"],
                    kind=b["kind"],
                    series_id=b["series_id"],
                    series_position=b["position"],
                    access_tier=b["tier"],
                    status=BriefStatus.RETRACTED if retracted else BriefStatus.PUBLISHED,
                    published_at=b["published_at"],
                    content_updated_at=b["updated_at"],
                    # The revision is written just below, in the same transaction: the foreign
                    # key is checked at commit.
                    live_revision_id=b["id"],
                    approved_hash=content_hash,
                    retracted_at=b["retracted_at"],
                    retraction_notice="Withdrawn: a key source proved unreliable."
                    if retracted
                    else "",
                    word_count=b["words"],
                    created_by_id=author_id,
                    last_edited_by_id=author_id,
                )
            )
            revisions.append(
                BriefRevision(
                    id=b["id"],
                    brief_id=b["id"],
                    number=1,
                    snapshot=snapshot,
                    content_hash=content_hash,
                    created_by_id=author_id,
                )
            )
            publications.append(
                Publication(
                    brief_id=b["id"],
                    revision_id=b["id"],
                    slug=b["slug"],
                    title=b["title"],
                    summary=b["summary"],
                    body_html="" if retracted else b["body_html"],
                    kind=b["kind"],
                    access_tier=b["tier"],
                    authors=[{"name": byline, "bio": bio} for _, byline, bio in b["bylines"]],
                    word_count=b["words"],
                    series_id=b["series_id"],
                    series_position=b["position"],
                    published_at=b["published_at"],
                    updated_at=b["updated_at"],
                    visible_at=b["updated_at"] or b["published_at"],
                    retracted_at=b["retracted_at"],
                    retraction_notice=briefs[-1].retraction_notice,
                    region_keys={str(region_id): True for region_id in b["regions"]},
                    tag_keys={str(tag_id): True for tag_id in b["tags"]},
                )
            )
        Brief.objects.bulk_create(briefs)
        BriefRevision.objects.bulk_create(revisions)
        Publication.objects.bulk_create(publications)
        self._parts_write(batch)

    def _parts_write(self, batch: list[dict[str, Any]]) -> None:
        brief_regions = Brief.regions.through
        rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        for b in batch:
            brief_id = b["id"]
            rows[BriefAuthor] += [
                BriefAuthor(brief_id=brief_id, author_id=author_id, position=n)
                for n, (author_id, _, _) in enumerate(b["bylines"])
            ]
            rows[KeyJudgment] += [
                KeyJudgment(brief_id=brief_id, statement=statement, position=n)
                for n, statement in enumerate(b["judgments"])
            ]
            rows[Source] += [
                Source(
                    brief_id=brief_id,
                    title=source["title"],
                    publisher=source["publisher"],
                    url=source["url"],
                    published_on=datetime.date.fromisoformat(source["published_on"]),
                    position=n,
                )
                for n, source in enumerate(b["sources"])
            ]
            if b["corrected"]:
                rows[CorrectionNote].append(
                    CorrectionNote(
                        brief_id=brief_id,
                        note="An earlier version misstated the date of the budget vote.",
                        created_by_id=b["bylines"][0][0],
                    )
                )
            rows[brief_regions] += [
                brief_regions(brief_id=brief_id, region_id=region_id) for region_id in b["regions"]
            ]
            rows[PublicationRegion] += [
                PublicationRegion(publication_id=brief_id, region_id=region_id)
                for region_id in b["regions"]
            ]
            rows[TaggedItem] += [
                TaggedItem(content_type=self.brief_ct, object_id=brief_id, tag_id=tag_id)
                for tag_id in b["tags"]
            ]
            rows[PublicationTag] += [
                PublicationTag(publication_id=brief_id, tag_id=tag_id) for tag_id in b["tags"]
            ]
            rows[Mention] += [
                Mention(brief_id=brief_id, entity_id=entity_id, role=self._role(b, entity_id))
                for entity_id in b["entities"]
            ]
            rows[PublicationEntity] += [
                PublicationEntity(
                    publication_id=brief_id, entity_id=entity_id, role=self._role(b, entity_id)
                )
                for entity_id in b["entities"]
            ]
        for model, objects in rows.items():
            model._default_manager.bulk_create(objects, batch_size=CHUNK * 5)

    # Finishing -----------------------------------------------------------------------------

    @staticmethod
    def _search_vectors_set(first_id: int, last_id: int) -> None:
        """Weighted as `advisory.briefs.publication._search_vector_set` sets them: title above
        summary above body, and no body once retracted."""
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO briefs_publicationsearch (publication_id, search_vector)
                    SELECT p.brief_id,
                        setweight(to_tsvector(%(config)s::regconfig, p.title), 'A')
                        || setweight(to_tsvector(%(config)s::regconfig, p.summary), 'B')
                        || setweight(to_tsvector(%(config)s::regconfig,
                            CASE WHEN p.retracted_at IS NULL THEN b.body ELSE '' END), 'C')
                    FROM briefs_publication AS p JOIN briefs_brief AS b ON b.id = p.brief_id
                    WHERE p.brief_id BETWEEN %(first)s AND %(last)s
                    """,
                    {"config": SEARCH_CONFIG, "first": first_id, "last": last_id},
                )
        finally:
            # This runs in the indexer's thread, which has a database connection of its own.
            connection.close()

    def _reading_memos(self) -> None:
        """What publishing leaves besides the rows: each brief's reading made and kept
        (`portal.tasks.build_reading_memo`, queued by `publication_write`), by the same
        builder, so that a first visit finds it as it would after a real publication."""
        started = time.monotonic()
        ids = list(Publication.objects.order_by("pk").values_list("pk", flat=True))
        built = 0
        for done, publication_id in enumerate(ids, start=1):
            built += reading_memo_build(publication_id)
            if done % 1000 == 0 or done == len(ids):
                self.progress(
                    f"readings kept {done:>6}/{len(ids)} ({built} live;"
                    f" {time.monotonic() - started:.1f}s)"
                )

    def _sequences_reset(self) -> None:
        models_with_ids = [
            Region,
            Tag,
            User,
            Series,
            Entity,
            Brief,
            BriefRevision,
        ]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models_with_ids):
                cursor.execute(statement)


def seed(*, briefs: int, entities: int, progress: Progress, seed: int = 4) -> SeedSummary:
    if Brief.objects.exists() or Entity.objects.exists():
        raise RuntimeError(
            "The benchmark seeds an empty database; this one has briefs or entities."
        )
    return Seeder(briefs=briefs, entities=entities, progress=progress, seed=seed).run()
