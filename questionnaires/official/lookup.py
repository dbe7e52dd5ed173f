"""Finding the figures for a firm: the fallback chain of places and size classes, and an index
of the figures to look them up in. Shared by the indicator comparison (``comparison``) and the
digital-intensity distribution (``intensity``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .common import (
    ALL_ACTIVITIES,
    ALL_SIZES_OF_CLASS,
    EU27,
    ISO_TO_EUROSTAT_GEO,
    SCOPE_COUNTRY_ALL,
    SCOPE_COUNTRY_SIZE,
    SCOPE_EU_ALL,
    SCOPE_EU_SIZE,
    SIZE_CLASSES,
    SIZE_EMP_OF_CLASS,
    Figure,
)


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


class FigureIndex:
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
