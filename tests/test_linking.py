"""The entity linker: spellings folded by rule, exact offsets, longest match, short and
ambiguous names, possible new entities, and one gazetteer per process rebuilt on change."""

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisory.entities.linking import _WORD as _WORD_RE
from advisory.entities.linking import (
    ANCHORED,
    EXACT,
    VARIANT,
    EntityInfo,
    Found,
    Gazetteer,
    NameRecord,
    new_names,
    word_key,
    words_of,
)
from advisory.entities.models import Alias, EntityKind, Relationship
from advisory.entities.selectors import gazetteer_current
from advisory.entities.services import (
    AliasSpec,
    alias_delete,
    alias_save,
    entity_create,
    entity_delete,
    entity_update,
)
from advisory.lib.text import normalise_name
from tests.factories import EntityFactory

# (canonical name, kind, aliases); an alias "~Name" is a weak alias.
PEOPLE_AND_GROUPS: list[tuple[str, str, list[str]]] = [
    ("Nuri al-Maliki", "person", []),
    ("Mohammed Shia al-Sudani", "person", []),
    ("Muqtada al-Sadr", "person", []),
    ("Kata'ib Hezbollah", "armed_group", []),
    ("Asa'ib Ahl al-Haq", "armed_group", []),
    ("Qasem Soleimani", "person", []),
    ("Falih al-Fayyadh", "person", []),
    ("Kata'ib Sayyid al-Shuhada", "armed_group", []),
    ("Saddam Husayn", "person", []),
    ("Abd al-Aziz al-Muhammadawi", "person", []),
    ("نوري المالكي", "person", []),
    ("Islamic State", "armed_group", ["Islamic State of Iraq and Syria", "Daesh", "ISIS"]),
    ("Iraq", "country", []),
    ("Central Bank of Iraq", "government_body", []),
    ("United States", "country", ["US", "U.S."]),
    ("Council of Representatives", "government_body", ["CoR"]),
    ("Coordination Framework", "political_party", ["~the Framework"]),
]


def build(entries: list[tuple[str, str, list[str]]] = PEOPLE_AND_GROUPS) -> Gazetteer:
    entities: dict[int, EntityInfo] = {}
    names: list[NameRecord] = []
    for pk, (name, kind, aliases) in enumerate(entries, 1):
        entities[pk] = EntityInfo(name, kind, f"entity-{pk}")
        names.append(NameRecord(pk, name))
        for alias in aliases:
            names.append(NameRecord(pk, alias.lstrip("~"), short=alias.startswith("~")))
    return Gazetteer(names, entities)


GAZETTEER = build()


def named(found: list[Found]) -> list[tuple[str, str, bool]]:
    return [(f.surface, GAZETTEER.entities[f.entity_id].name, f.linked) for f in found]


def link(text: str) -> list[Found]:
    return GAZETTEER.link([text]).found


# --- Spellings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "record"),
    [
        ("Nouri al-Maliki", "Nuri al-Maliki"),
        ("Nouri Al-Maliki", "Nuri al-Maliki"),
        ("Nuri el-Maliki", "Nuri al-Maliki"),
        ("Nuri al Maliki", "Nuri al-Maliki"),
        ("Mohamed Shia al-Sudani", "Mohammed Shia al-Sudani"),
        ("Muhammad Shia’ as-Sudani", "Mohammed Shia al-Sudani"),
        ("Moqtada as-Sadr", "Muqtada al-Sadr"),
        ("Kataib Hizballah", "Kata'ib Hezbollah"),
        ("Kata’ib Hizbullah", "Kata'ib Hezbollah"),
        ("Asaib Ahl el-Haq", "Asa'ib Ahl al-Haq"),
        ("Ghasem Suleimani", "Qasem Soleimani"),
        ("Qassem Soleimani", "Qasem Soleimani"),
        ("Faleh al-Fayyad", "Falih al-Fayyadh"),
        ("Kataib Sayyed al-Shuhada", "Kata'ib Sayyid al-Shuhada"),
        ("Saddam Hussein", "Saddam Husayn"),
        ("Abdul Aziz al-Mohammedawi", "Abd al-Aziz al-Muhammadawi"),
        ("نُوري مالكي", "نوري المالكي"),
    ],
)
def test_a_spelling_variant_links_to_the_one_record(spelling: str, record: str) -> None:
    text = f"Yesterday {spelling} spoke."
    (found,) = link(text)
    assert GAZETTEER.entities[found.entity_id].name == record
    assert found.surface == spelling == text[found.start : found.end]
    as_recorded = normalise_name(spelling) == normalise_name(record)
    assert found.linked and found.confidence == (EXACT if as_recorded else VARIANT)


