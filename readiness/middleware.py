"""Authentication middleware: Django's, taking the user the session store read with the session."""

from __future__ import annotations

from typing import Any

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .backends import prefetched_user


def get_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        session = request.session
        session.get(SESSION_KEY)  # load the session now: the store reads the user with it
        # Django's get_user still does every check (backend, session hash, is_active).
        with prefetched_user(getattr(session, "prefetched_user", None)):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
