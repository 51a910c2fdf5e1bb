"""Raw SQL that runs on PostgreSQL (production) and SQLite (the demo) alike."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction


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
