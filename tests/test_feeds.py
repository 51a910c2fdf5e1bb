"""Atom feeds, the page listing a reader's feed URLs, and the sitemap."""

import datetime
import xml.etree.ElementTree as ET
from typing import Any

import feedparser
import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from taggit.models import Tag

from advisory.accounts.models import AccessTier, FeedKey, User
from advisory.accounts.selectors import feed_token_of
from advisory.accounts.services import feed_key_reset, follow_add
from advisory.briefs.models import Brief, BriefStatus
from advisory.briefs.services import brief_create
from advisory.entities.models import Entity, Region
from advisory.workflow import services as workflow
from advisory.workflow.services import brief_retract
from tests.factories import (
    EntityFactory,
    RegionFactory,
    UserFactory,
    client_reader,
    published_brief,
    staff_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _middle_east() -> tuple[Region, Region, Region]:
    region = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=region)
    iran = RegionFactory(name="Iran", slug="iran", iso_code="IR", parent=region)
    return region, iraq, iran


def _brief(marker: str, **fields: Any) -> Brief:
    """A live brief whose body carries a word found nowhere else, to tell if a feed leaks it."""
    return published_brief(
        title=f"Brief {marker}",
        slug=f"brief-{marker.lower()}",
        summary=f"Summary of {marker}.",
        body=f"## Analysis\n\nBODY-{marker} is the analysis.",
        **fields,
    )


def _unpublished(marker: str, status: str, *, tags: tuple[str, ...] = ()) -> Brief:
    """A public-tier brief taken through the real workflow to a status short of publication."""
    writer = staff_user("writer", username=f"writer-{marker.lower()}")
    editor = staff_user("editor", username=f"editor-{marker.lower()}")
    brief = brief_create(
        actor=writer,
        title=f"Brief {marker}",
        body=f"BODY-{marker}",
        access_tier=AccessTier.PUBLIC,
        tags=tags,
    )
    if status != BriefStatus.DRAFT:
        workflow.brief_submit(actor=writer, brief=brief)
    if status in {BriefStatus.APPROVED, BriefStatus.SCHEDULED}:
        workflow.brief_approve(actor=editor, brief=brief)
    if status == BriefStatus.SCHEDULED:
        workflow.brief_schedule(
            actor=editor, brief=brief, publish_at=timezone.now() + datetime.timedelta(hours=1)
        )
    brief.refresh_from_db()
    assert brief.status == status
    return brief


def _feed(client: Client, url: str, **params: str) -> Any:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _entries(parsed: Any) -> dict[str, Any]:
    return {entry.title: entry for entry in parsed.entries}


def _content(entry: Any) -> str:
    return "".join(part.value for part in entry.get("content", []))


def _reader_of(*regions: Region, tier: int = AccessTier.STANDARD) -> User:
    reader = client_reader()
    organisation = reader.membership.organisation
    organisation.tier = tier
    organisation.save()
    organisation.regions.set(regions)
    return reader


# The feeds a visitor reads -------------------------------------------------------------------


