"""`manage.py import_entities`: FollowTheMoney JSON lines and CSV in, entities updated in place."""

import datetime
import json
from collections.abc import Iterable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from advisory.entities.models import (
    Alias,
    Designation,
    Entity,
    EntityKind,
    ExternalIdentifier,
)
from advisory.entities.services import entity_create
from advisory.workflow.models import AuditEvent
from tests.commandline import manage_on_test_database
from tests.factories import AliasFactory, EntityFactory

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
FTM = DATA / "entities.ftm.json"
CSV = DATA / "entities.csv"
CSV_HEADER = "kind,name,aliases,country,description\n"


def run_import(path: Path) -> tuple[str, list[str], bool]:
    """stdout, the lines of stderr, and whether the command failed (exit status 1)."""
    out, err = StringIO(), StringIO()
    failed = False
    try:
        call_command("import_entities", str(path), stdout=out, stderr=err)
    except CommandError as error:
        failed = True
        err.write(f"CommandError: {error}\n")
    return out.getvalue(), err.getvalue().splitlines(), failed


def summary(stdout: str) -> str:
    return stdout.strip().splitlines()[-1]


def write_jsonl(path: Path, *entities: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(entity) + "\n" for entity in entities))
    return path


def write_csv(path: Path, rows: Iterable[str]) -> Path:
    path.write_text(CSV_HEADER + "".join(f"{row}\n" for row in rows))
    return path


def person(entity_id: str, *names: str, **properties: list[str]) -> dict[str, Any]:
    return {"id": entity_id, "schema": "Person", "properties": {"name": list(names), **properties}}


def table_sizes() -> tuple[int, int, int, int]:
    return (
        Entity.objects.count(),
        Alias.objects.count(),
        ExternalIdentifier.objects.count(),
        Designation.objects.count(),
    )


# FollowTheMoney


@pytest.mark.django_db
def test_ftm_file_imports_people_organisations_and_their_sanctions() -> None:
    stdout, stderr, failed = run_import(FTM)

    assert summary(stdout) == "created 4, updated 0, skipped 2, rejected 2"
    assert failed
    assert stderr == [
        "line 5: invalid JSON (Expecting ',' delimiter at column 80)",
        "line 8: missing schema",
        "CommandError: 2 lines rejected",
    ]

    commander = Entity.objects.get(identifiers__value="test-person-1")
    assert commander.kind == EntityKind.PERSON
    assert commander.name == "Abu Testa al-Examplani"
    assert commander.country is not None and commander.country.iso_code == "IQ"
    assert commander.topics == ["role.pep", "sanction"]
    assert commander.description == "An invented militia commander used in tests."
    assert sorted(commander.aliases.values_list("name", "kind")) == [
        ("Abou Testa al-Examplani", Alias.Kind.ALIAS),
        ("Testa", Alias.Kind.WEAK),
        ("Testa bin Sample", Alias.Kind.PREVIOUS),
        ("Testa the Elder", Alias.Kind.ALIAS),
    ]
    assert sorted(commander.identifiers.values_list("scheme", "value")) == [
        ("opensanctions", "test-person-1"),
        ("wikidata", "Q990001"),
    ]
    # Its Sanction line comes before it in the file.
    listing = commander.designations.get()
    assert (listing.authority, listing.programme) == (
        "Office of Imaginary Assets Control",
        "Fictional Counter-Terrorism Programme",
    )
    assert listing.listed_on == datetime.date(2019, 7, 2)
    assert listing.reference == "FICT-001"
    assert listing.source_url == "https://sanctions.example.org/FICT-001"

    brigade = Entity.objects.get(identifiers__value="test-org-1")
    assert brigade.kind == EntityKind.ORGANISATION
    assert list(brigade.aliases.values_list("name", flat=True)) == ["Kataib al-Mithal"]
    assert sorted(
        brigade.designations.values_list("authority", "programme", "listed_on", "reference")
    ) == [
        # From a Sanction line after the organisation: no programme given.
        ("Council of Invented Nations", "Unspecified programme", datetime.date(2021, 11, 15), ""),
        # Nested in the organisation's line; "2020-03" is not a full date.
        ("Ministry of Pretend Affairs", "PRETEND-1", None, "PRE.01"),
    ]

    company = Entity.objects.get(identifiers__value="test-company-1")
    assert company.kind == EntityKind.ORGANISATION
    assert company.country is None  # "xk" is no ISO 3166 code: ignored
    ministry = Entity.objects.get(identifiers__value="test-body-1")
    assert ministry.kind == EntityKind.GOVERNMENT_BODY
    assert not Entity.objects.filter(name__in=["MV Imaginary", "Half a Line"]).exists()
    assert AuditEvent.objects.filter(verb="entity.created").count() == 4


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing() -> None:
    run_import(FTM)
    before = table_sizes()
    events = AuditEvent.objects.count()

    stdout, stderr, _ = run_import(FTM)

    assert summary(stdout) == "created 0, updated 0, skipped 6, rejected 2"
    assert stderr[-1] == "CommandError: 2 lines rejected"
    assert table_sizes() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_renamed_record_is_found_by_its_opensanctions_id(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "v1.jsonl", person("os-1", "Salim al-Fictiv", country=["iq"]))
    run_import(tmp_path / "v1.jsonl")
    original = Entity.objects.get()

    renamed = write_jsonl(
        tmp_path / "v2.jsonl", person("os-1", "Salim Hamid al-Fictiv", country=["iq"])
    )
    stdout, stderr, failed = run_import(renamed)

    assert summary(stdout) == "created 0, updated 1, skipped 0, rejected 0"
    assert (stderr, failed) == ([], False)
    entity = Entity.objects.get()
    assert entity.pk == original.pk
    assert entity.slug == original.slug
    assert entity.name == "Salim Hamid al-Fictiv"
    # The old name still finds the entity.
    assert list(entity.aliases.values_list("name", flat=True)) == ["Salim al-Fictiv"]


