"""The PDF action plan: built with WeasyPrint, kept in storage, served to the firm's members.

- One HTML template (``assessments/pdf/action_plan.html``) and one stylesheet from the app's
  static files; charts are the results page's ``ChartSpec``s drawn as inline SVG on the server
  (``chart_svg``), so no browser is involved.
- Rendering never touches the network: ``StaticFilesOnlyFetcher`` serves the app's own static
  files and refuses every other URL, so a firm name carrying ``<img src="http://…">`` (escaped
  by the template anyway) can make nothing be fetched.
- A built PDF is stored (``default_storage``, so object storage in production) under a name
  derived from everything it shows: the assessment, the language, the content versions (the
  questionnaire is the assessment's; the action set through ``actions_generation``), the peer
  statistics in use, the firm's profile and the template. Any change gives a new name, the file
  is rebuilt once and the stale ones of that assessment are removed.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from questionnaires.official import OfficialRow
from questionnaires.scoring import LEVEL_LABELS, LEVEL_RANGES, LEVELS

from . import charts, selectors
from .chart_svg import svg_chart
from .models import Assessment
from .plans import ActionPlan, PillarPlan, action_plan_for

logger = logging.getLogger(__name__)

PDF_TEMPLATE = "assessments/pdf/action_plan.html"
PDF_STYLESHEET = "css/action-plan.css"
# The document's base URL. ".invalid" can never resolve (RFC 2606): it only gives relative
# URLs something to join to, and the fetcher maps ORIGIN/static/... to the static files.
ORIGIN = "https://readiness.invalid/"
STATIC_PREFIX = ORIGIN + "static/"
STORAGE_DIR = "action-plans"


class FetchRefused(ValueError):
    pass


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves ``https://readiness.invalid/static/<path>`` from the static files; refuses the rest.

    ``requested`` records every URL WeasyPrint asked for, for tests and logs.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.requested: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        self.requested.append(url)
        if not url.startswith(STATIC_PREFIX):
            raise FetchRefused(f"the action plan only loads the app's static files; refused {url[:200]!r}")
        relative = unquote(urlsplit(url).path).removeprefix("/static/")
        try:
            found = finders.find(relative) if relative and ".." not in Path(relative).parts else None
        except SuspiciousFileOperation:
            found = None
        if not found:
            raise FetchRefused(f"no such static file: {relative[:200]!r}")
        path = Path(found if isinstance(found, str) else found[0])
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


@dataclass(frozen=True)
class PillarSection:
    """One pillar's pages: its score and level, peers, official figures and plan."""

    code: str
    title: str
    description: str
    score: float | None
    level: str
    level_label: str
    level_range: tuple[float, float] | None
    applicable: int
    total: int
    peer: selectors.PeerRow | None
    official: tuple[OfficialRow, ...]
    plan: PillarPlan | None


@functools.cache
def _template_digest() -> str:
    return hashlib.sha256(get_template(PDF_TEMPLATE).template.source.encode()).hexdigest()[:16]


def document_identity(state: selectors.ResultsPageState, language: str) -> str:
    """Everything the PDF shows that can change, as one string (see the module docstring)."""
    parts = (
        state.assessment_id,
        language,
        state.actions_generation,
        selectors.peer_statistics_generation(),
        settings.BENCHMARK_MIN_GROUP,
        settings.BENCHMARK_DEMO_MODE,
        state.firm_updated_at,
        _template_digest(),
    )
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def action_plan_context(assessment: Assessment) -> dict[str, Any]:
    """Everything the PDF template reads, in the active language."""
    content_pillars = {p.code: p for p in selectors.version_content(assessment.version_id).pillars}
    answers = selectors.answers_of(assessment)
    pillar_rows = selectors.pillar_score_rows(assessment)
    peers = selectors.peer_comparison_for(assessment)
    official = selectors.official_comparison_for(assessment)
    plan: ActionPlan = action_plan_for(assessment, answers)
    peer_by_code = {row.code: row for row in peers.rows}
    radar = charts.radar_chart([row for row in peers.rows if row.code != "overall"], peers.label)
    sections = [
        PillarSection(
            code=row.code,
            title=row.title,
            description=content_pillars[row.code].description_text() if row.code in content_pillars else "",
            score=row.score,
            level=row.level,
            level_label=row.level_label,
            level_range=LEVEL_RANGES.get(row.level),
            applicable=row.applicable,
            total=row.total,
            peer=peer_by_code.get(row.code) if peers.scope else None,
            official=tuple(r for r in official.rows if r.question.split(".")[0] == row.code),
            plan=plan.pillar(row.code),
        )
        for row in pillar_rows
    ]
    return {
        "assessment": assessment,
        "firm": assessment.firm,
        "overall_level_label": LEVEL_LABELS.get(assessment.overall_level, ""),
        "pillar_rows": pillar_rows,
        "sections": sections,
        "peers": peers,
        "overall_peer": peer_by_code.get("overall") if peers.scope else None,
        "official": official,
        "plan": plan,
        "radar_svg": svg_chart(radar, width=620, height=400),
        "stylesheet_url": STATIC_PREFIX + PDF_STYLESHEET,
        "generated_on": timezone.localdate(),
        "levels": [(code, LEVEL_LABELS[code], LEVEL_RANGES[code]) for _low, code in reversed(LEVELS)],
        "min_group": settings.BENCHMARK_MIN_GROUP,
    }


def render_action_plan(assessment: Assessment, language: str) -> bytes:
    """The PDF of a submitted assessment in ``language``; no network, only the app's static files."""
    with translation.override(language):
        html = render_to_string(PDF_TEMPLATE, action_plan_context(assessment))
    fetcher = StaticFilesOnlyFetcher()
    pdf = HTML(string=html, base_url=ORIGIN, url_fetcher=fetcher).write_pdf()
    refused = [url for url in fetcher.requested if not url.startswith(STATIC_PREFIX)]
    if refused:
        logger.warning("action plan %s: refused to fetch %d URL(s)", assessment.pk, len(refused))
    return pdf


def _storage_dir(assessment_id: int, language: str) -> str:
    return f"{STORAGE_DIR}/{assessment_id}/{language}"


def cached_action_plan(user: Any, state: selectors.ResultsPageState, language: str) -> str:
    """The storage name of the assessment's PDF in ``language``, built if missing or stale.

    ``state`` comes from ``selectors.results_page_state`` (access already checked for ``user``).
    """
    directory = _storage_dir(state.assessment_id, language)
    name = f"{directory}/{document_identity(state, language)}.pdf"
    if default_storage.exists(name):
        return name
    pdf = render_action_plan(selectors.assessment_for(user, state.assessment_id), language)
    # Two requests may build the same file at once: the second keeps the first's, rather than
    # letting the storage invent another name.
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(pdf))
    _remove_stale(directory, keep=name)
    return name


def _remove_stale(directory: str, keep: str) -> None:
    """Older builds of the same assessment and language: they can never be served again."""
    try:
        _dirs, files = default_storage.listdir(directory)
    except (FileNotFoundError, NotImplementedError):
        return
    for file_name in files:
        name = f"{directory}/{file_name}"
        if name != keep:
            default_storage.delete(name)


def download_name(firm_name: str, submitted_on: Any) -> str:
    """``readiness-action-plan-<firm>-<YYYY-MM-DD>.pdf``: ASCII, safe in any header."""
    slug = slugify(firm_name)[:60].strip("-") or "firm"
    return f"readiness-action-plan-{slug}-{submitted_on.isoformat()}.pdf"
