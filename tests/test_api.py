"""The read-only client API: what it shows, what it never shows, its errors and its schema."""

import datetime
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from advisory.accounts.models import AccessTier, User
from advisory.briefs.models import Brief
from advisory.entities.models import Alias, Designation, Region, Relationship
from advisory.lib.text import normalise_name
from tests.factories import EntityFactory, RegionFactory, client_reader, published_brief
from tests.test_leaks import CASES, World, _case_of, _may_read, _world

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BRIEFS = reverse("api:brief-list")


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = _json(response)
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


# --- The leak test, at every API door -------------------------------------------------------


def _api_doors(brief: Brief, world: World) -> dict[str, str]:
    region = brief.regions.first()
    assert region is not None and region.parent is not None
    since = quote((timezone.now() - datetime.timedelta(days=1)).isoformat())
    return {
        "list": BRIEFS,
        "list by country": f"{BRIEFS}?country={region.slug}",
        "list by region": f"{BRIEFS}?region={region.parent.slug}",
        "list by entity": f"{BRIEFS}?entity={world.entity.slug}",
        "list by tag": f"{BRIEFS}?tag=leaktopic",
        "list by kind": f"{BRIEFS}?kind={brief.kind}",
        "list updated since": f"{BRIEFS}?updated_since={since}",
        "list all filters": (
            f"{BRIEFS}?region={region.parent.slug}&entity={world.entity.slug}"
            f"&tag=leaktopic&kind={brief.kind}&updated_since={since}&page_size=100"
        ),
        "search body word": f"{BRIEFS}?q=searchprobe{_case_of(brief)}",
        "search title": f"{BRIEFS}?q=titleprobe{_case_of(brief)}",
        "search entity name": f"{BRIEFS}?q=Leak%20Front",
        "search with filters": f"{BRIEFS}?q=Leak%20Front&tag=leaktopic&page_size=100",
        "detail": reverse("api:brief-detail", args=[brief.slug]),
        "entity list": reverse("api:entity-list") + "?q=leak",
        "entity lookup": reverse("api:entity-list") + "?name=leak%20front",
        "entity detail": reverse("api:entity-detail", args=[world.entity.slug]),
        "topics": reverse("api:tag-list"),
        "regions": reverse("api:region-list"),
        "me": reverse("api:me"),
        "me follows": reverse("api:follow-list"),
        "me subscriptions": reverse("api:subscription-list"),
        "desk list": reverse("api:desk-brief-list"),
        "desk list of drafts": reverse("api:desk-brief-list") + "?status=draft",
        "desk detail": reverse("api:desk-brief-detail", args=[brief.pk]),
    }


@pytest.mark.parametrize("case", list(CASES))
def test_no_api_door_returns_a_brief_the_viewer_may_not_read(case: str) -> None:
    world = _world()
    brief = CASES[case](world)
    label = _case_of(brief)  # The embargoed case is a scheduled brief.
    # The API gives no teasers: a brief the viewer may not read leaves not even its title.
    secrets = [
        f"Title {label}",
        f"Summary {label}",
        f"bodysecret{label}",
        f"judgmentsecret{label}",
        f"sourcesecret{label}",
        brief.slug,
    ]
    leaks: list[str] = []
    for viewer_name, viewer in world.viewers.items():
        client = _client(viewer)
        for door, url in _api_doors(brief, world).items():
            response = client.get(url, HTTP_ACCEPT="application/json")
            if response.status_code >= 500:
                leaks.append(f"{viewer_name} @ {door}: server error {response.status_code}")
                continue
            text = response.content.decode()
            readable = _may_read(case, viewer_name)
            if "draftsecretedit" in text:
                leaks.append(f"{viewer_name} @ {door}: shows the unpublished edit")
            if door == "detail" and not readable and response.status_code != 404:
                leaks.append(f"{viewer_name} @ detail: status {response.status_code}")
            # No viewer here is on the desk: its doors stay shut, whoever knocks.
            if door.startswith("desk") and response.status_code not in (401, 403):
                leaks.append(f"{viewer_name} @ {door}: status {response.status_code}")
            if door == "entity detail":
                counted = _json(response)["mentions"]["briefs"]
                if counted != (1 if readable else 0):
                    leaks.append(f"{viewer_name} @ entity detail: counts {counted} briefs")
            if readable and door.startswith(("list", "search", "detail")):
                if f"bodysecret{label}" not in text and door == "detail":
                    leaks.append(f"{viewer_name} @ detail: the readable brief is missing")
                if f"Title {label}" not in text:
                    leaks.append(f"{viewer_name} @ {door}: the readable brief is missing")
                continue
            leaks += [
                f"{viewer_name} @ {door}: shows {secret}" for secret in secrets if secret in text
            ]
    assert leaks == []


