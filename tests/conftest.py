from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from assessments.models import Assessment, Firm
from assessments.services import assessment_start
from questionnaires.models import QuestionnaireVersion
from questionnaires.rendering import clear_fragment_cache
from questionnaires.selectors import clear_version_content_cache
from questionnaires.services import questionnaire_version_load
from readiness.models import User
from tests.factories import FirmFactory, UserFactory
from tests.helpers import SMALL_QUESTIONNAIRE, answer_everything


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2 is slow by design; tests only need passwords to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Built PDFs and ZIPs go to each test's own folder, never into the checkout.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_content_caches() -> Iterator[None]:
    # Each test database starts ids afresh: never serve content cached by another test.
    cache.clear()
    clear_version_content_cache()
    clear_fragment_cache()
    yield
    clear_version_content_cache()
    clear_fragment_cache()


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    # A request in French leaves French active in this thread (as the next request of a real
    # worker would reset it): code called directly by the next test must start in English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def version(db: None) -> QuestionnaireVersion:
    """The small test questionnaire, published: 5 pillars x 3 questions."""
    return questionnaire_version_load(path=SMALL_QUESTIONNAIRE).version


@pytest.fixture
def owner(db: None) -> User:
    return UserFactory(email="owner@example.com")


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(email="outsider@example.com")


@pytest.fixture
def firm(owner: User) -> Firm:
    return FirmFactory(owner=owner)


@pytest.fixture
def draft(firm: Firm, owner: User, version: QuestionnaireVersion) -> Assessment:
    return assessment_start(firm=firm, user=owner)


@pytest.fixture
def submitted(draft: Assessment, owner_client: Client) -> Assessment:
    """The owner's draft, every page answered through the views (best answers), then submitted."""
    from django.urls import reverse

    answer_everything(owner_client, draft)
    owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
    draft.refresh_from_db()
    return draft


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def owner_client(owner: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(owner)


@pytest.fixture
def outsider_client(outsider: User, client_for: Callable[[User], Client]) -> Client:
    # An outsider with a firm of its own: access must depend on the firm, not on having one.
    FirmFactory(owner=outsider, name="Outsider Ltd")
    return client_for(outsider)
