"""The estimative-language check: words of likelihood that are not terms of the desk's scale.

What is flagged, precisely:

- **Off-scale words.** Any phrase of `LEXICON` below that is not one of the active scale's
  published wordings (`LikelihoodTerm.wordings`). Matching is case-insensitive, on whole words,
  longest phrase first (so "highly likely" is one phrase, never "likely" inside it), and a
  phrase may break across lines. A term counts only in its published words: under the PHIA
  yardstick "likely", "probable" and "likely or probable" are the one term, while "probably"
  and "very likely" are flagged (ICD 203 lists both, so there they pass); "almost certainly"
  passes under ICD 203 ("almost certain(ly)") and is flagged under PHIA.
- **Likelihood with confidence.** A sentence that holds both a word of likelihood (a term, or
  a flagged phrase that stands for a probability) and a confidence level ("high confidence",
  "moderately confident"): ICD 203 D.6.e.(2)(b) forbids the mix, and the judgment's confidence
  has a field of its own. The flag sits on the confidence phrase, once per sentence.

What is not read: text in double quotation marks (straight or curly) and Markdown block
quotes, which are other people's words; inline code and fenced code; web addresses. A few
everyday uses are not estimative and are skipped: "could not"/"couldn't" (reported inability),
"as soon as possible" and kin ("as … as possible", "where/if/when possible", "made possible"),
and "May" the month (capitalised and not opening a sentence, or next to a number).

Offsets are in characters (Unicode code points) of the checked text, end excluded; lines and
columns count from 1.
"""

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from advisory.briefs.scales import LikelihoodScale


class FlagKind(StrEnum):
    OFF_SCALE = "off_scale"
    MIXED = "mixed"


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    # What was checked: "body", "key judgment 2"…
    field: str
    start: int
    end: int
    line: int
    column: int
    text: str
    message: str
    suggestion: str


@dataclass(frozen=True)
class Phrase:
    """An estimative phrase outside a scale, and what to write instead.

    `probability` is roughly what readers take the phrase to mean (0–1): the suggestion is the
    scale's term nearest to it. Phrases that hide a source or a judgment rather than state a
    likelihood have none and give `advice` instead.
    """

    words: str
    probability: float | None = None
    advice: str = ""


_SAY_WHO = (
    "Say whose view it is and cite it as a graded source; if it is the desk's own judgment, "
    "state it with a term of the scale."
)
_NAME_THE_SOURCE = (
    "Name and grade the source among the brief's sources, and state what the desk judges "
    "with a term of the scale."
)

