"""A brief's judgments, sources and scenarios as readers see them, read from a revision snapshot.

The portal, the API, the admin's previews and the digest all read these parts out of the
snapshot of the revision they show, so each shows exactly what was approved. Snapshots saved
before the tradecraft fields existed hold plain statements and ungraded sources; they read as
unrated judgments and ungraded citations.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from advisory.briefs.scales import (
    CREDIBILITY_MEANINGS,
    RELIABILITY_MEANINGS,
    SCALES,
    Confidence,
    Credibility,
    LikelihoodScale,
    LikelihoodTerm,
    Reliability,
    SourceGrade,
    likelihood_term,
    source_grade,
)


@dataclass(frozen=True)
class Likelihood:
    """A term as placed on its scale, for a reader: the label, the range, the scale's name."""

    scale: LikelihoodScale
    term: LikelihoodTerm

    @property
    def label(self) -> str:
        return self.term.label

    @property
    def range_label(self) -> str:
        return self.term.range_label

    @property
    def meaning(self) -> str:
        return f"{self.term.label}: {self.term.range_label} probability ({self.scale.name})"

    def __str__(self) -> str:
        return self.term.label


def likelihood_of(scale: str, code: str) -> Likelihood | None:
    term = likelihood_term(scale, code)
    return Likelihood(SCALES[scale], term) if term is not None else None


def confidence_label(code: str) -> str:
    return Confidence(code).label if code in Confidence.values else ""


@dataclass(frozen=True)
class JudgmentStep:
    """One published change of a judgment: from when clients read it so, and why."""

    published_at: datetime.datetime
    likelihood: Likelihood | None
    confidence: str
    previous_likelihood: Likelihood | None
    previous_confidence: str
    reason: str

    @property
    def first(self) -> bool:
        return self.previous_likelihood is None and not self.previous_confidence


@dataclass(frozen=True)
class JudgmentReading:
    """A key judgment; prints as its statement, so a list of them reads as statements."""

    pk: int | None
    statement: str
    likelihood: Likelihood | None
    confidence: str
    assumptions: tuple[str, ...]
    # 1-based places of the supporting sources in the brief's list of sources.
    source_numbers: tuple[int, ...]
    history: tuple[JudgmentStep, ...] = ()

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.confidence)

    @property
    def changed(self) -> bool:
        return any(not step.first for step in self.history)

    def __str__(self) -> str:
        return self.statement


@dataclass(frozen=True)
class SourceCitation:
    number: int
    title: str
    publisher: str
    url: str
    published_on: datetime.date | None
    note: str
    grade: SourceGrade | None = None


@dataclass(frozen=True)
class ScenarioReading:
    title: str
    description: str
    drivers: tuple[str, ...]
    likelihood: Likelihood | None
    indicators: tuple[str, ...]
    review_on: datetime.date | None


@dataclass(frozen=True)
class GradeLegend:
    code: str
    label: str
    meaning: str


RELIABILITY_LEGEND = tuple(
    GradeLegend(code, label.split(" – ", 1)[1], RELIABILITY_MEANINGS[code])
    for code, label in Reliability.choices
)
CREDIBILITY_LEGEND = tuple(
    GradeLegend(str(code), label.split(" – ", 1)[1], CREDIBILITY_MEANINGS[code])
    for code, label in Credibility.choices
)


class TradecraftParts:
    """What `briefs/_brief_body.html` needs for its legends, from a reading's parts."""

    key_judgments: tuple[JudgmentReading, ...]
    sources: tuple[SourceCitation, ...]
    scenarios: tuple[ScenarioReading, ...]

    @property
    def likelihood_scales(self) -> tuple[LikelihoodScale, ...]:
        """The scales the brief's judgments and scenarios are written on, for the legend."""
        items: tuple[JudgmentReading | ScenarioReading, ...] = (
            *self.key_judgments,
            *self.scenarios,
        )
        used = [item.likelihood for item in items]
        return tuple(
            {likelihood.scale.code: likelihood.scale for likelihood in used if likelihood}.values()
        )

    @property
    def graded(self) -> bool:
        return any(source.grade is not None for source in self.sources)

    @property
    def reliability_legend(self) -> tuple[GradeLegend, ...]:
        return RELIABILITY_LEGEND

    @property
    def credibility_legend(self) -> tuple[GradeLegend, ...]:
        return CREDIBILITY_LEGEND


