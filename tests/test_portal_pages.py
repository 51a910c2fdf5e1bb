"""The portal's reading pages: home, brief list, brief detail and print view, entity, topic and
region pages, and following. Every page goes through `publications_for`; a reader who may not
read a brief sees its teaser and a way in, never its text."""

import datetime
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_script_prefix
from django.urls import resolve, reverse
from django.utils import timezone
from taggit.models import Tag

from advisory.accounts.models import AccessTier, Follow, Role, User
from advisory.accounts.services import follow_add
from advisory.briefs.models import (
    Brief,
    BriefKind,
    BriefStatus,
    CorrectionNote,
    MentionRole,
    Publication,
    Series,
)
from advisory.briefs.publication import publications_version, publications_version_per_request
from advisory.briefs.services import (
    SourceSpec,
    brief_back_catalogue_status_set,
    brief_parts_replace,
    brief_revision_record,
    brief_update,
)
from advisory.entities.models import Designation, Entity, EntityKind, Region, Relationship
from advisory.portal.forms import QuickSelect
from advisory.portal.selectors import BriefFilters, BriefPage, brief_page, publications_filtered
from advisory.workflow.models import AuditEvent
from advisory.workflow.services import brief_approve, brief_publish, brief_retract, brief_submit
from tests.factories import (
    AliasFactory,
    BriefFactory,
    EntityFactory,
    RegionFactory,
    UserFactory,
    client_reader,
    published_brief,
    staff_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BODY = "## The short version\n\nA secret paragraph only subscribers read."
SECRET = "A secret paragraph only subscribers read."


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _middle_east() -> tuple[Region, Region, Region]:
    region = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=region)
    iran = RegionFactory(name="Iran", slug="iran", iso_code="IR", parent=region)
    return region, iraq, iran


def _live_brief_with_parts(
    *,
    key_judgments: list[str],
    sources: list[SourceSpec],
    subjects: Sequence[Entity] = (),
    mentioned: Sequence[Entity] = (),
    tags: Sequence[str] = (),
    regions: Sequence[Region] = (),
    **fields: object,
) -> Brief:
    """A live brief with key judgments, sources and entity links in its published revision."""
    brief = BriefFactory(**fields)
    brief.regions.set(list(regions))
    brief.tags.set(list(tags))
    brief_parts_replace(
        actor=None,
        brief=brief,
        key_judgments=key_judgments,
        sources=sources,
        mentions=[(e, MentionRole.SUBJECT) for e in subjects]
        + [(e, MentionRole.MENTIONED) for e in mentioned],
    )
    brief_revision_record(actor=None, brief=brief)
    brief_back_catalogue_status_set(
        actor=None, brief=brief, status=BriefStatus.PUBLISHED, published_at=timezone.now()
    )
    brief.refresh_from_db()
    return brief


# --- Every page renders for everyone ---------------------------------------------------------


def _visitor() -> Client:
    return Client()


def _reader() -> Client:
    return _signed_in(client_reader())


def _staff() -> Client:
    return _signed_in(staff_user(Role.EDITOR, username="editor"))


