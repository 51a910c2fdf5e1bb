"""The leak test: nobody reads, through any door, what they are not entitled to.

Each case is a brief in one state, written and moved through the real workflow. Its body
carries a secret word; its key judgment and source carry others. Every door is tried by a
reader of organisation A, a reader of A's twin whose subscription has expired, a visitor and
a signed-in user with no membership. A door may refuse, or show a teaser (title and summary)
of a brief that is live, but never a body, a judgment or a source of a brief the viewer may
not read, and never anything of a brief that is not live.
"""

import datetime
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from advisory.accounts.models import AccessTier, Organisation, Role, User
from advisory.accounts.selectors import feed_token_of
from advisory.accounts.services import follow_remove, membership_assign, organisation_update
from advisory.briefs.models import Brief, MentionRole
from advisory.briefs.services import SourceSpec, brief_create, brief_parts_replace, brief_update
from advisory.entities.models import Entity, EntityKind, Region
from advisory.workflow import services as workflow
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@dataclass
class World:
    writer: User
    editor: User
    editor2: User
    covered: Region
    elsewhere: Region
    entity: Entity
    viewers: dict[str, User | None]


def _world() -> World:
    middle_east = Region.objects.create(name="Middle East", slug="middle-east", kind="region")
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=middle_east)
    europe = Region.objects.create(name="Europe", slug="europe", kind="region")
    elsewhere = RegionFactory(name="France", slug="france", iso_code="FR", parent=europe)
    viewers: dict[str, User | None] = {"visitor": None}
    for name, expires_on in (
        ("reader_a", None),
        ("expired_reader", timezone.localdate() - datetime.timedelta(days=1)),
    ):
        organisation: Organisation = OrganisationFactory(
            tier=AccessTier.STANDARD, expires_on=expires_on
        )
        organisation.regions.set([middle_east])
        user = UserFactory(username=name)
        membership_assign(actor=None, user=user, organisation=organisation, role=Role.CLIENT_READER)
        viewers[name] = user
    viewers["no_membership"] = UserFactory(username="loner")
    return World(
        writer=staff_user(Role.WRITER, username="writer"),
        editor=staff_user(Role.EDITOR, username="editor"),
        editor2=staff_user(Role.EDITOR, username="editor2"),
        covered=iraq,
        elsewhere=elsewhere,
        entity=Entity.objects.create(
            kind=EntityKind.ORGANISATION,
            name="Leak Front",
            normalised_name="leak front",
            slug="leak-front",
        ),
        viewers=viewers,
    )


def _brief(world: World, case: str, *, region: Region, tier: int = AccessTier.STANDARD) -> Brief:
    brief = brief_create(
        actor=world.writer,
        title=f"Title {case} titleprobe{case}",
        summary=f"Summary {case}",
        body=f"The body of this brief holds searchprobe{case} bodysecret{case} and more analysis.",
        access_tier=tier,
        regions=[region],
        tags=["leaktopic"],
    )
    brief_parts_replace(
        actor=world.writer,
        brief=brief,
        key_judgments=[f"A judgment holding judgmentsecret{case}."],
        sources=[SourceSpec(title=f"Source sourcesecret{case}")],
        mentions=[(world.entity, MentionRole.SUBJECT)],
    )
    brief_update(actor=world.writer, brief=brief)
    return brief


def _approved(world: World, brief: Brief) -> None:
    workflow.brief_submit(actor=world.writer, brief=brief)
    workflow.brief_approve(actor=world.editor, brief=brief)


def _published(world: World, brief: Brief) -> None:
    _approved(world, brief)
    workflow.brief_publish(actor=world.editor, brief=brief)


FUTURE = timezone.now() + datetime.timedelta(days=2)


def _draft(world: World) -> Brief:
    return _brief(world, "draft", region=world.covered)


def _in_review(world: World) -> Brief:
    brief = _brief(world, "inreview", region=world.covered)
    workflow.brief_submit(actor=world.writer, brief=brief)
    return brief


def _approved_not_published(world: World) -> Brief:
    brief = _brief(world, "approved", region=world.covered)
    _approved(world, brief)
    return brief


def _scheduled(world: World) -> Brief:
    brief = _brief(world, "scheduled", region=world.covered, tier=AccessTier.PUBLIC)
    _approved(world, brief)
    workflow.brief_schedule(actor=world.editor, brief=brief, publish_at=FUTURE)
    return brief


def _embargoed(world: World) -> Brief:
    """Scheduled, and the beat has run, but its time has not come."""
    brief = _scheduled(world)
    assert workflow.briefs_publish_due() == []
    return brief


