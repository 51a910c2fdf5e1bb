"""`make bench`: the client portal under load, on a fresh PostgreSQL database of 10,000 briefs.

Seeds the database (dropped and created again: its name must start with "bench_"), serves it
with gunicorn (2 workers, DEBUG off) on loopback, drives each page with wrk at 16 open
connections as an anonymous visitor and as a signed-in entitled reader, looks at the SQL each
page sends, and writes the figures to tests/benchmarks/README.md.

    python -m tests.benchmarks.run [--database-url URL] [--seconds 10] [--reuse]
"""

import argparse
import datetime
import functools
import os
import platform
import random
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import django
import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from tests.benchmarks.measure import LoadResult, SqlProfile

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
README = HERE / "README.md"
WORK_DIR = ROOT / "var" / "bench"
RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_portal"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
BRIEFS = 10_000
ENTITIES = 2_000
PROFILE_SAMPLE = 4
STATEMENT_TIMEOUT_MS = 5000


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL
    )
    parser.add_argument("--seconds", type=int, default=10, help="load per row (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up per row (default 2)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--briefs", type=int, default=BRIEFS)
    parser.add_argument("--entities", type=int, default=ENTITIES)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of the last run instead of seeding"
    )
    parser.add_argument("--only", nargs="*", default=[], help="scenario keys to run, e.g. search")
    parser.add_argument("--no-readme", action="store_true", help="print the figures only")
    return parser.parse_args(argv)


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("bench_"):
        raise SystemExit(
            f"The benchmark drops and recreates its database; {name!r} does not start with"
            " 'bench_', so it is not taken to be one."
        )
    return name


