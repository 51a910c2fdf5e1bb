"""Raw SQL that runs on PostgreSQL (production) and SQLite (the demo) alike."""

from collections.abc import Iterable

from django.db import connection


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