@pytest.mark.django_db
def test_a_record_merged_under_a_new_id_is_found_by_its_referent(tmp_path: Path) -> None:
    run_import(write_jsonl(tmp_path / "v1.jsonl", person("old-id", "Rana Exempla")))
    merged = person("new-id", "Rana Exempla")
    merged["referents"] = ["old-id"]

    stdout, _, _ = run_import(write_jsonl(tmp_path / "v2.jsonl", merged))

    assert summary(stdout) == "created 0, updated 1, skipped 0, rejected 0"
    assert sorted(Entity.objects.get().identifiers.values_list("value", flat=True)) == [
        "new-id",
        "old-id",
    ]


@pytest.mark.django_db
def test_a_record_is_found_by_its_wikidata_id(tmp_path: Path) -> None:
    desk_entry = entity_create(
        actor=None,
        kind=EntityKind.PERSON,
        name="Yusuf Samplewala",
        identifiers=[("wikidata", "Q990777")],
    )

    stdout, _, _ = run_import(
        write_jsonl(
            tmp_path / "p.jsonl", person("os-9", "Yousef Samplewala", wikidataId=["Q990777"])
        )
    )

    assert summary(stdout) == "created 0, updated 1, skipped 0, rejected 0"
    assert Entity.objects.get().pk == desk_entry.pk
    assert desk_entry.identifiers.filter(scheme="opensanctions", value="os-9").exists()


@pytest.mark.django_db
def test_generic_organisation_never_replaces_the_kind_the_desk_chose(tmp_path: Path) -> None:
    armed_group = entity_create(actor=None, kind=EntityKind.ARMED_GROUP, name="Example Front")

    run_import(
        write_jsonl(
            tmp_path / "org.jsonl",
            {"id": "os-org", "schema": "Organization", "properties": {"name": ["Example Front"]}},
        )
    )

    armed_group.refresh_from_db()
    assert armed_group.kind == EntityKind.ARMED_GROUP
    assert armed_group.identifiers.filter(value="os-org").exists()


@pytest.mark.django_db
def test_sanctions_for_an_entity_imported_earlier_are_attached_to_it(tmp_path: Path) -> None:
    run_import(write_jsonl(tmp_path / "people.jsonl", person("os-5", "Karim Testov")))
    sanctions = write_jsonl(
        tmp_path / "sanctions.jsonl",
        {
            "id": "s-1",
            "schema": "Sanction",
            "properties": {"entity": ["os-5"], "authority": ["Invented Authority"]},
        },
        {
            "id": "s-2",
            "schema": "Sanction",
            "properties": {"entity": ["nobody-here"], "authority": ["Invented Authority"]},
        },
    )

    stdout, stderr, failed = run_import(sanctions)

    assert summary(stdout) == "created 0, updated 1, skipped 0, rejected 1"
    assert failed
    assert stderr[0] == (
        "line 2: sanctioned entity 'nobody-here' is neither in the file nor imported before"
    )
    listing = Designation.objects.get()
    assert (listing.entity.name, listing.authority, listing.programme) == (
        "Karim Testov",
        "Invented Authority",
        "Unspecified programme",
    )


