"""CSV cells: the fast record writer of the portfolio export writes what csv.writer would."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from decimal import Decimal

from assessments.spreadsheet_cells import csv_cells, csv_record, csv_separated_cells, spreadsheet_safe


def written_by_csv(row: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(row)
    return out.getvalue()


HOSTILE = [
    "",
    "plain",
    "a,b",
    'say "hi"',
    '"',
    "line\nbreak",
    "carriage\rreturn",
    "crlf\r\n",
    " leading space",
    "tab\there",
    "'quoted'",
    '=HYPERLINK("x")',
    "semi;colon",
    "ünïcödé, with comma",
    "a|b|c",
]


def test_every_kind_of_cell_is_written_as_csv_writer_writes_it() -> None:
    rng = random.Random(7)
    pool: list[object] = [
        *HOSTILE,
        None,
        0,
        -3,
        10**12,
        0.1,
        43.333333333333336,
        100.0,
        1e-07,
        float("inf"),
        Decimal("12.50"),
        True,
        False,
        date(2026, 12, 3),
    ]
    for _ in range(2000):
        row = [rng.choice(pool) for _ in range(rng.randint(2, 12))]
        assert csv_record(row) == written_by_csv(row), row


def test_the_records_read_back_as_the_cells() -> None:
    row = ['Firm, "Quoted" & Co\nLtd', None, 42, "a|b"]
    (read,) = list(csv.reader(io.StringIO(csv_record(row))))
    assert read == ['Firm, "Quoted" & Co\nLtd', "", "42", "a|b"]


def test_formula_text_is_made_safe_before_it_is_written() -> None:
    assert csv_record([spreadsheet_safe("=1+1")]) == "'=1+1\r\n"


def test_a_record_with_cells_already_written_is_the_whole_row_written() -> None:
    rng = random.Random(11)
    pool: list[object] = [*HOSTILE, None, 7, 2.5]
    for _ in range(1000):
        head = [rng.choice(pool) for _ in range(rng.randint(2, 6))]
        tail = [rng.choice([*HOSTILE, None]) for _ in range(rng.randint(1, 6))]
        assert csv_record(head, written_tail=csv_cells(tail)) == written_by_csv(head + tail), (head, tail)


def test_separated_cells_are_written_as_their_cells() -> None:
    rng = random.Random(13)
    for _ in range(1000):
        cells = [rng.choice(HOSTILE) for _ in range(rng.randint(2, 8))]
        assert csv_separated_cells("\x1f".join(cells), "\x1f") == csv_cells(cells), cells
    assert csv_separated_cells("a\x1f\x1fb|c", "\x1f") == "a,,b|c"
