"""Database sessions that know their user, read with one plain SQL statement.

Every logged-in request reads its session and then its user. Here both come from one query
(the session row joined to its user), the user is handed to the authentication backend
(``readiness.middleware``), and the ORM's query building — on the benchmark machine as costly
as a whole trivial request — is skipped. The ``user`` column also means that deleting a user
deletes their sessions. Writing and expiry stay Django's own.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from .models import Session
from .user_rows import user_columns, user_from_values

_select_sql: dict[str, str] = {}


def _select(model: Any, alias: str) -> str:
    """The session-with-its-user SELECT for one database, built once per process."""
    sql = _select_sql.get(alias)
    if sql is None:
        quote = connections[alias].ops.quote_name
        user_model = model._meta.get_field("user").related_model
        sql = _select_sql[alias] = (
            f"SELECT s.session_data, {user_columns(alias, 'u')} "  # noqa: S608 - names from the models
            f"FROM {quote(model._meta.db_table)} s "
            f"LEFT JOIN {quote(user_model._meta.db_table)} u ON u.{quote(user_model._meta.pk.column)} = s.user_id "
            "WHERE s.session_key = %s AND s.expire_date > %s"
        )
    return sql


class SessionStore(db.SessionStore):
    prefetched_user: Any = None  # the session's user as read with it, or None

    @classmethod
    def get_model_class(cls) -> Any:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            session.user_id = None
        return session

    def load(self) -> dict[str, Any]:
        self.prefetched_user = None
        if not self.session_key:
            self._session_key = None
            return {}
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(
                _select(self.model, alias), [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())]
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        if row[1] is not None:
            self.prefetched_user = user_from_values(alias, row[1:])
        # A deep copy: the request may change its session; the decoded original stays as read.
        return copy.deepcopy(_decoded(type(self), row[0]))


@functools.lru_cache(maxsize=4096)
def _decoded(store_class: type[SessionStore], session_data: str) -> dict[str, Any]:
    """The signed text decodes to the same data every time (it is checked with the same key):
    a person's requests between two changes of their session decode it once per process."""
    return store_class().decode(session_data)
