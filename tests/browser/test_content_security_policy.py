"""Every page type under the site's strict Content Security Policy, in a real browser: no
violation is reported (the browser logs each one as a console error, and fires
``securitypolicyviolation``, which the page records)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import log_in, open_page, page_types

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.sourceFile + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""


def visit(page: Any, url: str) -> list[str]:
    open_page(page, url)
    return page.evaluate("window.__cspViolations")


def test_no_page_type_violates_the_policy(demo: dict[str, Any], browser: Any) -> None:
    base = demo["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    found: dict[str, list[str]] = {}
    for who, paths in page_types(demo):
        context.clear_cookies()
        if who:
            log_in(page, base, who)
        for path in paths:
            found[path] = visit(page, base + path)
    context.close()
    assert {path: v for path, v in found.items() if v} == {}
    assert [line for line in console if "Content Security Policy" in line] == []


def test_the_api_docs_render_under_the_policy(demo: dict[str, Any], browser: Any) -> None:
    """Swagger UI (served from the sidecar package) draws the schema with no inline style or
    script the policy would block."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    response = page.goto(demo["base"] + "/api/v1/docs/")
    assert response is not None and response.status == 200
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)  # the schema was fetched and drawn
    assert page.evaluate("window.__cspViolations") == []
    assert console == []
    context.close()
