"""The whole firm journey in a real browser: sign up, profile, every pillar, resume, submit, scores."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from assessments.models import Assessment
from assessments.peer_statistics import peer_statistics_refresh
from questionnaires.actions import action_set_load
from questionnaires.policies import policy_examples_load
from questionnaires.services import questionnaire_version_load
from tests.factories import PASSWORD, FirmFactory
from tests.helpers import CONTENT, CURRENT_QUESTIONNAIRE, run_worker, submitted_with_scores

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answer_page(page: Any, best: bool) -> int:
    """Pick the best (or the worst) described answer of every question on the page."""
    fieldsets = page.locator("fieldset.question")
    for i in range(fieldsets.count()):
        regular = fieldsets.nth(i).locator("input:not([data-special])")
        if regular.first.get_attribute("type") == "radio":
            # Ladders run from worst to best.
            (regular.last if best else regular.first).check()
        elif best:
            for j in range(regular.count()):
                regular.nth(j).check()
        else:
            fieldsets.nth(i).locator("input[value=none_of_these]").check()
    return fieldsets.count()


def sign_up_with_profile(page: Any, email: str, firm: str, country: str, create_account: str) -> None:
    """From the sign-up page: an account, then the profile of a micro manufacturer that consents
    to benchmarks. ``create_account`` is the button's name in the page's language."""
    page.locator("#id_email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name=create_account).click()
    page.locator("#id_name").fill(firm)
    page.locator("#id_country").select_option(country)
    page.locator("#id_sector").select_option("C")
    page.locator("#id_size_class").select_option("micro")
    page.locator("input[name=benchmark_consent][value=yes]").check()
    page.locator("main form [type=submit]").click()


def assert_charts_drawn(page: Any) -> None:
    """The results page's peer charts (radar, percentile, quartiles) are there and drawn."""
    assert page.locator(".chart-canvas").count() >= 3, page.locator("main").inner_text()[:2000]
    page.locator(".chart-canvas:not(.is-charted)").first.wait_for(state="detached", timeout=15_000)


def platform_with_peers() -> None:
    """The current content, and a dozen firms that submitted already: enough for peer charts."""
    version = questionnaire_version_load(path=CURRENT_QUESTIONNAIRE).version
    policy_examples_load(path=CONTENT / "policy-examples-2026.1.yaml")
    action_set_load(path=CONTENT / "actions-2026.2.yaml")
    for i in range(12):
        submitted_with_scores(FirmFactory(), version, 30.0 + 4 * i)
    peer_statistics_refresh(includes_demo=False)


