"""The authentication backend: Django's ModelBackend, with the per-request user lookup in plain SQL.

``get_user`` runs on every logged-in request; see ``readiness/sessions.py`` for why it avoids
the ORM's query building. Logging in, permissions and everything else are ModelBackend's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from .models import User

_statements: dict[str, tuple[str, list[str], list[tuple[list[Callable[..., Any]], Any]]]] = {}


def _statement(alias: str) -> tuple[str, list[str], list[tuple[list[Callable[..., Any]], Any]]]:
    """SQL, attribute names and value converters for one database, built once per process."""
    cached = _statements.get(alias)
    if cached is None:
        connection = connections[alias]
        meta = User._meta
        quote = connection.ops.quote_name
        fields = meta.concrete_fields
        sql = (
            f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
            f"WHERE {quote(meta.pk.column)} = %s"
        )
        # The converters the ORM would apply (SQLite returns booleans as 0/1, datetimes as text).
        converters = []
        for field in fields:
            column = field.get_col(meta.db_table)
            converters.append((connection.ops.get_db_converters(column) + field.get_db_converters(connection), column))
        cached = _statements[alias] = (sql, [f.attname for f in fields], converters)
    return cached


def user_by_id(user_id: Any) -> User | None:
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, attnames, converters = _statement(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (functions, column) in zip(row, converters, strict=True):
        for convert in functions:
            value = convert(value, column, connection)
        values.append(value)
    return User.from_db(alias, attnames, values)


class EmailBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
