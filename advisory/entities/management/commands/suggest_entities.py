import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from advisory.entities.selectors import gazetteer_current
from advisory.lib.text import file_text_utf8


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 with its line endings as they are: the offsets the
    command prints index this string. Raises CommandError, on one line, if it cannot be read."""
    if not path.exists():
        raise CommandError(f"{path}: no such file")
    if path.is_dir():
        raise CommandError(f"{path} is a directory, not a file")
    # Plain "utf-8", as the help says: the offsets printed index the text decoded so.
    return file_text_utf8(path, CommandError, encoding="utf-8")


class Command(BaseCommand):
    help = (
        "List the recorded entities a UTF-8 text or Markdown file names, in any spelling. With "
        "--json, print a JSON list of {entity, entity_id, kind, surface, start, end, "
        "confidence}, where start and end are character offsets into the file's text (decoded "
        "as UTF-8, line endings untouched), so text[start:end] == surface. A confidence of 0.8 "
        "or more is a link; below 0.5, a short or ambiguous name offered for a person to decide "
        "(one row per entity it could be). Exits 1, with one line on stderr, on bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a UTF-8 .txt or .md file")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print JSON for other tools"
        )

    def handle(self, *args: Any, path: Path, as_json: bool, **options: Any) -> None:
        text = read_text(path)
        gazetteer = gazetteer_current()
        rows = [
            {
                "entity": gazetteer.entities[found.entity_id].name,
                "entity_id": found.entity_id,
                "kind": gazetteer.entities[found.entity_id].kind,
                "surface": found.surface,
                "start": found.start,
                "end": found.end,
                "confidence": found.confidence,
            }
            for found in gazetteer.link([text]).found
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(
                f"{row['start']:>7}–{row['end']:<7} {row['surface']!r} → {row['entity']}"
                f" ({row['kind']}, {row['confidence']:.2f})"
            )
