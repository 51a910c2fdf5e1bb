"""The likelihood scales, confidence levels and source grades, against the published documents:
the PHIA Probability Yardstick (with its deliberate gaps), ICD 203 (end to end) and the
Admiralty system."""

import itertools

import pytest
from django.db import IntegrityError, transaction
from pytest_django.fixtures import Settings as SettingsWrapper

from advisory.briefs.models import KeyJudgment, Scenario, Source
from advisory.briefs.scales import (
    ICD_203,
    PHIA,
    SCALES,
    Confidence,
    Credibility,
    Reliability,
    active_scale,
    likelihood_term,
    source_grade,
)
from tests.commandline import manage
from tests.factories import BriefFactory


def _table(scale: object) -> list[tuple[str, str, int, int]]:
    return [(term.code, term.label, term.low, term.high) for term in scale.terms]


def test_the_phia_yardstick_as_published_with_its_gaps() -> None:
    assert _table(PHIA) == [
        ("remote_chance", "Remote chance", 0, 5),
        ("highly_unlikely", "Highly unlikely", 10, 20),
        ("unlikely", "Unlikely", 25, 35),
        ("realistic_possibility", "Realistic possibility", 40, 50),
        ("likely", "Likely or probable", 55, 75),
        ("highly_likely", "Highly likely", 80, 90),
        ("almost_certain", "Almost certain", 95, 100),
    ]
    gaps = [(lower.high, upper.low) for lower, upper in itertools.pairwise(PHIA.terms)]
    assert gaps == [(5, 10), (20, 25), (35, 40), (50, 55), (75, 80), (90, 95)]
    assert [term.range_label for term in PHIA.terms][4] == "55–75%"


def test_the_icd_203_terms_as_published_end_to_end() -> None:
    assert _table(ICD_203) == [
        ("almost_no_chance", "Almost no chance", 1, 5),
        ("very_unlikely", "Very unlikely", 5, 20),
        ("unlikely", "Unlikely", 20, 45),
        ("roughly_even_chance", "Roughly even chance", 45, 55),
        ("likely", "Likely", 55, 80),
        ("very_likely", "Very likely", 80, 95),
        ("almost_certain", "Almost certain", 95, 99),
    ]
    assert all(lower.high == upper.low for lower, upper in itertools.pairwise(ICD_203.terms))
    # The directive's second row of terms, same bands.
    assert ICD_203.term("likely").wordings == ("likely", "probable", "probably")
    assert "highly improbable" in ICD_203.term("very_unlikely").wordings


def test_midpoints_are_the_forecasts_a_brier_score_uses() -> None:
    assert [term.midpoint for term in PHIA.terms] == [0.025, 0.15, 0.3, 0.45, 0.65, 0.85, 0.975]
    assert [term.midpoint for term in ICD_203.terms] == [
        0.03,
        0.125,
        0.325,
        0.5,
        0.675,
        0.875,
        0.97,
    ]


def test_nearest_term_fills_the_gaps_of_the_yardstick() -> None:
    assert PHIA.nearest(0.52).code == "realistic_possibility"
    assert PHIA.nearest(0.53).code == "likely"
    assert PHIA.nearest(0.5).code == "realistic_possibility"
    assert ICD_203.nearest(0.5).code == "roughly_even_chance"
    # On a shared boundary, the term whose midpoint is nearer.
    assert ICD_203.nearest(0.45).code == "roughly_even_chance"


def test_the_desk_scale_comes_from_settings(settings: SettingsWrapper) -> None:
    assert settings.LIKELIHOOD_SCALE == "phia"
    assert active_scale() is PHIA
    settings.LIKELIHOOD_SCALE = "icd203"
    assert active_scale() is ICD_203
    assert set(SCALES) == {"phia", "icd203"}
    assert likelihood_term("icd203", "very_likely") == ICD_203.terms[5]
    assert likelihood_term("phia", "very_likely") is None
    assert likelihood_term("", "") is None


def test_an_unknown_scale_in_the_environment_stops_the_process() -> None:
    result = manage("check", env={"SECRET_KEY": "x" * 60, "LIKELIHOOD_SCALE": "kent"})
    assert result.returncode != 0
    assert "LIKELIHOOD_SCALE is 'kent': it must be 'phia' or 'icd203'." in result.stderr


def test_admiralty_grades_keep_cannot_be_judged_apart_from_unreliable() -> None:
    assert Reliability.values == ["A", "B", "C", "D", "E", "F"]
    assert Credibility.values == [1, 2, 3, 4, 5, 6]
    assert Reliability.E.label == "E – Unreliable"
    assert Reliability.F.label == "F – Reliability cannot be judged"
    assert Credibility(5).label == "5 – Improbable"
    assert Credibility(6).label == "6 – Truth cannot be judged"
    grade = source_grade("B", 2)
    assert grade is not None and (grade.code, str(grade)) == ("B2", "B2")
    assert grade.meaning == "Source: usually reliable. Information: probably true."
    unjudged = source_grade("F", 6)
    assert unjudged is not None
    assert (
        unjudged.meaning
        == "Source: reliability cannot be judged. Information: truth cannot be judged."
    )
    assert source_grade("E", 5).meaning == "Source: unreliable. Information: improbable."
    assert source_grade("", None) is None
    assert source_grade("G", 2) is None
    assert Confidence.values == ["high", "moderate", "low"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"scale": "phia", "likelihood": "very_likely"},  # an ICD 203 term on the PHIA scale
        {"scale": "icd203", "likelihood": "realistic_possibility"},
        {"scale": "", "likelihood": "likely"},
        {"scale": "phia", "likelihood": ""},
        {"scale": "phia", "likelihood": "likely", "confidence": "certain"},
    ],
)
def test_the_database_refuses_a_term_off_its_scale_or_an_unknown_level(
    values: dict[str, str],
) -> None:
    brief = BriefFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyJudgment.objects.create(brief=brief, statement="Attacks continue.", **values)


@pytest.mark.django_db
def test_the_database_keeps_unrated_judgments_and_refuses_unrated_scenarios() -> None:
    brief = BriefFactory()
    KeyJudgment.objects.create(brief=brief, statement="Written before the scale.")
    KeyJudgment.objects.create(
        brief=brief, statement="Rated.", scale="icd203", likelihood="very_likely", confidence="low"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Scenario.objects.create(brief=brief, title="Collapse", review_on="2027-01-01")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reliability", "credibility"), [("B", None), ("", 2), ("G", 2), ("B", 7), ("B", 0)]
)
def test_the_database_refuses_half_a_grade_or_one_off_the_system(
    reliability: str, credibility: int | None
) -> None:
    brief = BriefFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(
            brief=brief, title="Report", reliability=reliability, credibility=credibility
        )
    Source.objects.create(brief=brief, title="Ungraded, from before grading")
    Source.objects.create(brief=brief, title="Cannot be judged", reliability="F", credibility=6)
