"""Entity linking: which recorded entities a text names, whatever the spelling.

A gazetteer holds every entity's canonical name and aliases, each folded to a *key* by the
same rules that fold the text, and an Aho-Corasick automaton (pyahocorasick) finds every key
in the folded text in one pass. The text is folded word by word, and each folded word keeps
the offsets of the word it came from, so every match maps back exactly to the characters the
writer typed (`text[start:end] == surface`).

The folding rules, applied to both sides:

- case, accents and apostrophes go (Kata'ib / Kataib, Shia' / Shia), and a possessive 's is
  not part of a name (Maliki's);
- hyphens separate words, and the Arabic article (al-, el-, as-, ash-, ad-, at-, an-… before a
  hyphen; al and el alone) is dropped, though the match still covers it (al-Maliki);
- Latin transliteration variants fold to one form: doubled letters (Mohammed / Mohamed),
  runs of vowels (Nuri / Nouri, Hezbollah / Hizballah / Hizbullah, Mohamed / Muhammad),
  y after a vowel (Husayn / Hussein), gh and q (Ghasem / Qasem), dh and d (Fayyadh / Fayyad),
  a final h after a vowel (Dawah / Dawa), Abdul / Abdel / Abd;
- Arabic script folds its letter variants and diacritics (`normalise_name`) and the attached
  article (المالكي / مالكي);
- a word with a capital after its first letter, or a lone capital, is an abbreviation or an
  initial and is matched exactly, not folded: "US" is not "us", "CoR" is not "car";
- a word the name capitalises must be capitalised in the text, so "Daesh" does not link "dash".

Words join into a name only across a space, one line break, a hyphen or an apostrophe (or a
full stop after an initial, as in U.S.); other punctuation and the boundaries between fields
end a name. Where several names overlap, the longest wins. A short name (a weak alias, a
person's surname alone, a person's one-word alias) links only when the same brief names that
entity in full, and a name that fits several entities links only when exactly one of them is
named in full elsewhere: otherwise the match is *offered* to the writer, not linked.

This module is pure (no database): `advisory.entities.selectors.gazetteer_current` keeps one
gazetteer per process and rebuilds it only when the entity records change, which the entity
services mark by renewing a token (`GazetteerVersion`), one primary-key read to compare.

OpenSanctions' rigour and normality were weighed and left out. normality folds case, accents
and scripts, but splits "Kata'ib" into two words and keeps no offsets; rigour's name analysis
tags name parts with Wikidata symbols to score pairs of names (Mohamed and Muhammad share a
symbol, Nuri and Nouri do not), which suits comparing two records, not one pass over a text;
with its compiled core and data it weighs some 13 MB and brings PyICU. Neither maps a match
back to the characters of the text, which is the part linking cannot do without.
"""

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import accumulate, chain, compress
from typing import Any

import ahocorasick

from advisory.lib.text import normalise_name

# --- Words --------------------------------------------------------------------------------

_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d"
# A word: letters and digits, their combining marks, and apostrophes between letters. Runs of
# letters are matched whole (one character class), which keeps the scan fast.
_WORD_PATTERN = rf"[^\W_]+(?:[{_MARKS}]+[^\W_]*|['\u2019`](?=[^\W_])[^\W_]*)*"
_WORD = re.compile(_WORD_PATTERN)
# Split on it, capturing: the text between words and the words alternate, in one pass.
_WORDS_AND_GAPS = re.compile(f"({_WORD_PATTERN})")
_HYPHENS = "-\u2010\u2011"
# What may stand between two words of one name: spaces and at most one line break, or one
# hyphen or apostrophe (Shia' al-Sudani, ISIS' campaign).
_JOINING_GAP = re.compile(rf"[ \t\u00a0]*(?:\n[ \t\u00a0]*|[{_HYPHENS}'\u2019`][ \t\u00a0]*)?")
# After an initial, a full stop joins too (U.S. Treasury).
_INITIAL_GAP = re.compile(r"\.[ \t\u00a0]*")
_POSSESSIVE = ("'s", "\u2019s", "'S", "\u2019S")
# The Arabic article in Latin script, before a hyphen (sun letters assimilate it: as-Sadr,
# ash-Shaabi, ad-Din); al and el also stand alone (Hashd al Shaabi).
_ARTICLES = frozenset(
    {"al", "el", "ul", "il", "as", "ash", "ad", "adh", "at", "ath", "an", "ar", "az"}
    | {"es", "esh", "ed", "et", "en", "er", "ez"}
)
_ARTICLES_ALONE = frozenset(("al", "el"))
_ARABIC_ARTICLE = "\u0627\u0644"

