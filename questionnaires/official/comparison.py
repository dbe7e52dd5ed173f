"""A firm's answers beside the share of comparable firms: the lookup with its fallback chain,
and the acknowledgement line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .catalogue import IndicatorLink, firm_does
from .common import (
    ALL_ACTIVITIES,
    ALL_SIZES_OF_CLASS,
    EU27,
    ISO_TO_EUROSTAT_GEO,
    MICRO,
    SCOPE_COUNTRY_ALL,
    SCOPE_COUNTRY_SIZE,
    SCOPE_EU_ALL,
    SCOPE_EU_SIZE,
    SIZE_CLASSES,
    SIZE_EMP_OF_CLASS,
    Figure,
    _text_in,
    scope_label,
)

if TYPE_CHECKING:  # only for annotations: intensity imports this module
    from .intensity import DigitalIntensity

# --------------------------------------------------------------------------------------------
# Finding the figure for a firm


@dataclass(frozen=True)
class LookupStep:
    """One step of the fallback chain: a place and the size codes tried there, in order."""

    scope: str
    geo: str
    sizes: tuple[str, ...]


def eurostat_geo(country: str | None) -> str | None:
    """Eurostat's code for an ISO 3166-1 alpha-2 country (GR -> EL, GB -> UK)."""
    code = str(country or "").strip().upper()
    if not code:
        return None
    return ISO_TO_EUROSTAT_GEO.get(code, code)


def lookup_steps(country: str | None, size_class: str) -> tuple[LookupStep, ...]:
    """The fallback chain for a firm, narrowest first (see the module docstring)."""
    if size_class not in SIZE_CLASSES:
        raise ValueError(f"unknown size class {size_class!r} (known: {', '.join(SIZE_CLASSES)})")
    geo = eurostat_geo(country)
    places = [(SCOPE_COUNTRY_SIZE, SCOPE_COUNTRY_ALL, geo)] if geo and geo != EU27 else []
    places.append((SCOPE_EU_SIZE, SCOPE_EU_ALL, EU27))
    steps: list[LookupStep] = []
    size_emp = SIZE_EMP_OF_CLASS.get(size_class)
    if size_emp is not None:  # micro-firms have no size class of their own in Eurostat
        steps += [LookupStep(sized, place, (size_emp,)) for sized, _all, place in places]
    steps += [LookupStep(all_scope, place, ALL_SIZES_OF_CLASS[size_class]) for _sized, all_scope, place in places]
    return tuple(steps)


