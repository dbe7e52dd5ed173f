"""Helpers shared by several test modules and fixtures.

Test modules import from here (and from ``tests.factories``), never from one another or from a
``conftest``: a test module is a leaf of the import graph (``tests/unit/test_import_graph.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.demo import DEMO_AGENCY_EMAIL
from assessments.agencies.models import AgencyConsent
from assessments.demo import DEMO_EMAIL, DEMO_PASSWORD
from assessments.firm_summaries import firm_summaries_refresh
from assessments.models import Assessment, Firm, Membership, PillarScore
from questionnaires.models import QuestionnaireVersion
from questionnaires.selectors import version_content
from questionnaires.services import questionnaire_version_load

DATA = Path(__file__).parent / "data"
SMALL_QUESTIONNAIRE = DATA / "questionnaire-small.yaml"
CONTENT = Path(__file__).parent.parent / "questionnaires" / "content"
# Every published questionnaire version stays loadable (assessments keep theirs); tests of the
# content run over all of them. Many tests pin 2026.1, whose codes they use.
SHIPPED_QUESTIONNAIRES = ("readiness-2026.1.yaml", "readiness-2026.2.yaml")
REAL_QUESTIONNAIRE = CONTENT / "readiness-2026.1.yaml"
CURRENT_QUESTIONNAIRE = CONTENT / SHIPPED_QUESTIONNAIRES[-1]
PILLARS = ("skills", "data", "cyber", "ai", "green")
# The seed documents and Eurostat's exports, in the workspace beside the checkout, not in it.
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_folder(name: str) -> Path:
    """A folder of ``../shared``, for the tests that check the content against its sources.

    Without it the test is skipped on a developer's clone, but fails under CI (``CI=true``): a
    skip there would hide that the check never ran."""
    folder = SHARED / name
    if not folder.is_dir():
        message = f"{folder} is missing: the content's sources sit in ../shared beside the checkout"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(message + " (CI=true: a missing input fails instead of skipping)")
        pytest.skip(message)
    return folder


# --- The questionnaire, through the views -------------------------------------------------------


def pillar_url(assessment: Assessment, code: str) -> str:
    return reverse("assessments:pillar", kwargs={"assessment_id": assessment.pk, "pillar_code": code})


def best_page(code: str) -> dict[str, object]:
    """Best answers for every question of a pillar of the small questionnaire."""
    return {
        f"q-{code}.ladder": "full",
        f"q-{code}.checklist": ["alpha", "beta", "gamma"],
        f"q-{code}.machines": "yes",
    }


def answer_everything(client: Client, assessment: Assessment, page=best_page) -> None:  # type: ignore[no-untyped-def]
    for pillar in version_content(assessment.version_id).pillars:
        response = client.post(pillar_url(assessment, pillar.code), {**page(pillar.code), "action": "next"})
        assert response.status_code == 302, response.content[:500]


# --- Submitted assessments with chosen scores ----------------------------------------------------


def submitted_with_scores(
    firm: Firm,
    version: QuestionnaireVersion,
    score: float,
    days_ago: float = 1,
    cyber: float | None = None,
    *,
    now: datetime | None = None,
) -> Assessment:
    """A submitted assessment with the given scores (the scoring itself is tested elsewhere), days_ago
    before now (pass one ``now`` to several calls for periods exact to the microsecond)."""
    assessment = Assessment.objects.create(
        firm=firm,
        version=version,
        status=Assessment.Status.SUBMITTED,
        submitted_at=(now or timezone.now()) - timedelta(days=days_ago),
        overall_score=score,
        overall_level="intermediate",
        method_version="1.0",
    )
    PillarScore.objects.bulk_create(
        PillarScore(
            assessment=assessment,
            pillar_code=code,
            score=score,
            total=3,
            answered=3,
            applicable=3,
        )
        for code in PILLARS
    )
    firm_summaries_refresh([firm.pk])  # as the submit service does
    return assessment


# --- PDFs ----------------------------------------------------------------------------------------


def poppler(tool: str, *args: str, data: bytes) -> str:
    """Run a poppler-utils tool (installed by the test setup) on a PDF given on stdin."""
    executable = shutil.which(tool)
    assert executable, f"{tool} is missing: install poppler-utils"
    done = subprocess.run([executable, *args], input=data, capture_output=True, check=True)  # noqa: S603 - fixed tools
    return done.stdout.decode()


def pdf_text(data: bytes) -> str:
    return poppler("pdftotext", "-layout", "-", "-", data=data)


# --- Every page type of the site -----------------------------------------------------------------


def demo_site() -> dict[str, Any]:
    """The small questionnaire and 30 demo firms (with the demo agency): ids of one of each
    page's objects, for ``page_types``. Needs the database."""
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
        "submitted": submitted.pk,
        "draft": draft.pk,
        "agency": consent.agency_id,
        "client": client.pk,
        "client_assessment": client_assessment.pk,
        "code": code,
        "now": timezone.now(),
    }


