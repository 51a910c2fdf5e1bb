"""The demo's own database: SQLite, as `make demo` sets it up, in processes of their own.

The rest of the suite runs on PostgreSQL, so SQL that only PostgreSQL understands would pass
it and still break the demo (it once did: the digest's claim used `SET LOCAL`). Here the demo
is migrated and loaded from scratch, a brief's page is read (its statements are written out,
`portal.selectors.brief_page`), a digest run and a retraction's notices are sent through
the same services the workers call, and the mail they write under var/mail is read back.
No worker runs, so the tasks the services queue stay in the outbox.
"""

import email
import email.policy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs inside the demo's environment, after `migrate` and `load_demo`; prints one JSON line.
_SEND_SCRIPT = """
import datetime
import json
from django.utils import timezone
from advisory.accounts.models import User
from advisory.briefs.models import Brief, BriefStatus
from advisory.digests.delivery import retraction_notices_deliver, run_deliver
from advisory.digests.models import Delivery, RetractionNotice, Subscription
from advisory.digests.services import digest_runs_create
from advisory.ops.models import UnsentTask
from advisory.workflow.services import brief_retract

# Subscribed long enough ago for the demo's briefs (published in the past weeks) to be new.
subscribed = timezone.now() - datetime.timedelta(days=90)
Subscription.objects.filter(status="active").update(
    watermark=subscribed, next_due_at=timezone.now()
)
runs = digest_runs_create()
sent = [run_deliver(run_id=run_id, time_budget=60).sent for run_id in runs]
again = [run_deliver(run_id=run_id, time_budget=60).sent for run_id in runs]
statuses = sorted(set(Delivery.objects.values_list("status", flat=True)))

mailed = Brief.objects.filter(digest_editions__isnull=False, status=BriefStatus.PUBLISHED)
brief = mailed.order_by("pk").first()
editor = User.objects.get(username="editor")
brief_retract(actor=editor, brief=brief, notice="Withdrawn for a test of the demo.")
notices = retraction_notices_deliver(brief_id=brief.pk, time_budget=60).sent
print(json.dumps({
    "runs": len(runs), "sent": sent, "again": again, "statuses": statuses,
    "notices": notices, "notice_rows": RetractionNotice.objects.filter(brief=brief).count(),
    "unsent": sorted(UnsentTask.objects.values_list("task", flat=True)),
}))
"""


# A brief's page on SQLite, as a reader who may read it and as a visitor, after the task
# publishing queues has kept its reading and ranked its neighbours' related briefs; and the
# fallback search finding it, facets and all.
_READ_SCRIPT = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
from advisory.accounts.models import AccessTier, User
from advisory.briefs.models import ReadingMemo
from advisory.portal.selectors import publications_readable
from advisory.portal.tasks import build_reading_memo

setup_test_environment()
reader = User.objects.get(username="reader")
brief = (
    publications_readable(reader)
    .filter(retracted_at__isnull=True, access_tier__gt=AccessTier.PUBLIC)
    .exclude(regions=None)
    .order_by("pk")
    .first()
)
built = build_reading_memo(brief.pk)
memo = ReadingMemo.objects.get(publication_id=brief.pk)
signed_in = Client()
signed_in.force_login(reader)
read = signed_in.get(f"/briefs/{brief.slug}/")
teaser = Client().get(f"/briefs/{brief.slug}/")
searched = signed_in.get("/search/", {"q": brief.title.split(":")[0]})
region = brief.regions.order_by("name").first().name
print(json.dumps({
    "built": built,
    "related": len(memo.related_ids),
    "statuses": [read.status_code, teaser.status_code, searched.status_code],
    "found": f"/briefs/{brief.slug}/" in searched.content.decode(),
    "reading_shown": memo.html in read.content.decode(),
    "reading_withheld": memo.html not in teaser.content.decode(),
    "region_shown": [region in read.content.decode(), region in teaser.content.decode()],
}))
"""


def _demo_environment(var_dir: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CELERY_BROKER_URL"}
    }
    environment |= {
        "ADVISORY_VAR_DIR": str(var_dir),
        "SECRET_KEY": "demo-test-only",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "advisory.settings",
    }
    return environment


def _manage(environment: dict[str, str], *arguments: str) -> str:
    finished = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, f"manage.py {arguments[0]} failed:\n{finished.stderr}"
    return finished.stdout


@pytest.fixture(scope="module")
def demo_sent(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    var_dir = tmp_path_factory.mktemp("demo-var")
    environment = _demo_environment(var_dir)
    _manage(environment, "migrate", "--noinput", "-v0")
    _manage(environment, "load_demo")
    assert (var_dir / "advisory.sqlite3").exists(), "the demo did not make its SQLite database"
    _manage(environment, "collectstatic", "--noinput", "-v0")
    read = _manage(environment, "shell", "-c", _READ_SCRIPT)
    output = _manage(environment, "shell", "-c", _SEND_SCRIPT)
    outcome = json.loads(output.strip().splitlines()[-1])
    return outcome | {"read": json.loads(read.strip().splitlines()[-1])}, var_dir / "mail"


def test_the_demo_shows_a_brief_from_its_memo_and_finds_it_on_sqlite(
    demo_sent: tuple[dict[str, Any], Path],
) -> None:
    read = demo_sent[0]["read"]
    assert read["built"] and read["related"] >= 1, read
    assert read["statuses"] == [200, 200, 200]
    assert read["found"], "the fallback search did not find the brief by words of its title"
    assert read["reading_shown"] and read["reading_withheld"]
    assert read["region_shown"] == [True, True]


def _messages(mail_dir: Path) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        # The file backend writes each message followed by a line of dashes.
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk.lstrip(), policy=email.policy.default)
                found.append(message)
    return found


def test_the_demo_sends_a_digest_run_once_on_sqlite(
    demo_sent: tuple[dict[str, Any], Path],
) -> None:
    outcome, mail_dir = demo_sent
    assert outcome["runs"], "no demo subscription came due"
    sent = outcome["sent"]
    assert isinstance(sent, list) and sum(sent) >= 2
    assert outcome["again"] == [0] * len(sent), "a second pass mailed someone twice"
    assert set(outcome["statuses"]) <= {"sent", "skipped"}, outcome["statuses"]

    digests = [m for m in _messages(mail_dir) if str(m["Message-ID"]).startswith("<digest.")]
    assert len(digests) == sum(sent)
    for message in digests:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_body(preferencelist=("plain",)) is not None
        assert message.get_body(preferencelist=("html",)) is not None


def test_the_demo_sends_retraction_notices_on_sqlite(
    demo_sent: tuple[dict[str, Any], Path],
) -> None:
    outcome, mail_dir = demo_sent
    assert outcome["notice_rows"] >= 1
    assert outcome["notices"] == outcome["notice_rows"]
    # No worker runs here and the demo's file broker has no folders yet: the retraction still
    # went through, its sending task kept to be sent later.
    assert "advisory.digests.tasks.send_retraction_notices" in outcome["unsent"]
    notices = [m for m in _messages(mail_dir) if str(m["References"]).startswith("<brief-")]
    assert len(notices) == outcome["notices"]
    for message in notices:
        plain = message.get_body(preferencelist=("plain",))
        assert plain is not None
        assert "Withdrawn for a test of the demo." in plain.get_content()
