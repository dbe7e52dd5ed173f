"""Cells for files people open in a spreadsheet (CSV exports): text that would run as a formula."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# What a spreadsheet takes for the start of a formula (or of a line break that hides one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (a firm named "=HYPERLINK(...)") gets a
    leading apostrophe, shown as text; numbers and everything else pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# What makes csv.writer (the "excel" dialect, QUOTE_MINIMAL) put a field in quotes.
_NEEDS_QUOTES = re.compile(r'[",\r\n]')
_QUOTE_OR_BREAK = re.compile(r'["\r\n]')


def csv_record(row: Sequence[Any], written_tail: str | None = None) -> str:
    """One CSV record, exactly as ``csv.writer`` (excel dialect) writes it, "\\r\\n" included;
    ``written_tail``, cells already written as CSV (``csv_cells``), is put after ``row``'s.

    A 100,000-client export writes eight million cells, nearly all numbers or codes that need
    no quotes (tests/unit/test_spreadsheet_cells.py holds this equal to ``csv.writer`` on
    hostile text). None is an empty cell; a field with a comma, a quote or a line break is
    quoted, its quotes doubled. Not for a record of one empty field (csv.writer writes '""').
    """
    record = csv_cells(row)
    return (record if written_tail is None else f"{record},{written_tail}") + "\r\n"


def csv_cells(row: Sequence[Any]) -> str:
    """``row`` written as CSV cells, comma-separated, without the line's end. The cells are
    joined first and the text looked at once (its commas are only the separators, it holds no
    quote and no line break); only a row that fails that is quoted cell by cell."""
    cells = ["" if value is None else value if value.__class__ is str else str(value) for value in row]
    text = ",".join(cells)
    if text.count(",") == len(cells) - 1 and _QUOTE_OR_BREAK.search(text) is None:
        return text
    return ",".join(['"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell for cell in cells])


def csv_separated_cells(text: str, separator: str) -> str:
    """Text cells joined by ``separator`` (a character none of them holds), written as CSV
    cells as ``csv_cells`` writes them: the separators become commas, unless a cell needs
    quotes."""
    if _NEEDS_QUOTES.search(text) is None:
        return text.replace(separator, ",")
    return csv_cells(text.split(separator))
