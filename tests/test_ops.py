"""Operations: health checks, request ids in logs, tasks kept while the broker is down, the
operations page."""

import json
import logging
import socket
import time
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.accounts.models import Role
from advisory.celery import app as celery_app
from advisory.digests.models import Delivery, DeliveryStatus, DigestRun, Frequency, Subscription
from advisory.lib.cache import DegradingRedisCache
from advisory.ops import health
from advisory.ops.logs import JsonFormatter, log_context, logging_config, request_id_from
from advisory.ops.models import TaskFailure, UnsentTask, WorkerHeartbeat
from advisory.ops.queueing import task_send
from advisory.ops.tasks import record_heartbeat, send_unsent_tasks
from advisory.workflow.tasks import notify_brief_event
from tests.celery_workers import celery_workers
from tests.factories import client_reader, staff_user

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def workers_seen() -> None:
    for queue in ("celery", "mail"):
        WorkerHeartbeat.objects.create(queue=queue, hostname="w@test", seen_at=timezone.now())


# Health -------------------------------------------------------------------------------------


def test_healthz_answers_without_the_database(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_is_ok_when_every_check_passes(client: Client, workers_seen: None) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "cache", "broker", "workers"}
    assert all(check["status"] == "ok" for check in body["checks"].values()), body
    assert body["checks"]["cache"]["backend"] == "advisory.lib.cache.DegradingRedisCache"
    assert set(body["checks"]["workers"]["age_seconds"]) == {"celery", "mail"}


def test_readyz_names_the_broker_when_it_does_not_answer(
    client: Client, workers_seen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(celery_app.conf, "broker_url", f"redis://127.0.0.1:{_closed_port()}/0")
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["broker"]["error"]
    failing = {name for name, check in body["checks"].items() if check["status"] == "fail"}
    assert failing == {"broker"}


def test_readyz_fails_while_no_worker_has_answered_lately(client: Client) -> None:
    WorkerHeartbeat.objects.create(
        queue="celery", hostname="w@old", seen_at=timezone.now() - timezone.timedelta(minutes=10)
    )
    body = client.get("/readyz").json()
    assert body["checks"]["workers"]["status"] == "fail"
    assert "celery, mail" in body["checks"]["workers"]["error"]
    assert body["checks"]["workers"]["age_seconds"]["celery"] >= 600


def test_readyz_names_unapplied_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    class OnePending:
        def __init__(self, connection: object) -> None:
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})()

        def migration_plan(self, targets: object) -> list[tuple[object, bool]]:
            migration = type("M", (), {"app_label": "ops", "name": "0002_next"})()
            return [(migration, False)]

    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(health, "MigrationExecutor", OnePending)
    result = health.check_migrations()
    assert not result.ok
    assert result.detail == {"unapplied": ["ops.0002_next"]}


def test_readyz_names_the_cache_when_redis_does_not_answer(
    client: Client, settings: SettingsWrapper, workers_seen: None
) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "advisory.lib.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        },
    }
    response = client.get("/readyz")
    checks = response.json()["checks"]
    assert response.status_code == 503
    assert {name for name, check in checks.items() if check["status"] == "fail"} == {"cache"}
    assert "onnect" in checks["cache"]["error"]


def test_the_heartbeat_is_taken_by_a_real_worker(transactional_db: None) -> None:
    with celery_workers(1) as queue:
        record_heartbeat.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while not WorkerHeartbeat.objects.filter(queue=queue).exists():
            assert time.monotonic() < deadline, "no worker took the heartbeat"
            time.sleep(0.2)
    beat = WorkerHeartbeat.objects.get(queue=queue)
    assert (timezone.now() - beat.seen_at).total_seconds() < 60
    assert beat.hostname.startswith(queue)


# The degrading cache ------------------------------------------------------------------------


def test_the_cache_serves_misses_while_redis_is_away() -> None:
    cache = DegradingRedisCache(f"redis://127.0.0.1:{_closed_port()}/0", {})
    assert cache.get("anything", "default") == "default"
    cache.set("key", "value")
    assert cache.add("key", "value") is True
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("key") is False
    # After a failure the cache is left alone for a while: no connection is even tried.
    assert cache.get("anything") is None


def test_the_configured_cache_is_the_degrading_one() -> None:
    assert isinstance(caches["default"], DegradingRedisCache)
    caches["default"].set("ops-probe", 1)
    assert caches["default"].get("ops-probe") == 1


# Tasks the broker refused -------------------------------------------------------------------


def test_a_task_the_broker_refuses_is_kept_and_sent_by_the_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[tuple[str, list[Any]]] = []

    def broker_down(*args: Any, **options: Any) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(notify_brief_event, "apply_async", broker_down)
    with log_context(request_id="req-12345678"):
        task_send(notify_brief_event, [42])
    unsent = UnsentTask.objects.get()
    assert (unsent.task, unsent.args, unsent.request_id) == (
        "advisory.workflow.tasks.notify_brief_event",
        [42],
        "req-12345678",
    )
    assert "Connection refused" in unsent.error

    # Still down: the sweep keeps it.
    monkeypatch.setattr(celery_app, "send_task", broker_down)
    assert send_unsent_tasks() == 0
    assert UnsentTask.objects.count() == 1

    monkeypatch.setattr(
        celery_app, "send_task", lambda name, args, **options: sent.append((name, args))
    )
    assert send_unsent_tasks() == 1
    assert sent == [("advisory.workflow.tasks.notify_brief_event", [42])]
    assert not UnsentTask.objects.exists()


# Logs ---------------------------------------------------------------------------------------