_ABD = re.compile(r"abd[aeiou]l")
_DOUBLED = re.compile(r"([a-z])\1+")
_Y_AS_VOWEL = re.compile(r"(?<=[aeiou])y(?![aeiou])")
_VOWELS = re.compile(r"[aeiou]+")


_BREAKS, _JOINS, _JOINS_AFTER_INITIAL = 0, 1, 2


@lru_cache(maxsize=1 << 16)
def _gap_kind(gap: str) -> int:
    """Whether a name may go on across this text between two words."""
    if _JOINING_GAP.fullmatch(gap):
        return _JOINS
    if _INITIAL_GAP.fullmatch(gap):
        return _JOINS_AFTER_INITIAL
    return _BREAKS


def _is_abbreviation(word: str) -> bool:
    if len(word) == 1:
        return word.isupper()
    rest = word[1:]
    return rest.lower() != rest


@lru_cache(maxsize=1 << 17)
def word_key(word: str) -> str:
    """A word as the gazetteer and the text both fold it (see the module's rules)."""
    if word.isascii():
        # What normalise_name leaves of a word in plain ASCII, without its passes over Unicode.
        plain = word.lower().replace("'", "").replace("`", "")
    else:
        plain = "".join(normalise_name(word).split())
    if not plain:
        return ""
    if _is_abbreviation(word):
        # "=" never survives folding, so an abbreviation never meets a folded word.
        return "=" + plain
    if plain.isascii():
        return _latin_key(plain)
    if plain.startswith(_ARABIC_ARTICLE) and len(plain) > 3:
        return plain[2:]
    return plain


def _latin_key(word: str) -> str:
    if word.isdigit():
        return word
    word = word.replace("gh", "q").replace("dh", "d")
    if word.startswith("abd") and _ABD.fullmatch(word):
        return "abd"
    if len(word) > 1 and word[-1] == "h" and word[-2] in "aeiou":
        word = word[:-1]
    word = _DOUBLED.sub(r"\1", word)
    if "y" in word:
        word = _Y_AS_VOWEL.sub("i", word)
    return _VOWELS.sub("a", word)


_NOT_ARTICLE, _ARTICLE_BEFORE_HYPHEN, _ARTICLE_ALONE_TOO = 0, 1, 2


@lru_cache(maxsize=1 << 17)
def _facts(word: str) -> tuple[str, bool, int, int, bool]:
    """What linking needs of a word as the text has it: its key, whether it is capitalised,
    how many characters of possessive end it, whether it may be the Arabic article, and
    whether it is an initial."""
    cut = 2 if len(word) > 3 and word[-2:] in _POSSESSIVE else 0
    if cut:
        word = word[:-cut]
    lowered = word.casefold()
    article = _NOT_ARTICLE
    if lowered in _ARTICLES_ALONE:
        article = _ARTICLE_ALONE_TOO
    elif lowered in _ARTICLES:
        article = _ARTICLE_BEFORE_HYPHEN
    return word_key(word), not word[0].islower(), cut, article, len(word) == 1


