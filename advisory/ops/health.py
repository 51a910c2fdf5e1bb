"""What /readyz checks: each check says ok or what is wrong, and nothing raises."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from advisory.celery import app as celery_app
from advisory.lib.cache import cache_ping
from advisory.ops.models import WorkerHeartbeat


@dataclass
class CheckResult:
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def as_json(self, duration_ms: float) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "fail",
            **({"error": self.error} if self.error else {}),
            **self.detail,
            "duration_ms": round(duration_ms, 1),
        }


def check_database() -> CheckResult:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return CheckResult(ok=True)


# Once every migration of this code is applied it stays so for the life of the process: the
# check then costs nothing (reading the migration graph takes a tenth of a second).
_migrations_applied = False


def check_migrations() -> CheckResult:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            names = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
            return CheckResult(ok=False, error="unapplied migrations", detail={"unapplied": names})
        _migrations_applied = True
    return CheckResult(ok=True)


def check_cache() -> CheckResult:
    cache_ping(caches["default"])
    return CheckResult(ok=True, detail={"backend": settings.CACHES["default"]["BACKEND"]})


def check_broker() -> CheckResult:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return CheckResult(ok=True, detail={"transport": connection.transport_cls})


def check_workers() -> CheckResult:
    """A worker took the beat's heartbeat off each queue lately."""
    queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    seen = dict(WorkerHeartbeat.objects.values_list("queue", "seen_at"))
    now = timezone.now()
    ages = {queue: round((now - seen[queue]).total_seconds()) for queue in queues if queue in seen}
    limit = settings.WORKER_HEARTBEAT_MAX_AGE
    late = [queue for queue in queues if ages.get(queue, limit + 1) > limit]
    detail: dict[str, Any] = {"age_seconds": ages, "max_age_seconds": limit}
    if late:
        return CheckResult(
            ok=False, error=f"no worker answered lately on: {', '.join(late)}", detail=detail
        )
    return CheckResult(ok=True, detail=detail)


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
    "workers": check_workers,
}


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Every check, run one after another; a check that raises has failed with that error."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            result = check()
        except Exception as error:  # a check reports failure; it never takes the page down
            result = CheckResult(ok=False, error=f"{type(error).__name__}: {error}"[:500])
        results[name] = result.as_json((time.monotonic() - started) * 1000)
    return all(r["status"] == "ok" for r in results.values()), results
