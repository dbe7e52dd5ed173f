"""The CSRF form token of the pre-rendered pages, drawn with one call to the OS's random source.

Django's ``get_token`` masks the secret with a fresh 32-character string drawn one character
at a time (``secrets.choice``: a system call each), and flags the cookie to be sent again on
every response. On the questionnaire and results pages, the two hottest, that came to a
twentieth of the server's time (``bench/profile_pages.py``). ``form_token`` gives a token
Django's middleware checks exactly as its own: the same secret, the same masking scheme
(mask + cipher over ``CSRF_ALLOWED_CHARS``), an unbiased mask from ``secrets.token_bytes``.
The cookie is left as the browser sent it (it lasts ``CSRF_COOKIE_AGE``, a year by default);
a request without one takes Django's own path, which sets it.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

_CHARS = len(CSRF_ALLOWED_CHARS)  # 62
# The largest multiple of 62 a byte can hold: bytes at or above it are drawn again (no bias).
_ACCEPT_BELOW = 256 - 256 % _CHARS


def _random_indexes(count: int) -> list[int]:
    indexes: list[int] = []
    while len(indexes) < count:
        indexes += [byte % _CHARS for byte in secrets.token_bytes(count) if byte < _ACCEPT_BELOW]
    return indexes[:count]


def form_token(request: HttpRequest) -> str:
    """A masked CSRF token for a form of this request (what ``{% csrf_token %}`` would give)."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)
    mask = _random_indexes(CSRF_SECRET_LENGTH)
    cipher = (CSRF_ALLOWED_CHARS[(CSRF_ALLOWED_CHARS.index(s) + m) % _CHARS] for s, m in zip(secret, mask, strict=True))
    return "".join(CSRF_ALLOWED_CHARS[m] for m in mask) + "".join(cipher)