def test_the_public_feed_gives_public_briefs_in_full_and_the_others_as_teasers(
    client: Client,
) -> None:
    analyst = UserFactory(username="analyst", display_name="Rana Haddad", bio="Iraq analyst.")
    second = UserFactory(username="second", display_name="Tom Price")
    published = timezone.now() - datetime.timedelta(days=2)
    _brief(
        "PUBLIC",
        access_tier=AccessTier.PUBLIC,
        tags=["energy", "militias"],
        authors=[analyst, second],
        published_at=published,
    )
    _brief("STANDARD", access_tier=AccessTier.STANDARD, tags=["energy"])
    _brief("PREMIUM", access_tier=AccessTier.PREMIUM)

    parsed = _feed(client, "/feeds/latest.atom")

    assert parsed.version == "atom10"
    assert parsed.feed.title == "Advisory: latest briefs"
    assert parsed.feed.link == "http://testserver/"
    entries = _entries(parsed)
    assert set(entries) == {"Brief PUBLIC", "Brief STANDARD", "Brief PREMIUM"}
    public = entries["Brief PUBLIC"]
    assert "BODY-PUBLIC is the analysis" in _content(public)
    assert public.content[0].type == "text/html"
    assert public.link == "http://testserver/briefs/brief-public/"
    public_pk = Brief.objects.get(slug="brief-public").pk
    assert public.id == f"tag:advisory,{published:%Y-%m-%d}:brief/{public_pk}"
    assert [author.name for author in public.authors] == ["Rana Haddad", "Tom Price"]
    assert [tag.term for tag in public.tags] == ["energy", "militias"]
    assert public.published_parsed[:6] == published.utctimetuple()[:6]
    assert public.updated_parsed is not None
    assert public.summary == "Summary of PUBLIC."
    for title in ("Brief STANDARD", "Brief PREMIUM"):
        assert "content" not in entries[title]
        assert "tags" not in entries[title]  # a teaser's tags are for its readers
        assert entries[title].summary.startswith(f"Summary of {title.split()[1]}.")
        assert "subscribers" in entries[title].summary
        assert entries[title].link.startswith("http://testserver/briefs/")
    body = client.get("/feeds/latest.atom").content.decode()
    assert "BODY-STANDARD" not in body and "BODY-PREMIUM" not in body


def test_a_public_feed_is_not_marked_private(client: Client) -> None:
    _brief("PUBLIC", access_tier=AccessTier.PUBLIC)
    response = client.get("/feeds/latest.atom")
    assert "X-Robots-Tag" not in response
    assert "private" not in response.get("Cache-Control", "")
    assert response["Last-Modified"]


def test_a_signed_in_browser_without_a_token_gets_the_public_feed(client: Client) -> None:
    # Feed readers carry no session: only the token makes a feed private.
    reader = _reader_of()
    _brief("STANDARD", access_tier=AccessTier.STANDARD)
    client.force_login(reader)
    parsed = _feed(client, "/feeds/latest.atom")
    assert "content" not in parsed.entries[0]


def test_feeds_leave_out_what_is_not_live(client: Client) -> None:
    editor = staff_user("editor")
    _brief("LIVE", access_tier=AccessTier.PUBLIC)
    for status in (
        BriefStatus.DRAFT,
        BriefStatus.IN_REVIEW,
        BriefStatus.APPROVED,
        BriefStatus.SCHEDULED,
    ):
        _unpublished(status.upper(), status)
    _brief(
        "EMBARGOED",
        access_tier=AccessTier.PUBLIC,
        published_at=timezone.now() + datetime.timedelta(hours=1),
    )
    retracted = _brief("RETRACTED", access_tier=AccessTier.PUBLIC)
    brief_retract(actor=editor, brief=retracted, notice="Sourcing failed.")

    for token in ({}, {"token": feed_token_of(editor)}):
        parsed = _feed(client, "/feeds/latest.atom", **token)
        assert [entry.title for entry in parsed.entries] == ["Brief LIVE"]


def test_the_feed_holds_the_latest_fifty_newest_version_first(client: Client) -> None:
    now = timezone.now()
    for day in range(52):
        _brief(
            f"N{day}",
            access_tier=AccessTier.PUBLIC,
            published_at=now - datetime.timedelta(days=day),
        )
    titles = [entry.title for entry in _feed(client, "/feeds/latest.atom").entries]
    assert titles == [f"Brief N{day}" for day in range(50)]


# The private feeds -------------------------------------------------------------------------


