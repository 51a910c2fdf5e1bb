"""Soak (`make soak`): mixed portal traffic for a long while, watching for errors and for
memory that grows.

A fresh PostgreSQL database with the demo's content, gunicorn as in production
(deploy/gunicorn.conf.py, workers never recycled) on loopback, and two wrk clients: one a
visitor, one a signed-in reader, each requesting pages picked at random from the portal, the
search, the feeds and the API. Every few seconds the resident memory of each gunicorn worker
is read from /proc. At the end the figures (requests, errors, memory per worker at the start,
after warming up and at the end) are written to tests/benchmarks/README.md, in the soak's own
section.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.stack import (
    REPO,
    Stack,
    database_recreate,
    free_port,
    port_open,
    redis_flush,
    wait_until,
)

OUT = REPO / "var" / "soak"
README = REPO / "tests" / "benchmarks" / "README.md"
START, END = "<!-- soak:start -->", "<!-- soak:end -->"
# Memory after this long is the baseline growth is measured from: caches and lazily loaded
# code fill up in the first minute.
WARM_UP_SECONDS = 60

_PATHS = """
import json
from django.test import Client
from advisory.accounts.models import User
from advisory.briefs.models import Brief
from advisory.entities.models import Entity, Region
from taggit.models import Tag
client = Client()
client.force_login(User.objects.get(username="reader"))
print(json.dumps({
    "session": client.cookies["sessionid"].value,
    "briefs": list(Brief.objects.filter(status="published").values_list("slug", flat=True)),
    "entities": list(Entity.objects.values_list("slug", flat=True)[:30]),
    "regions": list(Region.objects.values_list("slug", flat=True)[:20]),
    "tags": list(Tag.objects.values_list("slug", flat=True)[:20]),
}))
"""

_SEARCHES = ["oil", "militia", "election", "sanctions", "Maliki", "Basra", "port", "drone"]


def portal_paths(slugs: dict[str, list[str]], *, signed_in: bool) -> list[str]:
    paths = ["/", "/briefs/", "/briefs/?page=2", "/feeds/latest.atom", "/sitemap.xml"]
    paths += [f"/briefs/{slug}/" for slug in slugs["briefs"]] * 3
    paths += [f"/entities/{slug}/" for slug in slugs["entities"]]
    paths += [f"/regions/{slug}/" for slug in slugs["regions"]]
    paths += [f"/topics/{slug}/" for slug in slugs["tags"]]
    paths += [f"/search/?q={term}" for term in _SEARCHES]
    paths += ["/api/v1/briefs/", "/api/v1/entities/?q=al"]
    if signed_in:
        paths += ["/following/", "/digests/", "/account/", "/feeds/"]
    return paths


def wrk_script(paths: list[str], cookie: str) -> str:
    quoted = ",\n  ".join(json.dumps(path) for path in paths)
    header = f'wrk.headers["Cookie"] = {json.dumps(cookie)}\n' if cookie else ""
    return f"""{header}local paths = {{
  {quoted}
}}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


@dataclass
class WrkResult:
    requests: int = 0
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    latency: str = ""
    output: str = ""


def parse_wrk(output: str) -> WrkResult:
    result = WrkResult(output=output)
    if match := re.search(r"(\d+) requests in", output):
        result.requests = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result.non_2xx_3xx = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        result.socket_errors = sum(int(n) for n in match.groups())
    if match := re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output):
        result.latency = f"mean {match.group(1)}, max {match.group(3)}"
    return result


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return sorted(found)


def rss_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) if match else None


@dataclass
class Memory:
    start: dict[int, int] = field(default_factory=dict)
    warm: dict[int, int] = field(default_factory=dict)
    end: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    samples: list[tuple[float, dict[int, int]]] = field(default_factory=list)

    def sample(self, elapsed: float, workers: list[int]) -> dict[int, int]:
        now = {pid: kib for pid in workers if (kib := rss_kib(pid)) is not None}
        self.samples.append((elapsed, now))
        for pid, kib in now.items():
            self.peak[pid] = max(self.peak.get(pid, 0), kib)
        return now


def mib(kib: int | None) -> str:
    return "—" if kib is None else f"{kib / 1024:.1f}"


