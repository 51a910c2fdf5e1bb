"""How fast digest emails render: 10,000 recipients over 50 distinct item sets, one process.

Run by hand (not collected by pytest, no database needed):

    SECRET_KEY=x .venv/bin/python tests/benchmarks/digest_render.py [--recipients N] [--sets N]

It prints, for a cold cache (every item set rendered and inlined once, then each recipient
personalised), the emails per second of wall-clock and of CPU time, the same figure when every
email is rendered from scratch (what sharing the body saves), the cost of turning each email
into MIME bytes for SMTP (not rendering, but paid per email too), and the largest HTML.
"""

import argparse
import datetime
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/digest-render-bench.sqlite3")

import django

django.setup()

from django.core.mail import EmailMultiAlternatives  # noqa: E402

from advisory.digests import rendering  # noqa: E402
from advisory.digests.rendering import DigestItem, digest_body, digest_render  # noqa: E402
from advisory.lib.email import RenderedEmail  # noqa: E402

SITE = "https://advisory.example"
WORDS = [
    "coalition",
    "militia",
    "ceasefire",
    "sanctions",
    "oil",
    "exports",
    "parliament",
    "border",
    "talks",
    "drone",
    "strike",
    "governor",
    "protests",
    "budget",
    "election",
    "court",
    "ministry",
    "pipeline",
    "tribal",
    "reconstruction",
    "port",
    "currency",
    "brigade",
    "council",
    "security",
    "envoy",
    "water",
    "refinery",
    "negotiations",
]
REGIONS = ["Iraq", "Syria", "Lebanon", "Iran", "Jordan", "Kurdistan Region", "Middle East"]
KINDS = ["Analysis", "Flash alert", "Q&A", "Weekly outlook"]


def _sentence(chance: random.Random, words: int) -> str:
    return " ".join(chance.choice(WORDS) for _ in range(words)).capitalize() + "."


def _pool(chance: random.Random, size: int) -> list[DigestItem]:
    start = datetime.datetime(2025, 3, 12, 6, 0, tzinfo=datetime.UTC)
    return [
        DigestItem(
            title=_sentence(chance, chance.randint(6, 14)).rstrip("."),
            summary=" ".join(_sentence(chance, chance.randint(12, 22)) for _ in range(2)),
            url=f"{SITE}/briefs/brief-{number}-{chance.choice(WORDS)}/",
            kind=chance.choice(KINDS),
            regions=tuple(chance.sample(REGIONS, chance.randint(1, 3))),
            published_at=start + datetime.timedelta(minutes=17 * number),
            updated=chance.random() < 0.12,
            key_judgments=tuple(
                _sentence(chance, chance.randint(10, 20)) for _ in range(chance.randint(0, 4))
            ),
        )
        for number in range(size)
    ]


def _recipient_links(number: int) -> dict[str, str]:
    token = f"{number:08d}.{'k' * 43}"
    return {
        "recipient_name": f"Reader {number}",
        "preferences_url": f"{SITE}/digests/preferences/{token}/",
        "unsubscribe_url": f"{SITE}/digests/unsubscribe/{token}/",
    }


def _timed(work: Callable[[], list[RenderedEmail]]) -> tuple[list[RenderedEmail], float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--sets", type=int, default=50)
    parser.add_argument("--briefs", type=int, default=50, help="new briefs in the period")
    arguments = parser.parse_args()

    chance = random.Random(5)
    pool = _pool(chance, arguments.briefs)
    # Each preference set matches its own share of the period's briefs, 3 to all of them,
    # newest first: some sets stay under the cap, the broad ones pass it.
    item_sets = [
        sorted(
            chance.sample(pool, chance.randint(3, len(pool))),
            key=lambda item: item.published_at,
            reverse=True,
        )
        for _ in range(arguments.sets)
    ]
    recipients = [
        (item_sets[chance.randrange(len(item_sets))], _recipient_links(number))
        for number in range(arguments.recipients)
    ]
    shared = {"period_label": "Daily digest, 12 March 2025", "more_url": f"{SITE}/briefs/"}

    # Templates compiled and the inliner warmed once, as in a worker that has sent before.
    digest_render(items=pool[:1], **shared, **_recipient_links(0))
    rendering._digest_body_cached.cache_clear()

    emails, wall, cpu = _timed(
        lambda: [digest_render(items=items, **shared, **links) for items, links in recipients]
    )
    sizes = [len(email.html.encode()) for email in emails]
    text_sizes = [len(email.text.encode()) for email in emails]
    bodies = [digest_body(items=items, **shared) for items in item_sets]
    print(f"{len(recipients):,} recipients over {len(item_sets)} item sets of 3-{len(pool)} briefs")
    print(
        f"  shared bodies, cold cache: {wall:.3f} s wall, {cpu:.3f} s CPU -> "
        f"{len(emails) / wall:,.0f} emails/s wall, {len(emails) / cpu:,.0f} emails/s per core"
    )
    print(
        f"  HTML: largest {max(sizes):,} bytes, mean {sum(sizes) / len(sizes):,.0f} "
        f"(cap {rendering.HTML_BYTE_LIMIT:,}); text: largest {max(text_sizes):,} bytes; "
        f"briefs shown per email {min(b.shown_count for b in bodies)}-"
        f"{max(b.shown_count for b in bodies)} (cap {rendering.MAX_ITEMS})"
    )

    sample = recipients[: max(1, len(recipients) // 20)]

    def from_scratch() -> list[RenderedEmail]:
        made = []
        for items, links in sample:
            rendering._digest_body_cached.cache_clear()
            made.append(digest_render(items=items, **shared, **links))
        return made

    scratch, wall, cpu = _timed(from_scratch)
    print(
        f"  every email rendered from scratch ({len(scratch):,} of them): "
        f"{len(scratch) / cpu:,.0f} emails/s per core"
    )

    def mime() -> list[RenderedEmail]:
        for email in emails[: len(sample)]:
            message = EmailMultiAlternatives(
                subject=email.subject, body=email.text, to=["reader@example.org"]
            )
            message.attach_alternative(email.html, "text/html")
            message.message().as_bytes()
        return emails[: len(sample)]

    serialised, wall, cpu = _timed(mime)
    print(
        f"  MIME serialisation for SMTP (django.core.mail, {len(serialised):,} emails): "
        f"{len(serialised) / cpu:,.0f} emails/s per core"
    )


if __name__ == "__main__":
    main()