@pytest.mark.django_db
def test_malformed_ftm_lines_are_reported_and_the_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_text(
        "\n".join(
            [
                json.dumps(person("ok-1", "Good Person One")),
                "[1, 2]",
                json.dumps({"id": "x", "schema": "Person", "properties": {}}),
                json.dumps(person("bad-qid", "Bad Qid", wikidataId=["Q0"])),
                json.dumps({"schema": "Person", "properties": {"name": ["No Id"]}}),
                json.dumps(person("bad-name", "Too Long " * 40)),
                json.dumps({"id": "s", "schema": "Sanction", "properties": {"authority": ["A"]}}),
                json.dumps({"id": "p", "schema": "Person", "properties": {"name": "Lone String"}}),
                json.dumps({"id": "q", "schema": "Person", "properties": {"name": [1]}}),
                json.dumps(person("ok-2", "Good Person Two")),
            ]
        )
        + "\n"
    )

    stdout, stderr, failed = run_import(path)

    assert summary(stdout) == "created 3, updated 0, skipped 0, rejected 7"
    assert failed
    assert stderr == [
        "line 2: not a JSON object",
        "line 3: missing name",
        "line 4: invalid wikidataId 'Q0': a Wikidata id looks like Q1234",
        "line 5: missing id",
        "line 6: name 'Too Long Too Long Too Long Too Long Too'… is longer than 255 characters",
        "line 7: Sanction without an entity",
        "line 9: property 'name' must be a list of strings",
        "CommandError: 7 lines rejected",
    ]
    assert sorted(Entity.objects.values_list("name", flat=True)) == [
        "Good Person One",
        "Good Person Two",
        "Lone String",
    ]


@pytest.mark.django_db
def test_progress_is_reported_every_thousand_records(tmp_path: Path) -> None:
    addresses = [{"id": f"a{n}", "schema": "Address", "properties": {}} for n in range(2001)]

    stdout, _, failed = run_import(write_jsonl(tmp_path / "big.jsonl", *addresses))

    assert not failed
    assert stdout.splitlines() == [
        "… 1,000 records read",
        "… 2,000 records read",
        "created 0, updated 0, skipped 2001, rejected 0",
    ]


# CSV


@pytest.mark.django_db
def test_csv_file_imports_each_good_row_and_reports_bad_ones_by_line() -> None:
    stdout, stderr, failed = run_import(CSV)

    assert summary(stdout) == "created 5, updated 0, skipped 0, rejected 4"
    assert failed
    assert stderr == [
        "line 8: unknown kind 'militia'",
        "line 9: missing name",
        "line 10: expected 5 columns (kind,name,aliases,country,description), found 3",
        "line 11: Unknown country 'Narnia': give an ISO 3166 code or English name.",
        "CommandError: 4 lines rejected",
    ]
    imported = {
        entity.name: (entity.kind, entity.country.iso_code if entity.country else None)
        for entity in Entity.objects.select_related("country")
    }
    assert imported == {
        "Example Brigade": (EntityKind.ARMED_GROUP, "IQ"),
        "Nuri al-Testi": (EntityKind.PERSON, "IQ"),
        "Party of Examples": (EntityKind.POLITICAL_PARTY, "IQ"),
        "Ministry of Pretend Affairs": (EntityKind.GOVERNMENT_BODY, "RU"),
        "Example Holdings": (EntityKind.ORGANISATION, None),
    }
    brigade = Entity.objects.get(name="Example Brigade")
    assert sorted(brigade.aliases.values_list("name", flat=True)) == [
        "Brigade of the Example",
        "Kataib al-Mithal",
    ]
    assert brigade.description == "An invented armed group."
    holdings = Entity.objects.get(name="Example Holdings")
    assert holdings.description == "An invented company,\ndescribed over two lines."