def report(
    options: argparse.Namespace, results: dict[str, WrkResult], memory: Memory, errors: int
) -> str:
    total = sum(r.requests for r in results.values())
    failed = sum(r.non_2xx_3xx + r.socket_errors for r in results.values())
    lines = [
        START,
        "## Soak",
        "",
        '`make soak` (tests/benchmarks/soak.py; `SOAK_ARGS="--seconds 120"` for a short one):',
        f"{options.seconds / 60:g} minutes of mixed portal traffic (pages, search, feeds, API; a "
        "visitor and a signed-in reader, pages picked at random) from two wrk clients with "
        f"{options.connections} connections each, against gunicorn ({options.workers} workers as "
        "deploy/gunicorn.conf.py sets them, never recycled) on loopback, PostgreSQL with the demo "
        "content, Redis as cache. Memory is each gunicorn worker's resident set (VmRSS).",
        "",
        f"Run {time.strftime('%d %B %Y %H:%M UTC', time.gmtime())} on the 2-core machine, "
        f"shared with other work (load average {os.getloadavg()[0]:.1f} at the end): "
        "throughput and latency say more about the machine than the app; errors and memory "
        "are the point.",
        "",
        "| client | requests | non-2xx/3xx | socket errors | latency |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, result in results.items():
        lines.append(
            f"| {name} | {result.requests:,} | {result.non_2xx_3xx} | {result.socket_errors} "
            f"| {result.latency} |"
        )
    lines += [
        f"| **total** | **{total:,}** ({total / options.seconds:.0f}/s) | **{failed}** errors "
        f"| | |",
        "",
        f"Errors the app logged (ERROR lines in gunicorn's log): {errors}.",
        "",
        f"| worker (pid) | RSS at start, MiB | after {WARM_UP_SECONDS} s | at the end | peak "
        "| growth after warm-up |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for pid in sorted(memory.peak):
        warm, end = memory.warm.get(pid), memory.end.get(pid)
        growth = f"{(end - warm) / 1024:+.1f} MiB" if warm and end else "—"
        lines.append(
            f"| {pid} | {mib(memory.start.get(pid))} | {mib(warm)} | {mib(end)} "
            f"| {mib(memory.peak[pid])} | {growth} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def write_readme(section: str) -> None:
    text = README.read_text()
    if START in text and END in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", 600)))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--sample-every", type=float, default=5.0)
    parser.add_argument("--no-readme", action="store_true", help="print, do not write")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/soak_advisory"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("SOAK_PORT", "8107")))
    options = parser.parse_args()
    if not shutil.which("wrk"):
        print("soak: wrk is not installed (make soak installs it)", file=sys.stderr)
        return 1

    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "var").mkdir(parents=True)
    env = {
        **{k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}},
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": options.database_url,
        "REDIS_URL": options.redis_url,
        "ADVISORY_VAR_DIR": str(OUT / "var"),
        "STATIC_ROOT": str(OUT / "static"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_FORMAT": "plain",
    }
    stack = Stack(env, OUT / "logs")
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[soak {time.monotonic() - started:6.1f}s] {message}", flush=True)

    try:
        say(f"fresh database {options.database_url.rsplit('/', 1)[-1]}")
        database_recreate(options.database_url)
        redis_flush(options.redis_url)
        stack.manage("migrate", "--noinput")
        stack.manage("collectstatic", "--noinput", "-v0")
        stack.manage("load_demo")
        slugs = json.loads(stack.manage("shell", "-v", "0", "-c", _PATHS).strip().splitlines()[-1])
        port = options.port or free_port()
        if port_open(port):
            raise RuntimeError(f"port {port} is taken: set SOAK_PORT to a free one")
        web = stack.start(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "advisory.wsgi:application",
                "--config",
                str(REPO / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
                "--max-requests",
                "0",
                # Tens of thousands of access lines would weigh on the machine, not the app.
                "--access-logfile",
                "/dev/null",
            ],
        )
        wait_until(lambda: port_open(port), timeout=60, what="gunicorn to listen")
        workers = wait_until(
            lambda: len(children(web.pid)) == options.workers and children(web.pid),
            timeout=30,
            what="the gunicorn workers",
        )
        memory = Memory()
        memory.start = memory.sample(0, workers)
        say(f"gunicorn on 127.0.0.1:{port}, workers {workers}; load for {options.seconds} s")

        clients = {
            "visitor": portal_paths(slugs, signed_in=False),
            "reader (signed in)": portal_paths(slugs, signed_in=True),
        }
        runs: dict[str, subprocess.Popen[str]] = {}
        for index, (name, paths) in enumerate(clients.items()):
            script = OUT / f"client{index}.lua"
            cookie = f"sessionid={slugs['session']}" if "reader" in name else ""
            script.write_text(wrk_script(paths, cookie))
            command = ["wrk", "--threads", "1", "--connections", str(options.connections)]
            command += ["--duration", f"{options.seconds}s", "--timeout", "10s", "--latency"]
            command += ["--script", str(script), f"http://127.0.0.1:{port}"]
            runs[name] = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)

        load_started = time.monotonic()
        next_report = 60.0
        while any(run.poll() is None for run in runs.values()):
            time.sleep(options.sample_every)
            elapsed = time.monotonic() - load_started
            now = memory.sample(elapsed, workers)
            if not memory.warm and elapsed >= WARM_UP_SECONDS:
                memory.warm = now
            if elapsed >= next_report:
                rss = ", ".join(f"{pid}: {mib(kib)} MiB" for pid, kib in now.items())
                say(f"{elapsed:.0f} s under load; RSS {rss}")
                next_report += 60
            if web.poll() is not None:
                raise RuntimeError("gunicorn stopped under load: see var/soak/logs/web.log")
        memory.end = memory.sample(time.monotonic() - load_started, workers)
        if not memory.warm:
            memory.warm = memory.start
        results = {name: parse_wrk(run.communicate()[0]) for name, run in runs.items()}
        for name, result in results.items():
            (OUT / f"wrk-{name.split()[0]}.txt").write_text(result.output)
        log = (OUT / "logs" / "web.log").read_text()
        errors = len(re.findall(r" ERROR ", log))
        section = report(options, results, memory, errors)
        print(section)
        if not options.no_readme:
            write_readme(section)
            say("figures written to tests/benchmarks/README.md")
        failed = sum(r.non_2xx_3xx + r.socket_errors for r in results.values()) + errors
        return 1 if failed else 0
    finally:
        stack.stop_all()


if __name__ == "__main__":
    sys.exit(main())
