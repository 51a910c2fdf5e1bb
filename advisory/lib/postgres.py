"""PostgreSQL-only features: migration operations (the embedded SQLite demo goes without) and
the array parameter of the digests' raw queries."""

from collections.abc import Iterable

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def postgres_only(sql: str, reverse_sql: str) -> migrations.RunPython:
    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(reverse_sql, params=None)

    return migrations.RunPython(forwards, backwards)


def array_literal(values: Iterable[object]) -> str:
    """A PostgreSQL array literal (ids, UUIDs), cast in the query (`%s::bigint[]`): one text
    parameter, which costs less to pass than a list adapted element by element."""
    return "{" + ",".join(map(str, values)) + "}"
