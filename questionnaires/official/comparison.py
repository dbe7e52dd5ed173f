"""A firm's answers beside the share of comparable firms: the lookup with its fallback chain,
and the acknowledgement line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .catalogue import IndicatorLink, firm_does, rule_answered
from .common import (
    MICRO,
    SCOPE_COUNTRY_SIZE,
    Figure,
    scope_label,
    text_in,
)
from .intensity import DigitalIntensity
from .lookup import FigureIndex, LookupStep, lookup_steps


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
        return text_in(self.label, language)

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
    index: FigureIndex, dataset: str, indic_is: str, steps: Sequence[LookupStep]
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
    index = FigureIndex(figures)
    rows: list[OfficialRow] = []
    for link in links:
        figure, step = _find(index, link.dataset, link.indic_is, steps)
        rule = rule_answered(link.rules, answers)
        rows.append(
            OfficialRow(
                code=link.code,
                label=link.label,
                question=rule.question,
                you=firm_does(rule, answers),
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
