"""Confirming that a person reads the e-mail address they signed up with.

The link carries a signed token (Django's ``signing``, with the site's secret key) naming the
account and the address, valid ``EMAIL_CONFIRMATION_DAYS``; confirming a changed address needs a
new link. Only firms whose owner confirmed count in peer benchmarks (``assessments.peer_statistics``):
a throwaway account is one more step away, and its address is one someone reads.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import User

EMAIL_CONFIRMATION_DAYS = 3
# A person may ask for the link again after this long, not before: nobody floods an inbox with it.
RESEND_INTERVAL = timedelta(minutes=2)
_SALT = "readiness.email-confirmation"


class InvalidConfirmation(Exception):
    """The link is broken, expired, or for an address the account no longer has."""


class SentTooRecently(Exception):
    """A link went out less than ``RESEND_INTERVAL`` ago."""


def confirmation_token(user: User) -> str:
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=_SALT, compress=True)


def confirmation_send(*, user: User, base_url: str) -> None:
    """E-mail ``user`` a link that confirms their address, in the language the account chose.

    Raises ``SentTooRecently`` within ``RESEND_INTERVAL`` of the last one.
    """
    now = timezone.now()
    spaced_out = User.objects.filter(pk=user.pk).exclude(email_confirmation_sent_at__gt=now - RESEND_INTERVAL)
    if not spaced_out.update(email_confirmation_sent_at=now):  # one statement: two clicks send one e-mail
        raise SentTooRecently
    link = base_url.rstrip("/") + reverse("confirm_email", kwargs={"token": confirmation_token(user)})
    with translation.override(user.language or translation.get_language()):
        subject = _("Confirm your e-mail address for Readiness")
        body = _(
            "Open this link to confirm that this is your e-mail address:\n%(link)s\n\n"
            "The link works for %(days)d days. Until you confirm, your results are not counted in the "
            "peer benchmarks other firms see.\n\n"
            "If you did not create a Readiness account, ignore this e-mail."
        ) % {"link": link, "days": EMAIL_CONFIRMATION_DAYS}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def email_confirm(token: str) -> User:
    """Mark the address named by ``token`` as confirmed; returns the account."""
    try:
        claim = signing.loads(token, salt=_SALT, max_age=timedelta(days=EMAIL_CONFIRMATION_DAYS))
        user = User.objects.get(pk=int(claim["user"]))
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError, ValueError) as error:
        raise InvalidConfirmation from error
    if user.email.lower() != str(claim.get("email", "")).lower():
        raise InvalidConfirmation  # the address changed since the link was sent
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        User.objects.filter(pk=user.pk).update(email_confirmed_at=user.email_confirmed_at)
    return user
