from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.models import AgencyConsent
from assessments.demo import DEMO_EMAIL
from assessments.models import Assessment, Firm, Membership
from questionnaires.services import questionnaire_version_load
from tests.helpers import SMALL_QUESTIONNAIRE

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the
# tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_executable() -> str | None:
    """The system Chromium (Debian); None lets Playwright use its own build (Ubuntu)."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def demo(live_server: Any) -> dict[str, Any]:
    """A site with the small questionnaire and 30 demo firms; ids of one of each page's objects."""
    version = questionnaire_version_load(path=SMALL_QUESTIONNAIRE).version
    call_command("generate_demo_data", "--firms", "30", verbosity=0)
    owner_firm = Firm.objects.get(memberships__user__email=DEMO_EMAIL)
    submitted = Assessment.objects.filter(firm=owner_firm, status="submitted").first()
    member = Membership.objects.get(firm=owner_firm)
    draft = Assessment.objects.create(firm=owner_firm, version=version, created_by=member.user)
    consent = AgencyConsent.objects.filter(revoked_at=None).select_related("agency").first()
    client = consent.firm
    client_assessment = Assessment.objects.filter(firm=client, status="submitted").first()
    code = agency_services.client_code_create(agency=consent.agency, created_by=member.user, label="").secret
    return {
        "base": live_server.url,
        "submitted": submitted.pk,
        "draft": draft.pk,
        "agency": consent.agency_id,
        "client": client.pk,
        "client_assessment": client_assessment.pk,
        "code": code,
        "now": timezone.now(),
    }
