"""Authentication middleware: Django's, taking the user the session store read with the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils import translation
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


class UserLanguageMiddleware:
    """A signed-in person's saved language (``User.language``) wins over the browser's: the
    choice follows the account to every device. After ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        saved = _saved_language(request)
        overridden = bool(saved) and saved != translation.get_language()
        if overridden:
            translation.activate(saved)
            request.LANGUAGE_CODE = saved
        response = self.get_response(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        # Only where the browser would have chosen otherwise: this device then keeps the account's
        # language after signing out too. (The switcher sets the cookie itself.)
        if overridden and cookie not in response.cookies:
            response.set_cookie(
                cookie,
                saved,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def _saved_language(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return user.language if user.language in dict(settings.LANGUAGES) else ""
