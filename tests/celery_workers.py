"""Real Celery workers in child processes, on the Redis broker, against the test database."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings
from django.db import connection

from advisory.celery import app as celery_app
from tests.commandline import REPO


def worker_environment(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """What a worker needs to reach the test database and broker, plus `extra_env`."""
    database = connection.settings_dict
    return {
        **{k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}},
        # The same key as the test process: links the worker signs must verify here.
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "REDIS_URL": os.environ["REDIS_URL"],
        **(extra_env or {}),
    }


def worker_start(
    queue: str, *, concurrency: int, env: dict[str, str], name: str
) -> subprocess.Popen[bytes]:
    """One worker on `queue`, in a session of its own so a test can kill it with its pool."""
    command = [sys.executable, "-m", "celery", "--app", "advisory", "worker", "--queues", queue]
    command += ["--concurrency", str(concurrency), "--loglevel", "WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(
        [*command, "--hostname", f"{name}@%h"], cwd=REPO, env=env, start_new_session=True
    )


@contextmanager
def celery_workers(
    count: int, *, concurrency: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start `count` workers on a queue of their own; yields the queue name to send to.

    `extra_env` adds to the workers' environment, e.g. EMAIL_URL for a test's SMTP server.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = worker_environment(extra_env)
    workers = [
        worker_start(queue, concurrency=concurrency, env=env, name=f"{queue}-{n}")
        for n in range(count)
    ]
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = eager
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        # Follow-up tasks the workers queued (notifications) go to the default queue, which
        # no test worker reads.
        redis.Redis.from_url(env["REDIS_URL"]).delete(queue, celery_app.conf.task_default_queue)