def _retracted(world: World) -> Brief:
    brief = _brief(world, "retracted", region=world.covered)
    _published(world, brief)
    workflow.brief_retract(actor=world.editor, brief=brief, notice="Retracted: sourcing failed.")
    return brief


def _outside_regions(world: World) -> Brief:
    brief = _brief(world, "elsewhere", region=world.elsewhere)
    _published(world, brief)
    return brief


def _above_tier(world: World) -> Brief:
    brief = _brief(world, "premium", region=world.covered, tier=AccessTier.PREMIUM)
    _published(world, brief)
    return brief


def _edited_after_publication(world: World) -> Brief:
    """Live and readable by A; the edit waiting for review must not show to anyone."""
    brief = _brief(world, "live", region=world.covered)
    _published(world, brief)
    brief_update(
        actor=world.writer,
        brief=brief,
        title="Title draftsecretedit",
        body="A rewrite holding draftsecretedit.",
    )
    workflow.brief_submit(actor=world.writer, brief=brief)
    return brief


LIVE_CASES = {"retracted", "elsewhere", "premium", "live"}

CASES: dict[str, Callable[[World], Brief]] = {
    "draft": _draft,
    "inreview": _in_review,
    "approved": _approved_not_published,
    "scheduled": _scheduled,
    "embargoed": _embargoed,
    "retracted": _retracted,
    "elsewhere": _outside_regions,
    "premium": _above_tier,
    "live": _edited_after_publication,
}


def _doors(brief: Brief, world: World, viewer: User | None) -> dict[str, str]:
    # Search doors look for probe words beside the secrets: the page echoes the query itself.
    case = _case_of(brief)
    doors = {
        "home": reverse("portal:home"),
        "detail": reverse("portal:brief-detail", args=[brief.slug]),
        "print": reverse("portal:brief-print", args=[brief.slug]),
        "list": reverse("portal:brief-list"),
        "list by entity": reverse("portal:brief-list") + f"?entity={world.entity.slug}",
        "search body word": reverse("portal:search") + f"?q=searchprobe{case}",
        "search title": reverse("portal:search") + f"?q=titleprobe{case}",
        "entity page": reverse("portal:entity-detail", args=[world.entity.slug]),
        "tag page": reverse("portal:tag-detail", args=["leaktopic"]),
        "region page": reverse("portal:region-detail", args=[brief.regions.first().slug]),
        "latest feed": reverse("portal:feed-latest"),
        "entity feed": reverse("portal:feed-entity", args=[world.entity.slug]),
        "tag feed": reverse("portal:feed-tag", args=["leaktopic"]),
        "region feed": reverse("portal:feed-region", args=[brief.regions.first().slug]),
        "sitemap": reverse("portal:sitemap"),
    }
    if viewer is not None:
        token = feed_token_of(viewer)
        for name in ("latest feed", "entity feed", "tag feed", "region feed"):
            doors[f"{name} with token"] = f"{doors[name]}?token={token}"
    return doors


def _case_of(brief: Brief) -> str:
    return brief.summary.removeprefix("Summary ")


def _may_read(case: str, viewer: str) -> bool:
    """Only reader A reads, and only the live version of the live, covered brief."""
    return case == "live" and viewer == "reader_a"


@pytest.mark.parametrize("case", list(CASES))
def test_no_door_shows_what_the_viewer_may_not_read(case: str) -> None:
    world = _world()
    brief = CASES[case](world)
    secrets = [f"bodysecret{case}", f"judgmentsecret{case}", f"sourcesecret{case}"]
    leaks: list[str] = []
    for viewer_name, viewer in world.viewers.items():
        client = Client()
        if viewer is not None:
            client.force_login(viewer)
        for door, url in _doors(brief, world, viewer).items():
            response = client.get(url)
            if response.status_code >= 500:
                leaks.append(f"{viewer_name} @ {door}: server error {response.status_code}")
                continue
            text = response.content.decode()
            # Never the text of an edit that has not been published.
            if "draftsecretedit" in text:
                leaks.append(f"{viewer_name} @ {door}: shows the unpublished edit")
            if _may_read(case, viewer_name):
                continue
            leaks += [
                f"{viewer_name} @ {door}: shows {secret}" for secret in secrets if secret in text
            ]
            if case not in LIVE_CASES and (f"Title {case}" in text or f"Summary {case}" in text):
                leaks.append(f"{viewer_name} @ {door}: shows the teaser of an unpublished brief")
    assert leaks == []


