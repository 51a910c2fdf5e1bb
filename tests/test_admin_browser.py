"""A writer drafts a brief in a real browser: toolbar, live preview, save."""

import os
import re
from collections.abc import Iterator

import pytest
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from advisory.accounts.models import Role
from advisory.briefs.models import Brief
from tests.factories import DEFAULT_PASSWORD, staff_user

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


@pytest.fixture
def page(chromium_path: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # Inside Playwright's loop the test runs in another context, where Django opened
        # connections of its own: left open, they keep the test database from being dropped.
        connections.close_all()


def test_writer_drafts_a_brief_with_the_toolbar_and_live_preview(
    live_server: LiveServer, page: Page
) -> None:
    staff_user(role=Role.WRITER, username="writer", display_name="Wendy Writer")
    add_url = f"{live_server.url}/admin/briefs/brief/add/"
    page.goto(f"{live_server.url}/admin/login/?next=/admin/briefs/brief/add/")
    page.get_by_label("Username").fill("writer")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(add_url)

    page.get_by_role("textbox", name="Title:", exact=True).fill("Holy weapons")
    body = page.get_by_role("textbox", name="Body:", exact=True)
    body.fill(
        "## Disarmament talks\n\n"
        "Militias now signal a willingness to talk[^1].\n\n"
        "New strength\n\n"
        "[^1]: Statements made in late 2025."
    )
    body.evaluate(
        "el => { const at = el.value.indexOf('New strength');"
        " el.setSelectionRange(at, at + 'New strength'.length); }"
    )
    toolbar = page.get_by_role("toolbar", name="Formatting")
    toolbar.get_by_role("button", name="Bold").click()
    expect(body).to_have_value(re.compile(r"\*\*New strength\*\*"))
    expect(body).to_be_focused()
    # The toolbar is one tab stop, on the button last used; arrow keys move along it.
    page.keyboard.press("Shift+Tab")
    expect(toolbar.get_by_role("button", name="Bold")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(toolbar.get_by_role("button", name="Italic")).to_be_focused()
    page.keyboard.press("Enter")
    # Bold left the words selected, so italic wraps the same words.
    expect(body).to_have_value(re.compile(r"\*\*\*New strength\*\*\*"))

    preview = page.locator(".md-editor__preview-body")
    expect(preview.get_by_role("heading", name="Holy weapons")).to_be_visible()
    expect(preview.locator("h2", has_text="Disarmament talks")).to_be_visible()
    expect(preview.locator("sup.footnote-ref")).to_have_count(1)
    expect(preview.locator("section.footnotes")).to_contain_text("Statements made in late 2025.")
    expect(preview.locator("strong", has_text="New strength")).to_be_visible()
    expect(preview).to_contain_text("Wendy Writer")

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{live_server.url}/admin/briefs/brief/")
    expect(page.locator(".messagelist")).to_contain_text("Holy weapons")

    brief = Brief.objects.get(title="Holy weapons")
    assert "***New strength***" in brief.body
    assert brief.slug == "holy-weapons"
    assert [author.username for author in brief.authors.all()] == ["writer"]