class Words:
    """Words of one or more texts (segments), folded, with their offsets in their text.

    Kept column by column, one list per attribute: linking a long brief touches every word a
    few times, and plain lists are the cheapest to fill and to read.
    """

    __slots__ = ("capitals", "ends", "joins", "keys", "segments", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.keys: list[str] = []
        self.capitals: list[bool] = []  # does not start with a lower-case letter
        self.joins: list[bool] = []  # continues the name the previous word is in, if any
        self.segments: list[int] = []

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, text: str, segment: int = 0) -> None:
        """Add the text's words. Its first word joins nothing: no name runs across texts.

        Column by column with `map` and comprehensions rather than word by word: the regular
        expression and the caches do the work in C, and only the rare words that need more
        (a possessive, an article, nothing left once folded) get a Python loop.
        """
        parts = _WORDS_AND_GAPS.split(text)
        found, gaps = parts[1::2], parts[0::2]  # one more gap than words
        if not found:
            return
        lengths = zip(map(len, gaps[:-1]), map(len, found), strict=True)
        bounds = list(accumulate(chain.from_iterable(lengths)))
        starts, ends = bounds[0::2], bounds[1::2]
        facts = list(map(_facts, found))
        joins = [False]
        joins.extend(
            kind == _JOINS or (kind == _JOINS_AFTER_INITIAL and facts[previous][4])
            for previous, kind in enumerate(map(_gap_kind, gaps[1:-1]))
        )
        special = [index for index, fact in enumerate(facts) if fact[2] or fact[3] or not fact[0]]
        keep: list[bool] | None = None
        if special:
            keep = [True] * len(found)
            last = len(found) - 1
            for index in special:
                key, _, cut, article, _ = facts[index]
                if cut:
                    ends[index] -= cut
                    if index < last:
                        joins[index + 1] = False  # the gap after it starts with 's
                if (
                    article
                    and index < last
                    and _article_before(text, ends[index], article == _ARTICLE_ALONE_TOO)
                ):
                    # The article goes, and the word it is joined to starts where it started.
                    keep[index] = False
                    starts[index + 1], joins[index + 1] = starts[index], joins[index]
                elif not key:
                    keep[index] = False
        columns: tuple[list[Any], ...] = (
            starts,
            ends,
            [fact[0] for fact in facts],
            [fact[1] for fact in facts],
            joins,
        )
        if keep is not None:
            columns = tuple(list(compress(column, keep)) for column in columns)
            if columns[4]:
                columns[4][0] = False
        self.starts.extend(columns[0])
        self.ends.extend(columns[1])
        self.keys.extend(columns[2])
        self.capitals.extend(columns[3])
        self.joins.extend(columns[4])
        self.segments.extend([segment] * len(columns[0]))

    def folded(self) -> tuple[str, list[int]]:
        """The keys as the automaton reads them, " k1 k2 | k3 " with a bar where a name cannot
        go on, and where each word's key starts in that string."""
        pieces = [" "]
        positions: list[int] = []
        position = 1
        for index, (key, joined) in enumerate(zip(self.keys, self.joins, strict=True)):
            if index and not joined:
                pieces.append("| ")
                position += 2
            positions.append(position)
            pieces.append(key)
            pieces.append(" ")
            position += len(key) + 1
        return "".join(pieces), positions


def _article_before(text: str, end: int, alone_too: bool) -> bool:
    """Whether the word ending at `end` is an article joined to the word after it."""
    after = text[end : end + 2]
    if len(after) < 2 or not after[1].isalpha():
        return False
    return after[0] in _HYPHENS or (alone_too and after[0] in " \t")


def words_of(text: str) -> Words:
    words = Words()
    words.add(text)
    return words


# --- The gazetteer ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntityInfo:
    name: str
    kind: str
    slug: str


@dataclass(frozen=True, slots=True)
class NameRecord:
    """One name the gazetteer learns: a canonical name or an alias of an entity."""

    entity_id: int
    name: str
    short: bool = False


def alias_is_short(*, name: str, alias_kind: str, entity_kind: str) -> bool:
    """Whether an alias links only where the brief names its entity in full: a weak alias, or
    a person's alias of one word (a surname, a nickname)."""
    return alias_kind == "weak" or (entity_kind == "person" and len(name.split()) == 1)


@dataclass(frozen=True, slots=True)
class _Candidate:
    entity_id: int
    short: bool
    capitals: tuple[bool, ...]  # which of the name's words it capitalises
    names: tuple[str, ...]  # the names that fold to this key, as recorded

    def recorded_as(self, surface: str) -> bool:
        """Whether the text spells the name as a record does, give or take case and accents."""
        spelling = _spelling(surface)
        return any(_spelling(name) == spelling for name in self.names)


def _learn(
    grouped: dict[str, dict[int, _Candidate]],
    key: str,
    record: NameRecord,
    capitals: tuple[bool, ...],
) -> None:
    known = grouped.setdefault(key, {})
    previous = known.get(record.entity_id)
    if previous is None:
        known[record.entity_id] = _Candidate(
            record.entity_id, record.short, capitals, (record.name,)
        )
        return
    # Several spellings of one entity fold alike: a capital is required only where all of
    # them have it, and the name is short only if all of them are.
    known[record.entity_id] = _Candidate(
        record.entity_id,
        previous.short and record.short,
        tuple(a and b for a, b in zip(previous.capitals, capitals, strict=True)),
        (*previous.names, record.name),
    )


_spelling = lru_cache(maxsize=1 << 14)(normalise_name)


