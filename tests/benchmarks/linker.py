"""Benchmark of the entity linker (`make bench-linker`, not part of `make test`).

A gazetteer of 10,000 generated entities and 30,000 aliases is built in memory, the way
`gazetteer_current` builds it from the database rows, and a generated 1,500-word brief that
names about a hundred of them, in recorded and variant spellings, is linked again and again.
Measured: the automaton's build time, and the median time to link the brief after a warm-up
(targets: under 2 s and under 5 ms). It also scores the linker against the hand-annotated
gold set of the demo briefs. The figures go into tests/benchmarks/README.md.

    python -m tests.benchmarks.linker [--runs 300] [--no-write]
"""

import argparse
import gc
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from advisory.demo import content
from advisory.entities import linking
from advisory.entities.linking import (
    EntityInfo,
    Gazetteer,
    NameRecord,
    alias_is_short,
    new_names,
)
from tests.linking_gold import demo_gazetteer, score

README = Path(__file__).resolve().parent / "README.md"
RESULTS_START = "<!-- linker:start -->"
RESULTS_END = "<!-- linker:end -->"

ENTITIES = 10_000
ALIASES = 30_000
BRIEF_WORDS = 1_500
BUILD_TARGET_S = 2.0
LINK_TARGET_MS = 5.0


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SYLLABLES = _words(
    "ab ad al am an ar as ba bak bar da dar fa fad far ga ha had ham has hu ja jaf ka kar kh "
    "la lam ma mah mal man mar mu na nas nu qa qas ra rah sa sal sam sh sha su ta tal wa wal "
    "ya yas za zai zar ze"
)
_GROUP_WORDS = ("Kata'ib", "Harakat", "Saraya", "Liwa", "Jaysh", "Asa'ib", "Hizb", "Tayyar")
_GROUP_TAILS = ("Brigades", "Movement", "Front", "Forces", "Organisation", "Council", "Party")
_PLACE_WORDS = ("Camp", "Jurf", "Tal", "Ain", "Wadi", "Qasr")
_KINDS = ("person",) * 5 + ("armed_group", "political_party", "government_body", "location")
_FILLER = _words(
    "the of and in to a that is for on with as by was it at from this be are which or "
    "has have had not but were their they its been more after over also under two "
    "between government officials said militia groups security forces border province "
    "minister election budget payroll sanctions weapons talks pressure reports "
    "statement week year capital region sources attacks control state parliament "
    "agreement support funding"
)


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


def _name(rng: random.Random, kind: str) -> str:
    if kind == "person":
        given = _word(rng, rng.randint(2, 3))
        middle = f" {_word(rng, 2)}" if rng.random() < 0.3 else ""
        return f"{given}{middle} al-{_word(rng, rng.randint(2, 3))}"
    if kind == "location":
        return f"{rng.choice(_PLACE_WORDS)} {_word(rng, 3)}"
    if kind == "armed_group":
        return f"{rng.choice(_GROUP_WORDS)} {_word(rng, 2)} al-{_word(rng, 3)}"
    return f"{_word(rng, 3)} {_word(rng, 2)} {rng.choice(_GROUP_TAILS)}"


def _variant(rng: random.Random, name: str) -> str:
    """Another transliteration of the name: the kind of difference the folding rules absorb."""
    swaps = [("u", "ou"), ("a", "aa"), ("i", "ee"), ("al-", "el-"), ("h", "hh"), ("'", "")]
    rng.shuffle(swaps)
    for old, new in swaps:
        if old in name[1:]:
            return name[0] + name[1:].replace(old, new, 1)
    return name + "i"


def generate(seed: int = 7) -> tuple[list[NameRecord], dict[int, EntityInfo]]:
    """10,000 entities with 30,000 aliases: variants, abbreviations, surnames, Arabic script."""
    rng = random.Random(seed)
    entities: dict[int, EntityInfo] = {}
    names: list[NameRecord] = []
    for pk in range(1, ENTITIES + 1):
        kind = rng.choice(_KINDS)
        name = _name(rng, kind)
        entities[pk] = EntityInfo(name, kind, f"entity-{pk}")
        names.append(NameRecord(pk, name))
    arabic = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    for n in range(ALIASES):
        pk = n % ENTITIES + 1
        info = entities[pk]
        form = n // ENTITIES
        if form == 0:
            alias, alias_kind = _variant(rng, info.name), "alias"
        elif form == 1 and info.kind != "person":
            initials = "".join(word[0] for word in info.name.replace("al-", "").split())
            alias, alias_kind = initials.upper() + str(pk % 97), "abbreviation"
        elif form == 1:
            alias, alias_kind = info.name.split("al-")[-1], "weak"
        else:
            alias = " ".join("".join(rng.choice(arabic) for _ in range(5)) for _ in range(2))
            alias_kind = "alias"
        short = alias_is_short(name=alias, alias_kind=alias_kind, entity_kind=info.kind)
        names.append(NameRecord(pk, alias, short))
    return names, entities


def brief(names: list[NameRecord], seed: int = 11) -> str:
    """About 1,500 words of prose naming a hundred entities, some by a variant spelling."""
    rng = random.Random(seed)
    words: list[str] = []
    paragraphs: list[str] = []
    while len(words) < BRIEF_WORDS:
        sentence = [rng.choice(_FILLER) for _ in range(rng.randint(8, 18))]
        if rng.random() < 0.55:
            record = rng.choice(names)
            named = record.name if rng.random() < 0.7 else _variant(rng, record.name)
            sentence.insert(rng.randrange(len(sentence)), named)
        sentence[0] = sentence[0].capitalize()
        words.extend(" ".join(sentence).split())
        paragraphs.append(" ".join(sentence) + ".")
    text = ""
    for number, line in enumerate(paragraphs):
        text += line + ("\n\n" if number % 5 == 4 else " ")
    return text