@pytest.mark.django_db
def test_csv_reimport_updates_in_place_and_skips_what_is_unchanged(tmp_path: Path) -> None:
    run_import(CSV)
    before = table_sizes()

    stdout, _, _ = run_import(CSV)

    assert summary(stdout) == "created 0, updated 0, skipped 5, rejected 4"
    assert table_sizes() == before

    changed = write_csv(
        tmp_path / "changed.csv",
        ["Armed_Group,EXAMPLE brigade,Mithal Brigade,IQ,A revised description."],
    )
    stdout, _, failed = run_import(changed)

    assert summary(stdout) == "created 0, updated 1, skipped 0, rejected 0"
    assert not failed
    brigade = Entity.objects.get(name="Example Brigade")
    assert brigade.description == "A revised description."
    assert "Mithal Brigade" in brigade.aliases.values_list("name", flat=True)


@pytest.mark.django_db
def test_csv_name_matches_an_existing_alias(tmp_path: Path) -> None:
    maliki = EntityFactory(name="Nuri al-Exampli")
    AliasFactory(entity=maliki, name="Nouri al-Exampli")

    stdout, _, _ = run_import(
        write_csv(tmp_path / "alias.csv", ["person,Nouri al-Exampli,,IQ,An invented premier."])
    )

    assert summary(stdout) == "created 0, updated 1, skipped 0, rejected 0"
    maliki.refresh_from_db()
    assert maliki.name == "Nuri al-Exampli"  # a name match does not rename
    assert maliki.description == "An invented premier."
    assert maliki.aliases.count() == 1


@pytest.mark.django_db
def test_without_that_alias_another_spelling_is_another_entity(tmp_path: Path) -> None:
    EntityFactory(name="Nuri al-Exampli")

    stdout, _, _ = run_import(write_csv(tmp_path / "other.csv", ["person,Nouri al-Exampli,,,"]))

    assert summary(stdout) == "created 1, updated 0, skipped 0, rejected 0"
    assert Entity.objects.count() == 2


@pytest.mark.django_db
def test_weak_aliases_are_not_matched_on(tmp_path: Path) -> None:
    AliasFactory(entity=EntityFactory(name="Abu Exempli"), name="The Sheikh", kind="weak")

    stdout, _, _ = run_import(write_csv(tmp_path / "weak.csv", ["person,The Sheikh,,,"]))

    assert summary(stdout) == "created 1, updated 0, skipped 0, rejected 0"


@pytest.mark.django_db
@pytest.mark.parametrize("via", ["name", "alias"])
def test_a_name_matching_several_entities_is_rejected_as_ambiguous(
    tmp_path: Path, via: str
) -> None:
    if via == "name":
        EntityFactory(name="Example Front")
        EntityFactory(name="Example-Front")
    else:
        AliasFactory(entity=EntityFactory(name="First Front"), name="Example Front")
        AliasFactory(entity=EntityFactory(name="Second Front"), name="Example Front")
    before = table_sizes()

    stdout, stderr, failed = run_import(
        write_csv(tmp_path / "ambiguous.csv", ["armed group,Example Front,,IQ,", "person,Fine,,,"])
    )

    assert summary(stdout) == "created 1, updated 0, skipped 0, rejected 1"
    assert failed
    assert stderr[0].startswith("line 2: 'Example Front' is ambiguous: it matches several entities")
    assert stderr[-1] == "CommandError: 1 line rejected"
    assert Entity.objects.count() == before[0] + 1
    assert not Entity.objects.filter(kind=EntityKind.ARMED_GROUP).exists()


@pytest.mark.django_db
def test_an_identifier_belonging_to_another_entity_rejects_the_line_untouched(
    tmp_path: Path,
) -> None:
    first = entity_create(
        actor=None, kind="person", name="First Person", identifiers=[("opensanctions", "a")]
    )
    entity_create(
        actor=None, kind="person", name="Second Person", identifiers=[("wikidata", "Q990555")]
    )

    stdout, stderr, _ = run_import(
        write_jsonl(
            tmp_path / "clash.jsonl",
            person("a", "First Person", alias=["New Alias"], wikidataId=["Q990555"]),
        )
    )

    assert summary(stdout) == "created 0, updated 0, skipped 0, rejected 1"
    assert stderr[0] == "line 1: wikidata identifier Q990555 already belongs to Second Person."
    assert not first.aliases.exists()  # the record's transaction was rolled back whole


