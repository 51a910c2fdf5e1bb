"""The feeds page in a real browser: copy an address, read the feed, reset the addresses."""

import os
from collections.abc import Iterator

import feedparser
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from advisory.accounts.models import AccessTier
from advisory.accounts.selectors import feed_token_of
from tests.factories import DEFAULT_PASSWORD, client_reader, published_brief

# Playwright's sync API runs an event loop in this thread, which Django otherwise takes for
# an async context and refuses database access from.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


@pytest.fixture
def page(chromium_path: str, live_server: LiveServer) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            permissions=["clipboard-read", "clipboard-write"],
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # Connections Django opened inside Playwright's loop would keep the test database open.
        connections.close_all()


def _serious_violations(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]


def test_a_reader_copies_reads_and_resets_a_private_feed(
    live_server: LiveServer, page: Page
) -> None:
    reader = client_reader(username="feedreader")
    published_brief(
        title="Basra oil exports",
        body="The FULL-TEXT of the brief.",
        access_tier=AccessTier.STANDARD,
    )
    page.goto(f"{live_server.url}/feeds/")
    assert _serious_violations(page) == []
    expect(page.get_by_role("textbox", name="Latest briefs")).to_have_value(
        f"{live_server.url}/feeds/latest.atom"
    )

    page.goto(f"{live_server.url}/account/sign-in/?next=/feeds/")
    page.get_by_label("Username").fill("feedreader")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.locator("main form").get_by_role("button").click()
    page.wait_for_url(f"{live_server.url}/feeds/")
    assert _serious_violations(page) == []
    address = page.get_by_role("textbox", name="Latest briefs")
    first = address.input_value()
    assert first == f"{live_server.url}/feeds/latest.atom?token={feed_token_of(reader)}"

    page.get_by_role("button", name="Copy the address of the Latest briefs feed").click()
    assert page.evaluate("navigator.clipboard.readText()") == first
    feed = feedparser.parse(page.request.get(first).body())
    assert not feed.bozo and "FULL-TEXT" in feed.entries[0].content[0].value

    page.get_by_role("button", name="Reset my feed addresses").click()
    expect(page.get_by_role("status")).to_contain_text("The old ones no longer work")
    second = page.get_by_role("textbox", name="Latest briefs").input_value()
    assert second != first
    assert page.request.get(first).status == 404
    assert page.request.get(second).status == 200
