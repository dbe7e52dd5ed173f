"""Files built from the portfolio export rows: the Excel workbook and the ZIP of action plans.

Both are written as the rows stream in: XlsxWriter's constant-memory mode flushes each row to
a temporary file, and the ZIP is written entry by entry, so memory stays flat as portfolios grow.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import IO, Any

import xlsxwriter

# Excel's own limits; a sheet name may not contain []:*?/\
MAX_SHEET_NAME = 31
FORBIDDEN_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def xlsx_file(header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str) -> IO[bytes]:
    """A temporary file holding the workbook, positioned at its start (the caller closes it)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    workbook = xlsxwriter.Workbook(
        handle,
        {
            "constant_memory": True,
            # Cells are data, never formulas or links: a firm named "=HYPERLINK(...)" stays text.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = workbook.add_worksheet(str(sheet).translate(FORBIDDEN_SHEET_CHARS)[:MAX_SHEET_NAME])
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, list(header), bold)
    worksheet.freeze_panes(1, 2)
    for index, row in enumerate(rows, start=1):
        worksheet.write_row(index, 0, ["" if value is None else value for value in row])
    workbook.close()
    handle.seek(0)
    return handle
