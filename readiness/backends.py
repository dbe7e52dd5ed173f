"""The authentication backend: Django's ModelBackend, with the per-request user lookup in plain SQL.

``get_user`` runs on every logged-in request; see ``readiness/sessions.py`` for why it avoids
the ORM's query building. Logging in, permissions and everything else are ModelBackend's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from .models import User


def user_by_id(user_id: Any) -> User | None:
    meta = User._meta
    quote = connections[router.db_for_read(User)].ops.quote_name
    # A raw queryset still applies the database's value converters (booleans, datetimes).
    found = list(
        User.objects.raw(
            f"SELECT * FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s",  # noqa: S608 - names from the model
            [user_id],
        )
    )
    return found[0] if found else None


class EmailBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