# --- What a reader is given -----------------------------------------------------------------


def test_a_readable_brief_shows_in_the_list_and_in_full_in_its_detail() -> None:
    middle_east = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=middle_east)
    subject = EntityFactory(name="Nuri al-Maliki", slug="nuri-al-maliki")
    brief = published_brief(
        title="Baghdad after the vote",
        body="The coalition **holds** for now.",
        regions=[iraq],
        tags=["elections"],
        subjects=[subject],
        access_tier=AccessTier.STANDARD,
    )
    reader = client_reader()
    reader.membership.organisation.regions.set([middle_east])
    client = _client(reader)

    listing = _json(client.get(BRIEFS))
    assert [item["slug"] for item in listing["results"]] == [brief.slug]
    item = listing["results"][0]
    assert item["title"] == "Baghdad after the vote"
    assert item["regions"] == [{"slug": "iraq", "name": "Iraq", "kind": "country"}]
    assert item["tags"] == [{"slug": "elections", "name": "elections"}]
    assert item["url"] == "http://testserver" + reverse("portal:brief-detail", args=[brief.slug])
    assert "body_html" not in item
    assert set(listing) == {"next", "previous", "results"}

    # A region takes in its countries.
    assert len(_json(client.get(f"{BRIEFS}?region=middle-east"))["results"]) == 1
    assert _json(client.get(f"{BRIEFS}?entity=nuri-al-maliki"))["results"][0]["slug"] == brief.slug

    detail = _json(client.get(reverse("api:brief-detail", args=[brief.slug])))
    assert "<strong>holds</strong>" in detail["body_html"]
    assert detail["entities"] == [
        {"slug": "nuri-al-maliki", "name": "Nuri al-Maliki", "kind": "person", "role": "subject"}
    ]
    assert detail["tags"] == [{"slug": "elections", "name": "elections"}]
    assert detail["regions"][0]["slug"] == "iraq"

    # A visitor gets only public briefs: this one is a 404 to them, and absent from the list.
    visitor = Client()
    assert _json(visitor.get(BRIEFS))["results"] == []
    _assert_error(visitor.get(reverse("api:brief-detail", args=[brief.slug])), 404, "not_found")


def test_a_visitor_reads_public_briefs() -> None:
    brief = published_brief(title="Open outlook", access_tier=AccessTier.PUBLIC)
    visitor = Client()
    assert [item["slug"] for item in _json(visitor.get(BRIEFS))["results"]] == [brief.slug]
    detail = _json(visitor.get(reverse("api:brief-detail", args=[brief.slug])))
    assert detail["title"] == "Open outlook"


def test_the_list_pages_newest_first_by_cursor_and_filters_by_update_time() -> None:
    now = timezone.now()
    slugs = [
        published_brief(
            access_tier=AccessTier.PUBLIC, published_at=now - datetime.timedelta(hours=hours)
        ).slug
        for hours in range(5)
    ]
    client = Client()
    seen: list[str] = []
    url: str | None = f"{BRIEFS}?page_size=2"
    while url:
        page = _json(client.get(url))
        seen += [item["slug"] for item in page["results"]]
        url = page["next"]
    assert seen == slugs

    since = quote((now - datetime.timedelta(hours=2, minutes=30)).isoformat())
    recent = _json(client.get(f"{BRIEFS}?updated_since={since}"))["results"]
    assert [item["slug"] for item in recent] == slugs[:3]


def test_the_query_count_does_not_grow_with_the_page() -> None:
    region = RegionFactory()
    reader = client_reader()
    reader.membership.organisation.regions.set([region])
    client = _client(reader)

    def count_for(briefs: int) -> int:
        while Brief.objects.count() < briefs:
            published_brief(regions=[region], tags=[f"t{Brief.objects.count()}", "shared"])
        client.get(BRIEFS)
        with CaptureQueriesContext(connection) as queries:
            page = _json(client.get(f"{BRIEFS}?page_size=50"))
        assert len(page["results"]) == briefs
        assert all(len(item["tags"]) == 2 and item["regions"] for item in page["results"])
        return len(queries)

    few = count_for(3)
    assert few == count_for(15)
    # The session and its user; the membership and the entitlement (four); the page, its
    # regions and its tags.
    assert few <= 9, few


