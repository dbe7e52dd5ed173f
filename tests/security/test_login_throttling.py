"""Login throttling (django-axes): five failures lock that account from that address for a
while; the right password does not get through the lock, other people are not locked out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from readiness.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LIMIT = 5


@pytest.fixture
def user(db: None) -> User:
    return UserFactory(email="owner@example.com")


def attempt(client: Client, email: str, password: str, ip: str = "203.0.113.7"):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def fail(client: Client, email: str, times: int, ip: str = "203.0.113.7") -> None:
    for _ in range(times):
        attempt(client, email, "wrong password", ip)


def test_a_wrong_password_is_a_form_error_until_the_limit(client: Client, user: User) -> None:
    response = attempt(client, user.email, "wrong password")
    assert response.status_code == 200 and "correct" in response.content.decode()


def test_after_five_failures_even_the_right_password_is_refused(client: Client, user: User) -> None:
    fail(client, user.email, LIMIT)
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_counts_the_address_in_any_letter_case(client: Client, user: User) -> None:
    fail(client, "OWNER@example.com", LIMIT)
    assert attempt(client, user.email, PASSWORD).status_code == 429


def test_other_addresses_and_other_accounts_are_not_locked(client: Client, user: User) -> None:
    other = UserFactory(email="colleague@example.com")
    fail(client, user.email, LIMIT)
    assert attempt(Client(), user.email, PASSWORD, ip="198.51.100.4").status_code == 302  # the owner, elsewhere
    assert attempt(Client(), other.email, PASSWORD).status_code == 302  # a colleague, same office


def test_the_lock_ends_after_the_cool_off(client: Client, user: User) -> None:
    from axes.models import AccessAttempt

    fail(client, user.email, LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_a_success_clears_the_count(client: Client, user: User) -> None:
    fail(client, user.email, LIMIT - 1)
    assert attempt(Client(), user.email, PASSWORD).status_code == 302
    fail(client, user.email, LIMIT - 1)
    assert attempt(Client(), user.email, PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client: Client, user: User) -> None:
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": user.email, "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    response = client.post("/admin/login/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429


def test_behind_the_proxy_the_address_it_saw_counts_not_a_forged_one(client: Client, user: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxy = "10.0.0.2"
    for _ in range(LIMIT):  # an attacker at 198.51.100.9 varying the part of the header it controls
        client.post(
            reverse("login"),
            {"username": user.email, "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"1.2.3.{_}, 198.51.100.9",
        )
    locked = Client().post(
        reverse("login"),
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert locked.status_code == 429
    owner = Client().post(
        reverse("login"),
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert owner.status_code == 302  # the owner, behind the same proxy, from home
