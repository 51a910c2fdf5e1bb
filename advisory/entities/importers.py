"""Parse entity import files: FollowTheMoney JSON lines (OpenSanctions exports) and the desk's CSV.

Pure parsing, no database: each line becomes a record for the import services, a skip or a
rejection with its line number. A problem with the file as a whole raises EntityFileError
before the first line is handed out, so nothing is imported from a file that cannot be.
"""

import codecs
import csv
import datetime
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pycountry
from django.db import models

from advisory.entities.models import (
    Alias,
    Designation,
    Entity,
    EntityKind,
    ExternalIdentifier,
)
from advisory.entities.services import AliasSpec, DesignationSpec, EntityImport
from advisory.lib.text import file_text_utf8, normalise_name

CSV_HEADER = ("kind", "name", "aliases", "country", "description")
CSV_SUFFIXES = (".csv",)
# ".ftm.json" ends in ".json" too.
FTM_SUFFIXES = (".json", ".jsonl", ".ndjson")

FTM_KINDS = {
    "Person": EntityKind.PERSON,
    "Organization": EntityKind.ORGANISATION,
    "LegalEntity": EntityKind.ORGANISATION,
    "Company": EntityKind.ORGANISATION,
    "PublicBody": EntityKind.GOVERNMENT_BODY,
}
FTM_ALIAS_PROPERTIES = (
    ("alias", Alias.Kind.ALIAS),
    ("weakAlias", Alias.Kind.WEAK),
    ("previousName", Alias.Kind.PREVIOUS),
)
UNKNOWN_AUTHORITY = "Unknown authority"
UNSPECIFIED_PROGRAMME = "Unspecified programme"