def listed_lines(text: str) -> tuple[str, ...]:
    """The items of a one-per-line field, without blank lines or list markers."""
    return tuple(line.strip(" \t-•*") for line in text.splitlines() if line.strip(" \t-•*"))


def snapshot_judgments(snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's judgments as records; an older snapshot's plain statements, unrated."""
    return [
        item if isinstance(item, dict) else {"id": None, "statement": str(item)}
        for item in snapshot.get("key_judgments") or ()
    ]


def _date(value: object) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) and value else None


def snapshot_sources(snapshot: Mapping[str, Any]) -> tuple[SourceCitation, ...]:
    citations = []
    for number, source in enumerate(snapshot.get("sources") or (), start=1):
        url = source.get("url") or ""
        citations.append(
            SourceCitation(
                number=number,
                title=source.get("title") or "",
                publisher=source.get("publisher") or "",
                # Only web addresses become links: a snapshot is data, not trusted markup.
                url=url if url.startswith(("https://", "http://")) else "",
                published_on=_date(source.get("published_on")),
                note=source.get("note") or "",
                grade=source_grade(source.get("reliability") or "", source.get("credibility")),
            )
        )
    return tuple(citations)


def snapshot_readings(
    snapshot: Mapping[str, Any],
) -> tuple[tuple[JudgmentReading, ...], tuple[SourceCitation, ...], tuple[ScenarioReading, ...]]:
    """The judgments, sources and scenarios of a revision, as readers see them."""
    numbers = {
        source.get("id"): number
        for number, source in enumerate(snapshot.get("sources") or (), start=1)
        if source.get("id") is not None
    }
    judgments = tuple(
        JudgmentReading(
            pk=item.get("id"),
            statement=item.get("statement") or "",
            likelihood=likelihood_of(item.get("scale") or "", item.get("likelihood") or ""),
            confidence=item.get("confidence") or "",
            assumptions=listed_lines(item.get("assumptions") or ""),
            source_numbers=tuple(
                sorted(numbers[pk] for pk in item.get("sources") or () if pk in numbers)
            ),
        )
        for item in snapshot_judgments(snapshot)
    )
    scenarios = tuple(
        ScenarioReading(
            title=item.get("title") or "",
            description=item.get("description") or "",
            drivers=listed_lines(item.get("drivers") or ""),
            likelihood=likelihood_of(item.get("scale") or "", item.get("likelihood") or ""),
            indicators=listed_lines(item.get("indicators") or ""),
            review_on=_date(item.get("review_on")),
        )
        for item in snapshot.get("scenarios") or ()
    )
    return judgments, snapshot_sources(snapshot), scenarios


@dataclass(frozen=True)
class RecordedChange:
    """A `JudgmentChange` row's values, as the history needs them."""

    judgment_pk: int
    published_at: datetime.datetime
    scale: str
    likelihood: str
    confidence: str
    previous_scale: str
    previous_likelihood: str
    previous_confidence: str
    reason: str


def with_history(
    judgments: Sequence[JudgmentReading], changes: Iterable[RecordedChange]
) -> tuple[JudgmentReading, ...]:
    """The judgments, each with the published changes of its likelihood and confidence."""
    steps: dict[int, list[JudgmentStep]] = {}
    for change in sorted(changes, key=lambda change: change.published_at):
        steps.setdefault(change.judgment_pk, []).append(
            JudgmentStep(
                published_at=change.published_at,
                likelihood=likelihood_of(change.scale, change.likelihood),
                confidence=confidence_label(change.confidence),
                previous_likelihood=likelihood_of(
                    change.previous_scale, change.previous_likelihood
                ),
                previous_confidence=confidence_label(change.previous_confidence),
                reason=change.reason,
            )
        )
    return tuple(
        replace(judgment, history=tuple(steps.get(judgment.pk, ())))
        if judgment.pk is not None
        else judgment
        for judgment in judgments
    )


def judgment_line(judgment: Mapping[str, Any] | str) -> str:
    """A judgment on one line, its likelihood and confidence first: what a digest lists."""
    if isinstance(judgment, str):
        return judgment
    statement = judgment.get("statement") or ""
    likelihood = likelihood_of(judgment.get("scale") or "", judgment.get("likelihood") or "")
    if likelihood is None:
        return statement
    confidence = confidence_label(judgment.get("confidence") or "").lower()
    rating = f"{likelihood.label} ({likelihood.range_label})"
    return f"{rating}, {confidence}: {statement}" if confidence else f"{rating}: {statement}"
