"""The desk's track record in numbers: how often each likelihood term came true, and a Brier
score.

A judgment scores only once resolved as happened or did not happen; "cannot be resolved" is
counted but scores nothing. The Brier score is the mean, over scored judgments, of
(p − o)², where o is 1 if it happened and 0 if not, and p is the midpoint of its term's
published range (the terms give ranges, not numbers: the midpoint is the forecast a reader
takes from the term). 0 is perfect; always answering "50%" scores 0.25.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from advisory.briefs.models import Outcome
from advisory.briefs.scales import (
    SCALES,
    LikelihoodScale,
    LikelihoodTerm,
    active_scale,
    likelihood_term,
)

# Below this many resolved judgments a term's frequency says little: one judgment that came
# true is "100%". The desk page says so beside the figure rather than hiding it.
FEW = 5


@dataclass(frozen=True)
class ResolvedForecast:
    scale: str
    likelihood: str
    outcome: str


@dataclass(frozen=True)
class CalibrationRow:
    scale: LikelihoodScale
    term: LikelihoodTerm
    happened: int
    did_not_happen: int
    unresolvable: int

    @property
    def resolved(self) -> int:
        return self.happened + self.did_not_happen

    @property
    def frequency(self) -> float | None:
        """How often judgments with this term came true, 0–1; None before any is resolved."""
        return self.happened / self.resolved if self.resolved else None

    @property
    def too_few(self) -> bool:
        return 0 < self.resolved < FEW

    @property
    def verdict(self) -> str:
        frequency = self.frequency
        if frequency is None:
            return ""
        percent = frequency * 100
        if percent < self.term.low:
            return "came true less often than the term says"
        if percent > self.term.high:
            return "came true more often than the term says"
        return "within the term's range"


@dataclass(frozen=True)
class Calibration:
    rows: tuple[CalibrationRow, ...]
    scored: int
    brier_score: float | None


def calibration(
    forecasts: Iterable[ResolvedForecast], *, scale: LikelihoodScale | None = None
) -> Calibration:
    """One row for every term of the desk's scale, in order, then for each term of another
    scale that a resolved judgment was written on; and the Brier score over them all."""
    desk_scale = scale or active_scale()
    counts: dict[tuple[str, str], dict[str, int]] = {
        (desk_scale.code, term.code): {} for term in desk_scale.terms
    }
    squared_errors: list[float] = []
    for forecast in forecasts:
        term = likelihood_term(forecast.scale, forecast.likelihood)
        if term is None:
            continue
        tally = counts.setdefault((forecast.scale, term.code), {})
        tally[forecast.outcome] = tally.get(forecast.outcome, 0) + 1
        if forecast.outcome in (Outcome.HAPPENED, Outcome.DID_NOT_HAPPEN):
            outcome = 1.0 if forecast.outcome == Outcome.HAPPENED else 0.0
            squared_errors.append((term.midpoint - outcome) ** 2)
    rows = []
    for (scale_code, term_code), tally in counts.items():
        row_scale = SCALES[scale_code]
        term = row_scale.term(term_code)
        assert term is not None
        rows.append(
            CalibrationRow(
                scale=row_scale,
                term=term,
                happened=tally.get(Outcome.HAPPENED, 0),
                did_not_happen=tally.get(Outcome.DID_NOT_HAPPEN, 0),
                unresolvable=tally.get(Outcome.UNRESOLVABLE, 0),
            )
        )
    return Calibration(
        rows=tuple(rows),
        scored=len(squared_errors),
        brier_score=sum(squared_errors) / len(squared_errors) if squared_errors else None,
    )
