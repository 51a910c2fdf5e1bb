"""The estimative-language check on a text written for the purpose: every flag expected, with
its exact place, under each scale; and nothing flagged that the rules leave alone."""

import pytest

from advisory.briefs.estimative import FlagKind, estimative_flags
from advisory.briefs.scales import ICD_203, PHIA

TEXT = (
    "## Outlook\n"
    "The factions will probably keep their drones, and talks may well stall.\n"
    "It is likely that the budget slips; we have high confidence in that.\n"
    "Police could not confirm the blasts, but the strikes could resume.\n"
    "It is believed that credible reports were shared as soon as possible.\n"
    'The minister said it "could happen soon" and it is highly likely he knew.\n'
    "> Officials might leave the city.\n"
    "In May 2026 a deal was very likely, and in all\n"
    "likelihood it is almost certainly signed; a realistic possibility remains.\n"
    "See https://example.org/could-may for the likely or probable text.\n"
    "We have moderate confidence in the sourcing.\n"
)

OFF, MIXED = FlagKind.OFF_SCALE, FlagKind.MIXED

# (kind, text, start, end, line, column), counted by hand from where each line starts (tested
# below): "probably" is the 19th character of line 2, which starts at offset 11, so 11 + 18 = 29.
EXPECTED_PHIA = [
    (OFF, "probably", 29, 37, 2, 19),
    (OFF, "may well", 67, 75, 2, 57),
    (MIXED, "high confidence", 127, 142, 3, 45),
    (OFF, "could", 205, 210, 4, 54),
    (OFF, "It is believed", 219, 233, 5, 1),
    (OFF, "credible reports", 239, 255, 5, 21),
    (OFF, "very likely", 420, 431, 8, 24),
    (OFF, "in all\nlikelihood", 437, 454, 8, 41),
    (OFF, "almost certainly", 461, 477, 9, 18),
]
EXPECTED_ICD_203 = [
    (OFF, "may well", 67, 75, 2, 57),
    (MIXED, "high confidence", 127, 142, 3, 45),
    (OFF, "could", 205, 210, 4, 54),
    (OFF, "It is believed", 219, 233, 5, 1),
    (OFF, "credible reports", 239, 255, 5, 21),
    (OFF, "highly likely", 340, 353, 6, 52),
    (OFF, "in all\nlikelihood", 437, 454, 8, 41),
    (OFF, "realistic possibility", 488, 509, 9, 45),
    (OFF, "likely or probable", 561, 579, 10, 43),
]


def test_the_line_starts_the_expected_places_count_from() -> None:
    starts = [0] + [index + 1 for index, char in enumerate(TEXT) if char == "\n"]
    assert starts[:10] == [0, 11, 83, 152, 219, 289, 363, 397, 444, 519]


@pytest.mark.parametrize(
    ("scale", "expected"),
    [(PHIA, EXPECTED_PHIA), (ICD_203, EXPECTED_ICD_203)],
    ids=["phia", "icd203"],
)
def test_every_flag_in_its_exact_place(scale: object, expected: list[tuple[object, ...]]) -> None:
    flags = estimative_flags(TEXT, scale=scale)
    assert [
        (flag.kind, flag.text, flag.start, flag.end, flag.line, flag.column) for flag in flags
    ] == expected
    for flag in flags:
        assert TEXT[flag.start : flag.end] == flag.text
        assert flag.field == "body"


def test_suggestions_name_the_nearest_term_of_the_desks_scale() -> None:
    phia = {flag.text: flag.suggestion for flag in estimative_flags(TEXT, scale=PHIA)}
    assert phia["probably"].startswith(
        "If that is the judgment, write “likely or probable” (55–75%)"
    )
    assert phia["very likely"].startswith("If that is the judgment, write “highly likely” (80–90%)")
    assert phia["may well"].startswith(
        "If that is the judgment, write “realistic possibility” (40–50%)"
    )
    assert phia["almost certainly"].startswith(
        "If that is the judgment, write “almost certain” (95–100%)"
    )
    assert phia["It is believed"].startswith("Say whose view it is")
    assert phia["credible reports"].startswith("Name and grade the source")
    icd = {flag.text: flag.suggestion for flag in estimative_flags(TEXT, scale=ICD_203)}
    assert icd["highly likely"].startswith("If that is the judgment, write “very likely” (80–95%)")
    assert icd["realistic possibility"].startswith(
        "If that is the judgment, write “roughly even chance” (45–55%)"
    )
    mixed = next(flag for flag in estimative_flags(TEXT, scale=PHIA) if flag.kind == MIXED)
    assert (
        mixed.message
        == "A likelihood (“likely”) and a confidence level (“high confidence”) in one sentence."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Police could not confirm it. Officials couldn't say.",
        'The envoy said talks "may well collapse".',
        "The envoy said talks “might collapse” soon.",
        "> Reports suggest a split.",
        "Send it as soon as possible, or where possible by hand; the deal made possible a truce.",
        "The vote was set for 3 May, and in May the chamber met.",
        "Read https://example.org/probably-could and [the note](https://example.org/may).",
        "Use `could` in code, and\n```\nit may well fail\n```\nnot in prose.",
        "It is likely. It is highly likely. It is unlikely. It is a remote chance.",
        "We have high confidence in the sourcing. A realistic possibility remains.",
    ],
)
def test_what_the_rules_leave_alone(text: str) -> None:
    assert estimative_flags(text, scale=PHIA) == []


def test_may_opening_a_sentence_is_the_modal() -> None:
    flags = estimative_flags("Talks stalled.\nMay they resume? May 2027 will tell.", scale=PHIA)
    assert [(flag.text, flag.start, flag.line, flag.column) for flag in flags] == [
        ("May", 15, 2, 1)
    ]


def test_one_mixed_flag_per_sentence_and_a_judgments_place_names_it() -> None:
    statement = "With moderate confidence, attacks will probably rise; low confidence on timing."
    flags = estimative_flags(statement, scale=PHIA, field="key judgment 2")
    assert [(flag.kind, flag.text, flag.start) for flag in flags] == [
        (MIXED, "moderate confidence", 5),
        (OFF, "probably", 39),
    ]
    assert {flag.field for flag in flags} == {"key judgment 2"}


def test_a_phrase_that_hides_a_source_gives_a_sentence_no_likelihood_to_mix() -> None:
    flags = estimative_flags("It is believed, with high confidence, that talks resume.", scale=PHIA)
    assert [(flag.kind, flag.text) for flag in flags] == [(OFF, "It is believed")]