def reference_scope(country: str | None, size_class: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The geographies and size codes a firm's comparison can use: what a selector loads."""
    steps = lookup_steps(country, size_class)
    geos = tuple(dict.fromkeys(step.geo for step in steps))
    sizes = tuple(dict.fromkeys(size for step in steps for size in step.sizes))
    return geos, sizes


class _FigureIndex:
    """Figures by (dataset, indicator, geo, size), newest year first."""

    def __init__(self, figures: Iterable[Figure]) -> None:
        self._by_key: dict[tuple[str, str, str, str], dict[int, Figure]] = {}
        for figure in figures:
            if figure.nace_r2 != ALL_ACTIVITIES:
                continue
            key = (figure.dataset, figure.indic_is, figure.geo, figure.size_emp)
            self._by_key.setdefault(key, {})[figure.year] = figure

    def by_year(self, dataset: str, indic_is: str, geo: str, size_emp: str) -> dict[int, Figure]:
        return self._by_key.get((dataset, indic_is, geo, size_emp), {})

    def latest(self, dataset: str, indic_is: str, geo: str, size_emp: str) -> Figure | None:
        years = self.by_year(dataset, indic_is, geo, size_emp)
        return years[max(years)] if years else None


@dataclass(frozen=True)
class OfficialRow:
    """One linked indicator: "you: yes/no" beside the share of comparable firms that do it.

    ``figure`` is None when no step of the fallback chain has a figure (the page then shows
    the firm's answer alone). ``scope`` says which step was used (``SCOPE_LABELS``);
    ``is_fallback`` is true whenever that is not the firm's own country and size class, and
    ``micro_note`` whenever the firm is a micro-firm (``MICRO_NOTE``).
    """

    code: str
    label: dict[str, str]
    question: str
    you: bool | None
    dataset: str
    indic_is: str
    figure: Figure | None
    scope: str | None
    is_fallback: bool
    micro_note: bool

    def label_text(self, language: str | None = None) -> str:
        return _text_in(self.label, language)

    def scope_label(self) -> str:
        return scope_label(self.scope, self.size_emp)

    def source_label(self) -> str:
        return source_name(self.dataset, self.indic_is)

    @property
    def value_pct(self) -> float | None:
        return self.figure.value_pct if self.figure else None

    @property
    def year(self) -> int | None:
        return self.figure.year if self.figure else None

    @property
    def geo(self) -> str | None:
        return self.figure.geo if self.figure else None

    @property
    def size_emp(self) -> str | None:
        return self.figure.size_emp if self.figure else None


def _find(
    index: _FigureIndex, dataset: str, indic_is: str, steps: Sequence[LookupStep]
) -> tuple[Figure, LookupStep] | tuple[None, None]:
    for step in steps:
        for size in step.sizes:
            figure = index.latest(dataset, indic_is, step.geo, size)
            if figure is not None:
                return figure, step
    return None, None


def official_comparison(
    answers: Mapping[str, Sequence[str]],
    country: str | None,
    size_class: str,
    links: Sequence[IndicatorLink],
    figures: Iterable[Figure],
) -> list[OfficialRow]:
    """One row per link, in the links' order: the firm's answer and the closest official figure.

    ``country`` is the firm's ISO 3166-1 alpha-2 code, ``size_class`` one of ``SIZE_CLASSES``.
    """
    steps = lookup_steps(country, size_class)
    index = _FigureIndex(figures)
    rows: list[OfficialRow] = []
    for link in links:
        figure, step = _find(index, link.dataset, link.indic_is, steps)
        rows.append(
            OfficialRow(
                code=link.code,
                label=link.label,
                question=link.rule.question,
                you=firm_does(link.rule, answers),
                dataset=link.dataset,
                indic_is=link.indic_is,
                figure=figure,
                scope=step.scope if step else None,
                is_fallback=step is None or step.scope != SCOPE_COUNTRY_SIZE,
                micro_note=size_class == MICRO,
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# Citing


# Figures that Eurostat publishes in an article rather than under a dataset code carry a code of
# ours (questionnaires/reference/README.md); pages name the article, never the invented code.
PUBLISHED_IN = {
    "ict_env_2022": _("Statistics Explained, “ICT in enterprises and the environment”"),
}


def source_name(dataset: str, indic_is: str = "") -> str:
    """How a page cites a figure's source: the dataset and indicator codes, or the article."""
    if dataset in PUBLISHED_IN:
        return str(PUBLISHED_IN[dataset])
    return f"{dataset} {indic_is}".strip()


def source_line(datasets: Iterable[str], vintage: int | None) -> str:
    """The acknowledgement Eurostat's reuse terms ask for, e.g. "Source: Eurostat (isoc_e_dii,
    isoc_eb_ai), extracted 2026." Datasets keep their first-seen order, without repeats."""
    names = ", ".join(dict.fromkeys(source_name(dataset) for dataset in datasets))
    if vintage is None:
        return str(_("Source: Eurostat (%(datasets)s).")) % {"datasets": names}
    return str(_("Source: Eurostat (%(datasets)s), extracted %(vintage)s.")) % {"datasets": names, "vintage": vintage}


def source_line_for(rows: Iterable[OfficialRow], dii: DigitalIntensity | None = None) -> str:
    """The acknowledgement for what a page shows: the datasets of the figures actually used."""
    used = [row.figure for row in rows if row.figure is not None]
    datasets = [figure.dataset for figure in used]
    vintages = [figure.vintage for figure in used if figure.vintage is not None]
    if dii is not None and dii.distribution is not None:
        datasets.append(dii.distribution.dataset)
        if dii.distribution.vintage is not None:
            vintages.append(dii.distribution.vintage)
    if not datasets:
        return ""
    return source_line(datasets, max(vintages) if vintages else None)
