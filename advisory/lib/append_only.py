"""A migration operation that makes a table append-only in the database itself.

UPDATE and DELETE are refused by triggers on PostgreSQL and SQLite, whatever code runs
against the table. TRUNCATE stays possible: it is an operator's tool (and how test databases
are reset), not something any interface of the application can issue.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _postgres_create(table: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change();
"""


def _postgres_drop(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_refuse_change();
"""


def _sqlite_create(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END;"""
        for operation in ("UPDATE", "DELETE")
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op};" for op in ("update", "delete")]


def append_only(table: str) -> migrations.RunPython:
    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            # params=None: the SQL holds a literal % that must not be read as a placeholder.
            schema_editor.execute(_postgres_create(table), params=None)
        elif vendor == "sqlite":
            for statement in _sqlite_create(table):
                schema_editor.execute(statement)

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(_postgres_drop(table), params=None)
        elif vendor == "sqlite":
            for statement in _sqlite_drop(table):
                schema_editor.execute(statement)

    return migrations.RunPython(forwards, backwards)
