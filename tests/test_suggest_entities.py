"""`manage.py suggest_entities PATH --json`, an interface other tools rely on: run as they run
it, in a child process; and the two sample articles linked to the same records."""

import json
from pathlib import Path

import pytest

from advisory.entities.models import EntityKind
from advisory.entities.selectors import gazetteer_current
from advisory.entities.services import AliasSpec, entity_create
from tests.commandline import manage_on_test_database

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"

# Non-ASCII text before the names, and Windows line endings: offsets count characters of the
# file's text as it is, not bytes, and no line ending is translated.
TEXT = (
    "Énergie — a note.\r\n"
    "Nouri al-Maliki met Mohamed Shia al-Sudani in Baghdad; later Maliki’s allies and the "
    "Kataib Hizballah leadership met again.\r\nSadr said nothing.\r\n"
)
KEYS = {"entity", "entity_id", "kind", "surface", "start", "end", "confidence"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_command_prints_each_name_with_offsets_into_the_files_text(tmp_path: Path) -> None:
    maliki = entity_create(actor=None, kind=EntityKind.PERSON, name="Nuri al-Maliki")
    sudani = entity_create(actor=None, kind=EntityKind.PERSON, name="Mohammed Shia al-Sudani")
    sadr = entity_create(actor=None, kind=EntityKind.PERSON, name="Muqtada al-Sadr")
    militia = entity_create(
        actor=None,
        kind=EntityKind.ARMED_GROUP,
        name="Kata'ib Hezbollah",
        aliases=[AliasSpec("Hezbollah Brigades")],
    )
    path = tmp_path / "note.md"
    path.write_bytes(TEXT.encode("utf-8"))

    result = manage_on_test_database("suggest_entities", str(path), "--json")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    rows = json.loads(result.stdout)
    text = path.read_bytes().decode("utf-8")
    for row in rows:
        assert set(row) == KEYS
        assert text[row["start"] : row["end"]] == row["surface"]
    assert [(r["surface"], r["entity_id"], r["kind"], r["confidence"]) for r in rows] == [
        ("Nouri al-Maliki", maliki.pk, "person", 0.9),
        ("Mohamed Shia al-Sudani", sudani.pk, "person", 0.9),
        ("Maliki", maliki.pk, "person", 0.8),
        ("Kataib Hizballah", militia.pk, "armed_group", 0.9),
        ("Sadr", sadr.pk, "person", 0.4),  # offered: never named in full here
    ]
    assert rows[0]["entity"] == "Nuri al-Maliki"

    plain = manage_on_test_database("suggest_entities", str(path))
    assert (
        plain.returncode == 0
        and "'Nouri al-Maliki' → Nuri al-Maliki (person, 0.90)" in plain.stdout
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bad_input_is_one_line_on_stderr_and_exit_status_1(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Nouri al-Malikí".encode("latin-1"))
    empty = tmp_path / "empty.md"
    empty.write_text("")
    cases = {
        str(tmp_path / "missing.md"): "missing.md: no such file",
        str(latin): "latin1.txt is not UTF-8 text (byte 0xed at offset 14); save it as UTF-8",
        str(tmp_path): "is a directory, not a file",
    }
    for path, message in cases.items():
        result = manage_on_test_database("suggest_entities", path, "--json")
        assert result.returncode == 1, path
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and message in lines[0], result.stderr
    nothing = manage_on_test_database("suggest_entities", str(empty), "--json")
    assert (nothing.returncode, json.loads(nothing.stdout)) == (0, [])


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the sample articles are not at {SEEDS}")
@pytest.mark.django_db
def test_both_sample_articles_link_each_spelling_to_the_same_record() -> None:
    # Canonical names only, no aliases: the spellings meet by the folding rules alone.
    maliki = entity_create(actor=None, kind=EntityKind.PERSON, name="Nuri al-Maliki")
    sudani = entity_create(actor=None, kind=EntityKind.PERSON, name="Mohammed Shia al-Sudani")
    gazetteer = gazetteer_current()
    surfaces: dict[int, set[str]] = {maliki.pk: set(), sudani.pk: set()}
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        linked = gazetteer.link([text]).linked
        for found in linked:
            assert text[found.start : found.end] == found.surface
            surfaces[found.entity_id].add(" ".join(found.surface.split()))
        names = {found.entity_id for found in linked}
        assert names == {maliki.pk, sudani.pk}, path.name
    assert {"Nuri al-Maliki", "Nouri al-Maliki", "Maliki"} <= surfaces[maliki.pk]
    assert {"Mohamed Shia al-Sudani", "Mohammed Shia al-Sudani", "Sudani"} <= surfaces[sudani.pk]
