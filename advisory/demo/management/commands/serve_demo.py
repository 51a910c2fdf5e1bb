import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from advisory.demo.loader import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = (
        "Serve the demo: gunicorn for the portal, admin and API, and a Celery worker with its "
        "embedded beat, so scheduled work runs. Stops both on Ctrl-C."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args: Any, bind: str, **options: Any) -> None:
        broker_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        for key in ("data_folder_in", "control_folder"):
            if key in broker_options:
                Path(str(broker_options[key])).mkdir(parents=True, exist_ok=True)
        # Production's gunicorn settings (deploy/gunicorn.conf.py), on the demo's address.
        config = settings.BASE_DIR / "deploy" / "gunicorn.conf.py"
        web = [sys.executable, "-m", "gunicorn", "advisory.wsgi:application", "--bind", bind]
        web += ["--config", str(config), "--workers", "2"]
        worker = [
            sys.executable,
            "-m",
            "celery",
            "--quiet",
            "--app",
            "advisory",
            "worker",
            "--beat",
        ]
        worker += ["--concurrency", "2", "--loglevel", "INFO"]
        worker += ["--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME]
        processes = {"web": subprocess.Popen(web), "worker": subprocess.Popen(worker)}
        # The banner comes once the site answers, so it is the last thing on the screen.
        host, _, port = bind.rpartition(":")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and processes["web"].poll() is None:
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        self._banner(bind)
        stop = False

        def request_stop(signum: int, frame: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        failed = None
        while not stop and failed is None:
            time.sleep(0.5)
            failed = next((name for name, p in processes.items() if p.poll() is not None), None)
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if failed is not None:
            raise CommandError(
                f"the {failed} process stopped (exit {processes[failed].returncode})"
            )

    def _banner(self, bind: str) -> None:
        url = f"http://{bind}"
        lines = [
            "",
            f"Advisory demo is serving on {url}",
            f"  portal  {url}/",
            f"  admin   {url}/admin/",
            f"  email   {getattr(settings, 'EMAIL_FILE_PATH', settings.EMAIL_BACKEND)}",
            f"Logins (password: {DEMO_PASSWORD}):",
            *(f"  {u.username:<10} {u.role.label}" for u in DEMO_USERS),
            "Ctrl-C stops the web server and the worker.",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
