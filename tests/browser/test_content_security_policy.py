"""Every page type under the site's strict Content Security Policy, in a real browser: no
violation is reported (the browser logs each one as a console error, and fires
``securitypolicyviolation``, which the page records)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments import agency_services
from assessments.demo import DEMO_AGENCY_EMAIL, DEMO_EMAIL, DEMO_PASSWORD
from assessments.models import AgencyConsent, Assessment, Firm, Membership
from questionnaires.services import questionnaire_version_load
from tests.conftest import SMALL_QUESTIONNAIRE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.sourceFile + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def visit(page: Any, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    if page.locator(".chart-canvas").count():
        page.wait_for_function("document.querySelectorAll('.chart-canvas.is-charted').length > 0")
    return page.evaluate("window.__cspViolations")


@pytest.fixture
def demo(live_server: Any) -> dict[str, Any]:
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


def test_no_page_type_violates_the_policy(demo: dict[str, Any], browser: Any) -> None:
    base = demo["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    found: dict[str, list[str]] = {}
    for path in ("/", "/methodology/", "/policy-examples/", "/privacy/", "/accounts/login/", "/accounts/signup/"):
        found[path] = visit(page, base + path)
    log_in(page, base, DEMO_EMAIL)
    for path in (
        "/app/",
        "/app/firm/",
        f"/app/assessments/{demo['draft']}/skills/",
        f"/app/assessments/{demo['draft']}/review/",
        f"/app/assessments/{demo['submitted']}/results/",
        "/app/sharing/",
        "/app/my-data/",
        f"/app/invitations/{demo['code']}/",
    ):
        found[path] = visit(page, base + path)
    context.clear_cookies()
    log_in(page, base, DEMO_AGENCY_EMAIL)
    agency = demo["agency"]
    for path in (
        f"/app/agency/{agency}/",
        f"/app/agency/{agency}/clients/{demo['client']}/",
        f"/app/agency/{agency}/assessments/{demo['client_assessment']}/results/",
    ):
        found[path] = visit(page, base + path)
    context.close()
    assert {path: v for path, v in found.items() if v} == {}
    assert [line for line in console if "Content Security Policy" in line] == []
