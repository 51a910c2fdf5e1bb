"""Field-aware comparison of two revision snapshots of a brief.

Text fields get a word-level diff rendered as HTML (`<del>`/`<ins>`, everything else escaped);
list fields such as tags, entities and sources are shown as the items added and removed.
"""

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import groupby, pairwise
from operator import itemgetter
from typing import Any, Literal

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

_TOKEN = re.compile(r"\s+|\S+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’»)\]]*$")

_Op = Literal["equal", "delete", "insert"]
# What an item is compared by, and how it is shown.
_Item = tuple[Hashable, str]

_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "body": "Body",
    "key_judgments": "Key judgments",
    "kind": "Kind",
    "access_tier": "Access tier",
    "series": "Series",
    "regions": "Regions",
    "tags": "Tags",
    "authors": "Authors",
    "mentions": "Mentions",
    "sources": "Sources",
    "scenarios": "Scenarios",
}
_ITEM_NOUNS = {
    "key_judgments": "key judgment",
    "regions": "region",
    "tags": "tag",
    "authors": "author",
    "mentions": "mention",
    "sources": "source",
    "scenarios": "scenario",
}
_TEXT_FIELDS = ("title", "summary", "body")
_SOURCE_FIELDS = ("title", "publisher", "url", "published_on", "note", "reliability", "credibility")
_SCENARIO_FIELDS = ("title", "description", "drivers", "likelihood", "indicators", "review_on")


def _ends_line(previous: str, space: str) -> bool:
    return "\n" in space


def _ends_sentence(previous: str, space: str) -> bool:
    return _SENTENCE_END.search(previous) is not None


# SequenceMatcher is quadratic in how often a token repeats, and prose repeats " " and "the"
# thousands of times: a 3,000-word body takes over a second token by token. Matching
# paragraphs first, then sentences within changed paragraphs, then words within changed
# sentences leaves each matcher only a handful of tokens to align. (Text with neither line
# breaks nor sentence ends still goes token by token, and a long one is slow.)
_LEVELS: tuple[Callable[[str, str], bool], ...] = (_ends_line, _ends_sentence)


def _cuts(tokens: Sequence[str], level: int) -> list[int]:
    """Where the pieces compared at `level` start, plus the end."""
    if level == len(_LEVELS):
        return list(range(len(tokens) + 1))
    ends = _LEVELS[level]
    cuts = [0]
    for index, token in enumerate(tokens):
        if index and token[0].isspace() and ends(tokens[index - 1], token):
            cuts.append(index + 1)
    if cuts[-1] != len(tokens):
        cuts.append(len(tokens))
    return cuts