# --- Entities -------------------------------------------------------------------------------


def test_entities_are_found_by_any_spelling_of_a_name_or_alias() -> None:
    maliki = EntityFactory(name="Nuri al-Maliki", slug="nuri-al-maliki")
    Alias.objects.create(entity=maliki, name="Nouri al-Maliki", normalised="nouri al maliki")
    Alias.objects.create(
        entity=maliki, name="نوري المالكي", normalised=normalise_name("نوري المالكي")
    )
    EntityFactory(name="Mohammed Shia al-Sudani", slug="sudani")
    client = Client()
    entities = reverse("api:entity-list")

    def found(q: str) -> list[str]:
        return [item["slug"] for item in _json(client.get(entities, {"q": q}))["results"]]

    assert found("NOURI") == ["nuri-al-maliki"]
    assert found("nuri al maliki") == ["nuri-al-maliki"]
    assert found("المالكي") == ["nuri-al-maliki"]
    assert found("sudani") == ["sudani"]
    assert found("!!!") == []
    assert len(found("")) == 2


def test_an_entity_record_has_its_aliases_designations_and_relationships() -> None:
    party = EntityFactory(name="State of Law", slug="state-of-law", kind="political_party")
    maliki = EntityFactory(name="Nuri al-Maliki", slug="nuri-al-maliki")
    Alias.objects.create(entity=maliki, name="Nouri al-Maliki", normalised="nouri al maliki")
    Designation.objects.create(entity=maliki, authority="OFAC", programme="GLOMAG")
    Relationship.objects.create(subject=maliki, object=party, kind="leads", source="Press")
    record = _json(Client().get(reverse("api:entity-detail", args=["nuri-al-maliki"])))
    assert record["name"] == "Nuri al-Maliki"
    assert [alias["name"] for alias in record["aliases"]] == ["Nouri al-Maliki"]
    assert record["designations"][0]["authority"] == "OFAC"
    tie = record["relationships"][0]
    assert (tie["subject"]["slug"], tie["kind"], tie["object"]["slug"]) == (
        "nuri-al-maliki",
        "leads",
        "state-of-law",
    )
    assert tie["source"] == "Press"


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("region=atlantis", "region"),
        ("country=atlantis", "country"),
        ("tag=nothing-here", "tag"),
        ("entity=nobody", "entity"),
        ("kind=novel", "kind"),
        ("updated_since=yesterday", "updated_since"),
        ("region=not%20a%20slug", "region"),
    ],
)
def test_bad_filter_input_is_a_400_naming_the_field(query: str, field: str) -> None:
    error = _assert_error(Client().get(f"{BRIEFS}?{query}"), 400, "invalid")
    assert list(error["fields"]) == [field]
    assert all(isinstance(message, str) for message in error["fields"][field])


def test_unknown_addresses_are_404s_in_the_same_shape() -> None:
    client = Client()
    _assert_error(client.get(reverse("api:brief-detail", args=["no-such"])), 404, "not_found")
    _assert_error(client.get(reverse("api:entity-detail", args=["no-such"])), 404, "not_found")
    _assert_error(client.get("/api/v1/nothing/"), 404, "not_found")
    _assert_error(client.get("/api/v2/briefs/"), 404, "not_found")


def test_writing_to_a_read_only_endpoint_is_refused_in_the_same_shape() -> None:
    reader = _client(client_reader())
    _assert_error(reader.post(BRIEFS, {}), 405, "method_not_allowed")
    _assert_error(Client().post(BRIEFS, {}), 405, "method_not_allowed")


# --- Schema and docs ------------------------------------------------------------------------


def test_the_schema_is_an_openapi_document_with_every_endpoint_and_its_errors() -> None:
    response = Client().get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # Against the OpenAPI 3 JSON schema; raises if invalid.
    paths = schema["paths"]
    for path in ("/api/v1/briefs/", "/api/v1/briefs/{slug}/", "/api/v1/entities/"):
        assert path in paths
    assert "/api/v1/entities/{slug}/" in paths
    briefs = paths["/api/v1/briefs/"]["get"]
    assert {"200", "400"} <= set(briefs["responses"])
    names = {parameter["name"] for parameter in briefs["parameters"]}
    assert {"cursor", "region", "kind", "tag", "entity", "updated_since"} <= names
    assert "404" in paths["/api/v1/briefs/{slug}/"]["get"]["responses"]
    error = schema["components"]["schemas"]["ErrorFields"]["properties"]
    assert {"status", "code", "message", "fields"} <= set(error)


