"""Login throttling (django-axes): five failures lock that account from that address for a
while; the right password does not get through the lock, other people are not locked out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from readiness.backends import client_ip
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
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
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


def test_a_client_that_is_not_the_proxy_cannot_choose_its_address(client: Client, user: User, settings) -> None:  # type: ignore[no-untyped-def]
    """Only the configured proxy is believed: an attacker reaching the app directly and writing a
    new X-Forwarded-For on each attempt still counts as itself, and is locked."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    for n in range(LIMIT):
        client.post(
            reverse("login"),
            {"username": user.email, "password": "wrong"},
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    again = Client().post(
        reverse("login"),
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.9",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert again.status_code == 429


def test_a_chain_of_proxies_is_walked_to_the_first_address_that_is_not_one(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "172.16.0.0/12"]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="172.17.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.0.0.7"
    )
    assert client_ip(request) == "198.51.100.9"
    settings.TRUSTED_PROXIES = []  # not behind a proxy: the header means nothing
    assert client_ip(request) == "172.17.0.1"


def test_an_ipv6_client_counts_by_its_64_block(client: Client, user: User) -> None:
    """Stepping through the addresses of one's own /64 does not reset the count."""
    for n in range(LIMIT):
        client.post(
            reverse("login"), {"username": user.email, "password": "wrong"}, REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}"
        )
    same_block = Client().post(
        reverse("login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="2001:db8:1:2:ffff::1"
    )
    assert same_block.status_code == 429
    other_block = Client().post(
        reverse("login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="2001:db8:1:3::1"
    )
    assert other_block.status_code == 302
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="::ffff:198.51.100.9")) == "198.51.100.9"


class TestTheCeilingPerAccount:
    """Many addresses do not buy many guesses: at most AXES_ACCOUNT_FAILURE_CEILING failures on one
    account from all addresses together, then even the right password waits."""

    def test_guesses_spread_over_many_addresses_stop_at_the_ceiling(self, client: Client, user: User, settings) -> None:  # type: ignore[no-untyped-def]
        assert settings.AXES_ACCOUNT_FAILURE_CEILING == 20
        for n in range(5):  # four failures from each of five addresses: no pair reaches five
            fail(client, user.email, 4, ip=f"198.51.100.{n + 1}")
        response = attempt(client, user.email, PASSWORD, ip="192.0.2.99")  # a new address, the right password
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_an_ipv6_attacker_rotating_through_its_64s_is_stopped_too(self, client: Client, user: User) -> None:
        for n in range(20):
            fail(client, user.email, 1, ip=f"2001:db8:{n:x}::1")
        assert attempt(client, user.email, PASSWORD, ip="2001:db8:ffff::1").status_code == 429

    def test_below_the_ceiling_the_right_password_gets_in(self, client: Client, user: User) -> None:
        for n in range(4):
            fail(client, user.email, 4, ip=f"198.51.100.{n + 1}")  # 16 failures
        response = attempt(client, user.email, PASSWORD, ip="192.0.2.99")
        assert response.status_code == 302

    def test_other_accounts_are_not_affected(self, client: Client, user: User) -> None:
        other = UserFactory(email="other@example.com")
        for n in range(5):
            fail(client, user.email, 4, ip=f"198.51.100.{n + 1}")
        assert attempt(client, other.email, PASSWORD, ip="198.51.100.1").status_code == 302

    def test_the_ceiling_lifts_after_the_cool_off(self, client: Client, user: User) -> None:
        from axes.models import AccessAttempt

        for n in range(5):
            fail(client, user.email, 4, ip=f"198.51.100.{n + 1}")
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
        assert attempt(client, user.email, PASSWORD, ip="192.0.2.99").status_code == 302
