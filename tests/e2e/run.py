"""The whole story, end to end, on the production processes (`make e2e`).

gunicorn, a Celery worker and a Celery beat run on loopback against a PostgreSQL database and
a Redis database of their own, with an SMTP sink for mail. Chromium then plays the desk and a
client: a writer drafts and submits a brief in the admin; an editor approves it and schedules
it a minute ahead; the beat publishes it at its time; the reader finds it in the portal and
through the API, sets their daily digest to go out now, gets it at the sink, follows its link
and unsubscribes with one click.

Progress is printed as it goes. Logs, mail and (on failure) screenshots are kept under
var/e2e/. Every wait polls, with a bound.
"""

import argparse
import datetime
import email
import email.policy
import os
import re
import secrets
import shutil
import sys
import time
import traceback
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.stack import (
    REPO,
    Stack,
    database_recreate,
    free_port,
    port_open,
    redis_flush,
    wait_until,
)

OUT = REPO / "var" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "advisory-demo"
STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[e2e {time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def next_minute(after_seconds: int) -> datetime.datetime:
    """The first whole minute at least `after_seconds` from now, in UTC."""
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=after_seconds)
    return moment.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)


class Story:
    def __init__(self, base: str, mail: Path, browser: Browser) -> None:
        self.base = base
        self.mail = mail
        self.browser = browser
        self.contexts: dict[str, BrowserContext] = {}
        self.title = f"Checkpoint fees on the Basra road, run {secrets.token_hex(3)}"

    def page(self, who: str) -> Page:
        if who not in self.contexts:
            context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(20_000)
            self.contexts[who] = context
            context.new_page()
        return self.contexts[who].pages[0]

    def admin_sign_in(self, who: str, next_path: str) -> Page:
        page = self.page(who)
        page.goto(f"{self.base}/admin/login/?next={next_path}")
        page.get_by_label("Username").fill(who)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(re.escape(next_path) + "$"))
        return page

    def writer_drafts_and_submits(self) -> int:
        page = self.admin_sign_in("writer", "/admin/briefs/brief/add/")
        page.get_by_role("textbox", name="Title:", exact=True).fill(self.title)
        page.get_by_label("Summary (dek):").fill(
            "Unofficial fees at checkpoints on the road north of Basra are rising."
        )
        page.get_by_role("textbox", name="Body:", exact=True).fill(
            "## What changed\n\nDrivers report new fees at three checkpoints since the spring."
        )
        expect(page.locator(".md-editor__preview-body h2", has_text="What changed")).to_be_visible()
        page.get_by_label("Access tier:").select_option(label="Standard")
        page.locator(".field-regions .select2-selection").click()
        page.locator(".select2-container--open .select2-search__field").fill("Iraq")
        page.locator(".select2-results__option", has_text=re.compile(r"^Iraq")).first.click()
        page.get_by_role("button", name="Save and continue editing").click()
        page.wait_for_url(re.compile(r"/admin/briefs/brief/\d+/change/$"))
        brief_id = int(re.findall(r"/brief/(\d+)/change/", page.url)[0])
        say(f"writer saved brief {brief_id} as a draft")
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_role("heading", name="Workflow: In review")).to_be_visible()
        say("writer submitted it for review")
        return brief_id

    def editor_approves_and_schedules(self, brief_id: int) -> datetime.datetime:
        page = self.admin_sign_in("editor", "/admin/review-queue/")
        page.get_by_role("link", name=self.title).first.click()
        page.wait_for_url(re.compile(rf"/admin/briefs/brief/{brief_id}/change/"))
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_role("heading", name="Workflow: Approved")).to_be_visible()
        publish_at = next_minute(after_seconds=45)
        page.get_by_label(re.compile(r"^Publish at")).fill(publish_at.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Schedule", exact=True).click()
        expect(page.get_by_role("heading", name="Workflow: Scheduled")).to_be_visible()
        say(f"editor approved it and scheduled it for {publish_at:%H:%M} UTC")
        return publish_at

    def reader_finds_it(self, slug: str) -> None:
        page = self.page("reader")
        page.goto(f"{self.base}/account/sign-in/")
        page.get_by_label("Username").fill("reader")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
        page.wait_for_url(re.compile(r"/$"))

        def listed() -> bool:
            page.goto(f"{self.base}/briefs/")
            return page.get_by_role("link", name=self.title).count() > 0

        wait_until(listed, timeout=30, what="the brief in the portal's list", interval=2)
        page.get_by_role("link", name=self.title).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(self.title)
        expect(page.locator("body")).to_contain_text("Drivers report new fees")
        say("reader found it in the portal and read it")

        page.goto(f"{self.base}/search/?q=checkpoint+fees+Basra")
        expect(page.get_by_role("link", name=self.title).first).to_be_visible()
        say("reader found it through search")

        response = page.request.get(f"{self.base}/api/v1/briefs/{slug}/")
        assert response.status == 200, response.text()
        assert response.json()["title"] == self.title
        listing = page.request.get(f"{self.base}/api/v1/briefs/").json()
        assert slug in [brief["slug"] for brief in listing["results"]], listing
        say("reader found it through the API")

    def reader_sets_the_digest_for_now(self) -> datetime.datetime:
        page = self.page("reader")
        page.goto(f"{self.base}/digests/?frequency=daily")
        due = next_minute(after_seconds=20)
        page.get_by_label("Timezone").select_option("UTC")
        page.get_by_label("Delivery time").fill(due.strftime("%H:%M"))
        page.locator("form.digest-form").get_by_role("button").last.click()
        expect(page.locator("#digest-daily")).to_contain_text(f"{due:%H:%M}")
        say(f"reader set their daily digest for {due:%H:%M} UTC")
        return due

    def digest_arrives(self) -> EmailMessage:
        def found() -> EmailMessage | None:
            for path in sorted(self.mail.glob("*.eml")):
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                body = message.get_body(preferencelist=("plain",))
                text = body.get_content() if isinstance(body, EmailMessage) else ""
                if "reader@" in str(message["To"]) and self.title in text:
                    return message
            return None

        message = wait_until(found, timeout=200, what="the digest at the SMTP sink", interval=2)
        say(f"the digest arrived: {message['Subject']!s}")
        return message

    def reader_follows_the_link_and_unsubscribes(self, message: EmailMessage, slug: str) -> None:
        body = message.get_body(preferencelist=("plain",))
        assert isinstance(body, EmailMessage)
        links = re.findall(
            rf"{re.escape(self.base)}/briefs/{re.escape(slug)}/\S*", body.get_content()
        )
        assert links, body.get_content()
        page = self.page("reader")
        page.goto(links[0])
        expect(page.get_by_role("heading", level=1)).to_have_text(self.title)
        say("the digest's link opens the brief for the reader")

        header = str(message["List-Unsubscribe"])
        assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
        url = re.findall(r"<(https?://[^>]+)>", header)[0]
        # What a mail client does for its unsubscribe button: a POST, no cookie, no redirect.
        client = self.browser.new_context()
        response = client.request.post(url, form={"List-Unsubscribe": "One-Click"}, max_redirects=0)
        client.close()
        assert response.status == 200, response.status
        page.goto(f"{self.base}/digests/")
        expect(page.locator("#digest-daily")).to_contain_text("Unsubscribed")
        say("one-click unsubscribe worked: the portal shows the digest unsubscribed")

    def screenshots(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for who, context in self.contexts.items():
            for index, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(folder / f"{who}-{index}.png"), full_page=True)
                    (folder / f"{who}-{index}.html").write_text(page.content())
                except Exception as error:  # a page that died says so in the list
                    print(f"  no screenshot of {who}: {error}", flush=True)


def environment(args: argparse.Namespace, smtp_port: int) -> dict[str, str]:
    var = OUT / "var"
    return {
        **{k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}},
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SITE_URL": f"http://127.0.0.1:{args.port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ADVISORY_VAR_DIR": str(var),
        "STATIC_ROOT": str(OUT / "static"),
        "LOG_FORMAT": "json",
        "WORKER_HEARTBEAT_MAX_AGE": "90",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "E2E_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/e2e_advisory"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/7")
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("E2E_PORT", "8106")))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    mail = OUT / "mail"
    (OUT / "var").mkdir(parents=True)
    smtp_port = free_port()
    env = environment(args, smtp_port)
    stack = Stack(env, OUT / "logs")
    story: Story | None = None
    failed = True
    try:
        say(f"fresh database {args.database_url.rsplit('/', 1)[-1]}, Redis {args.redis_url}")
        database_recreate(args.database_url)
        redis_flush(args.redis_url)
        stack.manage("migrate", "--noinput")
        stack.manage("collectstatic", "--noinput", "-v0")
        stack.manage("load_demo")
        say("migrated, demo desk and readers loaded, static files collected")

        if port_open(args.port):
            raise RuntimeError(f"port {args.port} is taken: set E2E_PORT to a free one")
        stack.start(
            "smtp", [sys.executable, "-m", "tests.e2e.smtp_sink", str(smtp_port), str(mail)]
        )
        stack.worker()
        stack.beat(OUT / "var" / "celerybeat-schedule")
        stack.web(args.port)
        base = f"http://127.0.0.1:{args.port}"
        say(f"gunicorn on {base}, a Celery worker, the beat and the SMTP sink are up")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            story = Story(base, mail, browser)
            try:
                failed = not play(story, stack, base)
            except Exception:
                story.screenshots(OUT / "screenshots")
                raise
            finally:
                browser.close()
    except Exception:
        traceback.print_exc()
        print(f"e2e FAILED: logs, mail and screenshots are in {OUT}", flush=True)
    finally:
        stack.stop_all()
    print(f"e2e: {0 if failed else 1} passed, {1 if failed else 0} failed", flush=True)
    return 1 if failed else 0