def _diff(old: Sequence[str], new: Sequence[str], level: int) -> Iterator[tuple[_Op, str]]:
    old_cuts, new_cuts = _cuts(old, level), _cuts(new, level)
    matcher = SequenceMatcher(
        None,
        ["".join(old[start:end]) for start, end in pairwise(old_cuts)],
        ["".join(new[start:end]) for start, end in pairwise(new_cuts)],
        autojunk=False,
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = old[old_cuts[i1] : old_cuts[i2]], new[new_cuts[j1] : new_cuts[j2]]
        if tag == "equal":
            yield "equal", "".join(old_part)
        elif tag == "replace" and level < len(_LEVELS):
            yield from _diff(old_part, new_part, level + 1)
        else:
            if old_part:
                yield "delete", "".join(old_part)
            if new_part:
                yield "insert", "".join(new_part)


def _change_html(deleted: list[str], inserted: list[str]) -> str:
    html = format_html("<del>{}</del>", "".join(deleted)) if deleted else ""
    return html + (format_html("<ins>{}</ins>", "".join(inserted)) if inserted else "")


def word_diff_html(old: str, new: str) -> SafeString:
    """The word-level diff of two texts as HTML: removed runs in `<del>`, inserted in `<ins>`.

    A word is a run of non-whitespace, so punctuation travels with its word. Whitespace is kept
    exactly, so the text reads as written under `white-space: pre-wrap`. All text is escaped.
    """
    if old == new:
        return escape(old)
    runs = [
        (op, "".join(text for _, text in group))
        for op, group in groupby(
            _diff(_TOKEN.findall(old), _TOKEN.findall(new), 0), key=itemgetter(0)
        )
    ]
    parts: list[str] = []
    deleted: list[str] = []
    inserted: list[str] = []
    for index, (op, text) in enumerate(runs):
        if op == "delete":
            deleted.append(text)
        elif op == "insert":
            inserted.append(text)
        elif (
            (deleted or inserted) and index + 1 < len(runs) and text.isspace() and "\n" not in text
        ):
            # The space between two changed words would split one edit into two del/ins
            # pairs; it stays within the line, so folding it into both keeps the line readable.
            deleted.append(text)
            inserted.append(text)
        else:
            parts.append(_change_html(deleted, inserted))
            parts.append(escape(text))
            deleted, inserted = [], []
    parts.append(_change_html(deleted, inserted))
    return SafeString("".join(parts))


@dataclass(frozen=True)
class FieldChange:
    """One field that differs between two snapshots.

    `text` changes carry `html` (a word diff), `value` changes `before`/`after`, and `set`
    changes the items `added` and `removed`, as plain text to be escaped by the template.
    """

    field: str
    label: str
    kind: Literal["text", "value", "set"]
    html: SafeString | None = None
    before: str | None = None
    after: str | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def _text(snapshot: Mapping[str, Any], field: str) -> str:
    return snapshot.get(field) or ""


def _value(snapshot: Mapping[str, Any], field: str) -> str | None:
    return snapshot.get(field) or None


def _list(snapshot: Mapping[str, Any], field: str) -> list[Any]:
    return list(snapshot.get(field) or [])


def _series(snapshot: Mapping[str, Any]) -> str | None:
    title = snapshot.get("series")
    if not title:
        return None
    position = snapshot.get("series_position")
    return title if position is None else f"{title}, part {position}"


def _mention(mention: Mapping[str, Any]) -> _Item:
    # Keyed by id, not name: two entities may share a name, and a renamed entity is no edit.
    return (mention["entity_id"], mention["role"]), f"{mention['entity']} ({mention['role']})"


def _source(source: Mapping[str, Any]) -> _Item:
    values = {name: source.get(name) or "" for name in _SOURCE_FIELDS}
    credit = ", ".join(part for part in (values["publisher"], values["published_on"]) if part)
    shown = [" — ".join(part for part in (values["title"], credit) if part)]
    if values["url"]:
        shown.append(f"<{values['url']}>")
    # Without it, an edit to the note alone would read as a source removed and re-added as is.
    if values["note"]:
        shown.append(f"(note: {values['note']})")
    if values["reliability"]:
        shown.append(f"(grade {values['reliability']}{values['credibility']})")
    return tuple(values.values()), " ".join(part for part in shown if part)


def _words(code: object) -> str:
    """A stored code (a likelihood term, a confidence level) as words: "highly_likely" reads
    "highly likely"."""
    return str(code or "").replace("_", " ")


def _scenario(scenario: Mapping[str, Any]) -> _Item:
    values = {name: str(scenario.get(name) or "") for name in _SCENARIO_FIELDS}
    shown = f"{values['title']} ({_words(values['likelihood'])}; review {values['review_on']})"
    return tuple(values.values()), shown


def _judgment_lines(snapshot: Mapping[str, Any]) -> list[str]:
    """Each key judgment as one line of text: its statement, then its rating, assumptions,
    supporting sources (by their place in the list) and the reason for a change; an older
    snapshot's judgments are statements only."""
    places = {
        source.get("id"): number
        for number, source in enumerate(_list(snapshot, "sources"), start=1)
        if isinstance(source, Mapping)
    }
    lines = []
    for judgment in _list(snapshot, "key_judgments"):
        if not isinstance(judgment, Mapping):
            lines.append(str(judgment))
            continue
        parts = [judgment.get("statement") or ""]
        confidence = _words(judgment.get("confidence"))
        rating = [
            _words(judgment.get("likelihood")),
            f"{confidence} confidence" if confidence else "",
        ]
        if any(rating):
            parts.append(f"[{'; '.join(part for part in rating if part)}]")
        if judgment.get("assumptions"):
            parts.append(f"(assumes: {' / '.join(str(judgment['assumptions']).splitlines())})")
        cited = sorted(places[pk] for pk in judgment.get("sources") or () if pk in places)
        if cited:
            parts.append(f"(sources {', '.join(map(str, cited))})")
        if judgment.get("change_reason"):
            parts.append(f"(why it changed: {judgment['change_reason']})")
        lines.append(" ".join(parts))
    return lines


def _missing_from(items: Sequence[_Item], other: Sequence[_Item]) -> tuple[str, ...]:
    available = Counter(key for key, _ in other)
    missing = []
    for key, shown in items:
        if available[key]:
            available[key] -= 1
        else:
            missing.append(shown)
    return tuple(missing)


def _text_change(field: str, before: str, after: str) -> FieldChange | None:
    if before == after:
        return None
    return FieldChange(field, _LABELS[field], "text", html=word_diff_html(before, after))


def _value_change(field: str, before: str | None, after: str | None) -> FieldChange | None:
    if before == after:
        return None
    return FieldChange(field, _LABELS[field], "value", before=before, after=after)


def _set_change(
    field: str, before: Sequence[_Item], after: Sequence[_Item], *, ordered: bool
) -> FieldChange | None:
    """Items added and removed; for an ordered list whose items only moved, the two orders."""
    added, removed = _missing_from(after, before), _missing_from(before, after)
    if added or removed:
        return FieldChange(field, _LABELS[field], "set", added=added, removed=removed)
    if ordered and [key for key, _ in before] != [key for key, _ in after]:
        return _value_change(
            field, "; ".join(shown for _, shown in before), "; ".join(shown for _, shown in after)
        )
    return None


def _judgments_change(before: list[str], after: list[str]) -> FieldChange | None:
    """Key judgments, by one rule: same number of judgments, compared position by position.

    With as many judgments on both sides, an edit is most often a rewording, so the change is a
    `text` one whose html is an ordered list of every judgment, each changed one word-diffed.
    When judgments were added or removed, positions no longer pair up, and the change is a
    `set` one: the statements added and removed (a reworded one counts as one of each).
    """
    if before == after:
        return None
    if len(before) != len(after):
        return _set_change(
            "key_judgments",
            [(statement, statement) for statement in before],
            [(statement, statement) for statement in after],
            ordered=True,
        )
    items = format_html_join(
        "",
        "<li>{}</li>",
        ((word_diff_html(old, new),) for old, new in zip(before, after, strict=True)),
    )
    return FieldChange(
        "key_judgments", _LABELS["key_judgments"], "text", html=format_html("<ol>{}</ol>", items)
    )


def snapshot_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """The fields that differ between two snapshots, in reading order.

    Keys an older snapshot format lacks count as empty. Regions, tags and mentions are compared
    as sets; authors and sources are ordered, so a pure reordering shows as before/after. A
    mention is its entity and role (a role change is one removed and one added); whether it was
    suggested or confirmed is no change to the brief. Sources are compared by all their fields.
    """
    changes = [
        *(_text_change(field, _text(old, field), _text(new, field)) for field in _TEXT_FIELDS),
        _judgments_change(_judgment_lines(old), _judgment_lines(new)),
        _value_change("kind", _value(old, "kind"), _value(new, "kind")),
        _value_change("access_tier", _value(old, "access_tier"), _value(new, "access_tier")),
        _value_change("series", _series(old), _series(new)),
        *(
            _set_change(
                field,
                [(name, name) for name in _list(old, field)],
                [(name, name) for name in _list(new, field)],
                ordered=field == "authors",
            )
            for field in ("regions", "tags", "authors")
        ),
        _set_change(
            "mentions",
            [_mention(mention) for mention in _list(old, "mentions")],
            [_mention(mention) for mention in _list(new, "mentions")],
            ordered=False,
        ),
        _set_change(
            "sources",
            [_source(source) for source in _list(old, "sources")],
            [_source(source) for source in _list(new, "sources")],
            ordered=True,
        ),
        _set_change(
            "scenarios",
            [_scenario(scenario) for scenario in _list(old, "scenarios")],
            [_scenario(scenario) for scenario in _list(new, "scenarios")],
            ordered=True,
        ),
    ]
    return [change for change in changes if change is not None]


def snapshot_summary(changes: Sequence[FieldChange]) -> str:
    """A one-line account of a diff, e.g. "title, body and 2 tags changed"."""
    if not changes:
        return "no changes"
    parts = []
    for change in changes:
        if change.kind == "set":
            count = len(change.added) + len(change.removed)
            noun = _ITEM_NOUNS[change.field] if count == 1 else change.label.lower()
            parts.append(f"{count} {noun}")
        else:
            parts.append(change.label.lower())
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"{listed} changed"
