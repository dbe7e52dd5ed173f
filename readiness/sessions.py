"""Database sessions, read with one plain SQL statement.

Every logged-in page reads its session. On the 2-core benchmark machine one ORM ``get()``
costs about as much as a whole trivial request (query building dominates, not SQLite), so
the questionnaire page could not meet its budget (``bench/``: >= 0.4x the trivial view)
through the ORM. Writing, expiry and everything else stay Django's own.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        if not self.session_key:
            self._session_key = None
            return {}
        model = self.model
        connection = connections[router.db_for_read(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608 - table name from the model
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        try:
            return self.decode(row[0])
        except SuspiciousOperation as exc:  # pragma: no cover - decode() already logs and returns {}
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            self._session_key = None
            return {}
