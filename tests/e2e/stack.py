"""Advisory's production processes on loopback, for the end-to-end run, the fault tests and
the soak: gunicorn, Celery worker and beat, each a child process logging to a file."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

import psycopg
import redis

REPO = Path(__file__).resolve().parent.parent.parent
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(
    check: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.5
) -> T:
    """Poll `check` until it returns something truthy; fail saying `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def database_recreate(url: str) -> None:
    """Drop and create the database `url` names (never one of the shared ones)."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    assert name and name not in {"postgres", "test", "template0", "template1"}, name
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def redis_flush(url: str) -> None:
    redis.Redis.from_url(url).flushdb()


class Stack:
    """Child processes sharing one environment; each one's output goes to LOGS/<name>.log."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        (self.logs / "manage.log").open("a").write(result.stderr)
        return result.stdout

    def web(self, port: int, *, workers: int = 2, name: str = "web") -> subprocess.Popen[bytes]:
        process = self.start(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "advisory.wsgi:application",
                "--config",
                str(GUNICORN_CONF),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
        )
        wait_until(
            lambda: port_open(port) or self._died(name), timeout=60, what=f"{name} to listen"
        )
        return process

    def worker(self, *, concurrency: int = 2, name: str = "worker") -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "celery", "--app", "advisory", "worker"]
        command += ["--concurrency", str(concurrency), "--loglevel", "INFO"]
        command += ["--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"]
        return self.start(name, command)

    def beat(self, schedule: Path) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "celery", "--app", "advisory", "beat"]
        command += ["--loglevel", "INFO", "--schedule", str(schedule)]
        return self.start("beat", command)

    def _died(self, name: str) -> bool:
        code = self.processes[name].poll()
        if code is not None:
            raise RuntimeError(f"{name} exited with {code}: see {self.logs / name}.log")
        return False

    def check_alive(self) -> None:
        for name in self.processes:
            self._died(name)

    def stop(self, name: str, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)