@pytest.mark.parametrize(
    "make_client", [_visitor, _reader, _staff], ids=["visitor", "reader", "staff"]
)
def test_every_reading_page_renders_for_visitor_reader_and_staff(
    make_client: Callable[[], Client],
) -> None:
    region, iraq, _ = _middle_east()
    militia = EntityFactory(name="Kata'ib Hezbollah", slug="kataib-hezbollah")
    brief = published_brief(
        title="Militia finance",
        regions=[iraq],
        tags=["finance"],
        subjects=[militia],
        access_tier=AccessTier.PUBLIC,
    )
    tag = Tag.objects.get(name="finance")
    client = make_client()
    pages = [
        reverse("portal:home"),
        reverse("portal:brief-list"),
        reverse("portal:brief-detail", args=[brief.slug]),
        reverse("portal:brief-print", args=[brief.slug]),
        reverse("portal:entity-detail", args=[militia.slug]),
        reverse("portal:tag-detail", args=[tag.slug]),
        reverse("portal:region-detail", args=[region.slug]),
        reverse("portal:region-detail", args=[iraq.slug]),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Militia finance" in response.content.decode(), path
        assert "private" in response["Cache-Control"], path
    following = client.get(reverse("portal:following"))
    if client.session.get("_auth_user_id"):
        assert following.status_code == 200
    else:
        assert following.status_code == 302
        assert following["Location"].startswith(reverse("accounts:login"))


def test_the_header_offers_sign_in_to_visitors_and_sign_out_and_the_desk_to_staff() -> None:
    visitor_page = Client().get(reverse("portal:home")).content.decode()
    assert reverse("accounts:login") in visitor_page
    assert "Sign out" not in visitor_page
    assert 'href="#main"' in visitor_page

    staff_page = _staff().get(reverse("portal:home")).content.decode()
    assert f'action="{reverse("accounts:logout")}"' in staff_page
    assert "csrfmiddlewaretoken" in staff_page
    assert reverse("admin:index") in staff_page

    reader_page = _reader().get(reverse("portal:home")).content.decode()
    assert "Sign out" in reader_page
    assert reverse("admin:index") not in reader_page


# --- Home ----------------------------------------------------------------------------------


def test_home_shows_a_visitor_teasers_and_a_way_to_sign_in() -> None:
    published_brief(title="Open analysis", access_tier=AccessTier.PUBLIC, body=BODY)
    published_brief(title="Paid analysis", access_tier=AccessTier.STANDARD, body=BODY)
    html = Client().get(reverse("portal:home")).content.decode()
    assert "Open analysis" in html and "Paid analysis" in html
    assert "Subscribers only" in html
    assert "Sign in to read your briefs" in html
    assert SECRET not in html


def test_home_puts_what_the_reader_may_read_first_then_regions_then_follows() -> None:
    _, iraq, iran = _middle_east()
    reader = client_reader()
    reader.membership.organisation.regions.set([iraq])
    militia = EntityFactory(name="Asa'ib Ahl al-Haq", slug="aah")
    old_readable = published_brief(
        title="Old Iraq brief",
        regions=[iraq],
        published_at=timezone.now() - datetime.timedelta(days=30),
    )
    published_brief(title="New Iran brief", regions=[iran])
    published_brief(title="Followed militia brief", regions=[iraq], mentioned=[militia])
    Follow.objects.create(user=reader, entity=militia)

    response = _signed_in(reader).get(reverse("portal:home"))
    home = response.context["home"]
    latest_titles = [p.title for p in home.latest]
    assert latest_titles.index(old_readable.title) < latest_titles.index("New Iran brief")
    assert [s.region.slug for s in home.sections] == ["iraq"]
    assert [p.title for p in home.sections[0].publications] == [
        "Followed militia brief",
        "Old Iraq brief",
    ]
    assert [p.title for p in home.followed] == ["Followed militia brief"]
    html = response.content.decode()
    assert "From what you follow" in html and "By region" in html


def test_home_by_region_for_the_desk_lists_each_region_with_its_countries_briefs() -> None:
    _, iraq, iran = _middle_east()
    south_asia = Region.objects.create(name="South Asia", slug="south-asia", kind="region")
    published_brief(title="About Iraq", regions=[iraq])
    published_brief(title="About Iraq and Iran", regions=[iraq, iran])
    home = _staff().get(reverse("portal:home")).context["home"]
    sections = {s.region.slug: [p.title for p in s.publications] for s in home.sections}
    assert sections == {
        "middle-east": ["About Iraq and Iran", "About Iraq"],
        south_asia.slug: [],
    }


# --- Brief list: filters and pagination ------------------------------------------------------


def _titles(response: object) -> list[str]:
    return [p.title for p in response.context["page"].object_list]


def test_the_list_filters_by_region_with_its_countries_by_country_kind_tag_entity_and_dates() -> (
    None
):
    region, iraq, iran = _middle_east()
    militia = EntityFactory(name="Kata'ib Hezbollah", slug="kataib-hezbollah")
    AliasFactory(entity=militia, name="KH")
    now = timezone.now()
    published_brief(
        title="Iraq flash",
        regions=[iraq],
        kind=BriefKind.FLASH_ALERT,
        tags=["security"],
        published_at=now - datetime.timedelta(days=40),
    )
    published_brief(title="Iran analysis", regions=[iran], mentioned=[militia])
    published_brief(title="Regional outlook", regions=[region], tags=["security"])
    published_brief(title="Elsewhere", regions=[RegionFactory(name="Chile", slug="chile")])
    client = _staff()
    url = reverse("portal:brief-list")

    assert set(_titles(client.get(url, {"region": "middle-east"}))) == {
        "Iraq flash",
        "Iran analysis",
        "Regional outlook",
    }
    assert _titles(client.get(url, {"country": "iraq"})) == ["Iraq flash"]
    assert _titles(client.get(url, {"kind": "flash_alert"})) == ["Iraq flash"]
    assert set(_titles(client.get(url, {"tag": "security"}))) == {"Iraq flash", "Regional outlook"}
    assert _titles(client.get(url, {"entity": "kataib-hezbollah"})) == ["Iran analysis"]
    assert _titles(client.get(url, {"entity": "kh"})) == ["Iran analysis"], "an alias works too"
    recent = {"date_from": (now - datetime.timedelta(days=7)).date().isoformat()}
    assert "Iraq flash" not in _titles(client.get(url, recent))
    old = {"date_to": (now - datetime.timedelta(days=30)).date().isoformat()}
    assert _titles(client.get(url, old)) == ["Iraq flash"]
    nothing = client.get(url, {"region": "middle-east", "kind": "qa"})
    assert _titles(nothing) == []
    assert "No briefs match these filters." in nothing.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2025-13-45"}, "Enter the date as YYYY-MM-DD."),
        ({"region": "atlantis"}, "There is no region “atlantis”."),
        ({"country": "middle-east"}, "There is no country “middle-east”."),
        ({"tag": "unknown"}, "There is no topic “unknown”."),
        ({"kind": "novel"}, "There is no kind of brief called “novel”."),
        ({"entity": "Nobody at all"}, "No actor or place is called “Nobody at all”."),
        (
            {"date_from": "2026-02-01", "date_to": "2026-01-01"},
            "The start date must come before the end date.",
        ),
    ],
)
def test_bad_filter_values_get_a_clear_message_not_an_error(
    params: dict[str, str], message: str
) -> None:
    _middle_east()
    published_brief(title="Still listed")
    response = Client().get(reverse("portal:brief-list"), params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert "Still listed" in html


def test_the_list_pages_by_twenty_with_an_accessible_navigation() -> None:
    for number in range(25):
        published_brief(
            title=f"Brief {number:02}",
            published_at=timezone.now() - datetime.timedelta(hours=number),
        )
    client = _staff()
    first = client.get(reverse("portal:brief-list"))
    assert len(_titles(first)) == 20
    html = first.content.decode()
    assert '<nav class="pagination" aria-label="Pages">' in html
    assert 'href="?page=2"' in html and 'aria-current="page"' in html
    second = client.get(reverse("portal:brief-list"), {"page": 2, "kind": ""})
    assert _titles(second) == [f"Brief {n:02}" for n in range(20, 25)]
    assert 'href="?page=1&amp;kind="' in second.content.decode(), "filters are kept"
    assert client.get(reverse("portal:brief-list"), {"page": "zzz"}).status_code == 200
    assert _titles(client.get(reverse("portal:brief-list"), {"page": 99})) == _titles(second)


def test_listings_mark_what_the_reader_may_not_read_and_leave_out_retractions() -> None:
    reader = client_reader()
    published_brief(title="Premium piece", access_tier=AccessTier.PREMIUM, body=BODY)
    retracted = published_brief(title="Withdrawn claim")
    brief_retract(actor=staff_user(Role.EDITOR), brief=retracted, notice="It was wrong.")
    html = _signed_in(reader).get(reverse("portal:brief-list")).content.decode()
    assert "Premium piece" in html and "Not in your subscription" in html
    assert "Withdrawn claim" not in html
    assert SECRET not in html


# --- Brief detail ------------------------------------------------------------------------------


def test_a_readable_brief_shows_everything_with_links() -> None:
    _, iraq, _ = _middle_east()
    author = UserFactory(username="analyst", display_name="Layla Haddad", bio="Covers Iraq.")
    militia = EntityFactory(name="Kata'ib Hezbollah", slug="kataib-hezbollah")
    minister = EntityFactory(name="Ali Allawi", slug="ali-allawi")
    brief = _live_brief_with_parts(
        title="Follow the dollars",
        body=BODY,
        key_judgments=["Sanctions will widen."],
        sources=[SourceSpec(title="Treasury notice", url="https://home.treasury.gov/x")],
        subjects=[militia],
        mentioned=[minister],
        tags=["finance"],
        regions=[iraq],
    )
    brief.bylines.create(author=author, position=0)
    brief_back_catalogue_status_set(
        actor=None, brief=brief, status=BriefStatus.PUBLISHED, published_at=timezone.now()
    )
    response = _staff().get(reverse("portal:brief-detail", args=[brief.slug]))
    html = response.content.decode()
    assert SECRET in html
    assert "Sanctions will widen." in html
    assert 'href="https://home.treasury.gov/x"' in html
    assert "Covers Iraq." in html
    assert f'href="{reverse("portal:entity-detail", args=[militia.slug])}"' in html
    assert html.index("Kata&#x27;ib Hezbollah") < html.index("Ali Allawi"), "subject first"
    assert f'href="{reverse("portal:tag-detail", args=["finance"])}"' in html
    assert f'href="{reverse("portal:region-detail", args=["iraq"])}"' in html
    assert reverse("portal:brief-print", args=[brief.slug]) in html
    assert f'action="{reverse("portal:follow")}"' in html
    assert '<meta name="robots"' not in html


def test_a_brief_the_reader_may_not_read_shows_only_its_teaser_and_a_way_in() -> None:
    militia = EntityFactory(name="Kata'ib Hezbollah", slug="kataib-hezbollah")
    brief = _live_brief_with_parts(
        title="Premium analysis",
        summary="The dek everyone may see.",
        body=BODY,
        access_tier=AccessTier.PREMIUM,
        key_judgments=["A judgment for premium readers."],
        sources=[SourceSpec(title="A premium source")],
        subjects=[militia],
    )
    url = reverse("portal:brief-detail", args=[brief.slug])
    for client, call_to_action in [
        (Client(), "Sign in to read"),
        (_reader(), "does not cover this brief"),
    ]:
        for path in (url, reverse("portal:brief-print", args=[brief.slug])):
            response = client.get(path)
            assert response.status_code == 200
            html = response.content.decode()
            assert "Premium analysis" in html and "The dek everyone may see." in html
            assert call_to_action in html
            for secret in (SECRET, "A judgment for premium readers.", "A premium source"):
                assert secret not in html
            assert reverse("portal:entity-detail", args=[militia.slug]) not in html


def test_a_reader_whose_subscription_ended_is_told_why() -> None:
    reader = client_reader()
    organisation = reader.membership.organisation
    organisation.expires_on = timezone.localdate() - datetime.timedelta(days=1)
    organisation.save()
    brief = published_brief(title="Standard piece", body=BODY)
    html = (
        _signed_in(reader).get(reverse("portal:brief-detail", args=[brief.slug])).content.decode()
    )
    assert "subscription ended on" in html
    assert SECRET not in html


def test_unknown_and_not_yet_visible_briefs_are_not_found() -> None:
    future = published_brief(published_at=timezone.now() + datetime.timedelta(hours=2))
    client = _staff()
    assert client.get(reverse("portal:brief-detail", args=["no-such-brief"])).status_code == 404
    assert client.get(reverse("portal:brief-detail", args=[future.slug])).status_code == 404
    assert client.get(reverse("portal:brief-print", args=[future.slug])).status_code == 404
    draft = BriefFactory(title="Only a draft")
    assert client.get(reverse("portal:brief-detail", args=[draft.slug])).status_code == 404


def test_a_retracted_brief_shows_its_notice_instead_of_its_body() -> None:
    brief = published_brief(title="Wrong call", body=BODY, access_tier=AccessTier.PUBLIC)
    brief_retract(actor=staff_user(Role.EDITOR), brief=brief, notice="Our sourcing failed.")
    for client in (Client(), _reader()):
        html = client.get(reverse("portal:brief-detail", args=[brief.slug])).content.decode()
        assert "This brief has been retracted" in html
        assert "Our sourcing failed." in html
        assert SECRET not in html


def test_clients_read_the_live_version_not_the_draft_that_follows_it() -> None:
    writer = staff_user(Role.WRITER, username="writer")
    old_entity = EntityFactory(name="Published Actor", slug="published-actor")
    new_entity = EntityFactory(name="Draft Actor", slug="draft-actor")
    brief = _live_brief_with_parts(
        title="Live title",
        body="Live body text.",
        key_judgments=["Live judgment."],
        sources=[SourceSpec(title="Live source")],
        subjects=[old_entity],
        tags=["live-tag"],
    )
    brief_update(
        actor=writer,
        brief=brief,
        title="Draft title",
        body="Draft body text.",
        tags=["draft-tag"],
        record_revision=False,
    )
    brief_parts_replace(
        actor=writer,
        brief=brief,
        key_judgments=["Draft judgment."],
        sources=[SourceSpec(title="Draft source")],
        mentions=[(new_entity, MentionRole.SUBJECT)],
    )
    brief_revision_record(actor=writer, brief=brief)
    html = _staff().get(reverse("portal:brief-detail", args=[brief.slug])).content.decode()
    for live in ("Live title", "Live body text.", "Live judgment.", "Live source", "live-tag"):
        assert live in html
    assert "Published Actor" in html
    for draft in ("Draft title", "Draft body text.", "Draft judgment.", "Draft source"):
        assert draft not in html
    assert "draft-tag" not in html and "Draft Actor" not in html


def test_an_update_with_a_correction_shows_its_time_and_note() -> None:
    writer = staff_user(Role.WRITER, username="writer")
    editor = staff_user(Role.EDITOR, username="editor")
    brief = published_brief(title="Corrected brief", body="First text.")
    brief_update(actor=writer, brief=brief, body="Second text.")
    brief_submit(actor=writer, brief=brief)
    brief_approve(actor=editor, brief=brief)
    brief_publish(actor=editor, brief=brief, correction_note="We misdated the attack.")
    html = _staff().get(reverse("portal:brief-detail", args=[brief.slug])).content.decode()
    assert "Second text." in html and "First text." not in html
    assert "We misdated the attack." in html
    assert "Updated <time" in html
    assert CorrectionNote.objects.filter(brief=brief).count() == 1


def test_series_navigation_links_only_to_live_neighbours() -> None:
    series = Series.objects.create(title="Militia Watch", slug="militia-watch")
    first = published_brief(title="Part one", series=series, series_position=1)
    second = published_brief(title="Part two", series=series, series_position=2)
    BriefFactory(title="Part three, a draft", series=series, series_position=3)
    html = _staff().get(reverse("portal:brief-detail", args=[second.slug])).content.decode()
    assert f'<a href="{reverse("portal:brief-detail", args=[first.slug])}" rel="prev">' in html
    assert "Part three" not in html


def test_related_briefs_rank_by_shared_entities_and_tags_and_respect_access() -> None:
    shared = [EntityFactory() for _ in range(3)]
    brief = published_brief(title="Main", subjects=shared, tags=["a", "b"])
    published_brief(title="Shares two entities", mentioned=shared[:2])
    published_brief(title="Shares one tag", tags=["a"])
    published_brief(title="Shares nothing", tags=["z"])
    published_brief(title="Premium sharing all", subjects=shared, access_tier=AccessTier.PREMIUM)
    response = _reader().get(reverse("portal:brief-detail", args=[brief.slug]))
    related = response.context["page"].related
    assert [p.title for p in related] == [
        "Premium sharing all",
        "Shares two entities",
        "Shares one tag",
    ]
    assert [p.readable for p in related] == [False, True, True]


def test_the_print_view_has_no_navigation_and_is_not_indexed() -> None:
    brief = published_brief(title="Printable", body=BODY, access_tier=AccessTier.PUBLIC)
    html = Client().get(reverse("portal:brief-print", args=[brief.slug])).content.decode()
    assert SECRET in html
    assert '<meta name="robots" content="noindex">' in html
    assert "advisory/print.css" in html
    assert 'class="site-header"' not in html and "<nav" not in html.split("<article", 1)[0]


# --- Entity, topic and region pages --------------------------------------------------------


def test_the_entity_page_shows_profile_ties_timeline_and_who_is_named_with_it() -> None:
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ")
    militia = EntityFactory(
        name="Kata'ib Hezbollah", slug="kh", description="An armed group.", country=iraq
    )
    AliasFactory(entity=militia, name="Hezbollah Brigades")
    Designation.objects.create(entity=militia, authority="US Department of State", programme="FTO")
    leader = EntityFactory(name="Abu Fadak", slug="abu-fadak")
    patron = EntityFactory(name="IRGC Quds Force", slug="quds-force")
    Relationship.objects.create(subject=leader, object=militia, kind="leads")
    Relationship.objects.create(subject=militia, object=patron, kind="backed_by")
    published_brief(title="Open piece", subjects=[militia], mentioned=[leader], access_tier=0)
    published_brief(title="Paid piece", mentioned=[militia, patron], body=BODY)

    response = Client().get(reverse("portal:entity-detail", args=[militia.slug]))
    html = response.content.decode()
    for text in ("An armed group.", "Hezbollah Brigades", "US Department of State", "Iraq"):
        assert text in html
    assert f'href="{reverse("portal:entity-detail", args=[leader.slug])}"' in html
    assert f'href="{reverse("portal:entity-detail", args=[patron.slug])}"' in html
    assert "<em>leads</em>" in html and "<em>backed by</em>" in html
    page = response.context["page"]
    assert [p.title for p in page.timeline] == ["Paid piece", "Open piece"]
    assert SECRET not in html
    # Who is named with it is counted over what the visitor may read: the public brief.
    assert [(c.slug, c.briefs) for c in page.co_mentioned] == [("abu-fadak", 1)]
    staff_page = _staff().get(reverse("portal:entity-detail", args=[militia.slug])).context["page"]
    assert [(c.slug, c.briefs) for c in staff_page.co_mentioned] == [
        ("abu-fadak", 1),
        ("quds-force", 1),
    ]
    assert Client().get(reverse("portal:entity-detail", args=["nobody"])).status_code == 404


def test_the_entity_timeline_is_capped_with_a_link_to_the_full_list() -> None:
    militia = EntityFactory(name="Badr", slug="badr")
    for _ in range(21):
        published_brief(mentioned=[militia])
    response = _staff().get(reverse("portal:entity-detail", args=[militia.slug]))
    assert len(response.context["page"].timeline) == 20
    assert response.context["page"].timeline_total == 21
    assert f"{reverse('portal:brief-list')}?entity=badr" in response.content.decode()


def test_the_topic_and_region_pages_list_their_briefs_with_follow_and_feed() -> None:
    _, iraq, iran = _middle_east()
    published_brief(title="Iraq energy", regions=[iraq], tags=["energy"])
    published_brief(title="Iran energy", regions=[iran], tags=["energy"])
    published_brief(title="Iraq politics", regions=[iraq], tags=["politics"])
    client = _reader()

    topic = client.get(reverse("portal:tag-detail", args=["energy"]))
    assert set(_titles(topic)) == {"Iraq energy", "Iran energy"}
    assert 'name="kind" value="tag"' in topic.content.decode()

    whole = client.get(reverse("portal:region-detail", args=["middle-east"]))
    assert set(_titles(whole)) == {"Iraq energy", "Iran energy", "Iraq politics"}
    assert reverse("portal:region-detail", args=["iraq"]) in whole.content.decode()

    country = client.get(reverse("portal:region-detail", args=["iraq"]))
    assert set(_titles(country)) == {"Iraq energy", "Iraq politics"}
    html = country.content.decode()
    assert f'href="{reverse("portal:region-detail", args=["middle-east"])}"' in html
    assert 'name="kind" value="region"' in html

    assert client.get(reverse("portal:tag-detail", args=["nothing"])).status_code == 404
    assert client.get(reverse("portal:region-detail", args=["atlantis"])).status_code == 404


# --- Follow ------------------------------------------------------------------------------------


def test_a_reader_follows_and_unfollows_and_returns_to_the_page() -> None:
    reader = client_reader()
    militia = EntityFactory(name="Badr", slug="badr")
    client = _signed_in(reader)
    entity_url = reverse("portal:entity-detail", args=[militia.slug])
    response = client.post(
        reverse("portal:follow"),
        {"kind": "entity", "slug": "badr", "action": "follow", "next": entity_url},
    )
    assert response.status_code == 302 and response["Location"] == entity_url
    assert Follow.objects.filter(user=reader, entity=militia).exists()
    page = client.get(entity_url).content.decode()
    assert "You now follow Badr." in page
    assert 'name="action" value="unfollow"' in page

    following = client.get(reverse("portal:following")).content.decode()
    assert "Badr" in following and 'name="action" value="unfollow"' in following

    client.post(
        reverse("portal:follow"),
        {"kind": "entity", "slug": "badr", "action": "unfollow", "next": entity_url},
    )
    assert not Follow.objects.filter(user=reader).exists()
    verbs = list(AuditEvent.objects.filter(actor=reader).values_list("verb", flat=True))
    assert sorted(verbs) == ["follow.added", "follow.removed"]


def test_following_a_topic_and_a_region_and_a_foreign_next_goes_home() -> None:
    reader = client_reader()
    _, iraq, _ = _middle_east()
    Tag.objects.create(name="Energy", slug="energy")
    client = _signed_in(reader)
    for kind, slug in (("tag", "energy"), ("region", "iraq")):
        response = client.post(
            reverse("portal:follow"),
            {"kind": kind, "slug": slug, "action": "follow", "next": "https://evil.example/"},
        )
        assert response["Location"] == reverse("portal:following")
    assert Follow.objects.filter(user=reader, tag__slug="energy").exists()
    assert Follow.objects.filter(user=reader, region=iraq).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "entity", "slug": "nobody", "action": "follow"},
        {"kind": "planet", "slug": "mars", "action": "follow"},
        {"kind": "entity", "slug": "badr", "action": "adore"},
        {},
    ],
)
def test_bad_follow_requests_are_refused_and_change_nothing(data: dict[str, str]) -> None:
    EntityFactory(name="Badr", slug="badr")
    response = _reader().post(reverse("portal:follow"), data)
    assert response.status_code == 400
    assert "Nothing was changed." in response.content.decode()
    assert not Follow.objects.exists()