def test_a_name_as_recorded_is_linked_with_full_confidence() -> None:
    (found,) = link("Nuri al-Maliki spoke.")
    assert (found.confidence, found.reason) == (EXACT, "as recorded")


def test_the_folding_rules_word_by_word() -> None:
    assert word_key("Nouri") == word_key("Nuri")
    assert word_key("Mohamed") == word_key("Mohammed") == word_key("Muhammad")
    assert word_key("Hezbollah") == word_key("Hizballah") == word_key("Hizbullah")
    assert word_key("Kata'ib") == word_key("Kataib") == word_key("Kata’ib")
    assert word_key("Asa'ib") == word_key("Asaib")
    assert word_key("Dawah") == word_key("Dawa")
    assert word_key("Abdul") == word_key("Abdel") == word_key("Abd")
    # Abbreviations and initials are matched exactly, never folded into a word.
    assert word_key("US") != word_key("us")
    assert word_key("CoR") != word_key("car")
    assert word_key("U") != word_key("a")


def test_abbreviations_match_exactly_and_capitalised_names_need_their_capitals() -> None:
    text = "Let us dash to the car: US officials, Daesh fighters and the CoR met the islamic state."
    assert named(link(text)) == [
        ("US", "United States", True),
        ("Daesh", "Islamic State", True),
        ("CoR", "Council of Representatives", True),
    ]


def test_initials_with_full_stops_are_one_name() -> None:
    text = "The U.S. Treasury acted."
    (found,) = link(text)
    assert found.surface == "U.S"
    assert GAZETTEER.entities[found.entity_id].name == "United States"


def test_the_longest_match_wins() -> None:
    text = "The Islamic State of Iraq and Syria and the Central Bank of Iraq; Iraq itself."
    assert named(link(text)) == [
        ("Islamic State of Iraq and Syria", "Islamic State", True),
        ("Central Bank of Iraq", "Central Bank of Iraq", True),
        ("Iraq", "Iraq", True),
    ]


def test_a_possessive_or_a_trailing_apostrophe_is_not_part_of_the_name() -> None:
    assert named(link("Nuri al-Maliki’s allies and ISIS' campaign.")) == [
        ("Nuri al-Maliki", "Nuri al-Maliki", True),
        ("ISIS", "Islamic State", True),
    ]


def test_a_name_does_not_run_across_punctuation_or_from_one_field_into_the_next() -> None:
    assert all(not found.linked for found in link("Nuri, al-Maliki."))
    analysis = GAZETTEER.link(["A title ending Nuri", "al-Maliki starts the summary"])
    assert [found.linked for found in analysis.found] == [False]


def test_a_name_may_wrap_onto_the_next_line() -> None:
    text = "When Nouri\nal-Maliki spoke"
    (found,) = link(text)
    assert found.surface == "Nouri\nal-Maliki" and found.linked


# --- Short and ambiguous names --------------------------------------------------------------


def test_a_surname_alone_is_offered_unless_the_brief_names_the_person_in_full() -> None:
    (alone,) = link("Maliki spoke.")
    assert not alone.linked and alone.confidence < 0.5
    assert "short name" in alone.reason
    both = link("Maliki spoke first. Later Nouri al-Maliki said more, and Maliki left.")
    assert [(f.surface, f.linked, f.confidence) for f in both] == [
        ("Maliki", True, ANCHORED),
        ("Nouri al-Maliki", True, VARIANT),
        ("Maliki", True, ANCHORED),
    ]


def test_a_weak_alias_links_only_beside_the_full_name() -> None:
    assert [f.linked for f in link("Inside the Framework, doubts.")] == [False]
    found = link("The Coordination Framework met; the Framework agreed.")
    assert [(f.surface, f.linked) for f in found] == [
        ("Coordination Framework", True),
        ("the Framework", True),
    ]


def test_a_name_two_entities_share_is_offered_for_each_unless_one_is_named_in_full() -> None:
    gazetteer = build([("Muqtada al-Sadr", "person", []), ("Mohammad Sadiq al-Sadr", "person", [])])
    offered = gazetteer.link(["Sadr called for calm."]).found
    assert [(f.entity_id, f.linked) for f in offered] == [(1, False), (2, False)]
    assert "could be Muqtada al-Sadr or Mohammad Sadiq al-Sadr" in offered[0].reason
    anchored = gazetteer.link(["Muqtada al-Sadr spoke. Sadr called for calm."]).found
    assert [(f.surface, f.entity_id, f.linked) for f in anchored] == [
        ("Muqtada al-Sadr", 1, True),
        ("Sadr", 1, True),
    ]
    both = gazetteer.link(["Muqtada al-Sadr, son of Mohammad Sadiq al-Sadr. Sadr spoke."]).found
    assert [(f.surface, f.linked) for f in both][-2:] == [("Sadr", False), ("Sadr", False)]


