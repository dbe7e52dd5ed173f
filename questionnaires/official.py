"""Official statistics: a firm's answers beside published Eurostat figures.

Pure functions over plain data (no database, no request), so the results page, the PDF and
any export show the same rows. The data arrives through ``selectors.official_reference_for``
(figures from ``ReferenceFigure``, links from ``content/indicators.yaml``).

Rules of the comparison (DESIGN, "Benchmarks"; ``reference/README.md``):

- A link says which question and choices mean that *this* firm does what an official
  indicator counts ("uses at least one AI technology"). "Don't know" and "None of these"
  count as no, like a gap in scoring; "Not applicable" and unanswered give no answer.
- Eurostat covers enterprises with 10 or more persons employed. Size classes map to its
  ``size_emp`` codes: small -> 10-49, medium -> 50-249, large -> GE250. A micro-firm has no
  official peer group: it is compared with all firms of 10+ (GE10, else 10-249, the SMEs)
  and every row carries ``micro_note`` so the page can say so.
- Fallback chain, narrowest first, each step visible in the row as ``scope``: the firm's
  country and size -> EU27 and size -> the firm's country, all sizes -> EU27, all sizes.
  Within a step the latest year available wins. Geography and size come before recency: a
  country figure from an earlier year beats a newer EU-wide one, because the row names its
  year and a like-for-like peer group is what the firm asked for.
- A row shows one figure, never a series, and each link names one indicator code, so DII
  version 3 (``E_DI3_*``, odd years) and version 4 (``E_DI4_*``, even years) can never be
  joined: the digital-intensity distribution reads ``E_DI3_*`` only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .loader import ContentError
from .scoring import DONT_KNOW, NONE_OF_THESE, NOT_APPLICABLE

EU27 = "EU27_2020"
# "All activities except agriculture, mining and the financial sector": the only breakdown
# the comparison uses, so a later file with per-sector rows cannot mix into it.
ALL_ACTIVITIES = "C10-S951_X_K"
# django-countries speaks ISO 3166-1; Eurostat departs from it for Greece and the UK.
ISO_TO_EUROSTAT_GEO = {"GR": "EL", "GB": "UK"}

# The firm's size classes (assessments.models.SizeClass; repeated here because
# questionnaires never imports assessments).
MICRO, SMALL, MEDIUM, LARGE = "micro", "small", "medium", "large"
SIZE_CLASSES = (MICRO, SMALL, MEDIUM, LARGE)
SIZE_EMP_OF_CLASS = {SMALL: "10-49", MEDIUM: "50-249", LARGE: "GE250"}
# "All sizes": every enterprise of 10+, else the SMEs (10-249) where only that exists. A large
# firm is never compared with SMEs only.
ALL_SIZES_OF_CLASS = {
    MICRO: ("GE10", "10-249"),
    SMALL: ("GE10", "10-249"),
    MEDIUM: ("GE10", "10-249"),
    LARGE: ("GE10",),
}
KNOWN_SIZE_EMP = frozenset({"10-49", "50-249", "10-249", "GE250", "GE10"})

SCOPE_COUNTRY_SIZE = "country_size"
SCOPE_EU_SIZE = "eu_size"
SCOPE_COUNTRY_ALL = "country_all"
SCOPE_EU_ALL = "eu_all"
SCOPE_LABELS = {
    SCOPE_COUNTRY_SIZE: _("firms of your size class in your country"),
    SCOPE_EU_SIZE: _("firms of your size class in the EU"),
    SCOPE_COUNTRY_ALL: _("all firms with 10 or more persons employed in your country"),
    SCOPE_EU_ALL: _("all firms with 10 or more persons employed in the EU"),
}
# Where an "all sizes" step had only the SME total (10-249), the label must not say "all firms".
SME_SCOPE_LABELS = {
    SCOPE_COUNTRY_ALL: _("firms with 10 to 249 persons employed in your country"),
    SCOPE_EU_ALL: _("firms with 10 to 249 persons employed in the EU"),
}
# Eurostat's observation flags that occur in such tables.
FLAG_LABELS = {
    "b": _("break in time series"),
    "d": _("definition differs, see the Eurostat metadata"),
    "e": _("estimated"),
    "p": _("provisional"),
    "u": _("low reliability"),
}
MICRO_NOTE = _(
    "Official figures cover firms with 10 or more persons employed. There is no official figure "
    "for micro-firms, so you are compared with all firms of 10 or more."
)
DII_APPROXIMATION_NOTE = _(
    "An approximation made by Readiness from your answers, not a Eurostat figure: Eurostat "
    "scores 12 technologies, of which this questionnaire asks about %(observed)s. Your share of "
    "those is scaled to the 12-point scale. Eurostat bears no responsibility for this estimate."
)

# The DII: 12 yes/no variables, one point each (Eurostat reference metadata isoc_e_dii_esmsip2).
DII_POINTS = 12
DII_BANDS = ("very_low", "low", "high", "very_high")
# Lowest point count of each band: very low 0-3, low 4-6, high 7-9, very high 10-12.
DII_BAND_FLOORS = {"very_low": 0, "low": 4, "high": 7, "very_high": 10}
DII_BAND_LABELS = {
    "very_low": _("very low"),
    "low": _("low"),
    "high": _("high"),
    "very_high": _("very high"),
}

CODE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
DATASET = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
INDICATOR = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
GEO = re.compile(r"^[A-Z][A-Z0-9_]{1,11}$")
NACE = re.compile(r"^[A-Z0-9][A-Za-z0-9_-]{0,39}$")
FLAG = re.compile(r"^[a-z]{0,4}$")
LANGUAGE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$")
DII_VERSION = re.compile(r"^(E_DI\d+)_")


def scope_label(scope: str | None, size_emp: str | None) -> str:
    """Whom a figure describes, for the page: "firms of your size class in the EU" and so on."""
    if scope is None:
        return ""
    if size_emp == "10-249" and scope in SME_SCOPE_LABELS:
        return str(SME_SCOPE_LABELS[scope])
    return str(SCOPE_LABELS[scope])


def _text_in(texts: Mapping[str, str], language: str | None) -> str:
    # models.translated, repeated so that this module stays free of model imports.
    language = (language or get_language() or "en").split("-")[0]
    return texts.get(language) or texts.get("en") or ""


class ReferenceDataError(ContentError):
    """Reference data (a figures file, the indicator links) that cannot be used; ``problems``
    lists every reason found, each naming the file and, for figures, the line."""


# --------------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class Figure:
    """One official figure with its source columns: what a row shows and cites."""

    dataset: str
    indic_is: str
    indicator_label: str
    size_emp: str
    size_label: str
    nace_r2: str
    geo: str
    geo_label: str
    year: int
    value_pct: float
    flag: str = ""
    vintage: int | None = None  # year of extraction from Eurostat

    def flag_label(self) -> str:
        return str(FLAG_LABELS.get(self.flag, self.flag))


# --------------------------------------------------------------------------------------------
# Indicator links (content/indicators.yaml)


@dataclass(frozen=True)
class Rule:
    """When this firm "does it": it answered ``question`` with at least one of ``any_of``."""

    question: str
    any_of: tuple[str, ...]


@dataclass(frozen=True)
class IndicatorLink:
    """An official indicator and the answers that mean the firm does what it counts."""

    code: str
    label: dict[str, str]  # what firms do, per language: "uses at least one AI technology"
    dataset: str
    indic_is: str
    rule: Rule

    def label_text(self, language: str | None = None) -> str:
        return _text_in(self.label, language)


@dataclass(frozen=True)
class DiiItem:
    """One DII variable that the questionnaire observes."""

    code: str
    label: dict[str, str]
    eurostat_variable: str  # the DII variable it stands for, in Eurostat's words
    rule: Rule

    def label_text(self, language: str | None = None) -> str:
        return _text_in(self.label, language)


@dataclass(frozen=True)
class DiiSpec:
    """Where the DII distribution is read from and which answers count as DII variables."""

    dataset: str
    bands: dict[str, str]  # band code -> indicator code, all of one DII version
    at_least_basic: str
    items: tuple[DiiItem, ...]

    def indicator_codes(self) -> tuple[str, ...]:
        return (*(self.bands[band] for band in DII_BANDS), self.at_least_basic)


@dataclass(frozen=True)
class IndicatorCatalogue:
    links: tuple[IndicatorLink, ...]
    digital_intensity: DiiSpec

    def indicator_keys(self) -> frozenset[tuple[str, str]]:
        """Every (dataset, indicator code) the comparison reads: what a selector must load."""
        keys = {(link.dataset, link.indic_is) for link in self.links}
        dii = self.digital_intensity
        keys |= {(dii.dataset, code) for code in dii.indicator_codes()}
        return frozenset(keys)

    def rules(self) -> Iterator[tuple[str, Rule]]:
        """(where, rule) for every rule, to check them against a questionnaire version."""
        for link in self.links:
            yield f"link {link.code}", link.rule
        for item in self.digital_intensity.items:
            yield f"digital_intensity item {item.code}", item.rule


LINK_KEYS = {"code", "label", "dataset", "indic_is", "rule", "why"}
DII_KEYS = {"dataset", "bands", "at_least_basic", "items", "why"}
ITEM_KEYS = {"code", "label", "eurostat_variable", "rule", "why"}
RULE_KEYS = {"question", "any_of"}
TOP_KEYS = {"links", "digital_intensity"}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.add(where, f"expected a mapping, got {type(value).__name__}")
            return {}
        for key in sorted(set(value) - allowed, key=str):
            self.add(where, f"unknown field '{key}'")
        for key in sorted(required - set(value)):
            self.add(where, f"missing field '{key}'")
        return value

    def string(self, value: Any, where: str, name: str, pattern: re.Pattern[str]) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.add(where, f"'{name}' {value!r} is not valid")
            return ""
        return value

    def texts(self, value: Any, where: str, name: str) -> dict[str, str]:
        if value is None:  # reported as a missing field already
            return {}
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, dict) or not value:
            self.add(where, f"'{name}' must be a text or a mapping of language to text")
            return {}
        result: dict[str, str] = {}
        for language, text in value.items():
            if not isinstance(language, str) or not LANGUAGE.match(language):
                self.add(where, f"'{name}' has an invalid language code {language!r}")
            elif not isinstance(text, str) or not text.strip():
                self.add(where, f"'{name}' in '{language}' is empty or not text")
            else:
                result[language] = text.strip()
        if "en" not in value:
            self.add(where, f"'{name}' has no English ('en') text")
        return result

    def rule(self, value: Any, where: str) -> Rule:
        if value is None:  # reported as a missing field already
            return Rule(question="", any_of=())
        mapping = self.mapping(value, f"{where}, rule", RULE_KEYS, RULE_KEYS)
        question = mapping.get("question")
        if not isinstance(question, str) or not re.match(r"^[a-z]+\.[a-z0-9_]+$", question):
            self.add(f"{where}, rule", f"'question' must be a question code such as 'cyber.backup', got {question!r}")
            question = ""
        any_of = mapping.get("any_of")
        if not isinstance(any_of, list) or not any_of or not all(isinstance(c, str) and CODE.match(c) for c in any_of):
            self.add(f"{where}, rule", "'any_of' must be a non-empty list of choice codes")
            any_of = []
        elif len(set(any_of)) != len(any_of):
            self.add(f"{where}, rule", "'any_of' lists a choice twice")
        return Rule(question=question, any_of=tuple(any_of))


def parse_indicator_catalogue(data: Any, path: str = "indicators.yaml") -> IndicatorCatalogue:
    """Validate the parsed indicator links; raise ``ReferenceDataError`` with every problem."""
    p = _Problems()
    top = p.mapping(data, "top", TOP_KEYS, TOP_KEYS)
    links: list[IndicatorLink] = []
    raw_links = top.get("links")
    if not isinstance(raw_links, list) or not raw_links:
        p.add("top", "'links' must be a non-empty list")
        raw_links = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_links, start=1):
        code = raw.get("code") if isinstance(raw, dict) else None
        where = f"link {code}" if isinstance(code, str) else f"link #{index}"
        mapping = p.mapping(raw, where, LINK_KEYS, LINK_KEYS - {"why"})
        code = p.string(mapping.get("code"), where, "code", CODE)
        if code in seen:
            p.add(where, "duplicate link code")
        seen.add(code)
        links.append(
            IndicatorLink(
                code=code,
                label=p.texts(mapping.get("label"), where, "label"),
                dataset=p.string(mapping.get("dataset"), where, "dataset", DATASET),
                indic_is=p.string(mapping.get("indic_is"), where, "indic_is", INDICATOR),
                rule=p.rule(mapping.get("rule"), where),
            )
        )
    dii = _parse_dii(p, top.get("digital_intensity"))
    if p.items:
        raise ReferenceDataError(path, p.items)
    return IndicatorCatalogue(links=tuple(links), digital_intensity=dii)


def _parse_dii(p: _Problems, raw: Any) -> DiiSpec:
    where = "digital_intensity"
    mapping = p.mapping(raw, where, DII_KEYS, DII_KEYS - {"why"})
    raw_bands = p.mapping(mapping.get("bands", {}), f"{where}, bands", set(DII_BANDS), set(DII_BANDS))
    bands = {band: p.string(raw_bands.get(band), f"{where}, bands", band, INDICATOR) for band in DII_BANDS}
    at_least_basic = p.string(mapping.get("at_least_basic"), where, "at_least_basic", INDICATOR)
    # Versions 3 and 4 score different technologies: one distribution must be one version.
    versions = {m.group(1) if (m := DII_VERSION.match(code)) else code for code in (*bands.values(), at_least_basic)}
    if len(versions) > 1:
        p.add(where, f"the band indicators mix DII versions ({', '.join(sorted(versions))})")
    items: list[DiiItem] = []
    raw_items = mapping.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        p.add(where, "'items' must be a non-empty list")
        raw_items = []
    elif len(raw_items) > DII_POINTS:
        p.add(where, f"the DII has {DII_POINTS} variables, 'items' lists {len(raw_items)}")
    seen: set[str] = set()
    for index, raw_item in enumerate(raw_items, start=1):
        code = raw_item.get("code") if isinstance(raw_item, dict) else None
        item_where = f"{where} item {code}" if isinstance(code, str) else f"{where} item #{index}"
        item = p.mapping(raw_item, item_where, ITEM_KEYS, ITEM_KEYS - {"why"})
        code = p.string(item.get("code"), item_where, "code", CODE)
        if code in seen:
            p.add(item_where, "duplicate item code")
        seen.add(code)
        variable = item.get("eurostat_variable")
        if not isinstance(variable, str) or not variable.strip():
            p.add(item_where, "'eurostat_variable' must name the DII variable")
            variable = ""
        items.append(
            DiiItem(
                code=code,
                label=p.texts(item.get("label"), item_where, "label"),
                eurostat_variable=variable.strip(),
                rule=p.rule(item.get("rule"), item_where),
            )
        )
    return DiiSpec(
        dataset=p.string(mapping.get("dataset"), where, "dataset", DATASET),
        bands=bands,
        at_least_basic=at_least_basic,
        items=tuple(items),
    )


def rule_problems(catalogue: IndicatorCatalogue, questions: Mapping[str, Collection[str]]) -> list[str]:
    """Rules that do not fit a questionnaire version, given its question code -> choice codes.

    A rule must name an existing question and only its own options: "don't know", "none of
    these" and "not applicable" never mean that a firm does something.
    """
    reserved = {DONT_KNOW, NONE_OF_THESE, NOT_APPLICABLE}
    problems: list[str] = []
    for where, rule in catalogue.rules():
        if rule.question not in questions:
            problems.append(f"{where}: no question '{rule.question}'")
            continue
        for code in rule.any_of:
            if code in reserved:
                problems.append(f"{where}: '{code}' cannot mean that the firm does it")
            elif code not in questions[rule.question]:
                problems.append(f"{where}: '{rule.question}' has no choice '{code}'")
    return problems


# --------------------------------------------------------------------------------------------
# The firm's side


def firm_does(rule: Rule | Mapping[str, Any], answers: Mapping[str, Sequence[str]]) -> bool | None:
    """Whether the answers say the firm does what ``rule`` describes.

    ``rule`` is a ``Rule`` or its mapping form ``{question: ..., any_of: [...]}``; ``answers``
    maps question codes to the selected choice codes. None when the question is unanswered or
    answered "not applicable"; "don't know" and "none of these" count as no.
    """
    if not isinstance(rule, Rule):
        rule = Rule(question=str(rule["question"]), any_of=tuple(rule["any_of"]))
    selected = answers.get(rule.question) or ()
    if not selected or NOT_APPLICABLE in selected:
        return None
    return any(code in rule.any_of for code in selected)


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
# Digital intensity, approximated


@dataclass(frozen=True)
class DiiItemResult:
    code: str
    label: dict[str, str]
    eurostat_variable: str
    does: bool | None  # None: unanswered or not applicable, left out of the estimate

    def label_text(self, language: str | None = None) -> str:
        return _text_in(self.label, language)


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
            does=firm_does(item.rule, answers),
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
    index = _FigureIndex(figures)
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


# --------------------------------------------------------------------------------------------
# Citing


# Figures that Eurostat publishes in an article rather than under a dataset code carry a code of
# ours (questionnaires/reference/README.md); pages name the article, never the invented code.
PUBLISHED_IN = {
    "ict_env_2022": _("Statistics Explained, \u201cICT in enterprises and the environment\u201d"),
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
