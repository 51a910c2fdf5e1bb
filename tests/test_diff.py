"""Revision diffs: the word diff's HTML and the field-by-field comparison of snapshots."""

import html
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisory.lib.diff import FieldChange, snapshot_diff, snapshot_summary, word_diff_html

TAGS = re.compile(r"</?(?:del|ins)>")
WORDS = ["the", "militia", "Baghdad", "<script>", "&amp;", "a.", "'q'", '"', "é", "\u00a0"]
SPACES = [" ", "  ", "\n", "\n\n", "\t", " \n "]


def _old_side(diff: str) -> str:
    return html.unescape(
        re.sub(r"<ins>.*?</ins>", "", diff, flags=re.DOTALL)
        .replace("<del>", "")
        .replace("</del>", "")
    )


def _new_side(diff: str) -> str:
    return html.unescape(
        re.sub(r"<del>.*?</del>", "", diff, flags=re.DOTALL)
        .replace("<ins>", "")
        .replace("</ins>", "")
    )


prose = st.lists(st.sampled_from(WORDS + SPACES), max_size=30).map("".join) | st.text(max_size=40)


@given(prose, prose)
def test_the_diff_of_any_two_texts_gives_back_both(old: str, new: str) -> None:
    diff = word_diff_html(old, new)
    assert _old_side(diff) == old
    assert _new_side(diff) == new


@given(prose, prose)
def test_the_diff_holds_no_markup_but_its_own(old: str, new: str) -> None:
    diff = word_diff_html(old, new)
    assert "<" not in TAGS.sub("", diff)
    assert "<del></del>" not in diff
    assert "<ins></ins>" not in diff


@given(prose)
def test_a_text_compared_with_itself_has_no_changes(text: str) -> None:
    assert word_diff_html(text, text) == html.escape(text)


def test_a_script_comes_out_escaped() -> None:
    diff = word_diff_html("Calm <b>prevails</b>", "Calm <script>alert(1)</script>")
    assert "<script>" not in diff
    assert "<b>" not in diff
    assert diff == (
        "Calm <del>&lt;b&gt;prevails&lt;/b&gt;</del>"
        "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>"
    )


def test_one_changed_word_is_one_del_and_one_ins() -> None:
    diff = word_diff_html("Militias shelled the base.", "Militias attacked the base.")
    assert diff == "Militias <del>shelled</del><ins>attacked</ins> the base."


def test_whitespace_and_newlines_are_kept() -> None:
    old = "## Outlook\n\nTensions  rise.\n\n- Basra\n\t- Mosul\n"
    new = "## Outlook\n\nTensions  ease.\n\n- Basra\n\t- Mosul\n"
    diff = word_diff_html(old, new)
    assert (
        diff == "## Outlook\n\nTensions  <del>rise.</del><ins>ease.</ins>\n\n- Basra\n\t- Mosul\n"
    )


def test_adjacent_changed_words_share_one_tag() -> None:
    diff = word_diff_html("a sharp rise in attacks", "a gradual fall in attacks")
    assert diff == "a <del>sharp rise</del><ins>gradual fall</ins> in attacks"


def test_a_change_never_spans_a_line_break() -> None:
    assert (
        word_diff_html("one\ntwo", "uno\ndos")
        == "<del>one</del><ins>uno</ins>\n<del>two</del><ins>dos</ins>"
    )


def test_insertions_and_deletions_alone() -> None:
    assert word_diff_html("Talks resume today.", "Talks resume early today.") == (
        "Talks resume <ins>early </ins>today."
    )
    assert word_diff_html("", "New text") == "<ins>New text</ins>"
    assert word_diff_html("Old text", "") == "<del>Old text</del>"


def test_punctuation_travels_with_its_word() -> None:
    assert word_diff_html("Talks resume.", "Talks resume today.") == (
        "Talks <del>resume.</del><ins>resume today.</ins>"
    )


def test_edits_across_a_long_body_are_found_in_their_sentences() -> None:
    paragraphs = [
        f"Paragraph {n} opens. It then goes on at length about item {n}." for n in range(40)
    ]
    edited = list(paragraphs)
    edited[3] = edited[3].replace("at length", "briefly")
    edited[30] = edited[30].replace("opens", "begins")
    diff = word_diff_html("\n\n".join(paragraphs), "\n\n".join(edited))
    assert re.findall(r"<(del|ins)>(.*?)</\1>", diff) == [
        ("del", "at length"),
        ("ins", "briefly"),
        ("del", "opens."),
        ("ins", "begins."),
    ]


