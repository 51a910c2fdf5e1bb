"""What the benchmark asks for: the pages, each with the addresses the load is spread over."""

import random
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from taggit.models import Tag

from advisory.accounts.models import User
from advisory.briefs.models import BriefKind, Publication
from advisory.entities.models import Alias, Entity, Region
from advisory.portal.selectors import publications_readable
from tests.benchmarks import corpus

ANONYMOUS = "anonymous"
READER = "signed-in reader"


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    # The address lists for the anonymous visitor and for the signed-in reader.
    anonymous_paths: tuple[str, ...]
    reader_paths: tuple[str, ...]
    # (percentile, milliseconds) the page must stay under, if the issue sets a target.
    target: tuple[int, float] | None = None

    def paths(self, visitor: str) -> tuple[str, ...]:
        return self.reader_paths if visitor == READER else self.anonymous_paths


def _listing(**params: str | int) -> str:
    return f"/briefs/?{urlencode(params)}" if params else "/briefs/"


def scenarios(*, reader: User, rng: random.Random) -> list[Scenario]:
    live = Publication.objects.filter(retracted_at__isnull=True)
    every_slug = list(live.order_by("pk").values_list("slug", flat=True))
    readable_slugs = list(
        publications_readable(reader)
        .filter(retracted_at__isnull=True)
        .order_by("pk")
        .values_list("slug", flat=True)
    )
    detail_anonymous = tuple(
        f"/briefs/{slug}/" for slug in rng.sample(every_slug, min(1000, len(every_slug)))
    )
    detail_reader = tuple(
        f"/briefs/{slug}/" for slug in rng.sample(readable_slugs, min(1000, len(readable_slugs)))
    )

    plain = tuple(_listing(**({"page": page} if page > 1 else {})) for page in range(1, 6))

    regions = list(Region.objects.filter(kind=Region.Kind.REGION).values_list("slug", flat=True))
    countries = list(
        Region.objects.filter(kind=Region.Kind.COUNTRY)
        .annotate(uses=Count("publications"))
        .order_by("-uses")
        .values_list("slug", flat=True)[:15]
    )
    tags = list(
        Tag.objects.annotate(uses=Count("publications"))
        .order_by("-uses")
        .values_list("slug", flat=True)[:60]
    )
    popular = list(Entity.objects.annotate(uses=Count("publications")).order_by("-uses", "pk")[:50])
    filters: list[dict[str, str | int]] = []
    for _ in range(200):
        choice = rng.randrange(7)
        params: dict[str, str | int]
        if choice == 0:
            params = {"region": rng.choice(regions)}
        elif choice == 1:
            params = {"country": rng.choice(countries)}
        elif choice == 2:
            params = {"kind": rng.choice(BriefKind.values)}
        elif choice == 3:
            params = {"tag": rng.choice(tags)}
        elif choice == 4:
            params = {"entity": rng.choice(popular).name}
        elif choice == 5:
            year = rng.randint(2024, 2026)
            params = {"date_from": f"{year}-01-01", "date_to": f"{year}-06-30"}
        else:
            params = {"region": rng.choice(regions), "kind": BriefKind.ANALYSIS, "tag": tags[0]}
        if rng.random() < 0.3:
            params["page"] = 2
        filters.append(params)
    filtered = tuple(_listing(**params) for params in filters)

    every_entity = list(Entity.objects.order_by("pk").values_list("slug", flat=True))
    entity_slugs = [entity.slug for entity in popular] + rng.sample(
        every_entity, min(250, len(every_entity))
    )
    entities = tuple(f"/entities/{slug}/" for slug in entity_slugs)

    person_aliases = list(
        Alias.objects.filter(entity__kind="person", kind=Alias.Kind.ALIAS)
        .order_by("pk")
        .values_list("name", flat=True)[:400]
    )
    queries = [
        *corpus.COMMON_SEARCHES,
        *(entity.name for entity in popular[:20]),
        *rng.sample(person_aliases, min(20, len(person_aliases))),
    ]
    searches = tuple(f"/search/?{urlencode({'q': q})}" for q in queries) + tuple(
        f"/search/?{urlencode({'q': q, 'page': 2})}" for q in corpus.COMMON_SEARCHES[:5]
    )

    region_pages = [f"/regions/{slug}/" for slug in [*regions, *countries]]
    tag_pages = [f"/topics/{slug}/" for slug in tags]
    return [
        Scenario("detail", "Brief detail", detail_anonymous, detail_reader, target=(99, 50.0)),
        Scenario("list", "Brief list, pages 1–5", plain, plain, target=(99, 50.0)),
        Scenario("list-filtered", "Brief list, filtered", filtered, filtered, target=(99, 50.0)),
        Scenario("entity", "Entity page", entities, entities),
        Scenario("search", "Search", searches, searches, target=(95, 50.0)),
        Scenario(
            "region-topic",
            "Region and topic pages",
            (*region_pages, *tag_pages),
            (*region_pages, *tag_pages),
        ),
        Scenario("home", "Home", ("/",), ("/",)),
    ]