# --- In a real browser ---------------------------------------------------------------------------


def open_page(page: Any, url: str, status: int = 200) -> None:
    """Go to ``url`` and wait for it to be drawn (charts included), after checking that the
    page itself answered ``status`` (200; 202 for a progress page) at that very URL: a 404, a 500
    or a redirect to the login page would otherwise pass every check made on the page."""
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)
    assert page.url == url, (url, page.url)
    page.wait_for_load_state("load")
    if page.locator(".chart-canvas").count():
        page.wait_for_function("document.querySelectorAll('.chart-canvas.is-charted').length > 0")


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def pending_page_types(demo: dict[str, Any]) -> list[tuple[str | None, list[str]]]:
    """The pages that answer 202 while the worker prepares a file, as ``page_types``: the action
    plan's progress page. It stays one while no worker runs and ``PLAN_WORKER_PATIENCE`` has not
    passed since the build was queued (after that the request builds the file itself)."""
    return [(DEMO_EMAIL, [f"/app/assessments/{demo['submitted']}/action-plan.pdf"])]


def page_types(demo: dict[str, Any]) -> list[tuple[str | None, list[str]]]:
    """Every page type of the site, by who sees it (None: anonymous), with the demo's ids."""
    agency, draft = demo["agency"], demo["draft"]
    return [
        (None, ["/", "/methodology/", "/policy-examples/", "/privacy/", "/accounts/login/", "/accounts/signup/"]),
        (
            DEMO_EMAIL,
            [
                "/app/",
                "/app/firm/",
                *(f"/app/assessments/{draft}/{pillar}/" for pillar in PILLARS),
                f"/app/assessments/{draft}/review/",
                f"/app/assessments/{demo['submitted']}/results/",
                "/app/sharing/",
                "/app/my-data/",
                f"/app/invitations/{demo['code']}/",
            ],
        ),
        (
            DEMO_AGENCY_EMAIL,
            [
                f"/app/agency/{agency}/",
                f"/app/agency/{agency}/clients/{demo['client']}/",
                f"/app/agency/{agency}/assessments/{demo['client_assessment']}/results/",
                f"/app/agency/{agency}/impact/",
                f"/app/agency/{agency}/api/",
            ],
        ),
    ]


def run_worker() -> None:
    """What the background worker (``db_worker``) would do now: every queued job, in order.

    The worker closes database connections it finds outside autocommit, as the test's own is
    (its transaction): on PostgreSQL the test would lose its connection, so not here."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def download_action_plan(client: Client, url: str) -> Any:
    """GET a PDF action plan as a person would: the progress page first if the worker has not
    built it yet, then (the worker having run) the file. Returns the final response."""
    response = client.get(url)
    if response.status_code == 202:
        assert b"Preparing your action plan" in response.content or b"data-plan-pending" in response.content
        run_worker()
        response = client.get(url)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/pdf"
    return response
