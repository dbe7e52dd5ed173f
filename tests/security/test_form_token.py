"""The questionnaire and results pages' CSRF token (``readiness.csrf.form_token``): Django's
middleware accepts it as its own, refuses a forged one, and a first visit still gets a cookie."""

from __future__ import annotations

import re

import pytest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token
from django.test import Client, RequestFactory

from assessments.models import Answer, Assessment
from readiness.csrf import form_token
from readiness.models import User
from tests.helpers import best_page, pillar_url

pytestmark = pytest.mark.django_db

SECRET = "A" * 16 + "b" * 8 + "9" * 8
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def test_the_token_unmasks_to_the_cookies_secret_with_a_fresh_mask_each_time() -> None:
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = SECRET
    tokens = {form_token(request) for _ in range(50)}
    assert len(tokens) == 50  # a new mask each time (BREACH)
    for token in tokens:
        assert len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == SECRET
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request.META  # the browser's cookie stays as it is


def test_the_mask_uses_the_whole_alphabet_evenly() -> None:
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = SECRET
    counts = dict.fromkeys(CSRF_ALLOWED_CHARS, 0)
    for _ in range(2000):
        for char in form_token(request)[:32]:
            counts[char] += 1
    # 64,000 draws over 62 characters: about 1,032 each; a biased draw would leave some far off.
    assert min(counts.values()) > 850 and max(counts.values()) < 1250


def test_a_request_without_a_cookie_gets_djangos_token_and_a_cookie() -> None:
    request = RequestFactory().get("/")
    token = form_token(request)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]


def test_the_page_token_is_accepted_and_a_forged_one_refused(owner: User, draft: Assessment) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    url = pillar_url(draft, "skills")
    first = client.get(url)  # no CSRF cookie yet: Django's path sets one
    assert first.status_code == 200 and "csrftoken" in first.cookies
    page = client.get(url)  # with the cookie: our token
    assert page.status_code == 200
    token = TOKEN.search(page.content.decode()).group(1)
    forged = form_token_for_other_secret()
    refused = client.post(url, {**best_page("skills"), "action": "stay", "csrfmiddlewaretoken": forged})
    assert refused.status_code == 403
    assert not Answer.objects.filter(assessment=draft).exists()
    saved = client.post(url, {**best_page("skills"), "action": "stay", "csrfmiddlewaretoken": token})
    assert saved.status_code == 302 and saved["Location"] == url
    assert Answer.objects.filter(assessment=draft).count() == 3


def form_token_for_other_secret() -> str:
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = SECRET
    return form_token(request)
