"""Agency API keys: authentication (``Authorization: Bearer <key>``), scopes, the rate limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from ..models import ApiCall, ApiToken
from ..services import api_key_hash

RATE_WINDOW = timedelta(minutes=1)


class AgencyKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer <key>`` with a key the agency has not revoked. The request's
    ``auth`` is the ``ApiToken``; its ``user`` is anonymous (a key is not a person)."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the key as: Authorization: Bearer <key>."))
        key = parts[1].decode("ascii", errors="replace")
        token = (
            ApiToken.objects.select_related("agency")
            .filter(key_hash=api_key_hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise AuthenticationFailed(_("This key is not valid or has been revoked."))
        return AnonymousUser(), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class HasScope(BasePermission):
    """A live agency key whose scopes include the view's ``required_scope``."""

    message = _("This key may not read this: its agency's admin can give it the scope.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        return isinstance(token, ApiToken) and getattr(view, "required_scope", None) in token.scopes


class KeyRateThrottle(BaseThrottle):
    """At most ``settings.API_CALLS_PER_MINUTE`` calls per key in any minute, counted in the
    database so that every process of the site applies the same limit."""

    def allow_request(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True  # refused by authentication or permission anyway
        since = timezone.now() - RATE_WINDOW
        return ApiCall.objects.filter(token=token, at__gte=since).count() < settings.API_CALLS_PER_MINUTE

    def wait(self) -> float:
        return RATE_WINDOW.total_seconds()


class AgencyKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema (and its docs' "Authorize" button) describes the key."""

    target_class = AgencyKeyAuthentication
    name = "agencyKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key made by the agency's admin on the agency's API page (rdy_…).",
        }
