"""Run manage.py in a child process, as a user or another tool would."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """manage.py with exactly `env` (plus PATH, HOME and LANG)."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage_on_test_database(*args: str) -> subprocess.CompletedProcess[str]:
    """manage.py against the test run's PostgreSQL database; the test must commit its rows."""
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    return manage(*args, env={"SECRET_KEY": "test-only", "DATABASE_URL": url})
