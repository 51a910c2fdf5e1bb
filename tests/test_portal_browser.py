"""A client reader uses the portal in a real browser, and axe-core checks the main pages."""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import feedparser
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from advisory.accounts.models import AccessTier, Follow, User
from advisory.briefs.models import Brief
from advisory.entities.models import Entity, Region
from tests.factories import (
    DEFAULT_PASSWORD,
    AliasFactory,
    EntityFactory,
    RegionFactory,
    client_reader,
    published_brief,
)

# Playwright's sync API runs an event loop in this thread, which Django otherwise takes for
# an async context and refuses database access from.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Transactional tests reset the database by flushing it, which only PostgreSQL's append-only
# audit trail allows (SQLite's triggers refuse the DELETE).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

READABLE_BODY = "The caretaker cabinet has no mandate to sign the electricity deal."
LOCKED_BODY = "Tehran's treasury has quietly drawn down the sovereign fund."


@pytest.fixture
def page(chromium_path: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # Inside Playwright's loop the test runs in another context, where Django opened
        # connections of its own: left open, they keep the test database from being dropped.
        connections.close_all()


@dataclass
class World:
    reader: User
    iraq: Region
    maliki: Entity
    readable: Brief
    locked: Brief


@pytest.fixture
def world() -> World:
    """A reader whose organisation covers Iraq at the standard tier, and briefs around it."""
    middle_east = RegionFactory(
        name="Middle East", slug="middle-east", kind=Region.Kind.REGION, iso_code=None
    )
    iraq = RegionFactory(name="Iraq", slug="iraq", iso_code="IQ", parent=middle_east)
    iran = RegionFactory(name="Iran", slug="iran", iso_code="IR", parent=middle_east)
    maliki = EntityFactory(
        name="Nuri al-Maliki",
        slug="nuri-al-maliki",
        country=iraq,
        description="Former prime minister of Iraq and leader of the State of Law coalition.",
    )
    AliasFactory(entity=maliki, name="Nouri al-Maliki")
    reader = client_reader(display_name="Rana Reader")
    reader.membership.organisation.regions.set([iraq])
    readable = published_brief(
        title="Baghdad coalition talks stall",
        slug="baghdad-coalition-talks-stall",
        summary="Government formation slips into the new year.",
        body=f"## Where the talks stand\n\nNuri al-Maliki wants a veto. {READABLE_BODY}",
        regions=[iraq],
        tags=["Elections"],
        subjects=[maliki],
        access_tier=AccessTier.STANDARD,
    )
    locked = published_brief(
        title="Tehran's budget squeeze",
        slug="tehrans-budget-squeeze",
        summary="Oil revenue falls short of the budget's assumptions.",
        body=f"## The shortfall\n\n{LOCKED_BODY}",
        regions=[iran],
        tags=["Economy"],
        access_tier=AccessTier.STANDARD,
    )
    published_brief(
        title="Weekly outlook: the Gulf",
        slug="weekly-outlook-the-gulf",
        summary="What to watch this week.",
        regions=[middle_east],
        access_tier=AccessTier.PUBLIC,
    )
    return World(reader=reader, iraq=iraq, maliki=maliki, readable=readable, locked=locked)


def _sign_in(page: Page) -> None:
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_reader_signs_in_filters_searches_reads_follows_uses_a_feed_and_signs_out(
    live_server: LiveServer, page: Page, world: World
) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    _sign_in(page)
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Rana Reader")

    # Filter the brief list down to Iraq.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Briefs").click()
    page.get_by_label("Country").select_option(label="Iraq")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"/briefs/\?.*country=iraq"))
    results = page.locator(".results")
    expect(results.get_by_role("link", name="Baghdad coalition talks stall")).to_be_visible()
    expect(results).not_to_contain_text("Tehran's budget squeeze")

    # Search under another spelling of the name.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Search briefs").fill("Nouri al-Maliki")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    hits = page.locator(".search-hits")
    expect(hits).to_contain_text("Baghdad coalition talks stall")
    expect(hits).not_to_contain_text("Tehran's budget squeeze")

    # Open the brief: the reader's subscription covers it, so the body shows.
    hits.get_by_role("link", name=re.compile("Baghdad coalition talks stall")).click()
    page.wait_for_url(f"{live_server.url}/briefs/baghdad-coalition-talks-stall/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Baghdad coalition talks stall")
    expect(page.locator("main")).to_contain_text(READABLE_BODY)

    # Follow the entity from its page.
    page.locator("main").get_by_role("link", name="Nuri al-Maliki", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/entities/nuri-al-maliki/")
    page.get_by_role("button", name="Follow Nuri al-Maliki").click()
    expect(page.get_by_role("button", name=re.compile("Following"))).to_be_visible()
    assert Follow.objects.filter(user=world.reader, entity=world.maliki).exists()

    # The feeds page lists private addresses; one of them reads as Atom with the full brief.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Feeds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feeds")
    addresses = page.locator(".feed-list input")
    urls = [addresses.nth(index).input_value() for index in range(addresses.count())]
    entity_feeds = [url for url in urls if "/feeds/entities/nuri-al-maliki.atom" in url]
    assert entity_feeds, urls
    assert "token=" in entity_feeds[0]
    response = page.request.get(entity_feeds[0])
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo, feed.bozo_exception
    assert feed.namespaces.get("") == "http://www.w3.org/2005/Atom"
    assert [entry.title for entry in feed.entries] == ["Baghdad coalition talks stall"]
    assert READABLE_BODY in response.text()

    # Sign out from the header.
    page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/")
    account_nav = page.get_by_role("navigation", name="Account")
    expect(account_nav.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"{live_server.url}/briefs/baghdad-coalition-talks-stall/")
    expect(page.locator("main")).not_to_contain_text(READABLE_BODY)


def test_a_locked_out_reader_sees_when_to_try_again(
    live_server: LiveServer, page: Page, world: World
) -> None:
    page.goto(f"{live_server.url}/account/sign-in/")
    for _ in range(5):
        page.get_by_label("Username").fill("reader")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if "Too many" in page.title():
            break
        expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many sign-in attempts")
    expect(page.get_by_role("alert")).to_contain_text("Try again after")


def _serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            nodes = "; ".join(
                f"{' '.join(map(str, node['target']))} → {node['html'][:160]}"
                for node in violation["nodes"]
            )
            found.append(f"{page.url} [{violation['impact']}] {violation['id']}: {nodes}")
    return found


def test_axe_finds_no_serious_violation_on_the_main_pages(
    live_server: LiveServer, page: Page, world: World
) -> None:
    base = live_server.url
    violations: list[str] = []

    def check(path: str, heading: str | re.Pattern[str]) -> None:
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        violations.extend(_serious_violations(page))

    check("/account/sign-in/", "Sign in")
    check("/account/password-reset/", "Reset your password")
    check("/", re.compile(".+"))
    check("/briefs/baghdad-coalition-talks-stall/", "Baghdad coalition talks stall")

    page.goto(f"{base}/account/sign-in/?next=/")
    _sign_in(page)
    page.wait_for_url(f"{base}/")
    check("/", re.compile(".+"))
    check("/briefs/", "Briefs")
    check("/briefs/?country=iraq&kind=nonsense", "Briefs")
    check("/briefs/baghdad-coalition-talks-stall/", "Baghdad coalition talks stall")
    expect(page.locator("main")).to_contain_text(READABLE_BODY)
    check("/briefs/tehrans-budget-squeeze/", "Tehran's budget squeeze")
    expect(page.locator("main")).not_to_contain_text(LOCKED_BODY)
    check("/entities/nuri-al-maliki/", "Nuri al-Maliki")
    check("/regions/iraq/", re.compile("Iraq"))
    check("/search/?q=Nouri+al-Maliki", "Search")
    check("/search/?q=zzzznothing", "Search")
    check("/following/", re.compile(".+"))
    check("/feeds/", "Feeds")
    check("/account/", "Your account")
    check("/account/password/", "Change your password")

    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(
        violations
    )


def test_the_axe_check_reports_a_serious_violation(page: Page) -> None:
    """Guards the test above against passing because axe did not run."""
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><img src="x.png"></main></html>'
    )
    violations = _serious_violations(page)
    assert len(violations) == 1 and "image-alt" in violations[0], violations
