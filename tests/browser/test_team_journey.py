"""A team round in a real browser: the owner invites two colleagues, all three answer on their own,
the owner closes the round, agrees on the answers, submits, and the results show where the team
disagreed."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from assessments.models import Assessment, Respondent
from questionnaires.actions import action_set_load
from questionnaires.policies import policy_examples_load
from questionnaires.services import questionnaire_version_load
from tests.factories import PASSWORD, FirmFactory, UserFactory
from tests.helpers import DATA, PILLARS, SMALL_QUESTIONNAIRE, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER, IT, MANAGER = "owner@example.com", "it@example.com", "manager@example.com"
# For a human to look at (not asserted): the consolidation page, the results' team section.
SCREENSHOTS = Path(tempfile.gettempdir())


@contextmanager
def another_browser(browser: Any) -> Iterator[Any]:
    """A page in a context of its own (a colleague's own browser), recording console errors like
    the ``page`` fixture."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    try:
        yield page
    finally:
        context.close()


def click_to(page: Any, target: Any, url: str) -> None:
    """Click ``target`` and check that the page it leads to (after any redirect) answered 200 at
    ``url``: a 404 or a redirect elsewhere would otherwise pass every later check."""
    with page.expect_navigation() as navigation:
        target.click()
    response = navigation.value
    assert response is not None and response.status == 200, (url, response and response.status)
    assert page.url == url, (url, page.url)
    page.wait_for_load_state("load")


def log_in_form(page: Any, email: str, lands_on: str) -> None:
    """Fill the login page already open (with this factory's password) and land on ``lands_on``."""
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    click_to(page, page.get_by_role("button", name="Log in"), lands_on)


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


def save_page(page: Any, url: str) -> None:
    """The page's main button: "Save and continue" or, on the last page, "Save and review"."""
    click_to(page, page.locator("#pillar-form .sticky-actions button.btn-brand"), url)


def answer_every_page(page: Any, base: str, email: str, home: str, worst: Collection[str] = ()) -> None:
    """From the first page, every page in turn: the best answers, the worst on the ``worst`` pages."""
    for pillar, following in zip(PILLARS, (*PILLARS[1:], None), strict=True):
        assert answer_page(page, best=pillar not in worst) == 3
        save_page(page, respondent_url(base, email, following) if following else home)


def invite(page: Any, base: str, team_url: str, email: str, role: str, pages: list[str]) -> str:
    """Invites through the form of the round's page; returns the link of the e-mail sent."""
    sent = len(mail.outbox)
    page.locator("#id_email").fill(email)
    page.locator("#id_role").select_option(role)
    for title in pages:
        page.get_by_label(title, exact=True).check()
    click_to(page, page.get_by_role("button", name="Send the invitation"), team_url)
    assert f"Invitation sent to {email}." in page.locator("main").inner_text()
    # The live server runs in this process: its locmem outbox is this one.
    assert len(mail.outbox) == sent + 1 and mail.outbox[-1].to == [email]
    match = re.search(r"(https?://\S+)(/app/team/join/[^/\s]+/)", mail.outbox[-1].body)
    assert match and match.group(1) == base, mail.outbox[-1].body
    return base + match.group(2)


def respondent_url(base: str, email: str, pillar: str | None = None) -> str:
    respondent = Respondent.objects.get(email=email)
    if pillar is None:
        return base + reverse("assessments:respondent_home", kwargs={"respondent_id": respondent.pk})
    return base + reverse(
        "assessments:respondent_pillar", kwargs={"respondent_id": respondent.pk, "pillar_code": pillar}
    )


def accept(page: Any, base: str, email: str) -> str:
    """On the invitation's page, signed in: accept; returns the respondent's overview URL."""
    respondent = Respondent.objects.get(email=email)
    home = base + reverse("assessments:respondent_home", kwargs={"respondent_id": respondent.pk})
    click_to(page, page.get_by_role("button", name="Accept and start answering"), home)
    assert "Welcome to the team assessment of Team Bakery." in page.locator("main").inner_text()
    return home


def finish(page: Any, home: str) -> None:
    click_to(page, page.get_by_role("button", name="I have finished answering"), home)
    assert "Thank you: the owner sees that you are done." in page.locator("main").inner_text()


def test_a_team_round_from_invitations_to_the_disagreements_in_the_results(
    live_server: Any, page: Any, browser: Any
) -> None:
    questionnaire_version_load(path=SMALL_QUESTIONNAIRE)
    policy_examples_load(path=DATA / "policy-examples-small.yaml")
    action_set_load(path=DATA / "actions-small.yaml")
    owner = UserFactory(email=OWNER)
    FirmFactory(owner=owner, name="Team Bakery")
    UserFactory(email=IT)
    UserFactory(email=MANAGER)
    base = live_server.url
    dashboard = base + reverse("assessments:dashboard")

    # The owner starts an assessment, then a team round from the dashboard.
    open_page(page, base + "/accounts/login/")
    log_in_form(page, OWNER, dashboard)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Start the assessment").click()
    assert navigation.value is not None and navigation.value.status == 200
    assessment = Assessment.objects.get(firm__name="Team Bakery")

    def url(name: str) -> str:
        return base + reverse(f"assessments:{name}", kwargs={"assessment_id": assessment.pk})

    assert page.url == base + reverse(
        "assessments:pillar", kwargs={"assessment_id": assessment.pk, "pillar_code": "skills"}
    )
    assert page.locator("h1").inner_text() == "Digital skills"
    click_to(page, page.get_by_role("link", name="My assessments", exact=True), dashboard)
    click_to(page, page.get_by_role("link", name="Answer as a team"), url("team"))
    click_to(page, page.get_by_role("button", name="Start a team round"), url("team"))
    assert "The round is open: invite your colleagues below." in page.locator("main").inner_text()

    # Two colleagues: IT for the cyber and data pages, the manager for every page.
    it_link = invite(page, base, url("team"), IT, "it", ["Cybersecurity", "Data access and use"])
    manager_link = invite(page, base, url("team"), MANAGER, "manager", [])
    table = page.locator("main table").inner_text()
    assert "Data access and use, Cybersecurity" in table and "All pages" in table
    assert table.count("Invited") == 2

    # IT, in a browser of their own, opens the link signed out: log in, back to the invitation.
    with another_browser(browser) as it_page:
        open_page(it_page, it_link)
        assert "Answer Team Bakery's digital readiness assessment" in it_page.locator("h1").inner_text()
        login = base + "/accounts/login/?next=" + it_link.removeprefix(base)
        click_to(it_page, it_page.locator("main").get_by_role("link", name="Log in"), login)
        log_in_form(it_page, IT, it_link)
        it_home = accept(it_page, base, IT)
        assert [it_page.locator("main li a").nth(i).inner_text() for i in range(2)] == [
            "Data access and use",
            "Cybersecurity",
        ]
        # Data: the best answers, but "Don't know" on the ladder; cyber: the worst answers.
        click_to(it_page, it_page.get_by_role("link", name="Data access and use"), respondent_url(base, IT, "data"))
        assert "Nobody sees your answers until the round is closed" in it_page.locator("main").inner_text()
        answer_page(it_page, best=True)
        it_page.locator("input[name='q-data.ladder'][value=dont_know]").check()
        save_page(it_page, respondent_url(base, IT, "cyber"))
        answer_page(it_page, best=False)
        save_page(it_page, it_home)  # the last page asked leads back to the overview
        assert it_page.locator("main").inner_text().count("3 of 3 answered") == 2
        finish(it_page, it_home)
        assert it_page.console_errors == []

    # The manager signs in first (no firm of their own: the profile page), then opens the link.
    with another_browser(browser) as manager_page:
        open_page(manager_page, base + "/accounts/login/")
        log_in_form(manager_page, MANAGER, base + reverse("assessments:firm_profile"))
        open_page(manager_page, manager_link)
        manager_home = accept(manager_page, base, MANAGER)
        click_to(
            manager_page,
            manager_page.get_by_role("link", name="Digital skills"),
            respondent_url(base, MANAGER, "skills"),
        )
        answer_every_page(manager_page, base, MANAGER, manager_home, worst={"cyber"})
        assert manager_page.locator("main").inner_text().count("3 of 3 answered") == 5
        finish(manager_page, manager_home)
        assert manager_page.console_errors == []

    # The owner answers their own pages (the best answers), following the round's progress.
    open_page(page, url("team"))
    rows = page.locator("main table tbody tr")
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)] == ["Answering", "Done", "Done"]
    assert [rows.nth(i).locator("td").nth(2).inner_text() for i in range(3)] == ["0 / 15", "6 / 6", "15 / 15"]
    assert "Nothing yet" not in page.locator("main").inner_text()  # counts, never answers
    owner_home = respondent_url(base, OWNER)
    click_to(page, page.get_by_role("link", name="Answer your own pages"), owner_home)
    # While the round is open, the assessment's own pages lead to the owner's pages in it.
    response = page.goto(base + reverse("assessments:pillar", args=[assessment.pk, "cyber"]))
    assert response is not None and response.status == 200
    assert page.url == respondent_url(base, OWNER, "cyber")
    click_to(page, page.get_by_role("link", name="Your pages"), owner_home)
    click_to(page, page.get_by_role("link", name="Digital skills"), respondent_url(base, OWNER, "skills"))
    answer_every_page(page, base, OWNER, owner_home)
    assert page.locator("main").inner_text().count("3 of 3 answered") == 5
    finish(page, owner_home)

    # Close the round (a confirmation first), then agree: the disagreements come first.
    open_page(page, url("team"))
    click_to(page, page.get_by_role("link", name="Close the round and agree on the answers"), url("team_close"))
    assert "Not everyone has answered" not in page.locator("main").inner_text()
    click_to(page, page.get_by_role("button", name="Close the round"), url("team_agree"))
    main = page.locator("main").inner_text()
    assert "The round is closed. Now agree on one answer per question." in main
    assert "The team disagreed on 4 questions" in main
    fieldsets = page.locator("main form fieldset")
    assert fieldsets.count() == 15
    first = [fieldsets.nth(i).get_attribute("id") for i in range(4)]
    assert first[0] == "q-cyber-ladder", first  # two steps apart: the widest first
    assert set(first) == {"q-cyber-ladder", "q-cyber-checklist", "q-cyber-machines", "q-data-ladder"}, first
    cyber = page.locator("#q-cyber-ladder")
    assert "2 steps apart" in cyber.inner_text()
    assert IT in cyber.inner_text() and MANAGER in cyber.inner_text()
    # The most common answer is suggested: "Nothing yet" (IT and the manager); agree on "Some of it".
    assert cyber.get_by_label("Nothing yet", exact=True).is_checked()
    cyber.get_by_label("Some of it", exact=True).check()
    page.locator("#q-cyber-ladder-note").fill("Backups run, but not off-site yet.")
    page.screenshot(path=SCREENSHOTS / "team-agree.png", full_page=True)
    click_to(page, page.get_by_role("button", name="Save the agreed answers"), url("review"))
    main = page.locator("main").inner_text()
    assert "The agreed answers are saved. Review them, then submit." in main
    assert "These are the answers your team agreed on." in main

    # Submit; the results say where the team disagreed.
    click_to(page, page.get_by_role("button", name="Submit the assessment"), url("results"))
    page.wait_for_function("!document.querySelector('.chart-canvas:not(.is-charted)')")
    assessment.refresh_from_db()
    assert assessment.is_submitted
    heading = page.locator("h2#team")
    assert heading.is_visible() and heading.inner_text() == "Where your team disagreed"
    findings = page.locator("ul.team-findings")
    assert findings.is_visible()
    text = re.sub(r"\s+", " ", findings.inner_text())
    assert "Your team does not agree on “How far along is your cybersecurity?”" in text
    assert "2 said “Nothing yet” (IT, Manager); 1 said “All of it” (Owner)." in text
    assert "Why the team agreed as it did: Backups run, but not off-site yet." in text
    assert "Treated as a gap." in text  # one in three did not know the data ladder
    assert "3 people answered; they disagreed on 4 of the" in page.locator("h2#team + p").inner_text()
    # The section has no element of its own: from its heading to the next one, in page coordinates.
    top, bottom = page.evaluate(
        "[document.getElementById('team').getBoundingClientRect().top + window.scrollY,"
        " document.getElementById('trust').getBoundingClientRect().top + window.scrollY]"
    )
    page.screenshot(
        path=SCREENSHOTS / "team-results.png",
        full_page=True,
        clip={"x": 0, "y": top - 16, "width": 1280, "height": bottom - top + 8},
    )
    assert page.console_errors == []