def test_the_leak_test_can_fail_reader_a_reads_the_live_brief_everywhere_it_belongs() -> None:
    world = _world()
    brief = _edited_after_publication(world)
    client = Client()
    client.force_login(world.viewers["reader_a"])
    detail = client.get(reverse("portal:brief-detail", args=[brief.slug])).content.decode()
    assert "bodysecretlive" in detail
    assert "judgmentsecretlive" in detail
    assert "sourcesecretlive" in detail
    assert "Title live" in detail
    assert "draftsecretedit" not in detail
    found = client.get(reverse("portal:search") + "?q=searchprobelive").content.decode()
    assert "Title live" in found
    assert "bodysecretlive" in found
    token = feed_token_of(world.viewers["reader_a"])
    feed = Client().get(reverse("portal:feed-latest") + f"?token={token}").content.decode()
    assert "bodysecretlive" in feed


# Caches -------------------------------------------------------------------------------------
# Pages for visitors, search results per entitlement and the parts of a brief every reader of it
# is shown alike are kept in the cache. None may reach a viewer who may not read them, or
# outlive a retraction or an update.


def _texts(client: Client, urls: list[str]) -> str:
    return "\n".join(client.get(url).content.decode() for url in urls)


def test_no_cache_carries_a_page_to_a_viewer_with_other_entitlements_or_past_a_retraction(
    django_assert_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    world = _world()
    covered = _brief(world, "covered", region=world.covered)
    # Who is named beside the entity is part of the brief: its entity page counts it.
    partner = Entity.objects.create(
        kind=EntityKind.PERSON, name="Partnersecret", normalised_name="partnersecret", slug="p"
    )
    brief_parts_replace(
        actor=world.writer,
        brief=covered,
        key_judgments=["A judgment holding judgmentsecretcovered."],
        sources=[SourceSpec(title="Source sourcesecretcovered")],
        mentions=[(world.entity, MentionRole.SUBJECT), (partner, MentionRole.MENTIONED)],
    )
    brief_update(actor=world.writer, brief=covered)
    _published(world, covered)
    public = _brief(world, "public", region=world.covered, tier=AccessTier.PUBLIC)
    _published(world, public)
    entity_page = reverse("portal:entity-detail", args=[world.entity.slug])
    doors = {
        brief: [
            reverse("portal:brief-detail", args=[brief.slug]),
            reverse("portal:brief-print", args=[brief.slug]),
            reverse("portal:search") + f"?q=searchprobe{_case_of(brief)}",
            entity_page,
        ]
        for brief in (covered, public)
    }
    readers = {name: Client() for name in world.viewers}
    for name, viewer in world.viewers.items():
        if viewer is not None:
            readers[name].force_login(viewer)

    # Reader A reads first, filling every cache; then each other viewer, twice.
    listing = reverse("portal:brief-list")
    text = _texts(readers["reader_a"], doors[covered])
    assert "bodysecretcovered" in text and "Partnersecret" in text
    assert "teaser--locked" not in _texts(readers["reader_a"], [listing])
    for name in ("visitor", "expired_reader", "no_membership"):
        for _ in range(2):
            assert "teaser--locked" in _texts(readers[name], [listing]), name
            text = _texts(readers[name], doors[covered])
            assert "Title covered" in text, name
            assert "bodysecretcovered" not in text, name
            assert "judgmentsecretcovered" not in text, name
            assert "Partnersecret" not in text, name
    # Visitors share the public brief's pages: the second visitor's come from the cache.
    assert "bodysecretpublic" in _texts(readers["visitor"], doors[public])
    with django_assert_num_queries(0):
        assert "bodysecretpublic" in _texts(Client(), doors[public])
    assert "bodysecretpublic" in _texts(readers["reader_a"], doors[public])

    workflow.brief_retract(actor=world.editor, brief=covered, notice="Withdrawn: bad sourcing.")
    workflow.brief_retract(actor=world.editor, brief=public, notice="Withdrawn: bad sourcing.")

    for name, client in readers.items():
        for brief in (covered, public):
            text = _texts(client, doors[brief])
            assert f"bodysecret{_case_of(brief)}" not in text, name
            assert f"judgmentsecret{_case_of(brief)}" not in text, name
            assert "Withdrawn: bad sourcing." in text, name


def test_an_update_shows_at_once_to_visitors_and_readers_served_from_the_cache() -> None:
    world = _world()
    brief = _brief(world, "public", region=world.covered, tier=AccessTier.PUBLIC)
    _published(world, brief)
    reader = Client()
    reader.force_login(world.viewers["reader_a"])
    doors = [
        reverse("portal:brief-detail", args=[brief.slug]),
        reverse("portal:brief-list"),
        reverse("portal:search") + "?q=searchprobepublic",
    ]
    for client in (Client(), reader):
        assert "bodysecretpublic" in _texts(client, doors)

    brief_update(
        actor=world.writer,
        brief=brief,
        title="Title public titleprobepublic, revised",
        body="The revised body holds searchprobepublic revisedsecret only.",
    )
    _published(world, brief)

    for client in (Client(), reader):
        text = _texts(client, doors)
        assert "bodysecretpublic" not in text
        assert "revisedsecret" in text
        assert "Title public titleprobepublic, revised" in text


def test_a_visitor_page_holds_no_csrf_token_and_a_reader_never_gets_a_visitor_page() -> None:
    world = _world()
    brief = _brief(world, "public", region=world.covered, tier=AccessTier.PUBLIC)
    _published(world, brief)
    urls = [
        reverse("portal:brief-detail", args=[brief.slug]),
        reverse("portal:entity-detail", args=[world.entity.slug]),
        reverse("portal:tag-detail", args=["leaktopic"]),
    ]
    visitor = _texts(Client(), urls)
    assert "csrfmiddlewaretoken" not in visitor
    assert "Sign in" in visitor

    reader = Client()
    reader.force_login(world.viewers["reader_a"])
    page = _texts(reader, urls)
    assert "csrfmiddlewaretoken" in page
    assert "Sign out" in page


def _token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None, "the page has no follow form"
    return found.group(1)


def test_a_reader_s_kept_page_is_theirs_alone_and_never_outlives_their_contract_or_follows(
    django_assert_max_num_queries: Callable[..., AbstractContextManager[object]],
) -> None:
    """Signed-in readers are served their own page from the cache (`portal.views.kept_page`).
    Reader A fills it; another reader of the same organisation, reader A after their contract
    ends, and reader A after following something must each get a page made for them."""
    world = _world()
    covered = _brief(world, "covered", region=world.covered)
    _published(world, covered)
    reader_a = world.viewers["reader_a"]
    assert reader_a is not None
    organisation = reader_a.membership.organisation
    colleague = UserFactory(username="colleague", display_name="Colleaguename")
    membership_assign(
        actor=None, user=colleague, organisation=organisation, role=Role.CLIENT_READER
    )
    detail = reverse("portal:brief-detail", args=[covered.slug])
    doors = [
        detail,
        reverse("portal:brief-list"),
        reverse("portal:search") + "?q=searchprobecovered",
        reverse("portal:entity-detail", args=[world.entity.slug]),
        reverse("portal:home"),
    ]
    # The browser checks CSRF tokens, as a real one would be checked.
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader_a)
    first = _texts(client, doors)
    assert "bodysecretcovered" in first and reader_a.byline in first
    # Kept: the reader, and their entitlement with what they follow (one query), nothing more.
    with django_assert_max_num_queries(2):
        page = client.get(detail).content.decode()
    assert "bodysecretcovered" in page and "✓ </span>Following" not in page

    # Reader A on another browser is served the same kept page, with that browser's own CSRF
    # token in its forms: following through it works, and every page shows it at once.
    elsewhere = Client(enforce_csrf_checks=True)
    elsewhere.force_login(reader_a)
    with django_assert_max_num_queries(2):
        page = elsewhere.get(detail).content.decode()
    response = elsewhere.post(
        reverse("portal:follow"),
        {
            "kind": "entity",
            "slug": world.entity.slug,
            "action": "follow",
            "next": detail,
            "csrfmiddlewaretoken": _token(page),
        },
    )
    assert response.status_code == 302
    # Twice: the first page carries the message "You now follow…", so it is made afresh.
    for _ in range(2):
        assert "✓ </span>Following" in _texts(client, [detail])
    follow_remove(actor=reader_a, target=world.entity)
    assert "✓ </span>Following" not in _texts(client, [detail])

    # A colleague entitled alike gets a page of their own: their name, not reader A's.
    other = Client()
    other.force_login(colleague)
    text = _texts(other, doors)
    assert "Colleaguename" in text and reader_a.byline not in text

    # The contract ends: reader A's kept pages are not served again.
    organisation_update(
        actor=world.editor,
        organisation=organisation,
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    for viewer in (client, other):
        text = _texts(viewer, doors)
        assert "Title covered" in text
        assert "bodysecretcovered" not in text
        assert "judgmentsecretcovered" not in text
        assert "subscription ended" in text
