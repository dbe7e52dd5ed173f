"""Constants, labels and the figure record shared by the official-statistics modules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..loader import ContentError

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


def text_in(texts: Mapping[str, str], language: str | None) -> str:
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
