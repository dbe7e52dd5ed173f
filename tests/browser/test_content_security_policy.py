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
