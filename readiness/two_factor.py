"""A second factor at sign-in: a time-based one-time code (TOTP) from an authenticator app.

django-otp keeps the devices and checks codes (with its own throttling of wrong codes); this
module is the journey around it. Anyone may enrol; an agency's admin can require it of the
agency's advisors (``Agency.require_second_factor``, checked by ``agencies.selectors``).

A person with a confirmed device who signs in with their password is half signed in: until they
give a code (or one of their backup codes), ``SecondFactorMiddleware`` sends every page to the
code page. Why not django-allauth's MFA: it needs allauth's own sign-up and login views, which
would replace the site's (and django-axes' throttling around them) for one feature that
django-otp adds to Django's login as it is.
"""

from __future__ import annotations

from collections.abc import Callable

import django_otp
import segno
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

BACKUP_CODES = 10
PENDING_SESSION_KEY = "second_factor_pending"
# Pages a half-signed-in person may still open: the code page itself, signing out, the language.
_ALLOWED_WHILE_PENDING = ("second_factor_verify", "logout", "set_language", "healthz")


class SecondFactorRequired(PermissionDenied):
    """The page needs a session verified with a second factor (an agency requires it)."""


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user: User) -> bool:
    """Signed in with a second factor in this session (django-otp's middleware sets it)."""
    check: Callable[[], bool] | None = getattr(user, "is_verified", None)
    return bool(check and check())


def enrolment_start(user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device (replacing an unconfirmed one left from before)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (made here: nothing is fetched)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def secret_text(device: TOTPDevice) -> str:
    """The key in base 32, in groups of four, for typing into an app that cannot scan."""
    import base64

    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def enrolment_confirm(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device with a first code; returns the new backup codes, or None if the code is wrong."""
    if not device.verify_token(_digits(code)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_backup_codes(device.user)
    django_otp.login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)
    return codes


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    return codes


def second_factor_verify(request: HttpRequest, code: str) -> bool:
    """Check a code from the app, or a backup code (each works once); on success the session is verified."""
    user = request.user
    for device in (*TOTPDevice.objects.filter(user=user, confirmed=True), *StaticDevice.objects.filter(user=user)):
        token = _digits(code) if isinstance(device, TOTPDevice) else code.strip().lower()
        if device.verify_is_allowed()[0] and device.verify_token(token):
            django_otp.login(request, device)
            request.session.pop(PENDING_SESSION_KEY, None)
            return True
    return False


def second_factor_remove(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


@receiver(user_logged_in, dispatch_uid="readiness.second_factor_pending")
def _ask_for_the_second_factor(sender: type, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    """After the password: someone with a second factor must still give a code."""
    if request is not None and hasattr(request, "session") and has_second_factor(user):
        request.session[PENDING_SESSION_KEY] = True


class SecondFactorMiddleware:
    """Half-signed-in sessions see only the code page; pages that require a verified session
    (``SecondFactorRequired``) send the person to enrol or to give a code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(PENDING_SESSION_KEY) and not is_verified(request.user):
            match = getattr(request, "resolver_match", None)
            name = match.url_name if match else _url_name(request.path_info)
            if name not in _ALLOWED_WHILE_PENDING and not request.path_info.startswith("/static/"):
                return redirect(f"{reverse('second_factor_verify')}?next={request.get_full_path()}")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SecondFactorRequired):
            return None
        from django.contrib import messages
        from django.utils.translation import gettext as _

        if has_second_factor(request.user):
            return redirect(f"{reverse('second_factor_verify')}?next={request.get_full_path()}")
        messages.warning(
            request,
            _("Your agency asks its advisors to sign in with a second step. Set it up here to open its pages."),
        )
        return redirect(f"{reverse('second_factor')}?next={request.get_full_path()}")


def _url_name(path: str) -> str | None:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).url_name
    except Resolver404:
        return None