def test_the_docs_page_is_rendered_on_the_server_without_outside_assets() -> None:
    response = Client().get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/briefs/" in page
    assert "updated_since" in page
    assert "<script" not in page and "cdn" not in page.lower()


def test_the_browsable_api_renders_for_a_signed_in_reader() -> None:
    published_brief(title="Open outlook", access_tier=AccessTier.PUBLIC)
    reader = _client(client_reader())
    for url in (BRIEFS, f"{BRIEFS}?region=atlantis", reverse("api:entity-list")):
        response = reader.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code in (200, 400), url
        assert response["Content-Type"].startswith("text/html")


# --- Search, lookup, topics and regions -----------------------------------------------------


def test_q_finds_briefs_as_the_portal_search_does_names_in_any_spelling_newest_first() -> None:
    maliki = EntityFactory(name="Nuri al-Maliki", slug="nuri-al-maliki")
    Alias.objects.create(entity=maliki, name="Nouri al-Maliki", normalised="nouri al maliki")
    now = timezone.now()
    older = published_brief(
        title="Coalition arithmetic",
        body="The State of Law bloc counts its seats.",
        access_tier=AccessTier.PUBLIC,
        subjects=[maliki],
        published_at=now - datetime.timedelta(days=2),
    )
    newer = published_brief(
        title="Sanctions and the budget",
        body="Nuri al-Maliki spoke about sanctioned banks.",
        access_tier=AccessTier.PUBLIC,
        published_at=now - datetime.timedelta(days=1),
    )
    harvest = published_brief(
        title="Harvest report", body="Wheat prices.", access_tier=AccessTier.PUBLIC
    )
    client = Client()

    def found(q: str) -> list[str]:
        return [item["slug"] for item in _json(client.get(BRIEFS, {"q": q}))["results"]]

    # A spelling of the name finds the brief naming it and the one linked to it, newest first.
    assert found("Nouri al-Maliki") == [newer.slug, older.slug]
    assert found("sanction") == [newer.slug]  # stemmed, as the portal's search
    assert found("seats -wheat") == [older.slug]
    assert found("-wheat") == []  # only words left out asks for nothing
    assert found("   ") == [harvest.slug, newer.slug, older.slug]
    filtered = _json(
        client.get(BRIEFS, {"q": "Nuri al-Maliki", "kind": "analysis", "page_size": 1})
    )
    assert [item["slug"] for item in filtered["results"]] == [newer.slug]
    assert filtered["next"] is not None


def test_an_entity_is_looked_up_by_any_whole_name_and_its_record_counts_its_mentions() -> None:
    maliki = EntityFactory(name="Nuri al-Maliki", slug="nuri-al-maliki")
    Alias.objects.create(entity=maliki, name="Nouri al-Maliki", normalised="nouri al maliki")
    sudani = EntityFactory(name="Mohammed Shia al-Sudani", slug="sudani")
    EntityFactory(name="Nuri al-Malikiyya", slug="someone-else")
    published_brief(access_tier=AccessTier.PUBLIC, subjects=[maliki], mentioned=[sudani])
    published_brief(access_tier=AccessTier.PUBLIC, mentioned=[maliki])
    published_brief(access_tier=AccessTier.PREMIUM, subjects=[maliki])  # a visitor may not read
    client = Client()
    entities = reverse("api:entity-list")

    def looked_up(name: str) -> list[str]:
        return [item["slug"] for item in _json(client.get(entities, {"name": name}))["results"]]

    assert looked_up("NOURI AL MALIKI") == ["nuri-al-maliki"]
    assert looked_up("Nuri al-Maliki") == ["nuri-al-maliki"]
    assert looked_up("Maliki") == []  # a whole name, not a part: that is `q`
    record = _json(client.get(reverse("api:entity-detail", args=["nuri-al-maliki"])))
    assert record["mentions"] == {
        "briefs": 2,
        "as_subject": 1,
        "co_mentioned": [{"slug": "sudani", "name": "Mohammed Shia al-Sudani", "briefs": 1}],
    }
    assert record["briefs_url"].endswith(f"{BRIEFS}?entity=nuri-al-maliki")


