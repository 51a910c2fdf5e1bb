"""Raw SQL that runs on PostgreSQL (production) and SQLite (the demo) alike."""

import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Field, Model
from django.db.models.sql import Query

M = TypeVar("M", bound=Model)


def id_array(values: Iterable[object]) -> str:
    """A PostgreSQL array literal (ids, UUIDs): one text parameter, which costs less to pass
    than a list adapted element by element."""
    return "{" + ",".join(map(str, values)) + "}"


def column_in(column: str, ids: Iterable[int]) -> tuple[str, list[int | str]]:
    """A condition that `column` is one of `ids`, with its parameters: one array on
    PostgreSQL (binding hundreds of parameters costs more than the query), a list elsewhere."""
    values: list[int | str] = list(ids)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [id_array(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values)) or 'NULL'})", values


@contextmanager
def commit_without_disk_wait() -> Iterator[None]:
    """A transaction whose COMMIT returns before its WAL reaches the disk (PostgreSQL's
    `synchronous_commit = off`, about 3 ms less per write on our machines): only for writes a
    database crash may lose harmlessly, such as a memo that is rebuilt when next read. Inside
    a transaction already begun it is that transaction's commit, left as it is."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(savepoint=False):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        yield


@contextmanager
def statement_cursor() -> Iterator[CursorWrapper]:
    """A cursor for a statement written out in full that runs again and again, its values
    bound by the server on PostgreSQL: psycopg then prepares it once it has run
    `prepare_threshold` times on the connection (settings), and PostgreSQL plans it once per
    connection instead of at every run, which was most of a page statement's cost. Django's
    own cursors merge the values into the text, which no statement can be prepared from.
    Values whose type PostgreSQL cannot tell from their place need a CAST in the statement.
    Elsewhere, the usual cursor."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    # Typed as Any: django-stubs give Django's psycopg cursor classes no constructor.
    bound: Any = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]
    wrapped = (
        _StatementDebugCursor(bound, connection)
        if connection.queries_logged
        else connection.make_cursor(bound)
    )
    with wrapped as cursor:
        yield cursor


class _StatementDebugCursor(CursorDebugWrapper):
    """Logs a statement with its values in place, as Django's own cursors do (so tests count
    and show it, and the benchmark can EXPLAIN it): psycopg keeps no such text for a
    statement whose values the server binds."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def models_from_rows(
    model: type[M], rows: Iterable[Sequence[Any]], *, fields: Sequence[Field], extra: Sequence[str]
) -> list[M]:
    """Models from the rows of a statement written out: its first columns are `fields`,
    converted as the ORM converts them (JSON decoded, SQLite's dates made aware); each
    further column is set on the model under its name in `extra`, as read."""
    converters = _converters(model, tuple(fields), connection.vendor)
    attnames = [field.attname for field in fields]
    width = len(fields)
    models = []
    for row in rows:
        values = list(row[:width])
        for position, (functions, expression) in converters:
            for convert in functions:
                values[position] = convert(values[position], expression, connection)
        instance = model.from_db(connection.alias, attnames, values)
        for name, value in zip(extra, row[width:], strict=True):
            setattr(instance, name, value)
        models.append(instance)
    return models


@functools.lru_cache(maxsize=64)
def _converters(
    model: type[Model], fields: tuple[Field, ...], vendor: str
) -> list[tuple[int, tuple[list[Any], Any]]]:
    """The ORM's converters for those columns, asked once per process: a compiler made for
    each page's rows cost a few dozen microseconds a statement."""
    compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, connection.alias)
    found = compiler.get_converters([field.get_col(model._meta.db_table) for field in fields])
    return list(found.items())
