"""The PDF action plan: built with WeasyPrint, kept in storage, served to the firm's members.

- One HTML template (``assessments/pdf/action_plan.html``) and one stylesheet from the app's
  static files; charts are the results page's ``ChartSpec``s drawn as inline SVG on the server
  (``charts.svg``), so no browser is involved.
- Rendering never touches the network: ``StaticFilesOnlyFetcher`` serves the app's own static
  files and refuses every other URL, so a firm name carrying ``<img src="http://…">`` (escaped
  by the template anyway) can make nothing be fetched.
- A built PDF is stored (``default_storage``, so object storage in production) under a name
  derived from everything it shows: the assessment, the language, the content versions (the
  questionnaire is the assessment's; the action set and translations through
  ``content_generation``), the peer statistics in use, the firm's profile and the template. Any
  change gives a new name, the file is rebuilt once and the stale ones of that assessment are
  removed.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import mimetypes
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from questionnaires.official import OfficialRow
from questionnaires.scoring import LEVEL_LABELS, level_table
from questionnaires.selectors import PolicyExampleView, version_content

from . import selectors
from .charts import spec as charts
from .charts.svg import svg_chart
from .models import Assessment
from .plans import ActionPlan, AnswerShown, PillarPlan, PlanItem, action_plan_for
from .team.selectors import team_findings

logger = logging.getLogger(__name__)

PDF_TEMPLATE = "assessments/pdf/action_plan.html"
PDF_APPENDIX = "assessments/pdf/_appendix.html"
PDF_APPENDIX_DOCUMENT = "assessments/pdf/appendix_document.html"
# The templates it includes or merges in, part of the file name too.
PDF_INCLUDES = ("assessments/_team_finding.html", PDF_APPENDIX, PDF_APPENDIX_DOCUMENT, "readiness/_seed_documents.html")
APPENDIX_LAYOUTS_KEPT = 16  # per thread: languages × content versions × page numbers in use
PDF_STYLESHEET = "css/action-plan.css"
# The document's base URL. ".invalid" can never resolve (RFC 2606): it only gives relative
# URLs something to join to, and the fetcher maps ORIGIN/static/... to the static files.
ORIGIN = "https://readiness.invalid/"
STATIC_PREFIX = ORIGIN + "static/"
STORAGE_DIR = "action-plans"
BETWEEN_TAGS = re.compile(r">\s+<")
# A plan a manager reads, not an inventory (and built within the 1 s budget, which grows with
# the text): per pillar, the costliest answers and the first actions in full, further actions by
# title (all are on the results page), and the policy examples behind them with their citations.
GAP_ANSWERS_SHOWN = 3
ACTIONS_IN_FULL = 1
ACTIONS_LISTED = 5  # after those in full; the rest are counted ("and 3 more on your results page")
EXAMPLES_SHOWN = 3  # those behind the pillar's first actions come first


class FetchRefused(ValueError):
    pass


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves ``https://readiness.invalid/static/<path>`` from the static files; refuses the rest.

    ``requested`` records every URL WeasyPrint asked for, for tests and logs.
    """

    def __init__(self) -> None:
        # Not URLFetcher.__init__: it builds urllib openers and an SSL context (50 ms) that
        # this fetcher never uses. WeasyPrint reads only ``_fail_on_errors`` of a fetcher.
        self._fail_on_errors = False
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
    score: float | None
    level: str
    level_label: str
    applicable: int
    total: int
    peer: selectors.PeerRow | None
    official: tuple[OfficialRow, ...]
    plan: PillarPlan | None
    examples: tuple[PolicyExampleView, ...] = ()
    gap_answers: tuple[AnswerShown, ...] = ()
    actions_in_full: tuple[PlanItem, ...] = ()
    actions_listed: tuple[PlanItem, ...] = ()
    actions_not_shown: int = 0


@functools.cache
def _stylesheet() -> CSS:
    """The PDF's stylesheet, fetched and parsed once per process (as ``_template_digest`` reads
    it once): each build re-reading it cost 4 % of the build."""
    return CSS(url=STATIC_PREFIX + PDF_STYLESHEET, url_fetcher=StaticFilesOnlyFetcher())


