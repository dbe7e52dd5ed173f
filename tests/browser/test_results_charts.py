"""The results page in a real browser: the charts draw (no console error), and with
JavaScript off every number is still there in tables."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.peer_statistics import peer_statistics_refresh
from questionnaires.services import questionnaire_version_load
from tests.factories import PASSWORD, FirmFactory, UserFactory
from tests.helpers import SMALL_QUESTIONNAIRE, submitted_with_scores

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def results_url(live_server: Any) -> str:
    version = questionnaire_version_load(path=SMALL_QUESTIONNAIRE).version
    owner = UserFactory(email="charts@example.com")
    mine = submitted_with_scores(FirmFactory(owner=owner), version, 40.0, days_ago=200)
    mine = submitted_with_scores(mine.firm, version, 55.0)
    for i in range(12):
        submitted_with_scores(FirmFactory(), version, 30.0 + 3 * i)
    peer_statistics_refresh(includes_demo=False)
    return f"{live_server.url}/app/assessments/{mine.pk}/results/"


def test_charts_draw_without_errors(results_url: str, live_server: Any, page: Any) -> None:
    log_in(page, live_server.url, "charts@example.com")
    page.goto(results_url)
    page.wait_for_function("document.querySelectorAll('.chart-canvas .main-svg').length >= 4")
    assert page.locator(".chart-canvas.is-charted").count() == 4  # radar, percentile, quartiles, history
    assert page.console_errors == []


def test_without_javascript_the_numbers_are_in_tables(results_url: str, live_server: Any, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "charts@example.com")
    page.goto(results_url)
    peer_table = page.locator("#peer-table").inner_text()
    assert "Peer median" in peer_table and "55.0" in peer_table
    assert "40.0" in page.locator("#chart-history").locator("..").inner_text()  # the history chart's table
    assert page.locator(".chart-canvas svg").count() == 0
    context.close()