def test_sign_up_to_scores(live_server: Any, page: Any, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    platform_with_peers()
    base = live_server.url

    page.goto(base + "/")
    page.get_by_role("link", name="Start the assessment").first.click()
    sign_up_with_profile(page, "journey@example.com", "Journey Bakery", "PT", "Create account")
    page.get_by_role("button", name="Start the assessment").click()

    # Pillars 1-3 now, with the best answers; then leave.
    for expected in ("Digital skills", "Data access and use", "Cybersecurity"):
        assert page.locator("h1").inner_text() == expected
        assert answer_page(page, best=True) >= 8
        page.get_by_role("button", name=re.compile("Save and continue")).click()
    assert "Page 4 of 5" in page.content()
    page.get_by_role("button", name="Log out").click()

    # Back another day: log in, continue where we stopped.
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill("journey@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert re.search(r"\b(2[0-9]|30) of 49 questions answered", page.content())
    page.get_by_role("button", name="Continue the assessment").click()
    page.get_by_role("button", name="4. AI adoption").click()
    answer_page(page, best=False)
    page.get_by_role("button", name=re.compile("Save and continue")).click()

    # The review lists what is still missing: the green pillar.
    page.get_by_role("button", name="Review", exact=True).click()
    assert "questions still need an answer" in page.content()
    assert page.get_by_role("button", name="Submit the assessment").is_disabled()
    page.get_by_role("link", name="Green transition").first.click()
    answer_page(page, best=True)
    page.get_by_role("button", name=re.compile("Save and review")).click()

    page.get_by_role("button", name="Submit the assessment").click()
    page.wait_for_load_state("load")  # plotly.js too: a download started earlier would abort it
    assert "Results for Journey Bakery" in page.locator("h1").inner_text()
    assert_charts_drawn(page)
    assessment = Assessment.objects.get(firm__name="Journey Bakery")
    assert assessment.is_submitted
    # Four pillars at 100, AI at 0 (worst answers everywhere) -> 80.0, Leading
    assert assessment.overall_score == 80.0
    body = page.locator("main").inner_text()
    assert "80.0" in body and "Leading" in body and "Beginner" in body
    for pillar in ("Digital skills", "Data access and use", "Cybersecurity", "AI adoption", "Green transition"):
        assert pillar in body
    # The AI pillar (all worst answers) leads the priorities; the plan downloads as a PDF.
    priorities = page.locator("#priorities + p + ol").inner_text()
    assert "AI adoption" in priorities
    # No worker runs beside the test server: once the build has waited longer than the
    # patience, the progress page's next check builds it in the request.
    settings.PLAN_WORKER_PATIENCE = 1
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("link", name="Download the action plan (PDF)").click()
    assert re.fullmatch(r"readiness-action-plan-journey-bakery-[0-9-]{10}\.pdf", download.value.suggested_filename)
    pdftotext = [shutil.which("pdftotext") or "pdftotext", download.value.path(), "-"]
    text = subprocess.run(pdftotext, capture_output=True, check=True).stdout.decode()  # noqa: S603 - fixed tool
    assert "Journey Bakery" in text and "AI adoption" in text

    # A re-assessment starts pre-filled from this one.
    page.get_by_role("link", name="My assessments", exact=True).click()
    page.get_by_role("button", name="Start a new assessment").click()
    assert page.locator("h1").inner_text() == "Digital skills"
    assert "come from your last assessment" in page.content()
    assert Assessment.objects.filter(status="draft", prefilled_from=assessment).exists()
    assert page.console_errors == []


def test_the_journey_in_french(live_server: Any, page: Any, settings: Any, tmp_path: Path) -> None:
    """Sign up to the PDF and a re-assessment, in French: the interface and the content."""
    settings.MEDIA_ROOT = tmp_path / "media"
    platform_with_peers()
    base = live_server.url

    page.goto(base + "/")
    page.locator("form.language-switcher button[value=fr]").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name="Commencer l'évaluation").first.click()
    sign_up_with_profile(page, "boulangerie@example.com", "Boulangerie Dupont", "FR", "Créer un compte")
    page.get_by_role("button", name="Commencer l'évaluation").click()

    titles = ["Compétences numériques", "Accès aux données et usage", "Cybersécurité", "Adoption de l'IA"]
    for expected in [*titles, "Transition écologique"]:
        assert page.locator("h1").inner_text() == expected
        assert "Je ne sais pas" in page.locator("main").inner_text()
        answer_page(page, best=expected != "Adoption de l'IA")
        page.locator("#pillar-form .sticky-actions button.btn-brand").click()
    assert "/review/" in page.url
    page.get_by_role("button", name="Soumettre l'évaluation").click()
    page.wait_for_load_state("load")

    assert "Résultats" in page.locator("h1").inner_text()
    body = page.locator("main").inner_text()
    assert "80,0" in body and "Pionnier" in body and "Débutant" in body  # the French decimal comma
    assert_charts_drawn(page)
    # The worker has not built the plan yet: the progress page shows; then the worker (played
    # here) builds it, and the page's script notices and fetches the file.
    with page.expect_download(timeout=30_000) as download:
        page.locator("a[href$='action-plan.pdf']").first.click()
        page.wait_for_selector("[data-plan-pending]")
        assert "Préparation de votre plan d'action" in page.locator("h1").inner_text()
        run_worker()
    pdftotext = [shutil.which("pdftotext") or "pdftotext", download.value.path(), "-"]
    text = subprocess.run(pdftotext, capture_output=True, check=True).stdout.decode()  # noqa: S603 - fixed tool
    assert "Boulangerie Dupont" in text and "Adoption de l'IA" in text and "Plan d" in text
    assert "Digital skills" not in text

    page.get_by_role("link", name="Mes évaluations", exact=True).click()
    page.get_by_role("button", name="Commencer une nouvelle évaluation").click()
    assert page.locator("h1").inner_text() == "Compétences numériques"
    assert page.console_errors == []