def test_a_token_feed_carries_the_body_of_what_the_reader_may_read_only(client: Client) -> None:
    _, iraq, iran = _middle_east()
    reader = _reader_of(iraq)
    _brief("IRAQ", access_tier=AccessTier.STANDARD, regions=[iraq])
    _brief("IRAN", access_tier=AccessTier.STANDARD, regions=[iran])
    _brief("PREMIUM", access_tier=AccessTier.PREMIUM, regions=[iraq])
    _brief("PUBLIC", access_tier=AccessTier.PUBLIC, regions=[iran])
    token = feed_token_of(reader)

    response = client.get("/feeds/latest.atom", {"token": token})
    parsed = _feed(client, "/feeds/latest.atom", token=token)

    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Robots-Tag"] == "noindex"
    assert parsed.feed.title == "Advisory: latest briefs (private)"
    assert any(link.rel == "self" and token in link.href for link in parsed.feed.links)
    entries = _entries(parsed)
    assert "BODY-IRAQ" in _content(entries["Brief IRAQ"])
    assert "BODY-PUBLIC" in _content(entries["Brief PUBLIC"])
    assert "content" not in entries["Brief IRAN"]
    assert "content" not in entries["Brief PREMIUM"]
    text = response.content.decode()
    assert "BODY-IRAN" not in text and "BODY-PREMIUM" not in text


def test_reading_a_token_feed_is_remembered(client: Client) -> None:
    reader = _reader_of()
    _feed(client, "/feeds/latest.atom", token=feed_token_of(reader))
    assert FeedKey.objects.get(user=reader).last_used_at is not None


def test_a_subscription_that_ended_gets_teasers_through_its_token(client: Client) -> None:
    reader = _reader_of()
    organisation = reader.membership.organisation
    organisation.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    organisation.save()
    _brief("STANDARD", access_tier=AccessTier.STANDARD)
    parsed = _feed(client, "/feeds/latest.atom", token=feed_token_of(reader))
    assert "content" not in parsed.entries[0]


@pytest.mark.parametrize("token", ["", "nonsense", "1.abc", "999999.0123456789abcdef"])
def test_a_wrong_token_is_refused_not_served_as_the_public_feed(client: Client, token: str) -> None:
    _brief("PUBLIC", access_tier=AccessTier.PUBLIC)
    assert client.get("/feeds/latest.atom", {"token": token}).status_code == 404


def test_the_token_of_a_deactivated_user_is_refused(client: Client) -> None:
    reader = _reader_of()
    token = feed_token_of(reader)
    reader.is_active = False
    reader.save()
    assert client.get("/feeds/latest.atom", {"token": token}).status_code == 404


def test_after_a_reset_the_old_url_is_gone_and_the_new_one_works(client: Client) -> None:
    _, iraq, _ = _middle_east()
    reader = _reader_of(iraq)
    _brief("IRAQ", access_tier=AccessTier.STANDARD, regions=[iraq])
    old = feed_token_of(reader)
    _feed(client, "/feeds/latest.atom", token=old)
    feed_key_reset(actor=reader)
    new = feed_token_of(reader)

    assert new != old
    for url in ("/feeds/latest.atom", "/feeds/regions/iraq.atom"):
        assert client.get(url, {"token": old}).status_code == 404
        assert "BODY-IRAQ" in _content(_feed(client, url, token=new).entries[0])


def test_the_first_reset_also_changes_the_token(client: Client) -> None:
    # A reader whose feeds were never fetched yet has no feed key row: the token they were
    # shown must still stop working.
    reader = _reader_of()
    old = feed_token_of(reader)
    feed_key_reset(actor=reader)
    assert feed_token_of(reader) != old
    assert client.get("/feeds/latest.atom", {"token": old}).status_code == 404


# Feeds per region, topic and entity --------------------------------------------------------


def test_a_region_feed_takes_in_its_countries_and_a_country_feed_only_itself(
    client: Client,
) -> None:
    region, iraq, iran = _middle_east()
    _brief("IRAQ", access_tier=AccessTier.PUBLIC, regions=[iraq])
    _brief("IRAN", access_tier=AccessTier.PUBLIC, regions=[iran])
    _brief("REGION", access_tier=AccessTier.PUBLIC, regions=[region])
    _brief("NOWHERE", access_tier=AccessTier.PUBLIC)

    whole = _feed(client, "/feeds/regions/middle-east.atom")
    assert set(_entries(whole)) == {"Brief IRAQ", "Brief IRAN", "Brief REGION"}
    assert whole.feed.title == "Advisory: Middle East"
    assert whole.feed.link == "http://testserver/regions/middle-east/"
    assert set(_entries(_feed(client, "/feeds/regions/iraq.atom"))) == {"Brief IRAQ"}