LEXICON: tuple[Phrase, ...] = (
    # Words of the two scales, flagged under the other one.
    Phrase("remote chance", 0.03),
    Phrase("almost no chance", 0.03),
    Phrase("highly unlikely", 0.12),
    Phrase("very unlikely", 0.12),
    Phrase("highly improbable", 0.12),
    Phrase("improbable", 0.3),
    Phrase("improbably", 0.3),
    Phrase("realistic possibility", 0.45),
    Phrase("roughly even chance", 0.5),
    Phrase("roughly even odds", 0.5),
    Phrase("likely or probable", 0.65),
    Phrase("probably", 0.65),
    Phrase("highly likely", 0.85),
    Phrase("very likely", 0.87),
    Phrase("highly probable", 0.87),
    Phrase("almost certainly", 0.97),
    Phrase("nearly certain", 0.97),
    # Words of no scale.
    Phrase("remote possibility", 0.03),
    Phrase("slim chance", 0.1),
    Phrase("slight chance", 0.1),
    Phrase("small chance", 0.1),
    Phrase("little chance", 0.1),
    Phrase("cannot be ruled out", 0.1),
    Phrase("can't be ruled out", 0.1),
    Phrase("not inconceivable", 0.15),
    Phrase("conceivably", 0.15),
    Phrase("doubtful", 0.2),
    Phrase("not likely", 0.25),
    Phrase("might", 0.35),
    Phrase("could", 0.4),
    Phrase("may", 0.4),
    Phrase("perhaps", 0.4),
    Phrase("possibly", 0.4),
    Phrase("possible", 0.4),
    Phrase("plausibly", 0.4),
    Phrase("even chance", 0.5),
    Phrase("fifty-fifty", 0.5),
    Phrase("may well", 0.5),
    Phrase("might well", 0.5),
    Phrase("could well", 0.5),
    Phrase("real possibility", 0.5),
    Phrase("distinct possibility", 0.5),
    Phrase("serious possibility", 0.5),
    Phrase("strong possibility", 0.55),
    Phrase("more likely than not", 0.55),
    Phrase("appears to", 0.6),
    Phrase("appear to", 0.6),
    Phrase("seems to", 0.6),
    Phrase("seem to", 0.6),
    Phrase("fair chance", 0.6),
    Phrase("good chance", 0.65),
    Phrase("chances are", 0.65),
    Phrase("expected to", 0.7),
    Phrase("in all likelihood", 0.8),
    Phrase("certainly", 0.97),
    Phrase("definitely", 0.97),
    Phrase("undoubtedly", 0.97),
    Phrase("it is believed", advice=_SAY_WHO),
    Phrase("is believed to", advice=_SAY_WHO),
    Phrase("are believed to", advice=_SAY_WHO),
    Phrase("we believe", advice=_SAY_WHO),
    Phrase("it is thought", advice=_SAY_WHO),
    Phrase("reportedly", advice=_NAME_THE_SOURCE),
    Phrase("credible reports", advice=_NAME_THE_SOURCE),
    Phrase("unconfirmed reports", advice=_NAME_THE_SOURCE),
    Phrase("reports suggest", advice=_NAME_THE_SOURCE),
    Phrase("reports indicate", advice=_NAME_THE_SOURCE),
    Phrase("sources suggest", advice=_NAME_THE_SOURCE),
)

_CONFIDENCE = re.compile(
    r"(?<![\w-])(?:(?:high|moderate|medium|low)(?:-|\s+)confidence"
    r"|(?:highly|moderately|fairly)\s+confident)(?![\w-])",
    re.IGNORECASE,
)

# Spans never read: other people's words, code and addresses.
_UNREAD = re.compile(
    r"\"[^\"\n]*\"|“[^”]*”|^[ \t]*>[^\n]*|```.*?```|`[^`\n]*`|https?://\S+|\]\([^)\s]*\)",
    re.MULTILINE | re.DOTALL,
)
# Everyday uses of an estimative word that estimate nothing.
_EVERYDAY = re.compile(
    r"(?<![\w-])(?:could\s+not|couldn['’]t|as\s+\w+\s+as\s+possible"
    r"|(?:where|wherever|if|when)\s+possible|(?:made|makes?|making)\s+possible)(?![\w-])",
    re.IGNORECASE,
)
_MONTH_MAY = re.compile(r"\bMay\b")
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*(?=\s)|\n")


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    # Longest first, so that the alternation prefers "highly likely" to "likely".
    ordered = sorted(phrases, key=len, reverse=True)
    words = "|".join(r"\s+".join(map(re.escape, phrase.split())) for phrase in ordered)
    return re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class _Lexicon:
    accepted: frozenset[str]
    flagged: dict[str, Phrase]
    pattern: re.Pattern[str]


_LEXICONS: dict[str, _Lexicon] = {}