_WIKIDATA_QID = re.compile(r"Q[1-9][0-9]*")
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _max_length(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and isinstance(field.max_length, int)
    return field.max_length


_NAME_MAX = min(_max_length(Entity, "name"), _max_length(Alias, "name"))
_IDENTIFIER_MAX = _max_length(ExternalIdentifier, "value")
_DESIGNATION_TEXT_MAX = _max_length(Designation, "programme")
_SOURCE_URL_MAX = _max_length(Designation, "source_url")


def _kind_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for kind in EntityKind:
        names[_kind_key(kind.value)] = kind.value
        names[_kind_key(kind.label)] = kind.value
    return names


def _kind_key(text: str) -> str:
    words = text.replace("_", " ").replace("-", " ").casefold().split()
    return " ".join(words).replace("organization", "organisation")


_KINDS = _kind_names()


class EntityFileError(ValueError):
    """The file as a whole cannot be imported; the message says why, on one line."""


class _LineError(ValueError):
    """One line cannot be imported; the message says why."""


@dataclass(frozen=True)
class EntityLine:
    line: int
    record: EntityImport


@dataclass(frozen=True)
class DesignationsLine:
    """Sanctions for an entity the file does not hold: one imported before, perhaps."""

    line: int
    opensanctions_id: str
    designations: tuple[DesignationSpec, ...]


@dataclass(frozen=True)
class SkippedLine:
    line: int
    reason: str


@dataclass(frozen=True)
class RejectedLine:
    line: int
    reason: str


ParsedLine = EntityLine | DesignationsLine | SkippedLine | RejectedLine


def read_entity_file(path: Path) -> Iterator[ParsedLine]:
    """The lines of a FollowTheMoney JSON lines file or of a CSV file, parsed one by one.

    Raises EntityFileError at once when the file is missing, unreadable, empty, of an unknown
    type, or a CSV without the expected header.
    """
    if not path.exists():
        raise EntityFileError(f"{path}: no such file")
    if path.is_dir():
        raise EntityFileError(f"{path} is a directory, not a file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path)
    if suffix in FTM_SUFFIXES:
        return _read_ftm(path)
    raise EntityFileError(
        f"{path.name}: unsupported file type {suffix or '(no extension)'!r}; use .json, .jsonl"
        " or .ndjson (FollowTheMoney JSON lines) or .csv"
    )


# CSV: kind,name,aliases,country,description


def _read_csv(path: Path) -> Iterator[ParsedLine]:
    text = file_text_utf8(path, EntityFileError)
    if not text.strip():
        raise EntityFileError(f"{path.name} is empty")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    if tuple(column.strip() for column in header) != CSV_HEADER:
        raise EntityFileError(
            f"{path.name}: the header must be exactly {','.join(CSV_HEADER)!r},"
            f" not {','.join(header)!r}"
        )
    return _csv_lines(reader)


class _CsvReader(Protocol):
    """What a csv.reader offers: rows, and the physical line reached, quoted newlines included."""

    @property
    def line_num(self) -> int: ...

    def __next__(self) -> list[str]: ...


def _csv_lines(reader: _CsvReader) -> Iterator[ParsedLine]:
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RejectedLine(start, f"unreadable CSV ({error}); the rest of the file is skipped")
            return
        if any(field.strip() for field in row):
            try:
                yield EntityLine(start, _csv_record(row))
            except _LineError as error:
                yield RejectedLine(start, str(error))
        start = reader.line_num + 1


def _csv_record(row: list[str]) -> EntityImport:
    if len(row) != len(CSV_HEADER):
        raise _LineError(
            f"expected {len(CSV_HEADER)} columns ({','.join(CSV_HEADER)}), found {len(row)}"
        )
    kind, name, aliases, country, description = (field.strip() for field in row)
    if not kind:
        raise _LineError("missing kind")
    if _kind_key(kind) not in _KINDS:
        raise _LineError(f"unknown kind {kind!r}")
    return EntityImport(
        kind=_KINDS[_kind_key(kind)],
        name=_checked_name(name),
        aliases=tuple(
            AliasSpec(_checked_name(alias)) for alias in aliases.split("|") if alias.strip()
        ),
        country=country,
        description=description,
    )


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise _LineError("missing name")
    if len(name) > _NAME_MAX:
        raise _LineError(f"name {name[:40].rstrip()!r}… is longer than {_NAME_MAX} characters")
    if not normalise_name(name):
        raise _LineError(f"name {name!r} has no letters or digits")
    return name


# FollowTheMoney JSON lines


def _read_ftm(path: Path) -> Iterator[ParsedLine]:
    """Two passes: the first gathers the Sanction lines, which may come after their entity."""
    sanctions: dict[str, list[tuple[int, DesignationSpec]]] = defaultdict(list)
    has_content = False
    try:
        for number, raw in _raw_lines(path):
            if not has_content and raw.startswith(b"["):
                raise EntityFileError(
                    f"{path.name} is a JSON array; expected FollowTheMoney JSON lines,"
                    " one JSON object per line"
                )
            has_content = True
            if b'"Sanction"' not in raw:
                continue
            try:
                data = _json_object(raw)
                if data.get("schema") == "Sanction":
                    entity_ids, designation = _sanction(data)
                    for entity_id in entity_ids:
                        sanctions[entity_id].append((number, designation))
            except _LineError:
                continue  # reported with its line number by the second pass
    except OSError as error:
        raise EntityFileError(f"{path}: cannot be read ({error.strerror})") from None
    if not has_content:
        raise EntityFileError(f"{path.name} is empty")
    return _ftm_lines(path, sanctions)


def _raw_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Numbered non-blank lines, stripped, without a leading byte-order mark."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.removeprefix(codecs.BOM_UTF8) if number == 1 else raw
            if line.strip():
                yield number, line.strip()


def _ftm_lines(
    path: Path, sanctions: dict[str, list[tuple[int, DesignationSpec]]]
) -> Iterator[ParsedLine]:
    seen: set[str] = set()
    for number, raw in _raw_lines(path):
        try:
            data = _json_object(raw)
            if isinstance(data.get("id"), str) and data["id"] in sanctions:
                seen.add(data["id"])
            parsed = _ftm_line(number, data, sanctions)
        except _LineError as error:
            yield RejectedLine(number, str(error))
            continue
        if parsed is not None:
            yield parsed
    for entity_id, listed in sanctions.items():
        if entity_id not in seen:
            yield DesignationsLine(
                line=listed[0][0],
                opensanctions_id=entity_id,
                designations=tuple(designation for _, designation in listed),
            )


def _ftm_line(
    number: int, data: dict[str, Any], sanctions: dict[str, list[tuple[int, DesignationSpec]]]
) -> ParsedLine | None:
    """The line's record; None for a Sanction line, which joins its entity's record."""
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema:
        raise _LineError("missing schema")
    if schema == "Sanction":
        _sanction(data)
        return None
    kind = FTM_KINDS.get(schema)
    if kind is None:
        return SkippedLine(number, f"schema {schema!r} is not imported")
    entity_id = _ftm_id(data.get("id"), "id")
    properties = _properties(data)
    names = _strings(properties, "name")
    caption = data.get("caption")
    if not names and isinstance(caption, str) and caption.strip():
        names = [caption]
    if not names:
        raise _LineError("missing name")
    aliases = [AliasSpec(_checked_name(name)) for name in names[1:]]
    for key, alias_kind in FTM_ALIAS_PROPERTIES:
        aliases += [
            AliasSpec(_checked_name(name), kind=alias_kind) for name in _strings(properties, key)
        ]
    identifiers = [(ExternalIdentifier.Scheme.OPENSANCTIONS.value, entity_id)]
    for qid in _strings(properties, "wikidataId"):
        if not _WIKIDATA_QID.fullmatch(qid):
            raise _LineError(f"invalid wikidataId {qid!r}: a Wikidata id looks like Q1234")
        identifiers.append((ExternalIdentifier.Scheme.WIKIDATA.value, qid))
    referents = data.get("referents") or []
    if not isinstance(referents, list):
        raise _LineError("referents must be a list of ids")
    nested = properties.get("sanctions") or []
    if not isinstance(nested, list) or not all(isinstance(item, dict) for item in nested):
        raise _LineError("property 'sanctions' must be a list of Sanction objects")
    return EntityLine(
        number,
        EntityImport(
            kind=kind,
            name=_checked_name(names[0]),
            aliases=tuple(aliases),
            country=_first_country(_strings(properties, "country")),
            description="\n\n".join(_strings(properties, "notes")),
            topics=tuple(dict.fromkeys(_strings(properties, "topics"))),
            identifiers=tuple(identifiers),
            former_identifiers=tuple(
                (ExternalIdentifier.Scheme.OPENSANCTIONS.value, _ftm_id(referent, "referent"))
                for referent in referents
                if referent != entity_id
            ),
            designations=(
                *(_sanction(item, nested=True)[1] for item in nested),
                *(designation for _, designation in sanctions.get(entity_id, [])),
            ),
        ),
    )


def _sanction(data: dict[str, Any], *, nested: bool = False) -> tuple[list[str], DesignationSpec]:
    """The ids of the sanctioned entities and the listing, from a Sanction entity."""
    properties = _properties(data)
    entity_ids = _references(properties, "entity")
    if not entity_ids and not nested:
        raise _LineError("Sanction without an entity")
    authority = _first(properties, "authority") or UNKNOWN_AUTHORITY
    programme = (
        _first(properties, "program") or _first(properties, "programId") or UNSPECIFIED_PROGRAMME
    )
    reference = _first(properties, "authorityId") or _first(properties, "unscId")
    for label, value in (
        ("authority", authority),
        ("programme", programme),
        ("reference", reference),
    ):
        if len(value) > _DESIGNATION_TEXT_MAX:
            raise _LineError(f"sanction {label} is longer than {_DESIGNATION_TEXT_MAX} characters")
    source_urls = [
        url
        for url in _strings(properties, "sourceUrl")
        if url.startswith(("https://", "http://")) and len(url) <= _SOURCE_URL_MAX
    ]
    return entity_ids, DesignationSpec(
        authority=authority,
        programme=programme,
        listed_on=_first_full_date(
            [*_strings(properties, "listingDate"), *_strings(properties, "startDate")]
        ),
        reference=reference,
        source_url=source_urls[0] if source_urls else "",
    )


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _LineError("not valid UTF-8") from None
    except json.JSONDecodeError as error:
        raise _LineError(f"invalid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(data, dict):
        raise _LineError("not a JSON object")
    return data


def _ftm_id(value: object, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _LineError(f"missing {label}")
    if len(value) > _IDENTIFIER_MAX:
        raise _LineError(f"{label} is longer than {_IDENTIFIER_MAX} characters")
    return value.strip()


def _properties(data: dict[str, Any]) -> dict[str, Any]:
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise _LineError("'properties' must be a JSON object")
    return properties


def _strings(properties: dict[str, Any], key: str) -> list[str]:
    """A property's non-empty values; FtM gives lists of strings, a lone string is taken too."""
    value = properties.get(key)
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise _LineError(f"property {key!r} must be a list of strings")
    return [item.strip() for item in items if item.strip()]


def _references(properties: dict[str, Any], key: str) -> list[str]:
    """Ids in an entity-typed property; the nested export puts whole entities there."""
    value = properties.get(key) or []
    items = value if isinstance(value, list) else [value]
    ids = [item.get("id") if isinstance(item, dict) else item for item in items]
    if not all(isinstance(item, str) for item in ids):
        raise _LineError(f"property {key!r} must list entity ids")
    return [item.strip() for item in ids if isinstance(item, str) and item.strip()]


def _first(properties: dict[str, Any], key: str) -> str:
    values = _strings(properties, key)
    return values[0] if values else ""


def _first_country(codes: Iterable[str]) -> str:
    """The first code ISO 3166 knows; FtM also has codes such as xk, zz or suhh."""
    for code in codes:
        country = pycountry.countries.get(alpha_2=code.upper())
        if country is not None:
            return str(country.alpha_2)
    return ""


def _first_full_date(values: Iterable[str]) -> datetime.date | None:
    """The first complete date: FtM also gives just a year ("2019") or a month ("2019-01")."""
    for value in values:
        if _FULL_DATE.match(value):
            try:
                return datetime.date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None
