"""The fixed vocabularies of analytic tradecraft: likelihood scales, confidence, source grades.

The desk states every judgment's likelihood with a term of ONE published scale, chosen in
settings (`LIKELIHOOD_SCALE`): the UK PHIA Probability Yardstick or the US ICD 203 terms.
Each judgment also records the scale it was written on, so a record keeps its meaning even if
the desk changes scale. Sources are graded on the Admiralty (NATO) system.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models


@dataclass(frozen=True)
class LikelihoodTerm:
    code: str
    label: str
    # The published range, in whole percent, both ends included.
    low: int
    high: int
    # How the term may be written in a brief's text, lower case: its published wordings.
    wordings: tuple[str, ...]

    @property
    def range_label(self) -> str:
        return f"{self.low}–{self.high}%"

    @property
    def midpoint(self) -> float:
        """The centre of the range as a probability: the forecast a Brier score scores."""
        return (self.low + self.high) / 200

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class LikelihoodScale:
    code: str
    name: str
    reference: str
    terms: tuple[LikelihoodTerm, ...]

    def term(self, code: str) -> LikelihoodTerm | None:
        return next((term for term in self.terms if term.code == code), None)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(term.code, f"{term.label} ({term.range_label})") for term in self.terms]

    @property
    def codes(self) -> list[str]:
        return [term.code for term in self.terms]

    def nearest(self, probability: float) -> LikelihoodTerm:
        """The term whose range holds a probability (0–1) or lies nearest to it (in a gap of
        the PHIA yardstick); on a boundary, the term whose midpoint is nearer."""
        percent = probability * 100
        return min(
            self.terms,
            key=lambda term: (
                max(term.low - percent, percent - term.high, 0.0),
                abs(term.midpoint * 100 - percent),
            ),
        )


# The PHIA Probability Yardstick as published by the UK Professional Head of Intelligence
# Analysis (revised 2019), reproduced in "Explaining Uncertainty in UK Intelligence Assessment",
# gov.uk, 24 March 2025: https://www.gov.uk/government/publications/explaining-uncertainty-in-
# uk-intelligence-assessment. The ranges are approximate ("≈") and leave deliberate gaps
# (5–10%, 20–25%, 35–40%, 50–55%, 75–80%, 90–95%) so that no judgment sits on a boundary
# between two terms; there is no "even chance" term.
PHIA = LikelihoodScale(
    code="phia",
    name="PHIA Probability Yardstick",
    reference="UK Professional Head of Intelligence Analysis, Probability Yardstick (2019)",
    terms=(
        LikelihoodTerm("remote_chance", "Remote chance", 0, 5, ("remote chance",)),
        LikelihoodTerm("highly_unlikely", "Highly unlikely", 10, 20, ("highly unlikely",)),
        LikelihoodTerm("unlikely", "Unlikely", 25, 35, ("unlikely",)),
        LikelihoodTerm(
            "realistic_possibility", "Realistic possibility", 40, 50, ("realistic possibility",)
        ),
        # One band with two names: either half alone is the same term.
        LikelihoodTerm(
            "likely", "Likely or probable", 55, 75, ("likely or probable", "likely", "probable")
        ),
        LikelihoodTerm("highly_likely", "Highly likely", 80, 90, ("highly likely",)),
        LikelihoodTerm("almost_certain", "Almost certain", 95, 100, ("almost certain",)),
    ),
)

# US Intelligence Community Directive 203, Analytic Standards (2 January 2015), section
# D.6.e.(2)(a): https://www.dni.gov/files/documents/ICD/ICD-203.pdf. Each band has a term of
# likelihood and a term of probability (the directive prefers one row per product; both are
# accepted in text); the ranges meet end to end.
ICD_203 = LikelihoodScale(
    code="icd203",
    name="ICD 203 expressions of likelihood",
    reference="US Intelligence Community Directive 203, Analytic Standards (2015)",
    terms=(
        # "Remote" is the band's other published name, but in prose it is mostly the adjective
        # ("remote districts"): the text check reads only "almost no chance" as the term.
        LikelihoodTerm("almost_no_chance", "Almost no chance", 1, 5, ("almost no chance",)),
        LikelihoodTerm(
            "very_unlikely", "Very unlikely", 5, 20, ("very unlikely", "highly improbable")
        ),
        LikelihoodTerm("unlikely", "Unlikely", 20, 45, ("unlikely", "improbable", "improbably")),
        LikelihoodTerm(
            "roughly_even_chance",
            "Roughly even chance",
            45,
            55,
            ("roughly even chance", "roughly even odds"),
        ),
        LikelihoodTerm("likely", "Likely", 55, 80, ("likely", "probable", "probably")),
        LikelihoodTerm("very_likely", "Very likely", 80, 95, ("very likely", "highly probable")),
        LikelihoodTerm(
            "almost_certain",
            "Almost certain",
            95,
            99,
            ("almost certain", "almost certainly", "nearly certain"),
        ),
    ),
)

SCALES: dict[str, LikelihoodScale] = {scale.code: scale for scale in (PHIA, ICD_203)}


def active_scale() -> LikelihoodScale:
    """The scale the desk writes new judgments on (settings.LIKELIHOOD_SCALE)."""
    return SCALES[settings.LIKELIHOOD_SCALE]


def likelihood_term(scale: str, code: str) -> LikelihoodTerm | None:
    """The term a stored (scale, code) pair names; None for an unrated judgment."""
    found = SCALES.get(scale)
    return found.term(code) if found is not None else None


class Confidence(models.TextChoices):
    """How far the desk trusts its own judgment: the evidence, its sources, the reasoning."""

    HIGH = "high", "High confidence"
    MODERATE = "moderate", "Moderate confidence"
    LOW = "low", "Low confidence"


# The Admiralty (NATO) system, AJP-2.1 / STANAG 2511: a source's reliability A–F and the
# information's credibility 1–6, graded apart so that one does not colour the other. "Cannot
# be judged" (F, 6) says there is no basis to grade; it is not "unreliable" (E) or
# "improbable" (5), which are findings against the source or the report.
class Reliability(models.TextChoices):
    A = "A", "A – Completely reliable"
    B = "B", "B – Usually reliable"
    C = "C", "C – Fairly reliable"
    D = "D", "D – Not usually reliable"
    E = "E", "E – Unreliable"
    F = "F", "F – Reliability cannot be judged"


class Credibility(models.IntegerChoices):
    CONFIRMED = 1, "1 – Confirmed by other sources"
    PROBABLY_TRUE = 2, "2 – Probably true"
    POSSIBLY_TRUE = 3, "3 – Possibly true"
    DOUBTFUL = 4, "4 – Doubtful"
    IMPROBABLE = 5, "5 – Improbable"
    CANNOT_BE_JUDGED = 6, "6 – Truth cannot be judged"


RELIABILITY_MEANINGS: dict[str, str] = {
    "A": "No doubt of the source's authenticity, trustworthiness or competence; a history of "
    "complete reliability.",
    "B": "Minor doubt about the source; a history of valid information most of the time.",
    "C": "Doubt about the source, which has provided valid information in the past.",
    "D": "Significant doubt about the source, which has provided valid information in the past.",
    "E": "The source lacks authenticity, trustworthiness and competence; a history of invalid "
    "information.",
    "F": "No basis exists for evaluating the source's reliability.",
}
CREDIBILITY_MEANINGS: dict[int, str] = {
    1: "Confirmed by other independent sources; logical in itself; consistent with other "
    "information.",
    2: "Not confirmed; logical in itself; consistent with other information.",
    3: "Not confirmed; reasonably logical in itself; agrees with some other information.",
    4: "Not confirmed; possible but not logical; no other information on the subject.",
    5: "Not confirmed; not logical in itself; contradicted by other information.",
    6: "No basis exists for evaluating the validity of the information.",
}


@dataclass(frozen=True)
class SourceGrade:
    """A source's grade as a reader sees it: "B2", and what it means."""

    reliability: str
    credibility: int

    @property
    def code(self) -> str:
        return f"{self.reliability}{self.credibility}"

    @property
    def meaning(self) -> str:
        reliability = Reliability(self.reliability).label.split(" – ", 1)[1]
        credibility = Credibility(self.credibility).label.split(" – ", 1)[1]
        return f"Source: {reliability.lower()}. Information: {credibility.lower()}."

    def __str__(self) -> str:
        return self.code


def source_grade(reliability: str, credibility: int | None) -> SourceGrade | None:
    """The grade of a graded source; None for one graded before grading existed."""
    if reliability not in Reliability.values or credibility not in Credibility.values:
        return None
    return SourceGrade(reliability, credibility)
