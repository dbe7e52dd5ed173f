"""The agency journey in a real browser: an advisor invites a firm by e-mail, the firm consents
and appears on the dashboard, the advisor drills down and exports the portfolio, the firm stops
sharing and disappears."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail

from assessments.agencies.demo import DEMO_AGENCY_EMAIL
from assessments.demo import DEMO_PASSWORD
from questionnaires.models import QuestionnaireVersion
from tests.factories import FirmFactory, UserFactory
from tests.helpers import log_in, submitted_with_scores

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invite_consent_dashboard_export_revoke(demo: dict[str, Any], browser: Any) -> None:
    base, agency = demo["base"], demo["agency"]
    owner = UserFactory(email="baker@example.com", password=DEMO_PASSWORD)
    firm = FirmFactory(owner=owner, name="Invited Bakery Ltd")
    submitted_with_scores(firm, QuestionnaireVersion.objects.get(), 61.0)
    dashboard = f"{base}/app/agency/{agency}/"

    advisor_context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    advisor = advisor_context.new_page()
    errors: list[str] = []
    advisor.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(advisor, base, DEMO_AGENCY_EMAIL)
    advisor.goto(dashboard)
    assert "Invited Bakery Ltd" not in advisor.content()
    invite = advisor.locator(f"form[action$='/agency/{agency}/invite/client/']")
    invite.locator("input[name=email]").fill("baker@example.com")
    invite.locator("button[type=submit]").click()
    assert "baker@example.com" in advisor.locator("main").inner_text()  # the confirmation names the address
    link = re.search(r"https?://\S+/app/invitations/\S+/", mail.outbox[-1].body)
    assert link and mail.outbox[-1].to == ["baker@example.com"]

    # The firm, on a phone: opens the link, reads what is shared, and consents.
    firm_context = browser.new_context(viewport={"width": 390, "height": 800})
    owner_page = firm_context.new_page()
    owner_page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(owner_page, base, "baker@example.com")
    owner_page.goto(base + urlsplit(link.group(0)).path)  # the link names the site's public host
    owner_page.locator("#consent").check()
    owner_page.get_by_role("button", name="Share our results").click()
    assert "Invited Bakery Ltd" in owner_page.content()

    # On the dashboard, with its score; the drill-down shows its assessments and results.
    advisor.goto(dashboard + "?sort=name")
    row = advisor.locator("tr", has_text="Invited Bakery Ltd")
    assert "61.0" in row.inner_text()
    row.get_by_role("link", name="Invited Bakery Ltd").click()
    assert "Invited Bakery Ltd" in advisor.locator("h1").inner_text()
    assert "Intermediate" in advisor.locator("main table").inner_text()  # the level as people read it
    advisor.get_by_role("link", name="Results").first.click()
    assert "Invited Bakery Ltd" in advisor.locator("h1").inner_text()

    # The CSV export holds the firm.
    advisor.goto(dashboard)
    with advisor.expect_download() as download:
        advisor.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported_file:
        rows = list(csv.DictReader(io.StringIO(exported_file.read())))
    exported = [r for r in rows if "Invited Bakery Ltd" in r.values()]
    assert len(exported) == 1

    # The firm stops sharing, after a confirmation; it is gone from the dashboard at once.
    owner_page.goto(base + "/app/sharing/")
    owner_page.get_by_role("link", name="Stop sharing").first.click()
    owner_page.get_by_role("button", name="Stop sharing").click()
    assert "Stopped on" in owner_page.locator("main").inner_text()
    advisor.goto(dashboard + "?sort=name")
    assert "Invited Bakery Ltd" not in advisor.locator("main").inner_text()
    assert errors == []
    response = advisor.goto(f"{dashboard}clients/{firm.pk}/")
    assert response is not None and response.status == 404
    advisor_context.close()
    firm_context.close()
