"""The authentication backend: Django's ModelBackend, with the per-request user lookup cheap.

``get_user`` runs on every logged-in request. The session store reads the user together with
the session (one query, ``readiness/sessions.py``) and hands it over through
``prefetched_user``; otherwise the user is read with one plain SQL statement
(``readiness/user_rows.py``). The ORM's query building costs about as much as a whole
trivial request on the benchmark machine, and the questionnaire page has a throughput budget
(``bench/``). Logging in, permissions and everything else are ModelBackend's.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

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

    Behind our proxy or load balancer every request arrives from it, and it appends the address
    it saw to X-Forwarded-For. That header is believed only when the connection comes from a
    configured proxy (``TRUSTED_PROXIES``): then the right-most entry that is not itself one of
    the proxies is the client (the entries to its left are the client's own words). Otherwise
    the connection's own address. An IPv6 client counts by its /64, the block a single
    subscriber usually gets, so that stepping through one's own addresses does not reset it.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if proxies and _within(address, proxies):
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            address = hop
            if not _within(hop, proxies):
                break
    return _throttle_key(address)


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _within(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _throttle_key(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:198.51.100.9 is that IPv4 client
            return str(ip.ipv4_mapped)
        # The block's first address stands for it: django-axes stores an IP address (PostgreSQL's
        # inet type refuses "2001:db8::/64").
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


class AccountCeilingAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with a ceiling per account across addresses.

    Axes locks an account *and* address pair after ``AXES_FAILURE_LIMIT`` failures. An attacker
    with many addresses (a botnet, an IPv6 range of /64s) would get that many guesses from each;
    the ceiling stops guessing at ``AXES_ACCOUNT_FAILURE_CEILING`` failures on one account from
    all addresses together within ``AXES_COOLOFF_TIME``. High enough that a person's own typos
    from their few devices never reach it.
    """

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        username = get_client_username(request, credentials)
        if not username:
            return False
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        if (failures or 0) < settings.AXES_ACCOUNT_FAILURE_CEILING:
            return False
        # Axes flags a lockout only when the pair reaches its limit; flag this one too, so the
        # person gets the lockout page (429, when to try again) rather than "wrong password".
        request.axes_locked_out = True
        return True
