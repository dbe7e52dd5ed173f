"""Sessions read with their user in one query, without weakening any of Django's checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from readiness.models import Session, User
from readiness.sessions import SessionStore
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": user.email, "password": PASSWORD}).status_code == 302
    return client


def page_url(assessment: Assessment) -> str:
    return reverse("assessments:pillar", kwargs={"assessment_id": assessment.pk, "pillar_code": "skills"})


def test_the_questionnaire_page_takes_two_queries(draft: Assessment, owner: User, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(owner)
    client.get(page_url(draft))
    # 1: the session with its user, 2: the assessment with its answers (access checked in it).
    with django_assert_num_queries(2):
        assert client.get(page_url(draft)).status_code == 200


def test_a_session_records_its_user_and_ends_with_it(owner: User) -> None:
    logged_in(owner)
    assert Session.objects.filter(user=owner).count() == 1
    owner.delete()
    assert not Session.objects.exists()


def test_a_deactivated_user_is_logged_out(draft: Assessment, owner: User) -> None:
    client = logged_in(owner)
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert client.get(page_url(draft)).status_code == 302


def test_changing_the_password_ends_other_sessions(draft: Assessment, owner: User) -> None:
    client = logged_in(owner)
    owner.set_password("another long passphrase 9")
    owner.save()
    assert client.get(page_url(draft)).status_code == 302


def test_logging_out_ends_the_session(draft: Assessment, owner: User) -> None:
    client = logged_in(owner)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(page_url(draft)).status_code == 302


def test_a_tampered_session_cookie_is_anonymous(draft: Assessment) -> None:
    client = Client()
    client.cookies["sessionid"] = "x" * 32
    assert client.get(page_url(draft)).status_code == 302
    client.cookies["sessionid"] = "'; DROP TABLE readiness_session; --"
    assert client.get(page_url(draft)).status_code == 302


def _to_login(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_expired_session_is_anonymous_and_cleared_away(draft: Assessment, owner: User) -> None:
    client, other = logged_in(owner), logged_in(owner)
    assert client.get(page_url(draft)).status_code == 200
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert _to_login(client.get(page_url(draft)))
    assert other.get(page_url(draft)).status_code == 200  # the other device's session still lives
    call_command("clearsessions")
    assert not Session.objects.filter(session_key=key).exists()
    assert Session.objects.filter(user=owner).count() == 1


def test_the_session_lasts_session_cookie_age(draft: Assessment, owner: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_COOKIE_AGE = 600
    before = timezone.now()
    client = logged_in(owner)
    cookie = client.cookies["sessionid"]
    assert int(cookie["max-age"]) == 600
    row = Session.objects.get(session_key=cookie.value)
    assert before + timedelta(seconds=600) <= row.expire_date <= timezone.now() + timedelta(seconds=600)
    assert row.user_id == owner.pk


def test_set_expiry_is_honoured_by_the_store(owner: User) -> None:
    store = SessionStore()
    store[SESSION_KEY] = str(owner.pk)
    store.set_expiry(120)
    store.save()
    row = Session.objects.get(session_key=store.session_key)
    assert timedelta(seconds=110) < row.expire_date - timezone.now() <= timedelta(seconds=120)
    assert SessionStore(store.session_key).load() == {SESSION_KEY: str(owner.pk), "_session_expiry": 120}
    store.set_expiry(timezone.now() - timedelta(seconds=1))  # already over
    store.save()
    reread = SessionStore(store.session_key)
    assert reread.load() == {} and reread.prefetched_user is None
    # A new key is made for whoever comes with the old one: the expired data never comes back.
    assert reread.session_key is None
