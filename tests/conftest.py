"""Test set-up: real PostgreSQL and Redis where they answer, and a loud report where they do not.

Under CI (CI=true) nothing may be skipped: a run with skipped tests fails.
"""

import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.celery import app as celery_app

# Shared fixtures: a real SMTP server on loopback.
pytest_plugins = ["tests.smtp"]

hypothesis_settings.register_profile(
    "advisory", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("advisory")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_missing: list[str] = []


def _reachable(url: str, default_port: int) -> bool:
    parts = urlparse(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    # Tests serve static files from the source folders, without collectstatic's manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = Path(tempfile.mkdtemp(prefix="advisory-static-"))
    # Tasks run in the test's own process unless a test starts real workers
    # (tests/celery_workers.py), so nothing is left queued on the broker.
    celery_app.conf.task_always_eager = True
    # Every test client comes from one address, and a run sends far more requests a minute
    # than a visitor may: the API's throttles are off unless a test sets its own rates.
    settings.API_THROTTLE_RATE = None
    settings.API_ANON_THROTTLE_RATE = None
    # Test databases reuse ids from run to run: keep each run's cache entries apart.
    run = uuid.uuid4().hex[:8]
    for alias, cache in settings.CACHES.items():
        cache["KEY_PREFIX"] = f"test-{run}-{alias}"
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql" or not _reachable(
        f"postgres://{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}", 5432
    ):
        _missing.append("PostgreSQL")
        settings.DATABASES["default"] = {
            **database,
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "OPTIONS": {},
        }
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url or not _reachable(redis_url, 6379):
        _missing.append("Redis")
    if not Path(CHROMIUM).exists():
        _missing.append("Chromium")
    if _missing:
        banner = "!" * 78
        fallback = " The rest runs on SQLite." if "PostgreSQL" in _missing else ""
        print(
            f"\n{banner}\n!! NOT AVAILABLE: {', '.join(_missing)}."
            f" Tests that need it are SKIPPED.{fallback}\n{banner}\n"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needs = {"postgres": "PostgreSQL", "redis": "Redis", "browser": "Chromium"}
    for item in items:
        for marker, service in needs.items():
            if service in _missing and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"{service} is not available"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if _missing:
        terminalreporter.section("SERVICES MISSING", sep="!")
        terminalreporter.line(f"Not available: {', '.join(_missing)}; {len(skipped)} skipped.")
    if os.environ.get("CI") and skipped:
        terminalreporter.section("CI SKIPS NOTHING", sep="!")
        terminalreporter.line(f"{len(skipped)} tests were skipped under CI: the run fails.")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter and reporter.stats.get("skipped"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _isolated_var_dir(tmp_path: Path, settings: SettingsWrapper) -> None:
    """Files a test writes (mail, media) go to its own temporary folder."""
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def chromium_path() -> str:
    return CHROMIUM
