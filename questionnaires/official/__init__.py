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

The package is split by topic: ``common`` (constants, labels, ``Figure``), ``catalogue``
(the indicator links and their rules), ``lookup`` (the fallback chain and the figure index),
``comparison`` (the rows beside a firm's answers, and the acknowledgement line) and
``intensity`` (the digital-intensity approximation).
"""

from __future__ import annotations

from .catalogue import (
    DII_KEYS,
    ITEM_KEYS,
    LINK_KEYS,
    RULE_KEYS,
    TOP_KEYS,
    DiiItem,
    DiiSpec,
    IndicatorCatalogue,
    IndicatorLink,
    Rule,
    firm_does,
    parse_indicator_catalogue,
    rule_answered,
    rule_problems,
)
from .common import (
    ALL_ACTIVITIES,
    ALL_SIZES_OF_CLASS,
    CODE,
    DATASET,
    DII_APPROXIMATION_NOTE,
    DII_BAND_FLOORS,
    DII_BAND_LABELS,
    DII_BANDS,
    DII_POINTS,
    DII_VERSION,
    EU27,
    FLAG,
    FLAG_LABELS,
    GEO,
    INDICATOR,
    ISO_TO_EUROSTAT_GEO,
    KNOWN_SIZE_EMP,
    LANGUAGE,
    MICRO_NOTE,
    NACE,
    SCOPE_COUNTRY_ALL,
    SCOPE_COUNTRY_SIZE,
    SCOPE_EU_ALL,
    SCOPE_EU_SIZE,
    SCOPE_LABELS,
    SIZE_CLASSES,
    SIZE_EMP_OF_CLASS,
    SME_SCOPE_LABELS,
    Figure,
    ReferenceDataError,
    scope_label,
)
from .comparison import (
    PUBLISHED_IN,
    OfficialRow,
    official_comparison,
    source_line,
    source_line_for,
    source_name,
)
from .intensity import (
    DigitalIntensity,
    DiiDistribution,
    DiiItemResult,
    digital_intensity,
    dii_band,
    dii_distribution,
)
from .lookup import LookupStep, eurostat_geo, lookup_steps, reference_scope

__all__ = [
    "ALL_ACTIVITIES",
    "ALL_SIZES_OF_CLASS",
    "CODE",
    "DATASET",
    "DII_APPROXIMATION_NOTE",
    "DII_BANDS",
    "DII_BAND_FLOORS",
    "DII_BAND_LABELS",
    "DII_KEYS",
    "DII_POINTS",
    "DII_VERSION",
    "EU27",
    "FLAG",
    "FLAG_LABELS",
    "GEO",
    "INDICATOR",
    "ISO_TO_EUROSTAT_GEO",
    "ITEM_KEYS",
    "KNOWN_SIZE_EMP",
    "LANGUAGE",
    "LINK_KEYS",
    "MICRO_NOTE",
    "NACE",
    "PUBLISHED_IN",
    "RULE_KEYS",
    "SCOPE_COUNTRY_ALL",
    "SCOPE_COUNTRY_SIZE",
    "SCOPE_EU_ALL",
    "SCOPE_EU_SIZE",
    "SCOPE_LABELS",
    "SIZE_CLASSES",
    "SIZE_EMP_OF_CLASS",
    "SME_SCOPE_LABELS",
    "TOP_KEYS",
    "DigitalIntensity",
    "DiiDistribution",
    "DiiItem",
    "DiiItemResult",
    "DiiSpec",
    "Figure",
    "IndicatorCatalogue",
    "IndicatorLink",
    "LookupStep",
    "OfficialRow",
    "ReferenceDataError",
    "Rule",
    "digital_intensity",
    "dii_band",
    "dii_distribution",
    "eurostat_geo",
    "firm_does",
    "lookup_steps",
    "official_comparison",
    "parse_indicator_catalogue",
    "reference_scope",
    "rule_answered",
    "rule_problems",
    "scope_label",
    "source_line",
    "source_line_for",
    "source_name",
]
