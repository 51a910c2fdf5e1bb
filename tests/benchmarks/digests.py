"""`make bench-digests`: the digest engine at 100,000 subscribers (issue 5's benchmark).

On a fresh PostgreSQL database (its name must start with "bench_"): 50 new briefs, 40 client
organisations, 100,000 subscribers (readers of those organisations and external subscribers)
over 500 distinct preference sets. Measures

1. the beat's tick creating the run and its 100,000 ledger rows;
2. rendering: choosing each subscriber's briefs and composing their email, in one process
   (per core), without sending;
3. end to end: two real Celery workers (one process each) on Redis sending a 10,000 and then a
   100,000 subscriber run through the ledger to Postfix's smtp-sink on loopback, with the
   workers' peak memory (resident set, the pool's processes together);
4. the ceiling: two processes sending the same messages with smtplib to the same sink, just
   before and just after the 100,000 (the higher counts);

and writes the figures into tests/benchmarks/README.md.

    python -m tests.benchmarks.digests [--subscribers 100000] [--database-url URL]
"""

import argparse
import datetime
import os
import shutil
import signal
import smtplib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from itertools import cycle
from multiprocessing import Process
from pathlib import Path
from typing import TYPE_CHECKING

from tests.benchmarks.run import (
    README,
    database_recreate,
    django_configure,
    machine,
    say,
)