def database_recreate(url: str) -> None:
    name = database_name(url)
    maintenance = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_configure(*, database_url: str, redis_url: str) -> None:
    """The settings gunicorn gets too: they are read from the environment it inherits."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="advisory.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        ADVISORY_VAR_DIR=str(WORK_DIR),
        LOG_LEVEL="WARNING",
    )
    django.setup()


@dataclass(frozen=True)
class Row:
    title: str
    visitor: str
    target: tuple[int, float] | None
    load: "LoadResult | None"
    profile: "SqlProfile"
    note: str = ""

    def verdict(self) -> str:
        if self.target is None or self.load is None:
            return ""
        if not self.load.requests:
            return "MISSED: no request completed"
        if self.load.bad_status or self.load.socket_errors:
            return "MISSED: errors"
        percentile, limit = self.target
        measured = self.load.percentile_ms(percentile)
        return f"p{percentile} < {limit:.0f} ms: {'met' if measured < limit else 'MISSED'}"


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores{f' ({model})' if model else ''}, {platform.system()}"


def main(argv: list[str]) -> int:
    options = arguments(argv)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    name = database_name(options.database_url)
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    if not options.reuse:
        say(f"creating the database {name}")
        database_recreate(options.database_url)
    django_configure(database_url=options.database_url, redis_url=options.redis_url)

    from django.core.management import call_command

    seed_seconds = None
    if not options.reuse:
        say("migrating")
        call_command("migrate", verbosity=0, interactive=False)
        from tests.benchmarks.seed import seed

        say(f"seeding {options.briefs:,} briefs and {options.entities:,} entities")
        summary = seed(briefs=options.briefs, entities=options.entities, progress=say)
        seed_seconds = summary.seconds
        say(f"seeded in {summary.seconds:.0f}s")
    call_command("collectstatic", interactive=False, verbosity=0)
    rows, data = _measure(options)
    data["load"] = (
        f"load average {load_before:.1f} when the run began, {os.getloadavg()[0]:.1f} at its end"
    )
    report = _report(rows, data, options=options, seed_seconds=seed_seconds)
    print()
    print(report)
    if not options.no_readme:
        _readme_write(report)
        say(f"figures written to {README.relative_to(ROOT)}")
    say(f"done in {time.monotonic() - started:.0f}s")
    return 0


def _measure(options: argparse.Namespace) -> tuple[list["Row"], dict[str, str]]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from advisory.accounts.models import User
    from tests.benchmarks import measure, plan
    from tests.benchmarks.seed import READER_USERNAME

    # From here on no statement may run longer than this, in process or in gunicorn (which
    # inherits the environment), so a pathological page costs a bounded time.
    os.environ["PGOPTIONS"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    connection.close()
    # The portal caches pages and results: every run starts from an empty cache (the bench's
    # own Redis database), so first visits weigh the same in each and `--reuse` is repeatable.
    cache.clear()
    reader = User.objects.get(username=READER_USERNAME)
    scenarios = plan.scenarios(reader=reader, rng=random.Random(7))
    if options.only:
        scenarios = [s for s in scenarios if s.key in options.only]
    reader_client = Client()
    reader_client.force_login(reader, backend="advisory.accounts.backends.ReaderBackend")
    session = reader_client.cookies["sessionid"].value
    clients = {plan.ANONYMOUS: Client(), plan.READER: reader_client}
    cookies = {plan.ANONYMOUS: "", plan.READER: f"sessionid={session}"}

    plans_dir = WORK_DIR / "plans"
    plans_dir.mkdir(exist_ok=True)
    profiles = {}
    for scenario in scenarios:
        for visitor in (plan.ANONYMOUS, plan.READER):
            sample = measure.scenario_sample(scenario, visitor, PROFILE_SAMPLE)
            profile = measure.sql_profile(clients[visitor], sample)
            profiles[(scenario.key, visitor)] = profile
            plan_text = measure.explain(profile.slowest_sql) if profile.slowest_sql else ""
            slug = f"{scenario.key}-{visitor.split()[0]}"
            (plans_dir / f"{slug}.txt").write_text(
                f"-- slowest query: {profile.slowest_ms:.1f} ms\n{profile.slowest_sql}\n\n"
                f"{plan_text}\n"
            )
            say(
                f"SQL {scenario.title} ({visitor}): {profile.query_counts} queries, "
                f"median {profile.sql_ms:.1f} ms in SQL, statuses {sorted(set(profile.statuses))}"
            )

    rows: list[Row] = []
    log = WORK_DIR / "gunicorn.log"
    port = measure.free_port()
    with measure.gunicorn(port=port, workers=options.workers, log=log) as base_url:
        say(f"gunicorn serving on {base_url} with {options.workers} workers")
        for scenario in scenarios:
            for visitor in (plan.ANONYMOUS, plan.READER):
                profile = profiles[(scenario.key, visitor)]
                paths = scenario.paths(visitor)
                statuses = {
                    measure.status_of(base_url + path, cookies[visitor], timeout=10)
                    for path in paths[:2]
                }
                if statuses - {200}:
                    rows.append(
                        Row(
                            scenario.title,
                            visitor,
                            scenario.target,
                            None,
                            profile,
                            note=f"not measured: {_statuses_described(statuses)}",
                        )
                    )
                    say(f"{scenario.title} ({visitor}): {_statuses_described(statuses)}, skipped")
                    continue
                run_load = functools.partial(
                    measure.wrk,
                    base_url=base_url,
                    paths=paths,
                    cookie=cookies[visitor],
                    connections=options.connections,
                    threads=2,
                    scratch=WORK_DIR,
                )
                run_load(seconds=options.warmup)
                load = run_load(seconds=options.seconds)
                rows.append(Row(scenario.title, visitor, scenario.target, load, profile))
                say(
                    f"{scenario.title} ({visitor}): {load.per_second:.0f} req/s, "
                    f"p50 {load.p50_ms:.1f} p95 {load.p95_ms:.1f} p99 {load.p99_ms:.1f} ms"
                    + f", {load.requests} requests, {load.bad_status} bad statuses, "
                    f"{load.socket_errors} socket errors"
                )
    data = _data_sizes()
    return rows, data


def _statuses_described(statuses: set[int]) -> str:
    return ", ".join(
        f"HTTP {status}" if status else "no answer in 10 s" for status in sorted(statuses)
    )


def _data_sizes() -> dict[str, str]:
    from django.db import connection
    from django.db.models import Avg, Count

    from advisory.accounts.models import Membership, Role
    from advisory.briefs.models import Publication, PublicationEntity
    from advisory.entities.models import Alias, Entity, Region, Relationship

    publications = Publication.objects.aggregate(count=Count("pk"), words=Avg("word_count"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return {
        "briefs": f"{publications['count']:,} live briefs "
        f"(~{publications['words'] or 0:,.0f} words on average)",
        "entities": f"{Entity.objects.count():,} entities ({Alias.objects.count():,} aliases, "
        f"{Relationship.objects.count():,} relationships)",
        "links": f"{PublicationEntity.objects.count():,} brief–entity links, "
        f"{Region.objects.count()} regions and countries, "
        f"{Membership.objects.filter(role=Role.CLIENT_READER).count()} client readers",
        "postgres": f"PostgreSQL {server}, database {size}",
    }


def _report(
    rows: list[Row],
    data: dict[str, str],
    *,
    options: argparse.Namespace,
    seed_seconds: float | None,
) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    seeded = f" Seeded in {seed_seconds:.0f} s." if seed_seconds is not None else ""
    lines = [
        f"Run {now} on {machine()} ({data['load']}); {data['postgres']}.",
        f"Data: {data['briefs']}; {data['entities']}; {data['links']}.{seeded}",
        f"Load: gunicorn with deploy/gunicorn.conf.py, {options.workers} sync workers,"
        f" DEBUG off, on loopback; wrk, "
        f"{options.connections} connections, 2 threads, {options.seconds} s per row after "
        f"{options.warmup} s of warm-up. Command: `make bench`.",
        "",
        "| page | visitor | req/s | p50 ms | p95 ms | p99 ms | target | queries | SQL ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for row in rows:
        queries = f"{row.profile.queries}" if row.profile.query_counts else "–"
        sql_ms = f"{row.profile.sql_ms:.1f}" if row.profile.query_counts else "–"
        if row.load is None:
            figures = f"| {row.note} | | | | {row.verdict()}"
        else:
            load = row.load
            errors = ""
            if load.bad_status or load.socket_errors:
                errors = f" ({load.bad_status} bad statuses, {load.socket_errors} socket errors)"
            figures = (
                f"| {load.per_second:.0f}{errors} | {load.p50_ms:.1f} | {load.p95_ms:.1f} | "
                f"{load.p99_ms:.1f} | {row.verdict()}"
            )
        lines.append(f"| {row.title} | {row.visitor} {figures} | {queries} | {sql_ms} |")
    lines += [
        "",
        f"*queries*: the most SQL queries any of {PROFILE_SAMPLE} sampled addresses ran "
        "(Django's test client, in process); *SQL ms*: their median time in SQL. The slowest "
        "query of each row and its `EXPLAIN ANALYZE` are written to `var/bench/plans/`.",
    ]
    return "\n".join(lines)


def _readme_write(report: str) -> None:
    text = README.read_text() if README.exists() else ""
    block = f"{RESULTS_START}\n{report}\n{RESULTS_END}"
    if RESULTS_START in text and RESULTS_END in text:
        before = text.split(RESULTS_START)[0]
        after = text.split(RESULTS_END, 1)[1]
        text = f"{before}{block}{after}"
    else:
        text = f"{text.rstrip()}\n\n## Latest results\n\n{block}\n"
    README.write_text(text)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
