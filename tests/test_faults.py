"""Faults, on real processes: gunicorn and a Celery worker against a Redis and a PostgreSQL of
the test's own, which it stops and starts (never the machine's shared ones).

Two more faults are tested where the digests are: an SMTP server refusing for a while gets
each message once in the end (test_digest_delivery.py::
test_a_server_refusing_for_a_while_gets_the_message_once_in_the_end), and a worker killed in
the middle of a run leaves nobody missed or mailed twice (test_digest_delivery.py::
test_a_worker_killed_mid_run_leaves_nobody_mailed_twice_or_missed).
"""

import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from advisory.accounts.models import Role, User
from advisory.briefs.models import Brief, BriefStatus
from advisory.briefs.services import brief_create
from advisory.ops.models import UnsentTask
from advisory.ops.queueing import HANDOVER_GRACE
from advisory.workflow.models import AuditEvent
from tests.celery_workers import worker_environment
from tests.commandline import REPO
from tests.e2e.stack import Stack, free_port, port_open, wait_until
from tests.factories import published_brief, staff_user
from tests.smtp import SITE, Inbox

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

POSTGRES_BIN = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])


class Http:
    """Requests as a browser with a session would make them, to one gunicorn."""

    def __init__(self, port: int, session: str = "") -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.csrf = secrets.token_hex(16)
        self.cookie = f"csrftoken={self.csrf}" + (f"; sessionid={session}" if session else "")

    def status(self, path: str, data: dict[str, str] | None = None) -> int:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Cookie": self.cookie}
        )

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                status: int = response.status
                return status
        except urllib.error.HTTPError as error:
            return error.code

    def json(self, path: str) -> dict[str, Any]:
        """The JSON body, whatever the status (readiness answers 503 with one)."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                body: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
        return body


def _session(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until(lambda: port_open(self.port), timeout=20, what="the private Redis")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


class PrivateCluster:
    """A PostgreSQL cluster in a temporary folder, run by the postgres system user."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="advisory-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            capture_output=True,
            timeout=120,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/advisory"

    def init(self) -> None:
        initdb = str(POSTGRES_BIN / "initdb")
        self._as_postgres(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = str(POSTGRES_BIN / "pg_ctl")
        log = str(self.folder / "log")
        self._as_postgres(pg_ctl, "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        pg_ctl = str(POSTGRES_BIN / "pg_ctl")
        self._as_postgres(pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def copy_of(self, name: str) -> None:
        """This cluster gets a database `advisory` with what the test database holds."""
        env = {**os.environ, "PGUSER": "postgres", "PGHOST": "127.0.0.1"}
        command = [str(POSTGRES_BIN / "createdb"), "-p", str(self.port), "advisory"]
        subprocess.run(command, check=True, env=env, timeout=60)
        dump = subprocess.run(
            [str(POSTGRES_BIN / "pg_dump"), "-p", "5432", "--no-owner", name],
            check=True,
            env=env,
            capture_output=True,
            timeout=120,
        ).stdout
        psql = [str(POSTGRES_BIN / "psql"), "-p", str(self.port), "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run(
            [*psql, "-d", "advisory"], input=dump, check=True, env=env, capture_output=True
        )

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    folder = Path(tempfile.mkdtemp(prefix="advisory-redis-"))
    redis = PrivateRedis(folder)
    redis.start()
    yield redis
    redis.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster()
    cluster.init()
    cluster.start()
    yield cluster
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by the test
        cluster.stop()
    cluster.remove()


def _stack(tmp_path: Path, **env: str) -> Stack:
    # DEBUG on only so static files need no collectstatic run; nothing here depends on it.
    return Stack(worker_environment({"DEBUG": "true", "SITE_URL": SITE, **env}), tmp_path / "logs")


def test_without_redis_pages_serve_and_queued_work_runs_once_it_is_back(
    tmp_path: Path, private_redis: PrivateRedis, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp_server
    writer = staff_user(role=Role.WRITER, username="writer", email="writer@example.com")
    editor = staff_user(role=Role.EDITOR, username="editor", email="editor@example.com")
    brief = brief_create(actor=writer, title="Border crossings", body="Text.", authors=[writer])
    public = published_brief()
    stack = _stack(tmp_path, REDIS_URL=private_redis.url, EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}")
    port = free_port()
    pages = ["/", "/briefs/", f"/briefs/{public.slug}/", "/search/?q=analysis"]
    admin_pages = ["/admin/", "/admin/briefs/brief/", f"/admin/briefs/brief/{brief.pk}/change/"]
    try:
        stack.web(port, workers=1)
        visitor, desk = Http(port), Http(port, _session(writer))
        assert [visitor.status(path) for path in pages] == [200] * len(pages)
        assert [desk.status(path) for path in admin_pages] == [200] * len(admin_pages)

        private_redis.stop()
        assert [visitor.status(path) for path in pages] == [200] * len(pages)
        assert [desk.status(path) for path in admin_pages] == [200] * len(admin_pages)
        # A transition whose email cannot be queued: the move is made, the task kept.
        transition = f"/admin/briefs/brief/{brief.pk}/workflow/"
        assert desk.status(transition, {"action": "submit"}) == 302
        assert Brief.objects.get(pk=brief.pk).status == BriefStatus.IN_REVIEW
        unsent = UnsentTask.objects.get()
        assert unsent.task == "advisory.workflow.tasks.notify_brief_event"
        assert inbox.received == []

        private_redis.start()
        stack.worker(concurrency=1)
        # What the beat's sweep runs each minute.
        sweep = "from advisory.ops.tasks import send_unsent_tasks; print(send_unsent_tasks())"
        assert stack.manage("shell", "-v", "0", "-c", sweep).strip() == "1"
        wait_until(
            lambda: any(rcpt == [editor.email] for rcpt, _ in inbox.received),
            timeout=60,
            what="the editor's notification",
        )
        assert not UnsentTask.objects.exists()
    finally:
        stack.stop_all()


def test_work_queued_by_a_process_killed_right_after_its_commit_is_sent_by_the_sweep(
    tmp_path: Path, private_redis: PrivateRedis, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp_server
    writer = staff_user(role=Role.WRITER, username="writer", email="writer@example.com")
    editor = staff_user(role=Role.EDITOR, username="editor", email="editor@example.com")
    brief = brief_create(actor=writer, title="Border crossings", body="Text.", authors=[writer])
    stack = _stack(tmp_path, REDIS_URL=private_redis.url, EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}")
    # The process is killed by the first thing its commit runs, before the hand-over to the
    # broker that the submission queued after it.
    submit_then_die = (
        "import os, signal\n"
        "from django.db import transaction\n"
        "from advisory.accounts.models import User\n"
        "from advisory.briefs.models import Brief\n"
        "from advisory.workflow.services import brief_submit\n"
        "with transaction.atomic():\n"
        "    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))\n"
        f"    brief_submit(actor=User.objects.get(pk={writer.pk}), "
        f"brief=Brief.objects.get(pk={brief.pk}))\n"
    )
    killed = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", submit_then_die],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    try:
        assert Brief.objects.get(pk=brief.pk).status == BriefStatus.IN_REVIEW
        kept = UnsentTask.objects.get()
        assert (kept.task, kept.args, kept.error) == (
            "advisory.workflow.tasks.notify_brief_event",
            [AuditEvent.objects.get(verb="brief.submit").pk],
            "",
        )
        stack.worker(concurrency=1)
        sweep = "from advisory.ops.tasks import send_unsent_tasks; print(send_unsent_tasks())"
        # Within its grace the row may still be on its way from a live process: left alone.
        assert stack.manage("shell", "-v", "0", "-c", sweep).strip() == "0"
        UnsentTask.objects.update(created_at=timezone.now() - HANDOVER_GRACE)
        assert stack.manage("shell", "-v", "0", "-c", sweep).strip() == "1"
        wait_until(
            lambda: any(rcpt == [editor.email] for rcpt, _ in inbox.received),
            timeout=60,
            what="the editor's notification",
        )
        assert not UnsentTask.objects.exists()
        assert stack.manage("shell", "-v", "0", "-c", sweep).strip() == "0"
        time.sleep(2)
        assert [rcpt for rcpt, _ in inbox.received].count([editor.email]) == 1
    finally:
        stack.stop_all()


def test_after_postgresql_restarts_the_app_recovers_by_itself(
    tmp_path: Path, private_cluster: PrivateCluster
) -> None:
    public = published_brief()
    session = _session(staff_user(role=Role.EDITOR, username="editor"))
    private_cluster.copy_of(connection.settings_dict["NAME"])
    stack = _stack(tmp_path, DATABASE_URL=private_cluster.url)
    port = free_port()
    try:
        stack.web(port, workers=1)
        visitor, desk = Http(port), Http(port, session)

        def serving() -> list[int]:
            return [
                visitor.status(f"/briefs/{public.slug}/"),
                desk.status("/admin/briefs/brief/"),
                desk.status(f"/admin/briefs/brief/{public.pk}/change/"),
            ]

        # Several rounds, so each of the worker's threads holds a connection to the server.
        for _ in range(4):
            assert serving() == [200, 200, 200]
        assert visitor.json("/readyz")["checks"]["database"]["status"] == "ok"

        private_cluster.stop()
        assert visitor.status("/healthz") == 200
        down = visitor.json("/readyz")
        assert down["status"] == "fail"
        assert down["checks"]["database"]["status"] == "fail"
        assert desk.status("/admin/briefs/brief/") == 500

        private_cluster.start()
        # No restart of gunicorn: each thread finds its connection dead and opens another.
        for _ in range(4):
            assert serving() == [200, 200, 200]
        assert visitor.json("/readyz")["checks"]["database"]["status"] == "ok"
        stack.check_alive()
    finally:
        stack.stop_all()