_per_thread = threading.local()


def _font_config() -> FontConfiguration:
    """The fonts, loaded once per thread and kept: a fresh ``FontConfiguration`` per build (the
    default) loads Fontconfig's list again and starts Pango's font and glyph caches cold, about
    a sixth of a build. Per thread, as Pango's font map is not thread-safe; the PDF loads no
    web font (no ``@font-face``), so nothing of one document stays in it for the next."""
    config = getattr(_per_thread, "font_config", None)
    if config is None:
        config = _per_thread.font_config = FontConfiguration()
    return config


def _laid_out(html: str, fetcher: StaticFilesOnlyFetcher) -> Document:
    # The template's indentation becomes thousands of whitespace boxes; between tags one space
    # renders the same (no <pre> here) and the layout is markedly faster.
    return HTML(string=BETWEEN_TAGS.sub("> <", html), base_url=ORIGIN, url_fetcher=fetcher).render(
        stylesheets=[_stylesheet()], font_config=_font_config()
    )


def _appendix_layout(appendix: str, first_page: int, total_pages: int, fetcher: StaticFilesOnlyFetcher) -> Document:
    """The appendix (method and sources) laid out as a document of its own, its pages numbered
    from ``first_page`` of ``total_pages``, in the active language.

    It is the same for every firm (the content versions and sources in it are part of
    ``appendix``, the rendered text), so its layout is kept, per thread (WeasyPrint's pages hold
    Pango layouts, which are not thread-safe), for the next plans: about a tenth of a build."""
    layouts: OrderedDict[tuple[str | None, str, int, int], Document] | None = getattr(
        _per_thread, "appendix_layouts", None
    )
    if layouts is None:
        layouts = _per_thread.appendix_layouts = OrderedDict()
    key = (translation.get_language(), appendix, first_page, total_pages)
    document = layouts.get(key)
    if document is None:
        context = {"appendix": appendix, "first_page": first_page, "total_pages": total_pages}
        document = layouts[key] = _laid_out(render_to_string(PDF_APPENDIX_DOCUMENT, context), fetcher)
        while len(layouts) > APPENDIX_LAYOUTS_KEPT:
            layouts.popitem(last=False)
    else:
        layouts.move_to_end(key)
    return document


def _action_plan_document(context: dict[str, Any], fetcher: StaticFilesOnlyFetcher) -> Document:
    """The plan laid out, its appendix's pages merged in from ``_appendix_layout``.

    The plan is laid out with as many empty pages as the appendix takes in its place, so that
    every footer counts the pages right; those are then replaced by the appendix's own, numbered
    where they fall (WeasyPrint's documented way of joining documents: ``copy`` with the pages)."""
    appendix = render_to_string(PDF_APPENDIX, context)
    appendix_pages = len(_appendix_layout(appendix, 1, 1, fetcher).pages)
    plan = _laid_out(render_to_string(PDF_TEMPLATE, {**context, "appendix_pages": range(appendix_pages)}), fetcher)
    total = len(plan.pages)
    layout = _appendix_layout(appendix, total - appendix_pages + 1, total, fetcher)
    if total <= appendix_pages or len(layout.pages) != appendix_pages:  # never seen; as it was
        return _laid_out(render_to_string(PDF_TEMPLATE, context), fetcher)
    return plan.copy(plan.pages[: total - appendix_pages] + layout.pages)


@functools.cache
def _template_digest() -> str:
    """Part of the file name: a deploy that changes the template or stylesheet rebuilds."""
    stylesheet = Path(finders.find(PDF_STYLESHEET)).read_bytes()
    sources = "".join(get_template(name).template.source for name in (PDF_TEMPLATE, *PDF_INCLUDES))
    return hashlib.sha256(sources.encode() + stylesheet).hexdigest()[:16]