if TYPE_CHECKING:
    from advisory.digests.models import Delivery
    from advisory.digests.selectors import ClaimedDelivery

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_digests"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
BRIEFS = 50
ORGANISATIONS = 40
PREFERENCE_SETS = 500
SMALL_RUN = 10_000
CEILING_MESSAGES = 20_000
# A local sink takes as many connections as it is given; a real provider throttles, hence the
# setting's smaller default. Each of a worker's two sender threads hands over groups of half
# of them, one commit point a group. 32 a worker, 64 for the two, is within what a default
# Postfix relay serves at once (100 smtpd processes); the README has 128's figures too.
BENCH_SMTP_CONNECTIONS = 32
RESULTS_START = "<!-- digests:start -->"
RESULTS_END = "<!-- digests:end -->"


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DIGESTS_DATABASE_URL") or DEFAULT_DATABASE_URL,
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_DIGESTS_REDIS_URL") or DEFAULT_REDIS_URL
    )
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument(
        "--smtp-connections",
        type=int,
        default=BENCH_SMTP_CONNECTIONS,
        help="each worker's DIGEST_SMTP_CONNECTIONS (the setting's default is for real providers)",
    )
    parser.add_argument("--no-readme", action="store_true", help="print the figures only")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    options = arguments(argv)
    if shutil.which("smtp-sink") is None and not Path("/usr/sbin/smtp-sink").exists():
        raise SystemExit("smtp-sink (Debian's postfix package) is needed: make bench-digests")
    say(f"Creating the database {options.database_url.rsplit('/', 1)[-1]}")
    database_recreate(options.database_url)
    django_configure(database_url=options.database_url, redis_url=options.redis_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures: dict[str, str] = {"machine": machine(), "subscribers": f"{options.subscribers:,}"}
    started = time.monotonic()
    seeded = _seed(options.subscribers)
    say(f"Seeded {options.subscribers:,} subscribers in {time.monotonic() - started:.0f} s")
    figures["smtp_connections"] = str(options.smtp_connections)
    figures |= _measure(seeded, total=options.subscribers, connections=options.smtp_connections)
    report = _report(figures)
    print(report)
    if not options.no_readme:
        _readme_write(report)
    return 0


# --- The data ---------------------------------------------------------------------------


class Seeded:
    def __init__(self, window_start: datetime.datetime, first_due: datetime.datetime) -> None:
        self.window_start = window_start
        self.first_due = first_due


def _seed(subscribers: int) -> Seeded:
    """Briefs published in the window, and subscribers spread over the preference sets.

    A preference set is a contract (one of the organisations, or none for an external
    subscriber) with filters (kinds, regions, topics); subscribers are dealt to the sets in
    turn. The first SMALL_RUN subscribers are due first, the rest later, so the same data
    gives a small run and then a whole one.
    """
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from taggit.models import Tag

    from advisory.accounts.models import AccessTier, Membership, Organisation, Role, User
    from advisory.briefs.models import BriefKind
    from advisory.digests.models import Frequency, Subscription, SubscriptionStatus
    from advisory.entities.models import Region
    from tests.factories import published_brief

    now = timezone.now()
    window_start = now - datetime.timedelta(hours=6)
    regions = []
    for r in range(5):
        region = Region.objects.create(name=f"Region {r}", slug=f"region-{r}", kind="region")
        regions.append(region)
        for c in range(4):
            regions.append(
                Region.objects.create(
                    name=f"Country {r}.{c}",
                    slug=f"country-{r}-{c}",
                    kind="country",
                    iso_code=f"{chr(65 + r)}{chr(65 + c)}",
                    parent=region,
                )
            )
    countries = [region for region in regions if region.parent_id is not None]
    topics = [f"topic {n}" for n in range(30)]
    kinds = [BriefKind.ANALYSIS, BriefKind.FLASH_ALERT, BriefKind.WEEKLY_OUTLOOK]
    tiers = [AccessTier.PUBLIC, AccessTier.STANDARD, AccessTier.PREMIUM]
    for n in range(BRIEFS):
        published_brief(
            title=f"Brief {n}: militias, oil and the coalition talks in country {n % 20}",
            summary="What changed this week, what it means for operators, and what to watch. " * 3,
            body="A paragraph of analysis. " * 120,
            kind=kinds[n % len(kinds)],
            access_tier=tiers[n % len(tiers)],
            regions=[countries[n % len(countries)]],
            tags=[topics[n % len(topics)], topics[(n * 7) % len(topics)]],
            published_at=window_start + datetime.timedelta(minutes=5 + n),
        )
    tags = list(Tag.objects.order_by("pk"))
    organisations = []
    for n in range(ORGANISATIONS):
        organisation = Organisation.objects.create(
            name=f"Client {n}",
            slug=f"client-{n}",
            kind=Organisation.Kind.CLIENT,
            seats=subscribers,
            tier=tiers[1 + n % 2],
        )
        organisation.regions.set([regions[(n * 5) % len(regions)], countries[n % len(countries)]])
        organisations.append(organisation)

    contracts: list[Organisation | None] = [*organisations, None]
    sets = []
    for n in range(PREFERENCE_SETS):
        sets.append(
            {
                "organisation": contracts[n % len(contracts)],
                "kinds": [] if n % 3 else [kinds[n % 2]],
                "region": countries[n % len(countries)] if n % 4 == 1 else None,
                "tag": tags[n % len(tags)] if n % 4 == 2 else None,
            }
        )
    password = make_password(None)
    first_due = now - datetime.timedelta(minutes=1)
    later_due = now
    chunk = 5_000
    for start in range(0, subscribers, chunk):
        numbers = range(start, min(start + chunk, subscribers))
        chosen = [sets[n % PREFERENCE_SETS] for n in numbers]
        users = User.objects.bulk_create(
            User(username=f"sub{n}", email=f"sub{n}@example.com", password=password)
            for n, preference in zip(numbers, chosen, strict=True)
            if preference["organisation"] is not None
        )
        by_number = iter(users)
        owners: list[User | None] = [
            next(by_number) if preference["organisation"] is not None else None
            for preference in chosen
        ]
        Membership.objects.bulk_create(
            Membership(user=user, organisation=preference["organisation"], role=Role.CLIENT_READER)
            for user, preference in zip(owners, chosen, strict=True)
            if user is not None
        )
        rows = Subscription.objects.bulk_create(
            Subscription(
                user=user,
                email=f"sub{n}@example.com",
                frequency=Frequency.DAILY,
                status=SubscriptionStatus.ACTIVE,
                confirmed_at=window_start,
                watermark=window_start,
                next_due_at=first_due if n < SMALL_RUN else later_due,
                kinds=preference["kinds"],
                use_follows=False,
            )
            for n, user, preference in zip(numbers, owners, chosen, strict=True)
        )
        Subscription.regions.through.objects.bulk_create(
            Subscription.regions.through(subscription_id=row.pk, region_id=preference["region"].pk)
            for row, preference in zip(rows, chosen, strict=True)
            if preference["region"] is not None
        )
        Subscription.tags.through.objects.bulk_create(
            Subscription.tags.through(subscription_id=row.pk, tag_id=preference["tag"].pk)
            for row, preference in zip(rows, chosen, strict=True)
            if preference["tag"] is not None
        )
    return Seeded(window_start=window_start, first_due=first_due)


# --- The measurements ---------------------------------------------------------------------


def _measure(seeded: Seeded, *, total: int, connections: int) -> dict[str, str]:
    from django.utils import timezone

    from advisory.digests.models import Delivery, DeliveryStatus, Subscription
    from advisory.digests.services import digest_runs_create

    figures: dict[str, str] = {}
    say(f"Tick: creating the run of the first {SMALL_RUN:,} subscribers")
    started = time.monotonic()
    [small_run] = digest_runs_create(now=seeded.first_due)
    figures["tick_small"] = f"{time.monotonic() - started:.2f} s"

    port = _free_port()
    sink = subprocess.Popen(
        ["smtp-sink", "-u", "nobody", f"127.0.0.1:{port}", "1024"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(0.5)
        say(f"End to end: {SMALL_RUN:,} subscribers, 2 Celery workers, smtp-sink")
        figures |= _end_to_end(
            small_run, port=port, label="small", count=SMALL_RUN, connections=connections
        )

        # Everyone, the first ones included, for the whole window again.
        Subscription.objects.update(watermark=seeded.window_start, next_due_at=timezone.now())
        say(f"Tick: creating the run of all {total:,} subscribers")
        started = time.monotonic()
        [whole_run] = digest_runs_create()
        figures["tick_whole"] = f"{time.monotonic() - started:.2f} s"
        say(f"Rendering all {total:,} emails in this process, without sending")
        figures |= _render_rate(whole_run)
        # The machine is shared: the ceiling is measured just before and just after the run
        # and the higher taken, so that a busy moment cannot flatter the ratio.
        say(f"Ceiling: 2 processes sending {CEILING_MESSAGES:,} messages with smtplib")
        ceilings = [_ceiling(whole_run, port=port)]
        say(f"End to end: {total:,} subscribers")
        figures |= _end_to_end(
            whole_run, port=port, label="whole", count=total, connections=connections
        )
        figures["skipped_whole"] = str(
            Delivery.objects.filter(run_id=whole_run, status=DeliveryStatus.SKIPPED).count()
        )
        say("Ceiling again")
        ceilings.append(_ceiling(whole_run, port=port))
        figures["ceiling"] = f"{max(ceilings):,.0f}"
        figures["ceilings"] = " and ".join(f"{ceiling:,.0f}" for ceiling in ceilings)
    finally:
        os.killpg(sink.pid, signal.SIGTERM)
        sink.wait(timeout=10)
    return figures


def _render_rate(run_id: int) -> dict[str, str]:
    """Choose and compose every email of the run as the workers do, chunk by chunk, unsent."""
    from advisory.digests.compose import DigestComposer
    from advisory.digests.models import Delivery
    from advisory.digests.rendering import _digest_body_cached
    from advisory.digests.selectors import ChoiceMemo, deliveries_publications
    from advisory.digests.services import CLAIM_CHUNK

    _digest_body_cached.cache_clear()
    deliveries = _as_claimed(
        Delivery.objects.filter(run_id=run_id).select_related("subscription__user").order_by("pk")
    )
    memo = ChoiceMemo()
    composer = DigestComposer()
    composed = 0
    largest = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(deliveries), CLAIM_CHUNK):
        chunk = deliveries[start : start + CLAIM_CHUNK]
        chosen = deliveries_publications(chunk, memo=memo)
        for delivery in chunk:
            message = composer.message(delivery=delivery, publications=chosen[delivery.pk])
            if message is not None:
                largest = max(largest, len(message[0]))
                composed += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "render_count": f"{composed:,}",
        "render_wall": f"{composed / wall:,.0f}",
        "render_cpu": f"{composed / cpu:,.0f}",
        "render_choices": f"{len(memo.choices):,}",
        "largest": f"{largest / 1024:.0f} KB",
    }


def _end_to_end(
    run_id: int, *, port: int, label: str, count: int, connections: int
) -> dict[str, str]:
    from django.db import close_old_connections

    from advisory.celery import app as celery_app
    from advisory.digests.models import Delivery, DeliveryStatus
    from advisory.digests.tasks import send_digest_run
    from tests.celery_workers import worker_environment, worker_start

    queue = f"bench-digests-{label}"
    env = worker_environment(
        {
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "SITE_URL": "https://advisory.example",
            "DIGEST_SMTP_CONNECTIONS": str(connections),
        }
    )
    env["LOG_LEVEL"] = "WARNING"
    workers = [worker_start(queue, concurrency=1, env=env, name=f"{queue}-{n}") for n in range(2)]
    celery_app.conf.task_always_eager = False
    peak_rss = 0
    try:
        time.sleep(3)
        started = time.monotonic()
        for _ in workers:
            send_digest_run.apply_async((run_id,), queue=queue)
        left = count
        while left and time.monotonic() - started < 3600:
            time.sleep(0.5)
            peak_rss = max(peak_rss, *(_session_rss(worker.pid) for worker in workers))
            close_old_connections()
            left = Delivery.objects.filter(
                run_id=run_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
            ).count()
        elapsed = time.monotonic() - started
        peak_rss = max(peak_rss, *(_session_peak(worker.pid) for worker in workers))
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
    sent = Delivery.objects.filter(run_id=run_id, status=DeliveryStatus.SENT).count()
    failed = Delivery.objects.filter(run_id=run_id, status=DeliveryStatus.FAILED).count()
    return {
        f"e2e_{label}_seconds": f"{elapsed:.1f}",
        f"e2e_{label}_rate": f"{sent / elapsed:,.0f}",
        f"e2e_{label}_sent": f"{sent:,}",
        f"e2e_{label}_failed": f"{failed:,}",
        f"e2e_{label}_rss": f"{peak_rss / 1024:.0f} MB",
    }


def _session_pids(leader: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == leader:
                    pids.append(int(entry.name))
            except ProcessLookupError:
                continue
    return pids


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _session_rss(leader: int) -> int:
    """The worker's resident memory now, its pool processes included, in KB."""
    return sum(_status_kb(pid, "VmRSS:") for pid in _session_pids(leader))


def _session_peak(leader: int) -> int:
    """The sum of each of the worker's processes' own peak resident memory, in KB."""
    return sum(_status_kb(pid, "VmHWM:") for pid in _session_pids(leader))


def _ceiling(run_id: int, *, port: int) -> float:
    """Messages per second two bare smtplib loops reach with the run's real messages."""
    from advisory.digests.compose import DigestComposer
    from advisory.digests.models import Delivery
    from advisory.digests.selectors import deliveries_publications

    deliveries = _as_claimed(
        Delivery.objects.filter(run_id=run_id).select_related("subscription__user")[:500]
    )
    chosen = deliveries_publications(deliveries)
    composer = DigestComposer()
    messages = []
    for delivery in deliveries:
        message = composer.message(delivery=delivery, publications=chosen[delivery.pk])
        if message is not None:
            messages.append(([delivery.subscription.email], message[0]))
    senders = [
        Process(target=_send_loop, args=(port, messages, CEILING_MESSAGES // 2)) for _ in range(2)
    ]
    started = time.monotonic()
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    elapsed = time.monotonic() - started
    return CEILING_MESSAGES / elapsed


def _as_claimed(deliveries: "Iterable[Delivery]") -> "list[ClaimedDelivery]":
    """The deliveries as a worker's claim gives them, without claiming them."""
    from advisory.digests.selectors import ClaimedDelivery, Recipient

    return [
        ClaimedDelivery(
            pk=delivery.pk,
            run_id=delivery.run_id,
            window_start=delivery.window_start,
            window_end=delivery.window_end,
            attempts=delivery.attempts,
            message_id=delivery.message_id,
            claim_token=uuid.uuid4(),
            subscription=Recipient(
                pk=delivery.subscription.pk,
                public_id=delivery.subscription.public_id,
                email=delivery.subscription.email,
                frequency=delivery.subscription.frequency,
                timezone=delivery.subscription.timezone,
                kinds=delivery.subscription.kinds,
                use_follows=delivery.subscription.use_follows,
                user=delivery.subscription.user,
            ),
        )
        for delivery in deliveries
    ]


def _send_loop(port: int, messages: list[tuple[list[str], bytes]], count: int) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for _, (recipients, data) in zip(range(count), cycle(messages), strict=False):
            smtp.sendmail("desk@advisory.example", recipients, data)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- The report ---------------------------------------------------------------------------


def _report(f: dict[str, str]) -> str:
    def rate(key: str) -> float:
        return float(f[key].replace(",", ""))

    share = rate("e2e_whole_rate") / rate("ceiling")
    per_core = rate("render_cpu")
    rss = max(int(f["e2e_small_rss"].split()[0]), int(f["e2e_whole_rss"].split()[0]))
    return "\n".join(
        [
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {f['machine']}"
            f" (load average {os.getloadavg()[0]:.1f} at the end). Command: `make bench-digests`.",
            f"Data: {BRIEFS} new briefs, {f['subscribers']} subscribers over {PREFERENCE_SETS}"
            f" preference sets ({ORGANISATIONS} client organisations and external subscribers).",
            "",
            "| measure | figure | target |",
            "| --- | ---: | --- |",
            f"| tick: create the run of {SMALL_RUN:,} (ledger rows included)"
            f" | {f['tick_small']} | |",
            f"| tick: create the run of {f['subscribers']} | {f['tick_whole']} | |",
            f"| rendering, one process: emails/s of CPU time ({f['render_count']} emails,"
            f" {f['render_choices']} distinct choices) | {f['render_cpu']} |"
            f" ≥ 1,000/s per core: {'met' if per_core >= 1000 else 'MISSED'} |",
            f"| rendering, one process: emails/s of wall-clock time | {f['render_wall']} | |",
            f"| largest email | {f['largest']} | < 90 KB |",
            f"| end to end, {SMALL_RUN:,} subscribers, 2 workers"
            f" ({f['smtp_connections']} SMTP connections each): emails/s"
            f" ({f['e2e_small_sent']} sent in {f['e2e_small_seconds']} s)"
            f" | {f['e2e_small_rate']} | |",
            f"| end to end, {f['subscribers']} subscribers, 2 workers: emails/s"
            f" ({f['e2e_whole_sent']} sent, {f['skipped_whole']} with nothing new,"
            f" {f['e2e_whole_failed']} failed, in {f['e2e_whole_seconds']} s)"
            f" | {f['e2e_whole_rate']} | |",
            f"| ceiling: 2 processes, bare smtplib, same sink (the higher of {f['ceilings']},"
            f" just before and just after the run) | {f['ceiling']} | |",
            f"| end to end / ceiling | {share:.0%} |"
            f" ≥ 80 %: {'met' if share >= 0.8 else 'MISSED'} |",
            f"| peak worker memory at {SMALL_RUN:,} subscribers | {f['e2e_small_rss']} | |",
            f"| peak worker memory at {f['subscribers']} subscribers | {f['e2e_whole_rss']} |"
            f" < 300 MB: {'met' if rss < 300 else 'MISSED'} |",
            "",
            "*Peak worker memory*: the resident set of one worker's processes (its main process"
            " and its pool process), the larger of the two workers.",
        ]
    )


def _readme_write(report: str) -> None:
    text = README.read_text()
    block = f"{RESULTS_START}\n{report}\n{RESULTS_END}"
    if RESULTS_START in text:
        head, rest = text.split(RESULTS_START, 1)
        _, tail = rest.split(RESULTS_END, 1)
        text = f"{head}{block}{tail}"
    else:
        text = f"{text.rstrip()}\n\n## Digest benchmark: latest results\n\n{block}\n"
    README.write_text(text)
    say(f"Wrote the figures to {README}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
