"""Where to send a user next, from a ``next`` parameter that must stay on this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` URL (query string or form) if it stays on this site, else ``fallback``.

    Used where a journey resumes elsewhere, e.g. an invitation link → sign-up or firm profile →
    back to the invitation; an off-site ``next`` would make the site an open redirect.
    """
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback
