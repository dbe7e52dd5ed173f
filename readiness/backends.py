"""The authentication backend: Django's ModelBackend, with the per-request user lookup cheap.

``get_user`` runs on every logged-in request. The session store reads the user together with
the session (one query, ``readiness/sessions.py``) and hands it over through
``prefetched_user``; otherwise the user is read with one plain SQL statement. The ORM's query
building costs about as much as a whole trivial request on the benchmark machine, and the
questionnaire page has a throughput budget (``bench/``). Logging in, permissions and
everything else are ModelBackend's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from .models import User

_converters: dict[str, list[tuple[list[Callable[..., Any]], Any]]] = {}
_prefetched_user: ContextVar[User | None] = ContextVar("prefetched_user", default=None)


def user_columns(alias: str, table_alias: str) -> str:
    """The user's columns, for a SELECT that also reads the user (``user_from_values``)."""
    quote = connections[alias].ops.quote_name
    return ", ".join(f"{table_alias}.{quote(field.column)}" for field in User._meta.concrete_fields)


def user_from_values(alias: str, values: Sequence[Any]) -> User:
    """A User from the raw values of ``user_columns``, converted as the ORM would convert them
    (SQLite returns booleans as 0/1 and datetimes as text)."""
    connection = connections[alias]
    converters = _converters.get(alias)
    if converters is None:
        converters = []
        for field in User._meta.concrete_fields:
            column = field.get_col(User._meta.db_table)
            converters.append((connection.ops.get_db_converters(column) + field.get_db_converters(connection), column))
        _converters[alias] = converters
    converted = []
    for value, (functions, column) in zip(values, converters, strict=True):
        for convert in functions:
            value = convert(value, column, connection)
        converted.append(value)
    return User.from_db(alias, [field.attname for field in User._meta.concrete_fields], converted)


def user_by_id(user_id: Any) -> User | None:
    alias = router.db_for_read(User)
    connection = connections[alias]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {user_columns(alias, 'u')} FROM {quote(User._meta.db_table)} u "  # noqa: S608 - names from the model
        f"WHERE u.{quote(User._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    return None if row is None else user_from_values(alias, row)


@contextmanager
def prefetched_user(user: User | None) -> Iterator[None]:
    """Within the block, ``get_user`` takes ``user`` instead of reading it (if the ids match)."""
    token = _prefetched_user.set(user)
    try:
        yield
    finally:
        _prefetched_user.reset(token)


class EmailBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = _prefetched_user.get()
        if user is None or user.pk != user_id:
            user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
