"""The authentication backend: Django's ModelBackend, with the per-request user lookup cheap.

``get_user`` runs on every logged-in request. The session store reads the user together with
the session (one query, ``readiness/sessions.py``) and hands it over through
``prefetched_user``; otherwise the user is read with one plain SQL statement
(``readiness/user_rows.py``). The ORM's query building costs about as much as a whole
trivial request on the benchmark machine, and the questionnaire page has a throughput budget
(``bench/``). Logging in, permissions and everything else are ModelBackend's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .models import User
from .user_rows import user_by_id

_prefetched_user: ContextVar[User | None] = ContextVar("prefetched_user", default=None)


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


def login_name(request: Any, credentials: dict[str, Any] | None) -> str:
    """The account a login attempt names, as django-axes counts failures: e-mail addresses are
    matched without regard to case (``User``), so "Owner@x" and "owner@x" are one account."""
    return str((credentials or {}).get("username") or "").strip().lower()


def client_ip(request: Any) -> str:
    """The address a login attempt came from, as django-axes counts failures.

    Behind our proxy or load balancer (``DJANGO_BEHIND_PROXY``) every request arrives from the
    proxy, which appends the address it saw to X-Forwarded-For: the right-most entry is the
    only one a client cannot forge. Otherwise the connection's own address.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