def test_a_well_formed_request_id_is_kept_and_anything_else_replaced() -> None:
    assert request_id_from("edge-0123456789abcdef") == "edge-0123456789abcdef"
    for bad in (None, "", "short", "has space 123456", "x" * 200, 'quote"1234567', "a\nb12345678"):
        replaced = request_id_from(bad)
        assert replaced != bad and len(replaced) == 32


def test_the_request_id_is_returned_and_in_every_log_line_of_the_request(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("advisory.test")

    response = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-request-0001")
    assert response["X-Request-ID"] == "proxy-request-0001"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id")["X-Request-ID"]
    assert generated != "bad id" and len(generated) == 32

    # A page that logs: the sign-in of an unknown user is refused with a warning from axes.
    with caplog.at_level(logging.WARNING):
        response = client.post(
            "/account/sign-in/",
            {"username": "nobody", "password": "wrong"},
            HTTP_X_REQUEST_ID="proxy-request-0002",
        )
        logger.warning("outside any request")
    inside = [r for r in caplog.records if r.name != "advisory.test"]
    assert inside, "the refused sign-in logged nothing"
    assert all(r.context.get("request_id") == "proxy-request-0002" for r in inside)
    outside = [r for r in caplog.records if r.name == "advisory.test"]
    assert "request_id" not in outside[0].context


def test_json_lines_carry_the_context_and_extras() -> None:
    config = logging_config(log_format="json", level="INFO")
    assert config["formatters"]["default"] == {"()": JsonFormatter}
    record = logging.LogRecord("advisory.x", logging.WARNING, __file__, 1, "sent %d", (3,), None)
    record.context = {"request_id": "r-12345678", "run_id": 7}
    record.delivery_id = 12
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "sent 3"
    assert line["level"] == "WARNING"
    assert (line["request_id"], line["run_id"], line["delivery_id"]) == ("r-12345678", 7, 12)


def test_gunicorn_access_lines_become_fields() -> None:
    atoms = {"h": "127.0.0.1", "m": "GET", "U": "/briefs/", "q": "", "s": 200, "B": 512}
    atoms |= {"M": 12, "a": "wrk", "{x-request-id}o": "abcdef0123456789"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(m)s", (), None)
    record.args = atoms
    line = json.loads(JsonFormatter().format(record))
    assert line["method"] == "GET" and line["path"] == "/briefs/" and line["status"] == 200
    assert line["request_id"] == "abcdef0123456789" and line["duration_ms"] == 12


def test_a_task_log_line_carries_the_task_and_the_request_that_queued_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("advisory.test")

    @celery_app.task(name="tests.test_ops.logging_task")
    def logging_task() -> None:
        logger.warning("inside the task")

    with caplog.at_level(logging.WARNING), log_context(request_id="req-abcdef12"):
        logging_task.apply_async(headers={"request_id": "req-abcdef12"})
    [record] = [r for r in caplog.records if r.getMessage() == "inside the task"]
    context = record.context
    assert context["task"] == "tests.test_ops.logging_task"
    assert context["task_id"]
    assert context["request_id"] == "req-abcdef12"


def test_a_task_that_fails_is_recorded_for_the_operations_page() -> None:
    @celery_app.task(name="tests.test_ops.failing_task")
    def failing_task(number: int) -> None:
        raise ValueError(f"bad number {number}")

    failing_task.apply_async((5,))
    failure = TaskFailure.objects.get(task="tests.test_ops.failing_task")
    assert failure.error == "ValueError: bad number 5"
    assert "5" in failure.args


# The operations page ------------------------------------------------------------------------


@pytest.fixture
def run_with_failure() -> Delivery:
    reader = client_reader(email="reader@example.com")
    subscription = Subscription.objects.create(
        user=reader, email=reader.email, frequency=Frequency.DAILY
    )
    now = timezone.now()
    run = DigestRun.objects.create(frequency=Frequency.DAILY, window_end=now)
    return Delivery.objects.create(
        run=run,
        subscription=subscription,
        window_end=now,
        status=DeliveryStatus.FAILED,
        attempts=5,
        last_error="550 mailbox unavailable",
    )


def test_the_operations_page_shows_queues_runs_and_failures(
    client: Client, run_with_failure: Delivery, workers_seen: None
) -> None:
    TaskFailure.objects.create(task="advisory.x", task_id="t-1", error="ValueError: boom")
    admin = staff_user(role=Role.DESK_ADMIN, username="deskadmin")
    client.force_login(admin)
    response = client.get("/admin/operations/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>celery</code>" in page and "<code>mail</code>" in page
    assert "550 mailbox unavailable" in page
    assert "ValueError: boom" in page
    assert str(run_with_failure.run) in page
    assert 'href="/admin/operations/"' in page


def test_queue_depth_is_read_from_redis(client: Client, settings: SettingsWrapper) -> None:
    import redis

    from advisory.ops.selectors import queue_depths

    connection = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    connection.delete("mail")
    connection.rpush("mail", "m1", "m2", "m3")
    try:
        depths = {depth.queue: depth.waiting for depth in queue_depths()}
    finally:
        connection.delete("mail")
    assert depths["mail"] == 3


def test_the_operations_page_is_for_desk_admins_only(client: Client) -> None:
    editor = staff_user(role=Role.EDITOR, username="editor")
    client.force_login(editor)
    assert client.get("/admin/operations/").status_code == 403
    assert 'href="/admin/operations/"' not in client.get("/admin/").content.decode()
    client.logout()
    response = client.get("/admin/operations/")
    assert response.status_code == 200 and b"login-form" in response.content