def test_a_topic_feed_holds_the_briefs_with_that_tag(client: Client) -> None:
    _brief("ENERGY", access_tier=AccessTier.PUBLIC, tags=["energy"])
    _brief("MILITIAS", access_tier=AccessTier.PUBLIC, tags=["militias"])
    parsed = _feed(client, "/feeds/topics/energy.atom")
    assert set(_entries(parsed)) == {"Brief ENERGY"}
    assert parsed.feed.link == "http://testserver/topics/energy/"


def test_an_entity_feed_holds_the_briefs_linked_to_it_in_either_role(client: Client) -> None:
    maliki = EntityFactory(name="Nuri al-Maliki", slug="nuri-al-maliki")
    other = EntityFactory()
    _brief("SUBJECT", access_tier=AccessTier.PUBLIC, subjects=[maliki])
    _brief("MENTIONED", access_tier=AccessTier.PUBLIC, mentioned=[maliki])
    _brief("OTHER", access_tier=AccessTier.PUBLIC, subjects=[other])
    parsed = _feed(client, "/feeds/entities/nuri-al-maliki.atom")
    assert set(_entries(parsed)) == {"Brief SUBJECT", "Brief MENTIONED"}
    assert parsed.feed.title == "Advisory: Nuri al-Maliki"
    assert parsed.feed.link == "http://testserver/entities/nuri-al-maliki/"


def test_subject_feeds_keep_entitlements(client: Client) -> None:
    _, iraq, _ = _middle_east()
    maliki = EntityFactory(slug="maliki")
    reader = _reader_of(iraq)
    _brief(
        "IRAQ", access_tier=AccessTier.STANDARD, regions=[iraq], tags=["energy"], subjects=[maliki]
    )
    _brief(
        "PREMIUM",
        access_tier=AccessTier.PREMIUM,
        regions=[iraq],
        tags=["energy"],
        subjects=[maliki],
    )
    token = feed_token_of(reader)
    for url in (
        "/feeds/regions/iraq.atom",
        "/feeds/topics/energy.atom",
        "/feeds/entities/maliki.atom",
    ):
        anonymous = _entries(_feed(client, url))
        assert set(anonymous) == {"Brief IRAQ", "Brief PREMIUM"}
        assert all("content" not in entry for entry in anonymous.values())
        private = _entries(_feed(client, url, token=token))
        assert "BODY-IRAQ" in _content(private["Brief IRAQ"])
        assert "content" not in private["Brief PREMIUM"]


@pytest.mark.parametrize(
    "url",
    ["/feeds/regions/atlantis.atom", "/feeds/topics/nothing.atom", "/feeds/entities/nobody.atom"],
)
def test_an_unknown_subject_is_a_404(client: Client, url: str) -> None:
    assert client.get(url).status_code == 404


# Query counts ------------------------------------------------------------------------------


def _many_briefs(count: int, *, tags_each: int, region: Region, entity: Entity) -> None:
    authors = [UserFactory(username=f"author{n}") for n in range(3)]
    for n in range(count):
        _brief(
            f"Q{count}X{n}",
            access_tier=AccessTier.STANDARD if n % 2 else AccessTier.PUBLIC,
            regions=[region],
            tags=[f"topic-{count}-{t}" for t in range(tags_each)] + ["shared"],
            subjects=[entity],
            authors=authors[: 1 + n % 3],
        )


FEED_URLS = [
    "/feeds/latest.atom",
    "/feeds/regions/middle-east.atom",
    "/feeds/topics/shared.atom",
    "/feeds/entities/maliki.atom",
]


