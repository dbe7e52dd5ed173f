"""The digital-intensity approximation and the country's distribution of firms by band."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .catalogue import DiiSpec, firm_does
from .common import (
    DII_APPROXIMATION_NOTE,
    DII_BAND_FLOORS,
    DII_BAND_LABELS,
    DII_BANDS,
    DII_POINTS,
    MICRO,
    SCOPE_COUNTRY_SIZE,
    Figure,
    scope_label,
    text_in,
)
from .lookup import FigureIndex, lookup_steps

# --------------------------------------------------------------------------------------------
# Digital intensity, approximated


@dataclass(frozen=True)
class DiiItemResult:
    code: str
    label: dict[str, str]
    eurostat_variable: str
    does: bool | None  # None: unanswered or not applicable, left out of the estimate

    def label_text(self, language: str | None = None) -> str:
        return text_in(self.label, language)


@dataclass(frozen=True)
class DiiDistribution:
    """Eurostat's shares of firms per DII band for one place, size and year (one DII version)."""

    very_low: float
    low: float
    high: float
    very_high: float
    at_least_basic: float | None
    dataset: str
    indicators: tuple[str, ...]  # the codes read, e.g. E_DI3_VLO ... E_DI3_GELO
    year: int
    geo: str
    geo_label: str
    size_emp: str
    size_label: str
    flags: tuple[str, ...]
    vintage: int | None
    scope: str
    is_fallback: bool

    def share(self, band: str) -> float:
        return float(getattr(self, band))

    def scope_label(self) -> str:
        return scope_label(self.scope, self.size_emp)


@dataclass(frozen=True)
class DigitalIntensity:
    """The firm's approximate place on the DII scale, beside its peers' distribution.

    ``count`` of the ``observed`` (answered) items are done; ``estimated_points`` scales that
    share to the DII's 12 points and ``band`` reads the DII band off it. ``lowest_band`` and
    ``highest_band`` bound the truth: none, or all, of the DII variables we cannot observe.
    Every estimate is None when fewer than half of the items are answered.
    """

    items: tuple[DiiItemResult, ...]
    count: int
    observed: int
    estimated_points: float | None
    band: str | None
    lowest_band: str | None
    highest_band: str | None
    distribution: DiiDistribution | None
    micro_note: bool
    dii_points: int = DII_POINTS

    @property
    def counted(self) -> tuple[DiiItemResult, ...]:
        return tuple(item for item in self.items if item.does)

    def counted_labels(self, language: str | None = None) -> list[str]:
        return [item.label_text(language) for item in self.counted]

    @property
    def sufficient(self) -> bool:
        return self.band is not None

    @property
    def at_least_basic(self) -> bool | None:
        return None if self.band is None else self.band != "very_low"

    def band_label(self) -> str:
        return str(DII_BAND_LABELS[self.band]) if self.band else ""

    def approximation_note(self) -> str:
        return str(DII_APPROXIMATION_NOTE) % {"observed": len(self.items)}


def dii_band(points: float) -> str:
    """The DII band of a point count on the 12-point scale (may be fractional when estimated)."""
    if not 0 <= points <= DII_POINTS:
        raise ValueError(f"{points} points outside [0, {DII_POINTS}]")
    band = DII_BANDS[0]
    for candidate in DII_BANDS:
        if points >= DII_BAND_FLOORS[candidate]:
            band = candidate
    return band


def digital_intensity(
    answers: Mapping[str, Sequence[str]],
    country: str | None,
    size_class: str,
    spec: DiiSpec,
    figures: Iterable[Figure],
) -> DigitalIntensity:
    """Approximate the firm's DII from its answers and find its peers' DII distribution.

    The mapping (an approximation, labelled as such on the page): the questionnaire observes
    ``len(spec.items)`` of the DII's 12 variables. The firm's share of the observed items it
    does is taken as its share of all 12 (``estimated_points = 12 x count / observed``), and
    the band is read off with Eurostat's thresholds (4, 7, 10) without rounding, so 6.9
    points is still "low". The bounds assume the firm does none or all of the unobserved
    variables. Unanswered items leave ``observed`` and widen the bounds.
    """
    results = tuple(
        DiiItemResult(
            code=item.code,
            label=item.label,
            eurostat_variable=item.eurostat_variable,
            does=firm_does(item.rules, answers),
        )
        for item in spec.items
    )
    observed = sum(1 for item in results if item.does is not None)
    count = sum(1 for item in results if item.does)
    estimated: float | None = None
    band = lowest = highest = None
    if observed and observed * 2 >= len(results):
        exact = DII_POINTS * count / observed
        estimated = round(exact, 1)
        band = dii_band(exact)
        lowest = dii_band(count)
        highest = dii_band(count + DII_POINTS - observed)
    return DigitalIntensity(
        items=results,
        count=count,
        observed=observed,
        estimated_points=estimated,
        band=band,
        lowest_band=lowest,
        highest_band=highest,
        distribution=dii_distribution(country, size_class, spec, figures),
        micro_note=size_class == MICRO,
    )


def dii_distribution(
    country: str | None, size_class: str, spec: DiiSpec, figures: Iterable[Figure]
) -> DiiDistribution | None:
    """The band shares for the firm's country and size, through the usual fallback chain.

    A step counts only with all four bands for one year (its latest such year): shares from
    different years or places never sit in one distribution.
    """
    index = FigureIndex(figures)
    codes = [spec.bands[band] for band in DII_BANDS]
    for step in lookup_steps(country, size_class):
        for size in step.sizes:
            per_band = [index.by_year(spec.dataset, code, step.geo, size) for code in codes]
            complete = set(per_band[0]).intersection(*per_band[1:])
            if not complete:
                continue
            year = max(complete)
            band_figures = [years[year] for years in per_band]
            basic = index.by_year(spec.dataset, spec.at_least_basic, step.geo, size).get(year)
            used = [*band_figures, *([basic] if basic else [])]
            first = band_figures[0]
            return DiiDistribution(
                very_low=band_figures[0].value_pct,
                low=band_figures[1].value_pct,
                high=band_figures[2].value_pct,
                very_high=band_figures[3].value_pct,
                at_least_basic=basic.value_pct if basic else None,
                dataset=spec.dataset,
                indicators=tuple(f.indic_is for f in used),
                year=year,
                geo=first.geo,
                geo_label=first.geo_label,
                size_emp=first.size_emp,
                size_label=first.size_label,
                flags=tuple(sorted({f.flag for f in used if f.flag})),
                vintage=max((f.vintage for f in used if f.vintage is not None), default=None),
                scope=step.scope,
                is_fallback=step.scope != SCOPE_COUNTRY_SIZE,
            )
    return None