def test_topics_and_regions_list_what_the_brief_filters_take() -> None:
    middle_east = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=middle_east)
    published_brief(access_tier=AccessTier.PUBLIC, tags=["Elections", "oil"])
    client = Client()
    topics = _json(client.get(reverse("api:tag-list")))
    assert topics["results"] == [
        {"slug": "elections", "name": "Elections"},
        {"slug": "oil", "name": "oil"},
    ]
    regions = _json(client.get(reverse("api:region-list")))["results"]
    assert regions == [
        {
            "slug": "iraq",
            "name": "Iraq",
            "kind": "country",
            "iso_code": "IQ",
            "parent": "middle-east",
        },
        {
            "slug": "middle-east",
            "name": "Middle East",
            "kind": "region",
            "iso_code": None,
            "parent": None,
        },
    ]


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{BRIEFS}?regoin=iraq", "regoin"),
        (f"{BRIEFS}?updated_since=", "updated_since"),
        (f"{BRIEFS}?updated_since=2026-02-30T10:00:00Z", "updated_since"),
        (f"{BRIEFS}?updated_since=0001-01-01T00:00:00%2B05:00", "updated_since"),
        (f"{BRIEFS}?page_size=lots", "page_size"),
        (f"{BRIEFS}?page_size=0", "page_size"),
        (f"{BRIEFS}?cursor=garbage", "cursor"),
        (f"{BRIEFS}?cursor=cD0yMDI2LTEzLTQ1", "cursor"),  # "p=2026-13-45": no date
        (f"{BRIEFS}?q=" + "x" * 201, "q"),
        ("/api/v1/entities/?q=%00", "q"),
        ("/api/v1/tags/?sort=name", "sort"),
    ],
)
def test_bad_query_input_is_a_400_naming_the_parameter(url: str, field: str) -> None:
    error = _assert_error(Client().get(url), 400, "invalid")
    assert list(error["fields"]) == [field]


def test_a_huge_page_size_gives_the_largest_page() -> None:
    for _ in range(3):
        published_brief(access_tier=AccessTier.PUBLIC)
    page = _json(Client().get(f"{BRIEFS}?page_size={10**30}"))
    assert len(page["results"]) == 3


# --- Queries per page -----------------------------------------------------------------------


def _grow(count: int) -> None:
    """Published briefs, each with its own topic, entity and region: more rows to join."""
    middle_east = Region.objects.get_or_create(
        slug="middle-east", defaults={"name": "Middle East", "kind": "region"}
    )[0]
    while Brief.objects.count() < count:
        n = Brief.objects.count()
        country = RegionFactory(parent=middle_east)
        entity = EntityFactory(name=f"Actor {n}")
        Alias.objects.create(entity=entity, name=f"Alias {n}", normalised=f"alias {n}")
        published_brief(
            title=f"Brief {n} about oil",
            body="Oil and the budget.",
            regions=[country],
            tags=[f"topic-{n}", "shared"],
            subjects=[entity],
            access_tier=AccessTier.STANDARD,
        )


LISTS = {
    # The user with the entitlement (one; the session is read from the cache); the entities
    # the words name; the page; its regions; its tags.
    "briefs searched": (f"{BRIEFS}?q=oil%20budget&page_size=100", 5),
    # The user; the page; its aliases.
    "entities": ("/api/v1/entities/?q=actor&page_size=200", 3),
    "entities by name": ("/api/v1/entities/?name=actor%201", 3),
    # The user; the page (with the region's parent).
    "topics": ("/api/v1/tags/?page_size=500", 2),
    "regions": ("/api/v1/regions/?page_size=500", 2),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_each_list_does_a_fixed_number_of_queries_per_page(
    name: str, django_assert_num_queries: Callable[..., AbstractContextManager[object]]
) -> None:
    url, queries = LISTS[name]
    reader = client_reader()
    reader.membership.organisation.regions.set(
        [
            Region.objects.get_or_create(
                slug="middle-east", defaults={"name": "Middle East", "kind": "region"}
            )[0]
        ]
    )
    client = _client(reader)
    for count in (2, 12):
        _grow(count)
        client.get(url)  # warm the caches every reader shares, as in use
        with django_assert_num_queries(queries):
            assert _json(client.get(url))["results"]