def test_a_short_name_running_into_another_capitalised_word_is_only_offered() -> None:
    found = link("Muqtada al-Sadr is popular in Sadr City.")
    assert [(f.surface, f.linked) for f in found] == [("Muqtada al-Sadr", True), ("Sadr", False)]
    assert "part of a longer name" in found[1].reason


# --- Offsets --------------------------------------------------------------------------------

_NAMES = [name for name, _, aliases in PEOPLE_AND_GROUPS for name in [name, *aliases]]
_VARIANTS = ["Nouri al-Maliki", "Mohamed Shia al-Sudani", "Kataib Hizballah", "Maliki", "US"]
_FILLER = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.sampled_from([" ", "\n", "-", "'", "’", ". ", ", ", "’s ", "al-", " al ", "ـ", "\u0301"])
_PIECES = st.lists(st.sampled_from(_NAMES + _VARIANTS) | _FILLER, max_size=25).map("".join)


@given(segments=st.lists(_PIECES, min_size=1, max_size=3))
def test_every_match_maps_back_exactly_to_the_text(segments: list[str]) -> None:
    analysis = GAZETTEER.link(segments)
    for found in analysis.found:
        text = segments[found.segment]
        assert 0 <= found.start < found.end <= len(text)
        assert text[found.start : found.end] == found.surface
        # A match starts and ends on word boundaries.
        assert not (found.start and text[found.start - 1].isalnum())
        assert not (found.end < len(text) and text[found.end].isalnum())
    for name in new_names(analysis, segments):
        assert segments[name.segment][name.start : name.end].split() == name.name.split()


@given(text=st.text(max_size=200))
def test_every_word_keeps_the_offsets_of_the_text_it_came_from(text: str) -> None:
    words = words_of(text)
    for start, end, key in zip(words.starts, words.ends, words.keys, strict=True):
        assert 0 <= start < end <= len(text)
        assert key


# --- Possible new entities ------------------------------------------------------------------


def test_unknown_capitalised_names_are_listed_as_possible_new_entities() -> None:
    segments = [
        "Secretary of State Marco Rubio met Adnan al-Zurfi and Nuri al-Maliki at the Martyrs "
        "Camp. Marco Rubio left. In January the Federal Reserve Bank of New York answered."
    ]
    found = new_names(GAZETTEER.link(segments), segments)
    assert [(name.name, name.kind, name.count) for name in found] == [
        ("Marco Rubio", "person", 2),
        ("Adnan al-Zurfi", "person", 1),
        ("Martyrs Camp", "location", 1),
        ("Federal Reserve Bank of New York", "government_body", 1),
    ]


# --- One gazetteer per process, rebuilt when the records change -----------------------------


@pytest.mark.django_db
def test_the_gazetteer_is_kept_and_rebuilt_only_when_names_change(
    django_assert_num_queries: Callable[..., Any],
) -> None:
    maliki = entity_create(actor=None, kind=EntityKind.PERSON, name="Nuri al-Maliki")
    built = gazetteer_current()
    with django_assert_num_queries(1):
        assert gazetteer_current() is built
    assert [f.entity_id for f in built.link(["Abu Esraa spoke"]).found] == []

    other = EntityFactory(name="Hadi al-Amiri")
    Relationship.objects.create(subject=maliki, object=other, kind="allied_with")
    rebuilt = gazetteer_current()  # the factory, standing for any write, renewed the token
    assert rebuilt is not built

    alias = alias_save(actor=None, alias=Alias(entity=maliki, name="Abu Esraa"))
    with_alias = gazetteer_current()
    assert with_alias is not rebuilt
    assert [f.entity_id for f in with_alias.link(["Abu Esraa spoke"]).found] == [maliki.pk]

    alias_delete(actor=None, alias=alias)
    assert gazetteer_current().link(["Abu Esraa spoke"]).found == []

    entity_update(actor=None, entity=maliki, aliases=[AliasSpec("Nouri Kamel al-Maliki")])
    assert [f.surface for f in gazetteer_current().link(["Nuri Kamil al-Maliki"]).found] == [
        "Nuri Kamil al-Maliki"
    ]
    entity_update(actor=None, entity=maliki, description="Only the description changes.")
    kept = gazetteer_current()
    entity_update(actor=None, entity=maliki, description="Again only the description.")
    assert gazetteer_current() is kept

    entity_delete(actor=None, entity=other)
    assert other.pk not in gazetteer_current().entities


@given(word=st.text(alphabet=st.characters(max_codepoint=127), min_size=1, max_size=12))
def test_the_plain_ascii_shortcut_folds_as_normalise_name_does(word: str) -> None:
    for found in _WORD_RE.findall(word):
        lowered = found.lower().replace("'", "").replace("`", "")
        assert lowered == "".join(normalise_name(found).split())