def play(story: Story, stack: Stack, base: str) -> bool:
    import json
    import urllib.error
    import urllib.request

    def ready() -> dict[str, Any] | None:
        stack.check_alive()
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
                body: dict[str, Any] = json.load(response)
                return body
        except urllib.error.HTTPError:
            return None

    brief_id = story.writer_drafts_and_submits()
    publish_at = story.editor_approves_and_schedules(brief_id)

    checks = wait_until(ready, timeout=120, what="/readyz to answer 200", interval=2)
    say(f"/readyz is ok: {', '.join(checks['checks'])}")

    def published() -> str | None:
        stack.check_alive()
        response = story.page("editor").request.get(f"{base}/admin/briefs/brief/{brief_id}/change/")
        page = response.text()
        return _slug(page) if "Workflow: Published" in page else None

    wait_seconds = (publish_at - datetime.datetime.now(datetime.UTC)).total_seconds()
    say(f"waiting for the beat to publish it (due in {max(wait_seconds, 0):.0f} s)")
    slug = wait_until(published, timeout=wait_seconds + 150, what="the beat to publish", interval=3)
    say(f"the beat published it at its time, as /briefs/{slug}/")

    story.reader_finds_it(slug)
    story.reader_sets_the_digest_for_now()
    message = story.digest_arrives()
    story.reader_follows_the_link_and_unsubscribes(message, slug)
    say("the whole story played")
    return True


def _slug(page: str) -> str:
    match = re.search(r'field-slug.*?<div class="readonly">([^<]+)</div>', page, re.S)
    assert match, "no slug on the brief's change page"
    return match.group(1).strip()


if __name__ == "__main__":
    sys.exit(main())
