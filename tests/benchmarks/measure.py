"""Measuring the portal: gunicorn under wrk for the figures, Django's test client for the SQL."""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.benchmarks.plan import Scenario

HERE = Path(__file__).resolve().parent
LUA_SCRIPT = HERE / "urls.lua"
HOST = "127.0.0.1"
GUNICORN_CONFIG = HERE.parents[1] / "deploy" / "gunicorn.conf.py"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    bad_status: int
    socket_errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, percentile: int) -> float:
        return {50: self.p50_ms, 95: self.p95_ms, 99: self.p99_ms}[percentile]


@dataclass(frozen=True)
class SqlProfile:
    queries: int  # the most any of the sampled addresses ran
    query_counts: tuple[int, ...]
    sql_ms: float  # median over the sampled addresses of the time spent in SQL
    slowest_ms: float
    slowest_sql: str
    statuses: tuple[int, ...]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(*, port: int, workers: int, log: Path) -> Iterator[str]:
    """The project's WSGI application served on loopback with production's settings
    (deploy/gunicorn.conf.py: worker class, threads, keep-alive, access log), DEBUG off."""
    binary = Path(sys.executable).with_name("gunicorn")
    command = [
        str(binary),
        "advisory.wsgi",
        f"--config={GUNICORN_CONFIG}",
        f"--workers={workers}",
        f"--bind={HOST}:{port}",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://{HOST}:{port}"
    try:
        _wait_until_serving(base_url, server)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_serving(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            status_of(base_url + "/static/advisory/portal.css", timeout=5)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 seconds")


def status_of(url: str, cookie: str = "", *, timeout: float = 30) -> int:
    """The HTTP status of a GET, 0 when no answer came in time."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except TimeoutError:
        return 0


def wrk(
    *,
    base_url: str,
    paths: tuple[str, ...],
    cookie: str,
    seconds: int,
    connections: int,
    threads: int,
    scratch: Path,
) -> LoadResult:
    """Drive the server with wrk at a fixed number of open connections, each request to an
    address drawn at random from `paths`."""
    url_file = scratch / "urls.txt"
    url_file.write_text("\n".join(paths) + "\n")
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={LUA_SCRIPT}",
        base_url,
    ]
    env = {**os.environ, "BENCH_URLS": str(url_file), "BENCH_COOKIE": cookie}
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    line = next((line for line in finished.stdout.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{finished.stdout}\n{finished.stderr}")
    figures = json.loads(line.removeprefix("BENCH "))
    return LoadResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        bad_status=figures["bad_status"],
        socket_errors=figures["socket_errors"],
    )


def sql_profile(client: Client, paths: tuple[str, ...]) -> SqlProfile:
    """Run a few addresses in process and look at the SQL each one sends."""
    counts: list[int] = []
    times: list[float] = []
    statuses: list[int] = []
    slowest_ms, slowest_sql = 0.0, ""
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            try:
                status = client.get(path, HTTP_HOST=HOST).status_code
            except Exception:  # a page being built may fail, or hit the statement timeout
                status = 500
        statuses.append(status)
        counts.append(len(captured.captured_queries))
        durations = [float(query["time"]) * 1000 for query in captured.captured_queries]
        times.append(sum(durations))
        for duration, query in zip(durations, captured.captured_queries, strict=True):
            if duration > slowest_ms:
                slowest_ms, slowest_sql = duration, query["sql"]
    return SqlProfile(
        queries=max(counts),
        query_counts=tuple(counts),
        sql_ms=statistics.median(times),
        slowest_ms=slowest_ms,
        slowest_sql=slowest_sql,
        statuses=tuple(statuses),
    )


def explain(sql: str) -> str:
    """PostgreSQL's plan of a query, with what it cost when run."""
    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        return ""
    try:
        return _plan(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
    except DatabaseError as error:
        return f"-- EXPLAIN ANALYZE failed ({error}); the plan without running it:\n" + _plan(
            f"EXPLAIN {sql}"
        )


def _plan(statement: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return "\n".join(row[0] for row in cursor.fetchall())


def scenario_sample(scenario: Scenario, visitor: str, size: int) -> tuple[str, ...]:
    paths = scenario.paths(visitor)
    step = max(1, len(paths) // size)
    return paths[::step][:size]