def snapshot(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Militias test Baghdad",
        "summary": "Attacks rise.",
        "body": "Attacks on bases rose in May.",
        "kind": "Analysis",
        "access_tier": "Standard",
        "series": None,
        "series_position": None,
        "regions": ["Iraq"],
        "tags": ["militias", "security"],
        "authors": ["A. Writer"],
        "key_judgments": ["Attacks will continue.", "Talks will stall."],
        "sources": [
            {
                "title": "Monthly report",
                "publisher": "UN",
                "url": "https://un.example/report",
                "published_on": "2024-01-02",
                "note": "",
            }
        ],
        "mentions": [
            {
                "entity_id": 1,
                "entity": "Kata'ib Hezbollah",
                "role": "subject",
                "origin": "confirmed",
            }
        ],
    }
    return base | changes


def only(changes: list[FieldChange]) -> FieldChange:
    assert len(changes) == 1, changes
    return changes[0]


def test_identical_snapshots_have_no_changes() -> None:
    assert snapshot_diff(snapshot(), snapshot()) == []
    assert snapshot_summary([]) == "no changes"


def test_text_fields_are_word_diffs() -> None:
    change = only(snapshot_diff(snapshot(), snapshot(title="Militias test Erbil")))
    assert (change.field, change.label, change.kind) == ("title", "Title", "text")
    assert change.html == "Militias test <del>Baghdad</del><ins>Erbil</ins>"


def test_tags_and_regions_added_and_removed() -> None:
    changes = snapshot_diff(
        snapshot(), snapshot(regions=["Iraq", "Syria"], tags=["drones", "security"])
    )
    assert changes == [
        FieldChange("regions", "Regions", "set", added=("Syria",)),
        FieldChange("tags", "Tags", "set", added=("drones",), removed=("militias",)),
    ]
    assert snapshot_summary(changes) == "1 region and 2 tags changed"


def test_values_and_series() -> None:
    changes = snapshot_diff(
        snapshot(),
        snapshot(
            kind="Flash", access_tier="Premium", series="Iraq Militia Watch", series_position=2
        ),
    )
    assert [(c.field, c.kind, c.before, c.after) for c in changes] == [
        ("kind", "value", "Analysis", "Flash"),
        ("access_tier", "value", "Standard", "Premium"),
        ("series", "value", None, "Iraq Militia Watch, part 2"),
    ]
    moved = only(
        snapshot_diff(
            snapshot(series="Iraq Militia Watch", series_position=2),
            snapshot(series="Iraq Militia Watch", series_position=3),
        )
    )
    assert (moved.before, moved.after) == (
        "Iraq Militia Watch, part 2",
        "Iraq Militia Watch, part 3",
    )


def mention(
    entity_id: int, name: str, role: str = "mentioned", origin: str = "confirmed"
) -> dict[str, Any]:
    return {"entity_id": entity_id, "entity": name, "role": role, "origin": origin}


def test_mentions_added_and_removed() -> None:
    old = snapshot(mentions=[mention(1, "Kata'ib Hezbollah", "subject"), mention(2, "PMF")])
    new = snapshot(mentions=[mention(1, "Kata'ib Hezbollah", "subject"), mention(3, "US CENTCOM")])
    change = only(snapshot_diff(old, new))
    assert (change.added, change.removed) == (("US CENTCOM (mentioned)",), ("PMF (mentioned)",))


def test_a_role_change_is_one_removed_and_one_added() -> None:
    old = snapshot(mentions=[mention(2, "PMF", "mentioned")])
    new = snapshot(mentions=[mention(2, "PMF", "subject")])
    change = only(snapshot_diff(old, new))
    assert (change.field, change.added, change.removed) == (
        "mentions",
        ("PMF (subject)",),
        ("PMF (mentioned)",),
    )


def test_a_confirmed_suggestion_is_no_change() -> None:
    old = snapshot(mentions=[mention(2, "PMF", origin="suggested")])
    new = snapshot(mentions=[mention(2, "PMF", origin="confirmed")])
    assert snapshot_diff(old, new) == []


def test_two_entities_sharing_a_name_stay_apart() -> None:
    old = snapshot(mentions=[mention(7, "Ali Hussein")])
    new = snapshot(mentions=[mention(8, "Ali Hussein")])
    change = only(snapshot_diff(old, new))
    assert (change.added, change.removed) == (
        ("Ali Hussein (mentioned)",),
        ("Ali Hussein (mentioned)",),
    )


def source(**fields: Any) -> dict[str, Any]:
    base = {
        "title": "Report",
        "publisher": "UN",
        "url": "https://un.example",
        "published_on": "2024-01-02",
        "note": "",
    }
    return base | fields


def test_sources_added_and_removed_as_lines() -> None:
    old = snapshot(sources=[source(), source(title="Old wire", publisher="", published_on=None)])
    new = snapshot(
        sources=[source(), source(title="Statement", url="", note="Translated by the desk")]
    )
    change = only(snapshot_diff(old, new))
    assert change.removed == ("Old wire <https://un.example>",)
    assert change.added == ("Statement — UN, 2024-01-02 (note: Translated by the desk)",)


