"""The user read with plain SQL, converted as the ORM would: for the per-request lookups.

The session store reads the user together with its session (``sessions``) and the
authentication backend reads one by id (``backends``); both skip the ORM's query building,
which costs about as much as a whole trivial request on the benchmark machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, router

from .models import User


class _RowReader:
    """Turns a row of the user's columns into a User, as the ORM would (built once per database)."""

    def __init__(self, alias: str) -> None:
        connection = connections[alias]
        fields = User._meta.concrete_fields
        self.alias = alias  # connections are per thread: look the connection up on each use
        self.attnames = [field.attname for field in fields]
        # Only the columns that need converting (SQLite: booleans from 0/1, datetimes from text).
        self.converters: list[tuple[int, list[Callable[..., Any]], Any]] = []
        for index, field in enumerate(fields):
            column = field.get_col(User._meta.db_table)
            functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if functions:
                self.converters.append((index, functions, column))
        quote = connection.ops.quote_name
        self._quoted = [quote(field.column) for field in fields]
        self.by_id_sql = (
            f"SELECT {self.columns_for('u')} FROM {quote(User._meta.db_table)} u "  # noqa: S608 - names from the model
            f"WHERE u.{quote(User._meta.pk.column)} = %s"
        )

    def columns_for(self, table_alias: str) -> str:
        return ", ".join(f"{table_alias}.{column}" for column in self._quoted)

    def user(self, values: Sequence[Any]) -> User:
        connection = connections[self.alias]
        values = list(values)
        for index, functions, column in self.converters:
            value = values[index]
            for convert in functions:
                value = convert(value, column, connection)
            values[index] = value
        return User.from_db(self.alias, self.attnames, values)


_readers: dict[str, _RowReader] = {}


def _reader(alias: str) -> _RowReader:
    reader = _readers.get(alias)
    if reader is None:
        reader = _readers[alias] = _RowReader(alias)
    return reader


def user_columns(alias: str, table_alias: str) -> str:
    """The user's columns, for a SELECT that also reads the user (``user_from_values``)."""
    return _reader(alias).columns_for(table_alias)


def user_from_values(alias: str, values: Sequence[Any]) -> User:
    """A User from the raw values of ``user_columns``, converted as the ORM converts them."""
    return _reader(alias).user(values)


def user_by_id(user_id: Any) -> User | None:
    alias = router.db_for_read(User)
    reader = _reader(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(reader.by_id_sql, [user_id])
        row = cursor.fetchone()
    return None if row is None else reader.user(row)
