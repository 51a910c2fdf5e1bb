"""Make the audit trail append-only in the database itself, whatever code runs against it.

TRUNCATE stays possible: it is an operator's tool (and how test databases are reset), not
something any interface of the application can issue.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

_POSTGRES_CREATE = """
CREATE OR REPLACE FUNCTION workflow_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflow_auditevent_append_only
    BEFORE UPDATE OR DELETE ON workflow_auditevent
    FOR EACH ROW EXECUTE FUNCTION workflow_auditevent_refuse_change();
"""
_POSTGRES_DROP = """
DROP TRIGGER IF EXISTS workflow_auditevent_append_only ON workflow_auditevent;
DROP FUNCTION IF EXISTS workflow_auditevent_refuse_change();
"""
_SQLITE_CREATE = [
    """CREATE TRIGGER workflow_auditevent_no_update BEFORE UPDATE ON workflow_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER workflow_auditevent_no_delete BEFORE DELETE ON workflow_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END;""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS workflow_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS workflow_auditevent_no_delete;",
]


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_POSTGRES_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in _SQLITE_CREATE:
            schema_editor.execute(statement)


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        for statement in _SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