def _lexicon(scale: LikelihoodScale) -> _Lexicon:
    found = _LEXICONS.get(scale.code)
    if found is None:
        accepted = frozenset(wording for term in scale.terms for wording in term.wordings)
        flagged = {phrase.words: phrase for phrase in LEXICON if phrase.words not in accepted}
        found = _Lexicon(accepted, flagged, _phrase_pattern([*accepted, *flagged]))
        _LEXICONS[scale.code] = found
    return found


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` opens a sentence, a heading or a list item."""
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in '.!?\n#*-:("“'


def _month_spans(text: str) -> Iterator[tuple[int, int]]:
    """ "May" the month: capitalised away from a sentence's start, or next to a number."""
    for match in _MONTH_MAY.finditer(text):
        start, end = match.span()
        next_to_number = re.match(r"\s+\d", text[end:]) or re.search(r"\d\s+$", text[:start])
        if next_to_number or not _opens_sentence(text, start):
            yield start, end


def _unread_spans(text: str) -> list[tuple[int, int]]:
    spans = [match.span() for pattern in (_UNREAD, _EVERYDAY) for match in pattern.finditer(text)]
    spans.extend(_month_spans(text))
    return sorted(spans)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(low < end and start < high for low, high in spans)


def _sentence_bounds(text: str) -> list[int]:
    """Where each sentence ends (a sentence's end is the next one's start)."""
    return [match.end() for match in _SENTENCE_END.finditer(text)] + [len(text)]


def _sentence_of(bounds: list[int], offset: int) -> int:
    return bisect.bisect_right(bounds, offset)


def _place(text: str, start: int) -> tuple[int, int]:
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return line, column


def _suggestion(phrase: Phrase, scale: LikelihoodScale) -> str:
    if phrase.probability is None:
        return phrase.advice
    term = scale.nearest(phrase.probability)
    return (
        f"If that is the judgment, write “{term.label.lower()}” ({term.range_label}), or the "
        "term of the scale that says how likely you judge it."
    )


def estimative_flags(text: str, *, scale: LikelihoodScale, field: str = "body") -> list[Flag]:
    """Every flag in the text, in reading order."""
    lexicon = _lexicon(scale)
    unread = _unread_spans(text)
    found = [
        match for match in lexicon.pattern.finditer(text) if not _overlaps(unread, *match.span())
    ]
    flags: list[Flag] = []
    likelihood_in_sentence: dict[int, str] = {}
    bounds = _sentence_bounds(text)
    for match in found:
        words = " ".join(match.group(0).lower().split())
        phrase = lexicon.flagged.get(words)
        # A term, or a flagged phrase that stands for a probability ("could"), gives the
        # sentence a likelihood; "it is believed" hides a source, not a probability.
        if phrase is None or phrase.probability is not None:
            likelihood_in_sentence.setdefault(_sentence_of(bounds, match.start()), match.group(0))
        if phrase is None:
            continue
        line, column = _place(text, match.start())
        flags.append(
            Flag(
                kind=FlagKind.OFF_SCALE,
                field=field,
                start=match.start(),
                end=match.end(),
                line=line,
                column=column,
                text=match.group(0),
                message=f"“{match.group(0)}” is not a term of the {scale.name}.",
                suggestion=_suggestion(phrase, scale),
            )
        )
    mixed_sentences: set[int] = set()
    for match in _CONFIDENCE.finditer(text):
        if _overlaps(unread, *match.span()):
            continue
        sentence = _sentence_of(bounds, match.start())
        likelihood = likelihood_in_sentence.get(sentence)
        if likelihood is None or sentence in mixed_sentences:
            continue
        mixed_sentences.add(sentence)
        line, column = _place(text, match.start())
        flags.append(
            Flag(
                kind=FlagKind.MIXED,
                field=field,
                start=match.start(),
                end=match.end(),
                line=line,
                column=column,
                text=match.group(0),
                message=(
                    f"A likelihood (“{likelihood}”) and a confidence level (“{match.group(0)}”) "
                    "in one sentence."
                ),
                suggestion=(
                    "Keep the likelihood in the sentence and give the confidence level in the "
                    "judgment's confidence field, or in a sentence of its own."
                ),
            )
        )
    return sorted(flags, key=lambda flag: (flag.start, flag.kind))