def document_identity(state: selectors.ResultsPageState, language: str) -> str:
    """Everything the PDF shows that can change, as one string (see the module docstring)."""
    parts = (
        state.assessment_id,
        language,
        state.content_generation,
        state.peer_generation,
        settings.BENCHMARK_MIN_GROUP,
        settings.BENCHMARK_DEMO_MODE,
        state.firm_updated_at,
        state.assessment_updated_at,  # evidence and verification marks
        _template_digest(),
    )
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def action_plan_context(assessment: Assessment) -> dict[str, Any]:
    """Everything the PDF template reads, in the active language."""
    answers = selectors.answers_of(assessment)
    peers = selectors.peer_comparison_for(assessment)
    official = selectors.official_comparison_for(assessment)
    team = team_findings(assessment)
    plan: ActionPlan = action_plan_for(
        assessment, answers, unknown_to_team=team.widely_unknown if team else frozenset()
    )
    trust_rows = selectors.trust_rows(assessment)
    radar = charts.radar_chart([row for row in peers.rows if row.code != "overall"], peers.label)
    return {
        "assessment": assessment,
        "firm": assessment.firm,
        "overall_level_label": LEVEL_LABELS.get(assessment.overall_level, ""),
        "sections": _pillar_sections(assessment, peers, official, plan),
        "peers": peers,
        "official": official,
        "plan": plan,
        "radar_svg": svg_chart(radar, width=620, height=400),
        "generated_on": timezone.localdate(),
        "levels": level_table(),
        "min_group": settings.BENCHMARK_MIN_GROUP,
        "team": team,
        "trust": selectors.trust_summary(trust_rows),
    }


def _pillar_sections(
    assessment: Assessment, peers: selectors.PeerComparison, official: selectors.OfficialComparison, plan: ActionPlan
) -> list[PillarSection]:
    peer_rows = {row.code: row for row in peers.rows} if peers.scope else {}
    sections = []
    for row in selectors.pillar_score_rows(assessment):
        pillar_plan = plan.pillar(row.code)
        items = pillar_plan.items if pillar_plan else ()
        sections.append(
            PillarSection(
                code=row.code,
                title=row.title,
                score=row.score,
                level=row.level,
                level_label=row.level_label,
                applicable=row.applicable,
                total=row.total,
                peer=peer_rows.get(row.code),
                official=tuple(r for r in official.rows if r.question.split(".")[0] == row.code),
                plan=pillar_plan,
                gap_answers=(pillar_plan.gap_answers if pillar_plan else ())[:GAP_ANSWERS_SHOWN],
                actions_in_full=items[:ACTIONS_IN_FULL],
                actions_listed=items[ACTIONS_IN_FULL : ACTIONS_IN_FULL + ACTIONS_LISTED],
                actions_not_shown=max(0, len(items) - ACTIONS_IN_FULL - ACTIONS_LISTED),
                examples=(pillar_plan.policy_examples if pillar_plan else ())[:EXAMPLES_SHOWN],
            )
        )
    return sections


def render_action_plan(assessment: Assessment, language: str) -> bytes:
    """The PDF of a submitted assessment in ``language``; no network, only the app's static files."""
    fetcher = StaticFilesOnlyFetcher()
    # WeasyPrint allocates hundreds of thousands of short-lived objects: the cyclic collector
    # would scan them again and again (about a tenth of the build). Reference counting frees
    # them all the same; the collector runs again right after.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with translation.override(language):
            pdf = _action_plan_document(action_plan_context(assessment), fetcher).write_pdf()
    finally:
        if gc_was_enabled:
            gc.enable()
    refused = [url for url in fetcher.requested if not url.startswith(STATIC_PREFIX)]
    if refused:
        logger.warning("action plan %s: refused to fetch %d URL(s)", assessment.pk, len(refused))
    return pdf


def html_to_pdf(html: str) -> bytes:
    """A PDF of other pages (an agency's impact report), with the same rules: the app's static
    files only, nothing from the network."""
    return HTML(string=BETWEEN_TAGS.sub("> <", html), base_url=ORIGIN, url_fetcher=StaticFilesOnlyFetcher()).write_pdf()