@dataclass(frozen=True, slots=True)
class _Entry:
    length: int  # of the key, in characters
    candidates: tuple[_Candidate, ...]
    all_capitals: bool  # every candidate capitalises every word: one test for them all


@dataclass(frozen=True)
class Found:
    """A name found in the text: linked to its entity, or offered to the writer to decide."""

    entity_id: int
    segment: int
    start: int
    end: int
    surface: str
    confidence: float
    linked: bool
    reason: str


@dataclass(frozen=True)
class NewName:
    """A capitalised name that looks like an actor but matches no record."""

    name: str
    kind: str
    count: int
    segment: int
    start: int
    end: int


@dataclass(frozen=True)
class Analysis:
    """What linking found in a document, and the words it read there."""

    found: list[Found]
    words: Words = field(repr=False)
    covered: frozenset[int] = field(repr=False)  # the words inside a match

    @property
    def linked(self) -> list[Found]:
        return [item for item in self.found if item.linked]


# Confidence of a link: the name as recorded; a spelling variant of it; a short name whose
# entity the brief names in full; an offer, shared between the entities it may be.
EXACT = 1.0
VARIANT = 0.9
ANCHORED = 0.8
OFFERED = 0.4

_MIN_SURNAME = 3

_Match = tuple[int, int, tuple[_Candidate, ...]]


class Gazetteer:
    """Every name of every entity, folded, in one automaton. Immutable once built."""

    def __init__(self, names: Iterable[NameRecord], entities: Mapping[int, EntityInfo]):
        self.entities = dict(entities)
        records = list(names)
        # All the names read as one text, a blank line (which no name crosses) between two:
        # one pass of the word scan for tens of thousands of names, not one pass each.
        separator = "\n\n"
        offsets = list(accumulate((len(r.name) + len(separator) for r in records), initial=0))
        words = Words()
        words.add(separator.join(record.name for record in records))
        owners = list(map(partial(bisect_right, offsets), words.starts))
        bounds = [bisect_left(owners, number + 1) for number in range(len(records) + 1)]
        keys, joins, capitals = words.keys, words.joins, words.capitals
        grouped: dict[str, dict[int, _Candidate]] = {}
        for number, record in enumerate(records):
            first, end = bounds[number], bounds[number + 1]
            if first == end:
                continue
            pieces = [" ", keys[first]]
            for index in range(first + 1, end):
                pieces.append(" " if joins[index] else " | ")
                pieces.append(keys[index])
            pieces.append(" ")
            _learn(grouped, "".join(pieces), record, tuple(capitals[first:end]))
            info = self.entities.get(record.entity_id)
            if info is not None and info.kind == "person" and record.name == info.name:
                # A person's surname alone is a short name of theirs.
                surname = keys[end - 1]
                if end - first > 1 and len(surname) >= _MIN_SURNAME and surname[0] != "=":
                    base = offsets[number]
                    text = record.name[words.starts[end - 1] - base : words.ends[end - 1] - base]
                    alone = NameRecord(record.entity_id, text, short=True)
                    _learn(grouped, f" {surname} ", alone, (capitals[end - 1],))
        self._entries: list[_Entry] = []
        automaton = ahocorasick.Automaton()
        for key, candidates in grouped.items():
            automaton.add_word(key, len(self._entries))
            all_capitals = all(all(c.capitals) for c in candidates.values())
            self._entries.append(_Entry(len(key), tuple(candidates.values()), all_capitals))
        if self._entries:
            automaton.make_automaton()
        self._automaton = automaton

    def __len__(self) -> int:
        """How many distinct folded names it holds."""
        return len(self._entries)

    def link(self, segments: Sequence[str]) -> Analysis:
        """Find the entities the texts (a brief's title, summary, body…) name, as one document.

        A name never runs from one segment into the next; a short name is anchored by the
        entity's full name anywhere in the document.
        """
        words = Words()
        for number, text in enumerate(segments):
            words.add(text, number)
        matches = self._matches(words)
        found = self._resolve(matches, words, segments)
        covered = frozenset(i for first, last, _ in matches for i in range(first, last + 1))
        return Analysis(found, words, covered)

    def _matches(self, words: Words) -> list[_Match]:
        """The longest matches, leftmost first, none overlapping, each with the candidates
        whose capitals the text has."""
        if not self._entries or not words:
            return []
        folded, positions = words.folded()
        capitals = words.capitals
        raw: list[_Match] = []
        for end, entry_index in self._automaton.iter(folded):
            entry = self._entries[entry_index]
            first = bisect_left(positions, end - entry.length + 2)
            last = bisect_right(positions, end) - 1
            if entry.all_capitals:
                if all(capitals[first : last + 1]):
                    raw.append((first, last, entry.candidates))
                continue
            fitting = tuple(
                candidate
                for candidate in entry.candidates
                if all(
                    has or not needed
                    for has, needed in zip(
                        capitals[first : last + 1], candidate.capitals, strict=True
                    )
                )
            )
            if fitting:
                raw.append((first, last, fitting))
        raw.sort(key=lambda match: (match[0], -match[1]))
        chosen: list[_Match] = []
        reached = -1
        for match in raw:
            if match[0] > reached:
                chosen.append(match)
                reached = match[1]
        return chosen

    def _resolve(self, matches: list[_Match], words: Words, segments: Sequence[str]) -> list[Found]:
        named_in_full = {
            candidates[0].entity_id
            for _, _, candidates in matches
            if len(candidates) == 1 and not candidates[0].short
        }
        found: list[Found] = []
        for first, last, candidates in matches:
            segment = words.segments[first]
            start, end = words.starts[first], words.ends[last]
            surface = segments[segment][start:end]
            ids = [candidate.entity_id for candidate in candidates]
            if len(candidates) == 1 and not candidates[0].short:
                exact = candidates[0].recorded_as(surface)
                confidence, reason = (EXACT, "as recorded") if exact else (VARIANT, "a variant")
                found.append(Found(ids[0], segment, start, end, surface, confidence, True, reason))
                continue
            anchored = [entity_id for entity_id in ids if entity_id in named_in_full]
            after = last + 1
            runs_on = (
                after < len(words)
                and words.joins[after]
                and words.capitals[after]
                and all(candidate.short for candidate in candidates)
            )
            if len(anchored) == 1 and not runs_on:
                reason = "named in full in this brief"
                found.append(
                    Found(anchored[0], segment, start, end, surface, ANCHORED, True, reason)
                )
                continue
            offered = anchored or ids
            if runs_on:
                reason = f"“{surface}” may be part of a longer name"
            elif len(offered) > 1:
                names = " or ".join(self.entities[entity_id].name for entity_id in offered)
                reason = f"“{surface}” could be {names}"
            else:
                reason = f"“{surface}” alone is a short name, and this brief never names it in full"
            share = round(OFFERED / len(offered), 2)
            found.extend(
                Found(entity_id, segment, start, end, surface, share, False, reason)
                for entity_id in offered
            )
        return found


