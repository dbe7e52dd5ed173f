"""Cells for files people open in a spreadsheet (CSV exports): text that would run as a formula."""

from __future__ import annotations

from typing import Any

# What a spreadsheet takes for the start of a formula (or of a line break that hides one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (a firm named "=HYPERLINK(...)") gets a
    leading apostrophe, shown as text; numbers and everything else pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
