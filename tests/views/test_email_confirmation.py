"""Confirming an e-mail address: the link, its expiry, a changed address, resending, the notice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.services import assessment_start
from readiness import email_confirmation
from readiness.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_up(client: Client, email: str = "new@example.com") -> str:
    """Signs up through the site; returns the token of the link the e-mail carries."""
    response = client.post(reverse("signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [email]
    match = re.search(r"http://testserver/accounts/confirm-email/([^/\s]+)/", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_sends_a_link_and_its_button_confirms(client: Client) -> None:
    token = sign_up(client)
    user = User.objects.get(email="new@example.com")
    assert user.email_confirmed_at is None
    url = reverse("confirm_email", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200 and not page.has_header("Location")
    assert "Confirm my e-mail address" in page.content.decode()
    user.refresh_from_db()
    assert user.email_confirmed_at is None  # opening the link (a mail scanner, say) confirms nothing
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("assessments:dashboard")
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_the_notice_shows_until_the_address_is_confirmed(client: Client) -> None:
    token = sign_up(client)
    response = client.get(reverse("assessments:firm_profile"))
    assert response.status_code == 200
    assert 'id="confirm-email-notice"' in response.content.decode()
    client.post(reverse("confirm_email", kwargs={"token": token}))
    response = client.get(reverse("assessments:firm_profile"))
    assert response.status_code == 200
    assert 'id="confirm-email-notice"' not in response.content.decode()


def test_the_notice_follows_the_account_on_pages_built_once_for_everyone(submitted, owner, owner_client) -> None:  # type: ignore[no-untyped-def]
    """The questionnaire and results pages are rendered once and filled per request: the notice
    is the account's, not baked into the shared copy (it was, for every account)."""
    from tests.helpers import pillar_url

    results = reverse("assessments:results", kwargs={"assessment_id": submitted.pk})
    draft = assessment_start(firm=submitted.firm, user=owner)
    for url in (results, pillar_url(draft, "skills")):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        assert 'id="confirm-email-notice"' not in response.content.decode(), url
    owner.email_confirmed_at = None
    owner.save()
    for url in (results, pillar_url(draft, "skills")):
        html = owner_client.get(url).content.decode()
        assert 'id="confirm-email-notice"' in html and f'name="next" value="{url}"' in html, url


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # broken signature
        lambda token: "not-a-token",
        lambda token: email_confirmation.signing.dumps(  # signed, but not by this salt
            {"user": 1, "email": "new@example.com"}
        ),
    ],
)
def test_a_tampered_link_is_refused_with_400(client: Client, tamper) -> None:  # type: ignore[no-untyped-def]
    token = sign_up(client)
    response = client.post(reverse("confirm_email", kwargs={"token": tamper(token)}))
    assert response.status_code == 400
    assert User.objects.get(email="new@example.com").email_confirmed_at is None


def test_an_expired_link_is_refused(client: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    token = sign_up(client)
    later = timezone.now() + timedelta(days=email_confirmation.EMAIL_CONFIRMATION_DAYS, minutes=1)
    monkeypatch.setattr("django.core.signing.time.time", lambda: later.timestamp())
    response = client.post(reverse("confirm_email", kwargs={"token": token}))
    assert response.status_code == 400
    assert User.objects.get(email="new@example.com").email_confirmed_at is None


def test_a_link_for_an_address_the_account_no_longer_has_is_refused(client: Client) -> None:
    token = sign_up(client)
    User.objects.filter(email="new@example.com").update(email="other@example.com")
    response = client.post(reverse("confirm_email", kwargs={"token": token}))
    assert response.status_code == 400
    assert User.objects.get(email="other@example.com").email_confirmed_at is None


def test_another_persons_link_confirms_only_their_address(client: Client) -> None:
    token = sign_up(client, "victim@example.com")
    attacker = UserFactory(email="attacker@example.com", email_confirmed_at=None)
    attacker_client = Client()
    attacker_client.force_login(attacker)
    attacker_client.post(reverse("confirm_email", kwargs={"token": token}))
    attacker.refresh_from_db()
    assert attacker.email_confirmed_at is None


def test_resending_is_spaced_out(client: Client) -> None:
    sign_up(client)
    response = client.post(reverse("resend_confirmation"))
    assert response.status_code == 302
    assert len(mail.outbox) == 1  # the sign-up's went out a moment ago
    User.objects.update(email_confirmation_sent_at=timezone.now() - email_confirmation.RESEND_INTERVAL)
    client.post(reverse("resend_confirmation"))
    assert len(mail.outbox) == 2
    assert client.get(reverse("resend_confirmation")).status_code == 405


def test_resending_needs_a_login(client: Client) -> None:
    response = client.post(reverse("resend_confirmation"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not mail.outbox


def test_a_failing_mail_server_loses_nothing(client: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import smtplib

    def refuse(*args: object, **kwargs: object) -> None:
        raise smtplib.SMTPServerDisconnected("connection refused")

    monkeypatch.setattr(email_confirmation, "send_mail", refuse)
    response = client.post(
        reverse("signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("assessments:firm_profile")
    assert "could not send the confirmation e-mail" in response.content.decode()
    user = User.objects.get(email="new@example.com")  # the account is there
    assert user.email_confirmed_at is None and user.email_confirmation_sent_at is None
    monkeypatch.undo()
    response = client.post(reverse("resend_confirmation"))  # the button works at once
    assert response.status_code == 302
    assert len(mail.outbox) == 1
