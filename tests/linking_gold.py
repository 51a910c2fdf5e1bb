"""The gold set of entity mentions in the demo briefs, and how the linker scores against it.

`tests/data/linking_gold.json` was annotated by hand: every name of a recorded demo entity in
each demo brief's title, summary and body, with its offsets and the entity it names. What
counts as a mention is written at the top of that file.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisory.demo import content
from advisory.entities.linking import (
    EntityInfo,
    Gazetteer,
    NameRecord,
    alias_is_short,
)

GOLD_PATH = Path(__file__).resolve().parent / "data" / "linking_gold.json"
FIELDS = ("title", "summary", "body")


def load_gold() -> dict[str, Any]:
    gold: dict[str, Any] = json.loads(GOLD_PATH.read_text(encoding="utf-8"))
    return gold


def demo_gazetteer() -> tuple[Gazetteer, dict[str, int]]:
    """The demo entities' gazetteer, built in memory as the database's would be, and the id
    of each entity by canonical name."""
    entities: dict[int, EntityInfo] = {}
    names: list[NameRecord] = []
    for pk, spec in enumerate(content.ENTITIES, 1):
        entities[pk] = EntityInfo(spec["name"], spec["kind"], spec["key"])
        names.append(NameRecord(pk, spec["name"]))
        for alias in spec["aliases"]:
            short = alias_is_short(
                name=alias["name"], alias_kind=alias["kind"], entity_kind=spec["kind"]
            )
            names.append(NameRecord(pk, alias["name"], short))
    return Gazetteer(names, entities), {info.name: pk for pk, info in entities.items()}


@dataclass(frozen=True)
class Scores:
    """Mentions: a link counts when its field, offsets and entity are the gold's exactly.
    Entities: per brief, the set of entities linked against the set the gold names (what
    becomes the brief's links). Offered: gold mentions linked or at least offered."""

    gold_mentions: int
    linked_mentions: int
    correct_mentions: int
    gold_entities: int
    linked_entities: int
    correct_entities: int
    offered_or_linked: int
    misses: tuple[str, ...]
    false_links: tuple[str, ...]

    @property
    def mention_precision(self) -> float:
        return self.correct_mentions / self.linked_mentions

    @property
    def mention_recall(self) -> float:
        return self.correct_mentions / self.gold_mentions

    @property
    def entity_precision(self) -> float:
        return self.correct_entities / self.linked_entities

    @property
    def entity_recall(self) -> float:
        return self.correct_entities / self.gold_entities

    @property
    def offered_recall(self) -> float:
        return self.offered_or_linked / self.gold_mentions


def score(gazetteer: Gazetteer, ids: Mapping[str, int]) -> Scores:
    """Link every demo brief and compare with the gold set."""
    briefs = {brief["slug"]: brief for brief in content.BRIEFS}
    totals = dict.fromkeys(
        ("gold", "linked", "correct", "gold_e", "linked_e", "correct_e", "offered"), 0
    )
    misses: list[str] = []
    false_links: list[str] = []
    for annotated in load_gold()["briefs"]:
        brief = briefs[annotated["slug"]]
        texts = [brief[field] for field in FIELDS]
        found = gazetteer.link(texts).found
        gold = {
            (FIELDS.index(m["field"]), m["start"], m["end"], ids[m["entity"]])
            for m in annotated["mentions"]
        }
        linked = {(f.segment, f.start, f.end, f.entity_id) for f in found if f.linked}
        anything = {(f.segment, f.start, f.end, f.entity_id) for f in found}
        totals["gold"] += len(gold)
        totals["linked"] += len(linked)
        totals["correct"] += len(gold & linked)
        totals["offered"] += len(gold & anything)
        gold_entities = {mention[3] for mention in gold}
        linked_entities = {mention[3] for mention in linked}
        totals["gold_e"] += len(gold_entities)
        totals["linked_e"] += len(linked_entities)
        totals["correct_e"] += len(gold_entities & linked_entities)
        names = {pk: name for name, pk in ids.items()}
        for label, mentions in (("missed", gold - linked), ("false", linked - gold)):
            for segment, start, end, pk in sorted(mentions):
                line = (
                    f"{annotated['slug']} {FIELDS[segment]} {start}-{end} "
                    f"{texts[segment][start:end]!r} {names[pk]}"
                )
                (misses if label == "missed" else false_links).append(line)
    return Scores(
        totals["gold"],
        totals["linked"],
        totals["correct"],
        totals["gold_e"],
        totals["linked_e"],
        totals["correct_e"],
        totals["offered"],
        tuple(misses),
        tuple(false_links),
    )