def test_a_visitor_who_follows_is_sent_to_sign_in_and_a_get_is_not_allowed() -> None:
    EntityFactory(name="Badr", slug="badr")
    next_url = reverse("portal:entity-detail", args=["badr"])
    response = Client().post(
        reverse("portal:follow"),
        {"kind": "entity", "slug": "badr", "action": "follow", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=/entities/badr/" in response["Location"]
    assert not Follow.objects.exists()
    assert _reader().get(reverse("portal:follow")).status_code == 405


def test_follow_buttons_carry_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(client_reader())
    EntityFactory(name="Badr", slug="badr")
    refused = client.post(
        reverse("portal:follow"), {"kind": "entity", "slug": "badr", "action": "follow"}
    )
    assert refused.status_code == 403
    html = client.get(reverse("portal:entity-detail", args=["badr"])).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html


# --- A fixed number of queries per page --------------------------------------------------------


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _content(size: int, *, region: Region) -> tuple[Brief, list[Entity]]:
    """A brief with `size` tags, entities (with aliases and ties) and countries, and `size`
    related briefs sharing them."""
    countries = [RegionFactory(parent=region) for _ in range(size)]
    entities = [EntityFactory() for _ in range(size)]
    for entity in entities:
        AliasFactory(entity=entity)
    for other in entities[1:]:
        Relationship.objects.create(subject=entities[0], object=other, kind="allied_with")
        Relationship.objects.create(subject=other, object=entities[0], kind="opposed_to")
    tags = [f"topic-{size}-{n}" for n in range(size)]
    for n in range(size):
        published_brief(
            title=f"Related {size}-{n}",
            regions=countries[: n + 1],
            tags=tags[: n + 1],
            mentioned=entities[: n + 1],
        )
    brief = published_brief(
        title=f"Main {size}",
        regions=countries,
        tags=tags,
        subjects=entities[:1],
        mentioned=entities[1:],
        body=BODY,
    )
    return brief, entities


def _pages(brief: Brief, entity: Entity) -> dict[str, str]:
    tag_slug = brief.publication.tags.order_by("name").values_list("slug", flat=True)[0]
    country_slug = brief.publication.regions.values_list("slug", flat=True)[0]
    return {
        "home": reverse("portal:home"),
        "list": reverse("portal:brief-list") + f"?region=middle-east&tag={tag_slug}",
        "detail": reverse("portal:brief-detail", args=[brief.slug]),
        "print": reverse("portal:brief-print", args=[brief.slug]),
        "entity": reverse("portal:entity-detail", args=[entity.slug]),
        "tag": reverse("portal:tag-detail", args=[tag_slug]),
        "region": reverse("portal:region-detail", args=["middle-east"]),
        "country": reverse("portal:region-detail", args=[country_slug]),
        "following": reverse("portal:following"),
    }


@pytest.mark.parametrize("who", ["visitor", "reader", "staff"])
def test_every_page_runs_the_same_number_of_queries_for_one_item_or_many(
    who: str,
    django_assert_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    region = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    reader = client_reader()
    reader.membership.organisation.regions.set([region])
    user = {"visitor": None, "reader": reader, "staff": staff_user(Role.EDITOR)}[who]
    client = Client()
    if user is not None:
        client.force_login(user)

    def follow_all(brief: Brief, entities: list[Entity]) -> None:
        if user is not None:
            for entity in entities:
                Follow.objects.get_or_create(user=user, entity=entity)
            for tag in brief.publication.tags.all():
                Follow.objects.get_or_create(user=user, tag=tag)

    small, small_entities = _content(1, region=region)
    follow_all(small, small_entities)
    expected = {
        name: _queries(client, path)
        for name, path in _pages(small, small_entities[0]).items()
        if user is not None or name != "following"
    }
    for name, count in expected.items():
        assert count <= 16, f"{name}: {count} queries"

    large, large_entities = _content(12, region=region)
    follow_all(large, large_entities)
    for name, path in _pages(large, large_entities[0]).items():
        if name in expected:
            with django_assert_num_queries(expected[name], info=name):
                assert client.get(path).status_code == 200, name


@pytest.mark.parametrize("value", ["", "iraq", "caucasus", "<b>&\"'", None, ["iraq", "x"]])
def test_the_filters_quick_select_writes_what_djangos_select_template_writes(value: object) -> None:
    choices = [
        ("", "Any country"),
        ("caucasus", "Caucasus & <Central> Asia"),
        ("Middle East", [("iraq", "Iraq"), ("iran", "Iran “quoted”")]),
        ("Other", [("<b>&\"'", "Odd <value>")]),
    ]
    attrs = {"id": "id_country", "aria-invalid": "true", "required": True, "disabled": False}
    quick = QuickSelect(choices=choices).render("country", value, attrs=attrs)
    django = forms.Select(choices=choices).render("country", value, attrs=attrs)
    assert quick == django


def test_a_signed_in_readers_kept_page_runs_one_query(
    django_assert_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    published_brief(access_tier=AccessTier.STANDARD)
    client = Client()
    client.force_login(client_reader())
    url = reverse("portal:brief-list")
    assert client.get(url).status_code == 200
    # The user with their entitlement and follows; the session and the page from the cache.
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200


def test_a_brief_pages_own_statements_are_planned_once_per_connection() -> None:
    """The user's, the page's and the related briefs' statements are prepared once they have
    run a few times (`lib.sql.statement_cursor`): PostgreSQL took longer to plan them than to
    run them. Values bound by the server must have types it can tell, or they fail here."""
    entity = EntityFactory()
    briefs = [
        published_brief(title=f"Brief {n}", mentioned=[entity], access_tier=AccessTier.PUBLIC)
        for n in range(7)
    ]
    client = Client()
    client.force_login(client_reader())
    for brief in briefs:
        page = client.get(reverse("portal:brief-detail", args=[brief.slug]))
        assert page.status_code == 200
        assert "Brief" in page.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        prepared = dict(cursor.fetchall())
    statements = {
        "page": [runs for statement, runs in prepared.items() if "memo_html" in statement],
        "related": [
            runs
            for statement, runs in prepared.items()
            if "retracted_at IS NULL" in statement and "memo_html" not in statement
        ],
        "user": [runs for statement, runs in prepared.items() if "accounts_follow" in statement],
    }
    assert all(runs and max(runs) >= 2 for runs in statements.values()), statements


def test_a_request_reads_the_publications_version_once_and_sees_its_own_change(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[object]],
) -> None:
    brief = published_brief()
    editor = staff_user(Role.EDITOR)
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(publications_version())
        # The version is renewed elsewhere (or lost from the cache): this request keeps the
        # one it began with, so nothing it keeps is newer than its key says.
        cache.clear()
        seen.append(publications_version())
        with django_capture_on_commit_callbacks(execute=True):
            brief_retract(actor=editor, brief=brief, notice="Withdrawn.")
            seen.append(publications_version())
        seen.append(publications_version())
        return HttpResponse()

    publications_version_per_request(view)(HttpRequest())
    began, kept, retracted, committed = seen
    assert began == kept
    # A request that changes publications reads the renewals, at once and on commit.
    assert len({kept, retracted, committed}) == 3
    # Outside a request, the cache is read each time.
    assert publications_version() == committed
    cache.clear()
    assert publications_version() != committed


# The template `{% include "portal/_teaser.html" with level=3 %}` rendered until 7 December
# 2026, when the `teaser` tag replaced it.
TEASER_TEMPLATE = Path(__file__).parent / "data" / "teaser_template_until_7_december_2026.html"


@pytest.mark.parametrize("who", ["visitor", "reader"])
def test_the_teaser_tag_writes_what_the_teaser_template_wrote(who: str) -> None:
    middle_east = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq & <Kurdistan>", slug="iraq", parent=middle_east)
    reader = client_reader()
    reader.membership.organisation.regions.set([iraq])
    published_brief(
        title='Oil & "gas" <b>',
        summary="",
        regions=[iraq, middle_east],
        access_tier=AccessTier.PUBLIC,
    )
    published_brief(title="Locked", summary="Tom's <summary>", access_tier=AccessTier.PREMIUM)
    updated = published_brief(title="Updated", kind=BriefKind.QA)
    Publication.objects.filter(brief=updated).update(
        updated_at=timezone.now() + datetime.timedelta(hours=23)
    )
    user = reader if who == "reader" else AnonymousUser()
    publications = list(publications_filtered(user, BriefFilters()))
    publications[0].role = "subject"
    publications[1].role = "mentioned"
    assert {p.readable for p in publications} == {True, False}
    engine = engines["django"]
    included = engine.from_string(TEASER_TEMPLATE.read_text())
    tag = engine.from_string("{% load portal_tags %}{% teaser publication 3 %}")
    # Dates are written in the reader's time zone, a day apart from UTC's late in the day.
    with timezone.override("Pacific/Auckland"):
        for publication in publications:
            context = {"publication": publication, "level": 3, "user": user}
            assert tag.render(context) == included.render(context)


# The follow panel and the related briefs of `portal/brief_detail.html` as they were written
# in the template until 7 December 2026, when the `follow_panel` and `related_briefs` tags
# replaced them.
FOLLOW_PANEL_TEMPLATE = (
    Path(__file__).parent / "data" / "follow_panel_template_until_7_december_2026.html"
)
RELATED_BRIEFS_TEMPLATE = (
    Path(__file__).parent / "data" / "related_briefs_template_until_7_december_2026.html"
)


@pytest.mark.parametrize("who", ["visitor", "reader"])
def test_the_brief_page_tags_write_what_their_templates_wrote(who: str) -> None:
    middle_east = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq & <Kurdistan>", slug="iraq", parent=middle_east)
    reader = client_reader()
    reader.membership.organisation.regions.set([iraq])
    militia = EntityFactory(name='Badr & "Sons" <Ltd>', slug="badr", kind=EntityKind.ARMED_GROUP)
    person = EntityFactory(name="Tom's <i>man</i>", slug="tom")
    brief = published_brief(
        title='Oil & "gas" <b>',
        regions=[iraq, middle_east],
        tags=["Oil & <gas>", "Tom's"],
        subjects=[militia],
        mentioned=[person],
        access_tier=AccessTier.PUBLIC,
    )
    # Published late in the day in UTC: the next day in Auckland.
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    late = datetime.datetime.combine(yesterday, datetime.time(23, 30), tzinfo=datetime.UTC)
    published_brief(
        title='Open & "shut" <i>',
        kind=BriefKind.QA,
        mentioned=[militia],
        access_tier=AccessTier.PUBLIC,
        published_at=late,
    )
    published_brief(title="Tom's <locked>", subjects=[militia], access_tier=AccessTier.PREMIUM)
    follow_add(actor=reader, target=militia)
    follow_add(actor=reader, target=Tag.objects.get(name="Oil & <gas>"))
    user = reader if who == "reader" else AnonymousUser()
    page = brief_page(user, brief.slug)
    assert page is not None and page.reading_html
    assert len({item.group for item in page.follow_items}) == 3
    assert {item.following for item in page.follow_items} == (
        {True, False} if who == "reader" else {False}
    )
    assert [p.readable for p in page.related] == [False, True]
    engine = engines["django"]
    request = RequestFactory().get(f"/briefs/{brief.slug}/?from=<home>&x='1'")
    request.user = user
    # A token with characters to escape: the tags must escape it as the template did.
    context = {"page": page, "user": user, "request": request, "csrf_token": 'a&<"b'}
    pairs = (
        (FOLLOW_PANEL_TEMPLATE, "{% load portal_tags %}{% follow_panel page.follow_items %}"),
        (RELATED_BRIEFS_TEMPLATE, "{% load portal_tags %}{% related_briefs page.related %}"),
    )
    # Dates are written in the reader's time zone, a day apart from UTC's late in the day.
    with timezone.override("Pacific/Auckland"):
        for template, tag in pairs:
            written = engine.from_string(tag).render(context)
            assert written == engine.from_string(template.read_text()).render(context)
            assert written.count("<li>") >= 2
        empty = {
            **context,
            "page": BriefPage(publication=page.publication, readable=True, regions=()),
        }
        for template, tag in pairs:
            assert engine.from_string(tag).render(empty) == ""
            assert engine.from_string(template.read_text()).render(empty) == ""


# `base.html` until 7 December 2026, when `kept_url` and `kept_static` replaced Django's
# `{% url %}` and `{% static %}` in it.
BASE_TEMPLATE = Path(__file__).parent / "data" / "base_template_until_7_december_2026.html"


@pytest.mark.parametrize("who", ["visitor", "reader", "staff"])
def test_the_base_template_writes_what_it_wrote_with_djangos_tags(who: str) -> None:
    user = {
        "visitor": AnonymousUser,
        "reader": lambda: client_reader(first_name="Tom's", last_name="<b>&"),
        "staff": lambda: staff_user(Role.EDITOR),
    }[who]()
    engine = engines["django"]
    old = engine.from_string(BASE_TEMPLATE.read_text())
    new = engine.get_template("base.html")
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    paths = (
        "/",
        "/briefs/?q=<oil>&x='1'",
        "/digests/",
        "/digests/subscribe/",
        "/account/",
        "/admin/",
    )
    written = set()
    # Addresses are kept per script prefix: the page is the same under another and back.
    for prefix in ("/", "/advisory/", "/"):
        with override_script_prefix(prefix):
            for path in paths:
                request = RequestFactory().get(path)
                request.user = user
                request.resolver_match = resolve(request.path_info)
                page = token.sub("", new.render({}, request))
                assert page == token.sub("", old.render({}, request))
                written.add(page)
    assert any('href="/advisory/briefs/"' in page for page in written)
    assert sum('aria-current="page"' in page for page in written) >= 2