# --- Possible new entities ----------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CONNECTORS = _word_set("of the for bin ibn bint de la du")
_TITLES = tuple(
    tuple(title.split())
    for title in (
        "secretary of state",
        "secretary",
        "prime minister",
        "foreign minister",
        "defence minister",
        "defense minister",
        "interior minister",
        "minister",
        "special envoy",
        "envoy",
        "supreme leader",
        "grand ayatollah",
        "ayatollah",
        "president",
        "vice president",
        "former",
        "incumbent",
        "judge",
        "sheikh",
        "sayyid",
        "imam",
        "cleric",
        "general",
        "commander",
        "chairman",
        "speaker",
        "governor",
        "ambassador",
        "senator",
        "mp",
        "dr",
        "mr",
        "mrs",
        "ms",
        "king",
        "prince",
        "emir",
        "deputy",
        "head",
        "leader",
    )
)
_STOPWORDS = _word_set(
    """a about after against all also although among an and another any are as at because
    before between both but by despite during each either even every first for from further
    given having he her here his how however if in instead into it its meanwhile more most
    neither no nor not now of on once only or other our over since so some still such than
    that the their then there these they this those though through to under unlike until
    what when where whether which while who why with within without yes yet"""
)
_DEMONYMS = _word_set(
    """afghan american arab british chinese egyptian emirati european french iranian iraqi
    israeli jordanian kurdish lebanese pakistani persian qatari russian saudi shia shiite
    sunni syrian turkish western yemeni"""
)
_CALENDAR = _word_set(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday"""
)
_COMMON = _STOPWORDS | _DEMONYMS | _CALENDAR
_KIND_WORDS = {
    "armed_group": "army armies battalion battalions brigade brigades corps division forces "
    "front militia militias regiment units companies",
    "political_party": "alliance bloc coalition current list party",
    "government_body": "agency authority bank commission committee council court department "
    "directorate ministry office parliament service treasury",
    "location": "airport base camp city district governorate province region river square "
    "street valley zone desert east west north south gulf",
    "event": "conference election elections protests revolution summit uprising war",
    "organisation": "association company foundation group institute network organisation "
    "organization union",
}
_KIND_OF_WORD = {word: kind for kind, words in _KIND_WORDS.items() for word in words.split()}
_MAX_NEW_NAME_WORDS = 6
_MAX_PERSON_NAME_WORDS = 4
_MAX_HEADING_WORDS = 14
_QUOTES = "\"'\u201c\u2018\u00ab"


def new_names(analysis: Analysis, segments: Sequence[str]) -> list[NewName]:
    """Capitalised names no record matched (runs of capitalised words, trimmed of titles and
    common words), each with how often it occurs and where first; for the writer to record."""
    words = analysis.words
    texts = [
        segments[segment][start:end]
        for segment, start, end in zip(words.segments, words.starts, words.ends, strict=True)
    ]
    runs: list[list[int]] = []
    current: list[int] = []
    for index, text in enumerate(texts):
        capital = words.capitals[index]
        name_like = capital and text[0].isalpha() and not words.keys[index][0].isdigit()
        connector = not capital and text.casefold() in _CONNECTORS
        if index in analysis.covered or not (name_like or (connector and current)):
            if current:
                runs.append(current)
            current = []
            continue
        if current and not words.joins[index]:
            runs.append(current)
            current = []
        current.append(index)
    if current:
        runs.append(current)
    counted: Counter[str] = Counter()
    first_seen: dict[str, NewName] = {}
    for run in runs:
        lowered = _trim([texts[index].casefold() for index in run])
        if not 2 <= len(lowered) <= _MAX_NEW_NAME_WORDS or len(set(lowered)) == 1:
            continue
        if all(word in _COMMON for word in lowered):
            continue
        first, last = _trimmed_span(run, texts, lowered)
        segment = words.segments[first]
        text = segments[segment]
        start, end = words.starts[first], words.ends[last]
        if _in_heading(text, start) or _label_or_title(text, start, end):
            continue
        key = " ".join(words.keys[first : last + 1])
        counted[key] += 1
        if key not in first_seen:
            kind = next(
                (_KIND_OF_WORD[w] for w in reversed(lowered) if w in _KIND_OF_WORD),
                "person" if len(lowered) <= _MAX_PERSON_NAME_WORDS else "organisation",
            )
            name = " ".join(text[start:end].split())
            first_seen[key] = NewName(name, kind, 0, segment, start, end)
    return [
        NewName(item.name, item.kind, counted[key], item.segment, item.start, item.end)
        for key, item in first_seen.items()
    ]


def _trim(lowered: list[str]) -> list[str]:
    """The run without the titles and common words that lead it, nor the connectors that end it."""
    start, end = 0, len(lowered)
    while start < end:
        title = next((t for t in _TITLES if tuple(lowered[start : start + len(t)]) == t), None)
        if title is not None:
            start += len(title)
        elif lowered[start] in _COMMON:
            start += 1
        else:
            break
    while end > start and (lowered[end - 1] in _CONNECTORS or lowered[end - 1] in _STOPWORDS):
        end -= 1
    return lowered[start:end]


def _trimmed_span(run: list[int], texts: list[str], trimmed: list[str]) -> tuple[int, int]:
    """The first and last word indexes of the trimmed run."""
    lowered = [texts[index].casefold() for index in run]
    for offset in range(len(run) - len(trimmed) + 1):
        if lowered[offset : offset + len(trimmed)] == trimmed:
            return run[offset], run[offset + len(trimmed) - 1]
    raise ValueError("the trimmed run is not inside the run")


def _label_or_title(text: str, start: int, end: int) -> bool:
    """A label ("External pressure:") or a quoted title, not a name."""
    return text[end : end + 1] == ":" or (start > 0 and text[start - 1] in _QUOTES)


def _in_heading(text: str, position: int) -> bool:
    """Whether the position is on a short line in Title Case with no full stop, as headings
    often are."""
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    if line.endswith(".") or ". " in line:
        return False
    words = [word for word in _WORD.findall(line) if word.casefold() not in _STOPWORDS]
    capitalised = sum(1 for word in words if word[0].isupper())
    return 3 <= len(words) <= _MAX_HEADING_WORDS and capitalised >= 0.75 * len(words)
