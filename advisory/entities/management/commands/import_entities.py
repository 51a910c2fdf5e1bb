from collections import Counter
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DataError, IntegrityError

from advisory.entities.importers import (
    EntityFileError,
    EntityLine,
    ParsedLine,
    RejectedLine,
    SkippedLine,
    read_entity_file,
)
from advisory.entities.services import entity_designations_import, entity_import_record

PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = (
        "Import entities from FollowTheMoney JSON lines (.json, .jsonl, .ndjson: OpenSanctions "
        "exports) or a CSV with the header kind,name,aliases,country,description. Re-importing "
        "updates entities, never duplicates them. Exits 1 if any line was rejected, after "
        "importing the others."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the .json/.jsonl/.ndjson or .csv file")

    def handle(self, *args: Any, path: Path, verbosity: int, **options: Any) -> None:
        try:
            lines = read_entity_file(path)
        except EntityFileError as error:
            raise CommandError(str(error)) from error
        counts: Counter[str] = Counter()
        for read, parsed in enumerate(lines, 1):
            counts[self._import(parsed)] += 1
            if verbosity >= 1 and read % PROGRESS_EVERY == 0:
                self.stdout.write(f"… {read:,} records read")
        self.stdout.write(
            f"created {counts['created']}, updated {counts['updated']},"
            f" skipped {counts['skipped']}, rejected {counts['rejected']}"
        )
        if rejected := counts["rejected"]:
            raise CommandError(f"{rejected} {'line' if rejected == 1 else 'lines'} rejected")

    def _import(self, parsed: ParsedLine) -> str:
        """Import one record in its own transaction (the service's); returns the outcome."""
        if isinstance(parsed, SkippedLine):
            return "skipped"
        if isinstance(parsed, RejectedLine):
            return self._reject(parsed.line, parsed.reason)
        try:
            if isinstance(parsed, EntityLine):
                return entity_import_record(actor=None, record=parsed.record)
            return entity_designations_import(
                actor=None,
                opensanctions_id=parsed.opensanctions_id,
                designations=parsed.designations,
            )
        except ValidationError as error:
            return self._reject(parsed.line, " ".join(error.messages))
        except (DataError, IntegrityError) as error:
            # The database's own checks are the last line of defence: one record breaking
            # them must not stop the others. Its message can run over several lines.
            summary = str(error).strip().split("\n")[0]
            return self._reject(parsed.line, f"refused by the database: {summary}")

    def _reject(self, line: int, reason: str) -> str:
        self.stderr.write(f"line {line}: {reason}")
        return "rejected"
