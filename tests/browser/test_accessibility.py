"""Accessibility in a real browser: axe-core on every page type (in English and in French),
every page type at 320 px wide, and the whole questionnaire with the keyboard alone. The page
types include the action plan's progress page (202), held there: no worker runs here."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.helpers import log_in, open_page, page_types, pending_page_types

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WCAG 2.1 A and AA, plus axe's best practices (landmarks, headings...), as axe-core names them.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


@pytest.fixture(autouse=True)
def _plans_stay_pending(settings) -> None:  # type: ignore[no-untyped-def]
    # Long enough that no request gives up on the (absent) worker and builds the PDF itself.
    settings.PLAN_WORKER_PATIENCE = 24 * 3600


def axe_violations(page: Any) -> list[str]:
    """The serious and critical violations axe-core finds on the page as it is now."""
    page.evaluate(AXE_SCRIPT)  # injected from the installed package: nothing is fetched
    result = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def each_page(browser: Any, demo: dict[str, Any], check: Any, *, width: int = 1280, language: str = "en") -> dict:
    """Run ``check(page)`` on every page type as the right user; {path: problems} of those with any."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    base = demo["base"]
    problems: dict[str, list[str]] = {}
    for status, groups in ((200, page_types(demo)), (202, pending_page_types(demo))):
        for who, paths in groups:
            context.clear_cookies()
            if language != "en":
                context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            if who:
                log_in(page, base, who)
            for path in paths:
                open_page(page, base + path, status=status)
                found = check(page)
                if found:
                    problems[path] = found
    context.close()
    return problems


@pytest.mark.parametrize("language", ["en", "fr"])
def test_axe_finds_no_serious_or_critical_violation_on_any_page_type(
    demo: dict[str, Any], browser: Any, language: str
) -> None:
    assert each_page(browser, demo, axe_violations, language=language) == {}


def overflow(page: Any) -> list[str]:
    """Horizontal scrolling, or a button or link of the main content out of reach at this width."""
    problems = []
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        width = page.evaluate("document.documentElement.scrollWidth")
        problems.append(f"scrolls sideways: {width} px wide")
    out_of_reach = page.evaluate(
        """() => [...document.querySelectorAll('main button, main a.btn, main input[type=submit]')]
              .filter(el => el.offsetParent !== null)
              .filter(el => {
                const r = el.getBoundingClientRect();
                return r.left < 0 || r.right > window.innerWidth + 1;
              })
              .map(el => (el.textContent || el.value || '').trim().slice(0, 40))"""
    )
    problems += [f"out of reach: {label!r}" for label in out_of_reach]
    return problems


def test_every_page_type_works_at_320_px(demo: dict[str, Any], browser: Any) -> None:
    assert each_page(browser, demo, overflow, width=320) == {}


ACTIVE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const group = el.name ? [...document.getElementsByName(el.name)] : [];
  return {
    tag: el.tagName, type: el.type || "", name: el.name || "", value: el.value || "",
    id: el.id || "", class: el.className || "", text: (el.textContent || "").trim().slice(0, 40),
    groupAnswered: group.some(input => input.checked),
    exclusive: el.dataset ? el.dataset.exclusive === "true" : false,
    focusVisible: style.outlineStyle !== "none" && style.outlineWidth !== "0px" || style.boxShadow !== "none",
  };
}"""


def tab_to(page: Any, wanted: Any, act: Any = None, limit: int = 150) -> dict[str, Any]:
    """Press Tab until ``wanted(active)``; on the way, ``act(active)`` may press keys. Checks that
    every element reached shows where the focus is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active["tag"] == "BODY":  # the focus is still on the document itself
            continue
        assert active["focusVisible"], f"no visible focus on {active}"
        if wanted(active):
            return active
        if act:
            act(active)
    raise AssertionError(f"never reached the wanted element in {limit} presses of Tab on {page.url}")


def test_the_whole_questionnaire_with_the_keyboard_alone(demo: dict[str, Any], browser: Any) -> None:
    from assessments.demo import DEMO_EMAIL
    from assessments.models import Assessment

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = demo["base"]
    log_in(page, base, DEMO_EMAIL)
    page.goto(f"{base}/app/assessments/{demo['draft']}/skills/")
    # The skip link comes first and moves the focus to the page's content.
    first = tab_to(page, lambda a: True)
    assert first["tag"] == "A" and "main" in page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    def answer(active: dict[str, Any]) -> None:
        # Space ticks the focused radio or box: one per question, an ordinary one for a checklist.
        if active["type"] in ("radio", "checkbox") and not active["groupAnswered"] and not active["exclusive"]:
            page.keyboard.press("Space")

    def save_and_continue(active: dict[str, Any]) -> bool:
        return active["tag"] == "BUTTON" and active["value"] in ("next", "review") and "btn-brand" in active["class"]

    for _ in range(5):
        tab_to(page, save_and_continue, answer)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert "/review/" in page.url
    tab_to(page, lambda a: a["tag"] == "BUTTON" and "Submit" in a["text"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/results/" in page.url
    assessment = Assessment.objects.get(pk=demo["draft"])
    assert assessment.is_submitted and assessment.answers.count() == 15
    context.close()