def _timed(
    run: Callable[[], object],
    times: int,
    *,
    cold: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> list[float]:
    """Seconds of each run, wall-clock by default; with `cold`, each starts with empty word
    caches. CPU time (`time.process_time`) is what the machine's other work does not inflate."""
    found: list[float] = []
    for _ in range(times):
        if cold:
            linking.word_key.cache_clear()
            linking._facts.cache_clear()
        start = clock()
        run()
        found.append(clock() - start)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300, help="timed links after the warm-up")
    parser.add_argument("--no-write", action="store_true", help="print, do not write README")
    options = parser.parse_args()

    names, entities = generate()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gc.collect()
    builds = _timed(lambda: Gazetteer(names, entities), 3, cold=True)
    build_cpu = statistics.median(
        _timed(lambda: Gazetteer(names, entities), 3, cold=True, clock=time.process_time)
    )
    gazetteer = Gazetteer(names, entities)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    text = brief(names)
    word_total = len(text.split())

    first = _timed(lambda: gazetteer.link([text]), 1, cold=True)[0]
    _timed(lambda: gazetteer.link([text]), 30)  # warm-up
    links = _timed(lambda: gazetteer.link([text]), options.runs)
    links_cpu = _timed(lambda: gazetteer.link([text]), options.runs, clock=time.process_time)
    analysis = gazetteer.link([text])
    novel = _timed(lambda: new_names(analysis, [text]), max(options.runs // 3, 10))

    demo = score(*demo_gazetteer())
    bare_entities = {
        pk: EntityInfo(spec["name"], spec["kind"], spec["key"])
        for pk, spec in enumerate(content.ENTITIES, 1)
    }
    bare = score(
        Gazetteer([NameRecord(pk, i.name) for pk, i in bare_entities.items()], bare_entities),
        {info.name: pk for pk, info in bare_entities.items()},
    )

    build_s = statistics.median(builds)
    link_ms = statistics.median(links) * 1000
    p95_ms = sorted(links)[int(len(links) * 0.95)] * 1000
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    load = os.getloadavg()[0]
    lines = [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores"
        f" ({platform.processor() or platform.machine()}), Python {sys.version.split()[0]},"
        f" load average {load:.1f}. Command: `make bench-linker`.",
        f"Data: {ENTITIES:,} entities and {ALIASES:,} aliases ({len(gazetteer):,} distinct"
        f" folded names with the surnames derived from people's names); a brief of"
        f" {word_total:,} words naming {len(analysis.found)} of them"
        f" ({len(analysis.linked)} linked, {len(analysis.found) - len(analysis.linked)} offered).",
        "",
        "| measure | figure | target |",
        "| --- | ---: | --- |",
        f"| build the gazetteer and its automaton, word caches empty (median of 3)"
        f" | {build_s:.2f} s"
        f" | < {BUILD_TARGET_S:g} s: {verdict(build_s < BUILD_TARGET_S)} |",
        f"| build, CPU time, word caches empty (median of 3) | {build_cpu:.2f} s | |",
        f"| link the brief, median of {options.runs} after 30 warm-up runs | {link_ms:.2f} ms"
        f" | < {LINK_TARGET_MS:g} ms: {verdict(link_ms < LINK_TARGET_MS)} |",
        f"| link the brief, 95th percentile | {p95_ms:.2f} ms | |",
        f"| link the brief, median CPU time | {statistics.median(links_cpu) * 1000:.2f} ms | |",
        f"| link the brief, first run, word caches empty | {first * 1000:.1f} ms | |",
        f"| possible new entities in the brief (admin only), median | "
        f"{statistics.median(novel) * 1000:.2f} ms | |",
        f"| memory the gazetteer adds to the process (peak RSS) | "
        f"{(rss_after - rss_before) / 1024:.0f} MB | |",
        "",
        f"Gold set (`tests/data/linking_gold.json`): {demo.gold_mentions} mentions of"
        f" {demo.gold_entities} brief–entity pairs in the 7 demo briefs.",
        "",
        "| gazetteer | mention precision | mention recall | entity precision | entity recall"
        " | linked or offered |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, scores in (
        ("demo records (names and aliases)", demo),
        ("canonical names only", bare),
    ):
        lines.append(
            f"| {label} | {scores.mention_precision:.3f} ({scores.correct_mentions}/"
            f"{scores.linked_mentions}) | {scores.mention_recall:.3f} | "
            f"{scores.entity_precision:.3f} | {scores.entity_recall:.3f} | "
            f"{scores.offered_recall:.3f} |"
        )
    lines += ["", "Missed with the demo records:", *(f"- {miss}" for miss in demo.misses)]
    lines += ["", "Linked wrongly with the demo records:", *(f"- {f}" for f in demo.false_links)]
    report = "\n".join(lines)
    print(report)
    if not options.no_write:
        _readme_write(report)


def _readme_write(report: str) -> None:
    text = README.read_text()
    block = f"{RESULTS_START}\n{report}\n{RESULTS_END}"
    if RESULTS_START in text:
        head, rest = text.split(RESULTS_START, 1)
        _, tail = rest.split(RESULTS_END, 1)
        text = f"{head}{block}{tail}"
    else:
        text = f"{text.rstrip()}\n\n## Entity linker: latest results\n\n{block}\n"
    README.write_text(text)
    print(f"Wrote the figures to {README}")


if __name__ == "__main__":
    main()