def test_a_source_is_compared_by_all_its_fields() -> None:
    change = only(
        snapshot_diff(
            snapshot(sources=[source()]), snapshot(sources=[source(published_on="2024-01-03")])
        )
    )
    assert change.removed == ("Report — UN, 2024-01-02 <https://un.example>",)
    assert change.added == ("Report — UN, 2024-01-03 <https://un.example>",)


def test_reordered_authors_show_both_orders() -> None:
    change = only(
        snapshot_diff(
            snapshot(authors=["A. Writer", "B. Analyst"]),
            snapshot(authors=["B. Analyst", "A. Writer"]),
        )
    )
    assert (change.kind, change.before, change.after) == (
        "value",
        "A. Writer; B. Analyst",
        "B. Analyst; A. Writer",
    )


def test_sorted_lists_ignore_order() -> None:
    assert snapshot_diff(snapshot(tags=["b", "a"]), snapshot(tags=["a", "b"])) == []


def test_reworded_judgments_are_diffed_in_place() -> None:
    new = snapshot(key_judgments=["Attacks will continue.", "Talks will resume."])
    change = only(snapshot_diff(snapshot(), new))
    assert (change.field, change.label, change.kind) == ("key_judgments", "Key judgments", "text")
    assert change.html == (
        "<ol><li>Attacks will continue.</li>"
        "<li>Talks will <del>stall.</del><ins>resume.</ins></li></ol>"
    )


def test_judgments_added_or_removed_are_a_set() -> None:
    new = snapshot(
        key_judgments=["Attacks will continue.", "Talks will resume.", "Oil output holds."]
    )
    change = only(snapshot_diff(snapshot(), new))
    assert change.kind == "set"
    assert change.added == ("Talks will resume.", "Oil output holds.")
    assert change.removed == ("Talks will stall.",)
    assert snapshot_summary([change]) == "3 key judgments changed"


def test_judgment_html_is_escaped() -> None:
    new = snapshot(key_judgments=["Attacks will continue.", "<script>x</script>"])
    change = only(snapshot_diff(snapshot(), new))
    assert change.html is not None
    assert "<script>" not in change.html


def test_fields_come_in_reading_order() -> None:
    everything = snapshot(
        title="T",
        summary="S",
        body="B",
        key_judgments=["J"],
        kind="Flash",
        access_tier="Premium",
        series="Series",
        series_position=1,
        regions=["Syria"],
        tags=["t"],
        authors=["Someone"],
        mentions=[],
        sources=[],
    )
    changes = snapshot_diff(snapshot(), everything)
    assert [change.field for change in changes] == [
        "title", "summary", "body", "key_judgments", "kind", "access_tier", "series",
        "regions", "tags", "authors", "mentions", "sources",
    ]  # fmt: skip
    assert snapshot_diff(everything, snapshot())[0].field == "title"


def test_an_older_snapshot_format_with_missing_keys() -> None:
    old = {"title": "Militias test Baghdad", "body": "Attacks on bases rose in May."}
    changes = snapshot_diff(old, snapshot())
    assert [change.field for change in changes] == [
        "summary", "key_judgments", "kind", "access_tier",
        "regions", "tags", "authors", "mentions", "sources",
    ]  # fmt: skip
    assert changes[0].html == "<ins>Attacks rise.</ins>"
    assert changes[2] == FieldChange("kind", "Kind", "value", before=None, after="Analysis")
    assert snapshot_diff({}, {}) == []
    assert snapshot_diff(snapshot(), {}) != []


def test_an_older_source_without_a_note_matches_one_with_an_empty_note() -> None:
    old_source = {key: value for key, value in source().items() if key != "note"}
    assert snapshot_diff(snapshot(sources=[old_source]), snapshot(sources=[source()])) == []


@pytest.mark.parametrize(
    ("changes", "summary"),
    [
        ([FieldChange("title", "Title", "text")], "title changed"),
        ([FieldChange("tags", "Tags", "set", added=("a",))], "1 tag changed"),
        (
            [
                FieldChange("title", "Title", "text"),
                FieldChange("body", "Body", "text"),
                FieldChange("tags", "Tags", "set", added=("a",), removed=("b",)),
            ],
            "title, body and 2 tags changed",
        ),
        (
            [
                FieldChange("access_tier", "Access tier", "value"),
                FieldChange("authors", "Authors", "value"),
            ],
            "access tier and authors changed",
        ),
    ],
)
def test_summary_line(changes: list[FieldChange], summary: str) -> None:
    assert snapshot_summary(changes) == summary