def _storage_dir(assessment_id: int, language: str) -> str:
    return f"{STORAGE_DIR}/{assessment_id}/{language}"


def _file_name(state: selectors.ResultsPageState, language: str) -> str:
    return f"{_storage_dir(state.assessment_id, language)}/{document_identity(state, language)}.pdf"


def stored_action_plan(state: selectors.ResultsPageState, language: str) -> str | None:
    """The storage name of the assessment's current PDF in ``language``, if it is built."""
    name = _file_name(state, language)
    return name if default_storage.exists(name) else None


def cached_action_plan(
    user: Any, state: selectors.ResultsPageState, language: str, load: Callable[[], Assessment] | None = None
) -> str:
    """The storage name of the assessment's PDF in ``language``, built if missing or stale.

    ``state`` comes from ``selectors.results_page_state`` (access already checked for ``user``);
    ``load`` fetches the assessment for a build (default: as a member of its firm). The worker
    calls this (``plan_delivery``); a request only when no worker is running.
    """
    name = _file_name(state, language)
    if default_storage.exists(name):
        return name
    assessment = load() if load else selectors.assessment_for(user, state.assessment_id)
    # The file is named for the texts revision in ``state``: render with texts at least as new.
    version_content(state.version_id, texts_revision=state.texts_revision)
    pdf = render_action_plan(assessment, language)
    # Two builds of the same file may run at once: the second keeps the first's, rather than
    # letting the storage invent another name.
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(pdf))
    _remove_stale(_storage_dir(state.assessment_id, language), keep=name)
    return name


def stored_plan_languages() -> dict[int, list[str]]:
    """Assessment id -> the languages its PDF is kept in (whether current or stale)."""
    try:
        assessment_dirs, _files = default_storage.listdir(STORAGE_DIR)
    except (FileNotFoundError, NotImplementedError):
        return {}
    stored: dict[int, list[str]] = {}
    for directory in assessment_dirs:
        if not directory.isdigit():
            continue
        languages, _files = default_storage.listdir(f"{STORAGE_DIR}/{directory}")
        kept = [
            language for language in languages if default_storage.listdir(f"{STORAGE_DIR}/{directory}/{language}")[1]
        ]
        if kept:
            stored[int(directory)] = sorted(kept)
    return stored


def _remove_stale(directory: str, keep: str) -> None:
    """Older builds of the same assessment and language: they can never be served again."""
    _delete_files(directory, keep=keep)


def _delete_files(directory: str, keep: str | None = None) -> int:
    """Delete the files of one storage directory (but ``keep``); returns how many went."""
    try:
        _dirs, files = default_storage.listdir(directory)
    except (FileNotFoundError, NotImplementedError):
        return 0
    removed = 0
    for file_name in files:
        name = f"{directory}/{file_name}"
        if name != keep:
            default_storage.delete(name)
            removed += 1
    return removed


def stored_plans_delete(assessment_ids: list[int]) -> int:
    """Remove every stored PDF (all languages) of these assessments; returns the files removed."""
    removed = 0
    for assessment_id in assessment_ids:
        base = f"{STORAGE_DIR}/{assessment_id}"
        try:
            languages, _files = default_storage.listdir(base)
        except (FileNotFoundError, NotImplementedError):
            continue
        removed += sum(_delete_files(f"{base}/{language}") for language in languages)
    return removed


def file_response(name: str, state: selectors.ResultsPageState) -> FileResponse:
    """The stored PDF ``name`` as an attachment named after the firm and the submission date."""
    submitted_on = timezone.localdate(state.submitted_at) if state.submitted_at else timezone.localdate()
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=download_name(state.firm_name, submitted_on),
        content_type="application/pdf",
    )


def download_name(firm_name: str, submitted_on: Any) -> str:
    """``readiness-action-plan-<firm>-<YYYY-MM-DD>.pdf``: ASCII, safe in any header."""
    slug = slugify(firm_name)[:60].strip("-") or "firm"
    return f"readiness-action-plan-{slug}-{submitted_on.isoformat()}.pdf"
