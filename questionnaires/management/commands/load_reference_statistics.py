"""``manage.py load_reference_statistics``: official figures from ``questionnaires/reference/``.

All files of the manifest (``sources.yaml``) are read and validated before anything is
written; any problem, in any file, leaves the database as it was. The write then makes the
``ReferenceFigure`` table equal to the files: new figures are created, changed ones updated
in place (same id), figures no longer in any file deleted. Loading the same files again
changes nothing.

The parsing functions (``parse_reference_csv``, ``read_manifest``) touch no database and can be
used on their own, e.g. by tests that compare a firm with the shipped figures.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from questionnaires.models import ReferenceFigure
from questionnaires.official import (
    DATASET,
    FLAG,
    GEO,
    INDICATOR,
    KNOWN_SIZE_EMP,
    NACE,
    Figure,
    ReferenceDataError,
)

DEFAULT_MANIFEST = Path(__file__).resolve().parents[2] / "reference" / "sources.yaml"
# The columns a reload compares to decide whether a stored figure changed.
COMPARED = ("indicator_label", "size_label", "geo_label", "value_pct", "flag", "note", "vintage", "source_file")

# Eurostat's SDMX-CSV layout, as in ../shared/reference/.
REFERENCE_COLUMNS = (
    "dataset",
    "indic_is",
    "indicator_label",
    "size_emp",
    "size_label",
    "nace_r2",
    "geo",
    "geo_label",
    "year",
    "value_pct",
    "flag",
)
# Our own files may say where a figure or a code came from; Eurostat's exports have no such column.
NOTE_COLUMN = "note"


@dataclass(frozen=True)
class ParsedFigure:
    """A validated line of a figures file, before it is stored."""

    source_file: str
    line: int
    dataset: str
    indic_is: str
    indicator_label: str
    size_emp: str
    size_label: str
    nace_r2: str
    geo: str
    geo_label: str
    year: int
    value_pct: Decimal
    flag: str
    note: str = ""

    def as_figure(self, vintage: int | None = None) -> Figure:
        """The plain figure the comparison works on (what the selector returns once stored)."""
        return Figure(
            dataset=self.dataset,
            indic_is=self.indic_is,
            indicator_label=self.indicator_label,
            size_emp=self.size_emp,
            size_label=self.size_label,
            nace_r2=self.nace_r2,
            geo=self.geo,
            geo_label=self.geo_label,
            year=self.year,
            value_pct=float(self.value_pct),
            flag=self.flag,
            vintage=vintage,
        )

    def key(self) -> tuple[str, str, str, str, str, int]:
        """What identifies a figure: one value per dataset, indicator, size, activity, place, year."""
        return (self.dataset, self.indic_is, self.size_emp, self.nace_r2, self.geo, self.year)


def parse_reference_csv(text: str, source: str) -> list[ParsedFigure]:
    """Validate the text of one figures file (Eurostat's column layout, optionally ``note``).

    Raises ``ReferenceDataError`` listing every bad line as ``<source>:<line>: <reason>``,
    including a figure given twice; returns the figures otherwise.
    """
    problems: list[str] = []
    figures: list[ParsedFigure] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ReferenceDataError(source, [f"{source}:1: the file is empty"])
        header = [name.strip() for name in header]
        if tuple(header) not in (REFERENCE_COLUMNS, (*REFERENCE_COLUMNS, NOTE_COLUMN)):
            expected = ",".join(REFERENCE_COLUMNS)
            raise ReferenceDataError(
                source, [f"{source}:1: the header must be '{expected}' (optionally ',note'), got '{','.join(header)}'"]
            )
        seen: dict[tuple[str, str, str, str, str, int], int] = {}
        for fields in reader:
            line = reader.line_num
            if not fields or all(not value.strip() for value in fields):
                continue  # blank line, e.g. at the end
            if len(fields) != len(header):
                problems.append(f"{source}:{line}: expected {len(header)} fields, got {len(fields)}")
                continue
            row = dict(zip(header, (value.strip() for value in fields), strict=True))
            reasons: list[str] = []
            figure = _parse_row(row, source, line, reasons)
            if reasons or figure is None:
                problems += [f"{source}:{line}: {reason}" for reason in reasons]
                continue
            first = seen.setdefault(figure.key(), line)
            if first != line:
                problems.append(f"{source}:{line}: the same figure as line {first} ({_describe(figure)})")
                continue
            figures.append(figure)
    except csv.Error as exc:
        problems.append(f"{source}:{reader.line_num}: not valid CSV: {exc}")
    if problems:
        raise ReferenceDataError(source, problems)
    return figures


def _describe(figure: ParsedFigure) -> str:
    return f"{figure.dataset} {figure.indic_is} {figure.size_emp} {figure.geo} {figure.year}"


def _parse_row(row: dict[str, str], source: str, line: int, reasons: list[str]) -> ParsedFigure | None:
    def matching(name: str, pattern: re.Pattern[str], what: str) -> str:
        value = row[name]
        if not pattern.match(value):
            reasons.append(f"{name} {value!r} is not {what}")
        return value

    def label(name: str, limit: int) -> str:
        value = row[name]
        if not value:
            reasons.append(f"{name} is empty")
        elif len(value) > limit:
            reasons.append(f"{name} is longer than {limit} characters")
        return value

    dataset = matching("dataset", DATASET, "a dataset code (lower case, e.g. isoc_e_dii)")
    indic_is = matching("indic_is", INDICATOR, "an indicator code (upper case, e.g. E_AI_TANY)")
    size_emp = row["size_emp"]
    if size_emp not in KNOWN_SIZE_EMP:
        reasons.append(f"size_emp {size_emp!r} is not one of {', '.join(sorted(KNOWN_SIZE_EMP))}")
    nace_r2 = matching("nace_r2", NACE, "a NACE Rev. 2 code")
    geo = matching("geo", GEO, "a Eurostat geography code (e.g. AT, EL, EU27_2020)")
    flag = matching("flag", FLAG, "an observation flag (a few lower-case letters, or empty)")
    year = 0
    try:
        year = int(row["year"])
        if not 1990 <= year <= 2100:
            reasons.append(f"year {year} is outside 1990-2100")
    except ValueError:
        reasons.append(f"year {row['year']!r} is not a whole number")
    value = Decimal(0)
    raw_value = row["value_pct"]
    try:
        value = Decimal(raw_value)
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            reasons.append(f"value_pct {raw_value!r} is not a percentage between 0 and 100")
        elif value.as_tuple().exponent < -2:  # type: ignore[operator]
            reasons.append(f"value_pct {raw_value!r} has more than two decimals")
    except InvalidOperation:
        reasons.append(f"value_pct {raw_value!r} is not a number" if raw_value else "value_pct is empty")
    figure = ParsedFigure(
        source_file=source,
        line=line,
        dataset=dataset,
        indic_is=indic_is,
        indicator_label=label("indicator_label", 300),
        size_emp=size_emp,
        size_label=label("size_label", 100),
        nace_r2=nace_r2,
        geo=geo,
        geo_label=label("geo_label", 200),
        year=year,
        value_pct=value,
        flag=flag,
        note=row.get(NOTE_COLUMN, ""),
    )
    return None if reasons else figure


def duplicate_figures(figures: Iterable[ParsedFigure]) -> list[str]:
    """Problems for figures given in more than one file (each file is checked on its own already)."""
    seen: dict[tuple[str, str, str, str, str, int], ParsedFigure] = {}
    problems: list[str] = []
    for figure in figures:
        first = seen.setdefault(figure.key(), figure)
        if first is not figure:
            problems.append(
                f"{figure.source_file}:{figure.line}: the same figure as {first.source_file}:{first.line} "
                f"({_describe(figure)})"
            )
    return problems


@dataclass(frozen=True)
class ReferenceFile:
    path: Path
    vintage: int


@dataclass(frozen=True)
class LoadSummary:
    files: int
    figures: int
    created: int
    updated: int
    deleted: int
    unchanged: int


def read_manifest(manifest: Path) -> list[ReferenceFile]:
    """The files a manifest lists, with their vintage; ``ReferenceDataError`` if it is unusable."""
    where = str(manifest)
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ReferenceDataError(where, [f"cannot read the manifest: {exc}"]) from exc
    entries = data.get("files") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ReferenceDataError(where, ["'files' must be a non-empty list of {file, vintage}"])
    problems: list[str] = []
    files: list[ReferenceFile] = []
    for index, entry in enumerate(entries, start=1):
        name = entry.get("file") if isinstance(entry, dict) else None
        vintage = entry.get("vintage") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or Path(name).name != name:
            problems.append(f"files #{index}: 'file' must be a file name in the manifest's folder, got {name!r}")
        elif not isinstance(vintage, int) or isinstance(vintage, bool) or not 1990 <= vintage <= 2100:
            problems.append(f"files #{index} ({name}): 'vintage' must be the year of extraction, got {vintage!r}")
        elif any(f.path.name == name for f in files):
            problems.append(f"files #{index} ({name}): listed twice")
        else:
            files.append(ReferenceFile(path=manifest.parent / name, vintage=vintage))
    if problems:
        raise ReferenceDataError(where, problems)
    return files


def read_reference_files(files: list[ReferenceFile]) -> list[tuple[ParsedFigure, int]]:
    """Every figure of every file with its vintage, or ``ReferenceDataError`` with all problems."""
    problems: list[str] = []
    figures: list[tuple[ParsedFigure, int]] = []
    for reference in files:
        name = reference.path.name
        try:
            text = reference.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: cannot read the file: {exc}")
            continue
        try:
            figures += [(figure, reference.vintage) for figure in parse_reference_csv(text, name)]
        except ReferenceDataError as exc:
            problems += exc.problems
    problems += duplicate_figures(figure for figure, _vintage in figures)
    if problems:
        raise ReferenceDataError("reference statistics", problems)
    return figures


def reference_statistics_load(*, manifest: Path = DEFAULT_MANIFEST, dry_run: bool = False) -> LoadSummary:
    """Make ``ReferenceFigure`` equal to the manifest's files, all or nothing (see module docstring)."""
    files = read_manifest(manifest)
    figures = read_reference_files(files)
    wanted = {
        figure.key(): ReferenceFigure(
            dataset=figure.dataset,
            indic_is=figure.indic_is,
            indicator_label=figure.indicator_label,
            size_emp=figure.size_emp,
            size_label=figure.size_label,
            nace_r2=figure.nace_r2,
            geo=figure.geo,
            geo_label=figure.geo_label,
            year=figure.year,
            value_pct=figure.value_pct,
            flag=figure.flag,
            note=figure.note,
            vintage=vintage,
            source_file=figure.source_file,
        )
        for figure, vintage in figures
    }
    with transaction.atomic():
        existing = {
            (row.dataset, row.indic_is, row.size_emp, row.nace_r2, row.geo, row.year): row
            for row in ReferenceFigure.objects.select_for_update()
        }
        stale = [row.pk for key, row in existing.items() if key not in wanted]
        new = [row for key, row in wanted.items() if key not in existing]
        changed: list[ReferenceFigure] = []
        for key, row in wanted.items():
            stored = existing.get(key)
            if stored is not None and any(getattr(stored, name) != getattr(row, name) for name in COMPARED):
                for name in COMPARED:
                    setattr(stored, name, getattr(row, name))
                changed.append(stored)
        if not dry_run:
            ReferenceFigure.objects.filter(pk__in=stale).delete()
            ReferenceFigure.objects.bulk_create(new, batch_size=500)
            ReferenceFigure.objects.bulk_update(changed, COMPARED, batch_size=500)
    return LoadSummary(
        files=len(files),
        figures=len(wanted),
        created=len(new),
        updated=len(changed),
        deleted=len(stale),
        unchanged=len(wanted) - len(new) - len(changed),
    )


class Command(BaseCommand):
    help = (
        "Load the official reference figures listed in questionnaires/reference/sources.yaml. "
        "All or nothing; loading the same files again changes nothing; afterwards the table holds "
        "exactly the listed files' figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST, help="the list of files (YAML)")
        parser.add_argument("--check", action="store_true", help="only validate the files and report; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = reference_statistics_load(manifest=options["manifest"], dry_run=options["check"])
        except ReferenceDataError as exc:
            self.stderr.write(self.style.ERROR(str(exc)))
            raise CommandError("the reference statistics were not loaded (see above)") from exc
        prefix = "valid, would give" if options["check"] else "loaded"
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix} {summary.figures} figures from {summary.files} files: {summary.created} created, "
                f"{summary.updated} updated, {summary.deleted} deleted, {summary.unchanged} unchanged"
            )
        )
