"""Sessions read with their user in one query, without weakening any of Django's checks."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from readiness.models import Session, User
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