def test_every_feed_does_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    region, iraq, _ = _middle_east()
    entity = EntityFactory(slug="maliki")
    reader = _reader_of(region)
    token = feed_token_of(reader)

    def read_all(briefs: int) -> None:
        for url in FEED_URLS:
            for params in ({}, {"token": token}):
                # Visitor: the subject (but for the latest feed), the publications, their tags.
                # Token: + the user, the feed key's version and last use, and the entitlement
                # (one query: membership, seats taken, regions and topics).
                expected = (0 if url == FEED_URLS[0] else 1) + 2 + (4 if params else 0)
                with django_assert_num_queries(expected):
                    parsed = _feed(client, url, **params)
                assert len(parsed.entries) == briefs

    _many_briefs(1, tags_each=1, region=iraq, entity=entity)
    client.get(FEED_URLS[0], {"token": token})  # the first read records the feed key's use
    read_all(1)
    _many_briefs(8, tags_each=5, region=iraq, entity=entity)
    read_all(9)


# The feeds page ----------------------------------------------------------------------------


def test_a_visitor_sees_the_public_feeds_and_a_sign_in_prompt(client: Client) -> None:
    _, iraq, _ = _middle_east()
    _brief("IRAQ", access_tier=AccessTier.STANDARD, regions=[iraq])
    response = client.get("/feeds/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="http://testserver/feeds/latest.atom"' in page
    assert 'value="http://testserver/feeds/regions/middle-east.atom"' in page
    assert 'value="http://testserver/feeds/regions/iraq.atom"' in page
    assert "/feeds/regions/iran.atom" not in page  # nothing published about Iran
    assert "Sign in" in page and "token=" not in page
    assert "Reset my feed addresses" not in page


def test_a_reader_sees_private_urls_for_latest_and_each_follow(client: Client) -> None:
    region, iraq, _ = _middle_east()
    reader = _reader_of(iraq)
    maliki = EntityFactory(name="Nuri al-Maliki", slug="nuri-al-maliki")
    energy = Tag.objects.create(name="energy", slug="energy")
    follow_add(actor=reader, target=maliki)
    follow_add(actor=reader, target=energy)
    follow_add(actor=reader, target=region)
    client.force_login(reader)
    token = feed_token_of(reader)

    response = client.get("/feeds/")
    page = response.content.decode()

    assert response["Cache-Control"] == "private, no-store"
    for path in (
        "/feeds/latest.atom",
        "/feeds/entities/nuri-al-maliki.atom",
        "/feeds/topics/energy.atom",
        "/feeds/regions/middle-east.atom",
    ):
        assert f'value="http://testserver{path}?token={token}"' in page
    assert "Actor: Nuri al-Maliki" in page and "Topic: energy" in page
    assert "Reset my feed addresses" in page


def test_the_feeds_page_does_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    region, iraq, iran = _middle_east()
    reader = _reader_of(iraq)
    client.force_login(reader)
    _brief("ONE", access_tier=AccessTier.PUBLIC, regions=[iraq])
    follow_add(actor=reader, target=iraq)
    # Visitor: the regions with briefs. Reader: user (the session is read from the cache), feed
    # key version, follows, feed key last use.
    with django_assert_num_queries(1):
        Client().get("/feeds/")
    with django_assert_num_queries(4):
        client.get("/feeds/")
    _brief("TWO", access_tier=AccessTier.PUBLIC, regions=[iran, region])
    for target in (iran, region, EntityFactory(), Tag.objects.create(name="t", slug="t")):
        follow_add(actor=reader, target=target)
    with django_assert_num_queries(1):
        Client().get("/feeds/")
    with django_assert_num_queries(4):
        client.get("/feeds/")


def test_resetting_changes_the_urls_on_the_page_and_says_so(client: Client) -> None:
    reader = _reader_of()
    client.force_login(reader)
    old = feed_token_of(reader)
    _feed(client, "/feeds/latest.atom", token=old)

    response = client.post("/feeds/reset/", follow=True)

    new = feed_token_of(reader)
    page = response.content.decode()
    assert new != old
    assert response.redirect_chain == [("/feeds/", 302)]
    assert "The old ones no longer work" in page
    assert new in page and old not in page
    assert client.get("/feeds/latest.atom", {"token": old}).status_code == 404


def test_reset_needs_a_signed_in_post(client: Client) -> None:
    assert client.get("/feeds/reset/").status_code == 405
    response = client.post("/feeds/reset/")
    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/?next=/feeds/"
    assert not FeedKey.objects.exists()


def test_resetting_through_the_browser_form_needs_the_csrf_token() -> None:
    reader = _reader_of()
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    old = feed_token_of(reader)
    assert client.post("/feeds/reset/").status_code == 403
    assert feed_token_of(reader) == old


# The sitemap -------------------------------------------------------------------------------


def _sitemap_locations(client: Client) -> set[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {element.text or "" for element in root.findall("sm:url/sm:loc", SITEMAP_NS)}


def test_the_sitemap_lists_what_a_visitor_may_open_and_nothing_else(client: Client) -> None:
    editor = staff_user("editor")
    _, iraq, iran = _middle_east()
    public_actor = EntityFactory(slug="public-actor")
    premium_actor = EntityFactory(slug="premium-actor")
    _brief(
        "PUBLIC",
        access_tier=AccessTier.PUBLIC,
        regions=[iraq],
        tags=["energy"],
        subjects=[public_actor],
    )
    _brief(
        "PREMIUM",
        access_tier=AccessTier.PREMIUM,
        regions=[iran],
        tags=["secret-topic"],
        subjects=[premium_actor],
    )
    _unpublished("DRAFT", BriefStatus.DRAFT, tags=("draft-topic",))
    _unpublished("SCHEDULED", BriefStatus.SCHEDULED, tags=("scheduled-topic",))
    embargoed_actor = EntityFactory(slug="embargoed-actor")
    _brief(
        "EMBARGOED",
        access_tier=AccessTier.PUBLIC,
        published_at=timezone.now() + datetime.timedelta(hours=1),
        subjects=[embargoed_actor],
        tags=["embargoed-topic"],
        regions=[RegionFactory(slug="embargoed-land")],
    )
    retracted = _brief("RETRACTED", access_tier=AccessTier.PUBLIC, tags=["retracted-topic"])
    brief_retract(actor=editor, brief=retracted, notice="Sourcing failed.")

    assert _sitemap_locations(client) == {
        "http://testserver/briefs/brief-public/",
        # A premium brief's page is a teaser a visitor may open: listed, but not its entities
        # and tags, which only its readers see.
        "http://testserver/briefs/brief-premium/",
        "http://testserver/entities/public-actor/",
        "http://testserver/topics/energy/",
        "http://testserver/regions/middle-east/",
        "http://testserver/regions/iraq/",
        "http://testserver/regions/iran/",
    }


def test_the_sitemap_gives_last_modification_dates(client: Client) -> None:
    _brief("PUBLIC", access_tier=AccessTier.PUBLIC, tags=["energy"])
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.content)
    dates = [element.text for element in root.findall("sm:url/sm:lastmod", SITEMAP_NS)]
    assert len(dates) == 2 and all(dates)


def test_the_sitemap_does_a_fixed_number_of_queries(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    region, iraq, _ = _middle_east()
    entity = EntityFactory(slug="maliki")
    _many_briefs(1, tags_each=1, region=iraq, entity=entity)
    # A count and a page for each of the four sections.
    with django_assert_num_queries(8):
        client.get("/sitemap.xml")
    _many_briefs(8, tags_each=5, region=region, entity=EntityFactory())
    with django_assert_num_queries(8):
        # 9 briefs, 2 regions, 2 entities and 7 topics: the first brief's, "shared" and 5 more.
        assert len(_sitemap_locations(client)) == 9 + 2 + 2 + 7
