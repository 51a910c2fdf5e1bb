"""The Content-Security-Policy is on, and the admin and the portal still work under it in a
real browser: no inline script or style is refused, the brief editor's toolbar and live
preview, the entity autocomplete and the two-factor QR code all work."""

import os
import re
from collections.abc import Iterator

import pytest
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from advisory.accounts.models import Role
from tests.factories import DEFAULT_PASSWORD, EntityFactory, published_brief, staff_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

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

# Playwright's init scripts are injected by the browser itself, outside the page's policy.
_COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def page(chromium_path: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(_COLLECT_VIOLATIONS)
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        connections.close_all()


def _violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("window.__cspViolations || []")
    return found


def test_the_admin_works_under_the_policy(live_server: LiveServer, page: Page) -> None:
    staff_user(role=Role.DESK_ADMIN, username="deskadmin", display_name="Dana Desk")
    EntityFactory(name="Nuri al-Maliki")
    response = page.goto(f"{live_server.url}/admin/login/?next=/admin/briefs/brief/add/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"

    page.get_by_label("Username").fill("deskadmin")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/briefs/brief/add/$"))

    # The editor: toolbar and live preview are wired up by our static script.
    page.get_by_role("textbox", name="Title:", exact=True).fill("Under the policy")
    body = page.get_by_role("textbox", name="Body:", exact=True)
    body.fill("## A heading\n\nSome words to make bold")
    body.evaluate("el => el.setSelectionRange(el.value.length - 4, el.value.length)")
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Bold").click()
    expect(body).to_have_value(re.compile(r"\*\*bold\*\*$"))
    preview = page.locator(".md-editor__preview-body")
    expect(preview.locator("h2", has_text="A heading")).to_be_visible()
    expect(preview.locator("strong", has_text="bold")).to_be_visible()

    # The entity autocomplete (Django's select2) in the mentions inline.
    page.locator(".field-entity .select2-selection").first.click()
    page.locator(".select2-container--open .select2-search__field").fill("Nuri")
    expect(page.locator(".select2-results__option", has_text="Nuri al-Maliki")).to_be_visible()
    page.keyboard.press("Escape")

    for path in (
        "/admin/",
        "/admin/review-queue/",
        "/admin/track-record/",
        "/admin/operations/",
        "/admin/two-factor/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    assert _violations(page) == []


def test_the_portal_works_under_the_policy(live_server: LiveServer, page: Page) -> None:
    brief = published_brief()
    paths = ("/", "/briefs/", f"/briefs/{brief.slug}/", "/search/?q=brief", "/digests/subscribe/")
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "content-security-policy" in response.headers
        assert _violations(page) == [], path


def test_the_browsable_api_works_under_the_policy(live_server: LiveServer, page: Page) -> None:
    published_brief()
    staff_user(Role.EDITOR, username="browser")
    page.goto(f"{live_server.url}/admin/login/?next=/api/v1/briefs/")
    page.fill("#id_username", "browser")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_contain_text("Brief List")
    expect(page.locator(".response-info")).to_contain_text('"results"')
    assert _violations(page) == []
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator("body")).to_contain_text("/api/v1/briefs/")
    assert _violations(page) == []