@pytest.mark.django_db
def test_csv_kinds_by_label_or_slug_in_any_case(tmp_path: Path) -> None:
    rows = [
        "Person,Kind Test One,,,",
        "ORGANIZATION,Kind Test Two,,,",
        "organisation,Kind Test Three,,,",
        "Government Body,Kind Test Four,,,",
        "government-body,Kind Test Five,,,",
        "political party,Kind Test Six,,,",
        "armed_group,Kind Test Seven,,,",
        "location,Kind Test Eight,,,",
    ]

    stdout, _, _ = run_import(write_csv(tmp_path / "kinds.csv", rows))

    assert summary(stdout) == "created 8, updated 0, skipped 0, rejected 0"
    assert list(Entity.objects.order_by("id").values_list("kind", flat=True)) == [
        "person",
        "organisation",
        "organisation",
        "government_body",
        "government_body",
        "political_party",
        "armed_group",
        "location",
    ]


# Files that cannot be imported: one line, exit 1, nothing imported


def _bad_files(tmp_path: Path) -> list[tuple[Path, str]]:
    """Each bad file with what the one-line message must say about it."""
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "blank.json").write_text("\n  \n\t\n")
    (tmp_path / "empty.csv").write_text("\n")
    (tmp_path / "entities.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "semicolons.csv").write_text("kind;name;aliases;country;description\nperson;A;;;\n")
    (tmp_path / "extra.csv").write_text("kind,name,aliases,country,description,notes\n")
    (tmp_path / "latin1.csv").write_bytes(
        CSV_HEADER.encode() + "person,Jos\u00e9,,,\n".encode("latin-1")
    )
    (tmp_path / "array.json").write_text(json.dumps([person("a", "In An Array")], indent=2))
    (tmp_path / "folder.csv").mkdir()
    return [
        (tmp_path / "missing.csv", "missing.csv: no such file"),
        (tmp_path / "folder.csv", "folder.csv is a directory, not a file"),
        (tmp_path / "empty.jsonl", "empty.jsonl is empty"),
        (tmp_path / "blank.json", "blank.json is empty"),
        (tmp_path / "empty.csv", "empty.csv is empty"),
        (tmp_path / "entities.xlsx", "entities.xlsx: unsupported file type '.xlsx'"),
        (tmp_path / "semicolons.csv", "the header must be exactly 'kind,name,aliases,country,"),
        (tmp_path / "extra.csv", "not 'kind,name,aliases,country,description,notes'"),
        (tmp_path / "latin1.csv", "latin1.csv is not UTF-8 text"),
        (tmp_path / "array.json", "array.json is a JSON array; expected FollowTheMoney JSON lines"),
    ]


@pytest.mark.django_db
def test_files_that_cannot_be_imported_are_refused_whole(tmp_path: Path) -> None:
    for path, expected in _bad_files(tmp_path):
        with pytest.raises(CommandError) as raised:
            call_command("import_entities", str(path), stdout=StringIO(), stderr=StringIO())
        assert expected in str(raised.value), (path, str(raised.value))
        assert "\n" not in str(raised.value)
    assert table_sizes() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    csv_path = tmp_path / "bom.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + (CSV_HEADER + "person,Bom Person,,,\n").encode())
    json_path = tmp_path / "bom.jsonl"
    json_path.write_bytes(b"\xef\xbb\xbf" + json.dumps(person("bom", "Bom Json")).encode())

    assert summary(run_import(csv_path)[0]) == "created 1, updated 0, skipped 0, rejected 0"
    assert summary(run_import(json_path)[0]) == "created 1, updated 0, skipped 0, rejected 0"


# The real command line


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_command_line_exit_status_and_stderr(tmp_path: Path) -> None:
    good = manage_on_test_database(
        "import_entities", str(write_csv(tmp_path / "good.csv", ["person,Cli Person,,IQ,"]))
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout == "created 1, updated 0, skipped 0, rejected 0\n"
    assert good.stderr == ""

    partial = manage_on_test_database("import_entities", str(FTM))
    assert partial.returncode == 1
    assert partial.stdout.splitlines()[-1] == "created 4, updated 0, skipped 2, rejected 2"
    assert partial.stderr.splitlines() == [
        "line 5: invalid JSON (Expecting ',' delimiter at column 80)",
        "line 8: missing schema",
        "CommandError: 2 lines rejected",
    ]
    # The good lines were committed although the command failed.
    assert Entity.objects.count() == 5

    refused = manage_on_test_database("import_entities", str(tmp_path / "missing.jsonl"))
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"CommandError: {tmp_path / 'missing.jsonl'}: no such file"
    ]
    assert Entity.objects.count() == 5
