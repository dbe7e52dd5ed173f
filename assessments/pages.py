"""Pages built once and served many times: the questionnaire page and the results page.

Both are the hottest pages of a firm's journey and have throughput budgets (``bench/``).
Each is rendered from its template once — the questionnaire page per version, pillar and
language, the results page's frame per language — with markers where one request's values go
(``questionnaires.rendering``), and filled per request. Everything that differs between
requests is a slot: the templates (``assessments/pillar.html``, ``assessments/results.html``)
must use no other per-request variable.

The body of a results page — a submitted assessment never changes — is rendered once per
assessment, language and peer-statistics refresh and kept in the cache.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from questionnaires.rendering import (
    Fragment,
    cached_fragment,
    fill_fragment_bytes,
    question_items,
    render_fragment,
    slot_marker,
)
from questionnaires.scoring import LEVEL_LABELS
from questionnaires.selectors import PillarView, VersionContent, version_content
from readiness.csrf import form_token

from . import plan_delivery, selectors
from .charts import spec as charts
from .charts.plotly_figures import plotly_figure
from .plans import action_plan_for
from .team.selectors import team_findings

RESULTS_CACHE_SECONDS = 24 * 3600
# How often the action plan's progress page checks back (its script, or a refresh without one).
PLAN_PAGE_REFRESH_SECONDS = 2
RESULTS_BODY_TEMPLATES = (
    "assessments/_results_body.html",
    "assessments/_chart.html",
    "assessments/_action_item.html",
    "assessments/_team_and_trust.html",
    "assessments/_team_finding.html",
)


@functools.cache
def _results_templates_digest() -> str:
    """Part of the results cache key, so a deploy that changes the page never serves old HTML
    from a cache shared between releases."""
    sources = (get_template(name).template.source for name in RESULTS_BODY_TEMPLATES)
    return hashlib.sha256("".join(sources).encode()).hexdigest()[:16]


def _frame_context(*slots: str) -> dict[str, Any]:
    """What base.html reads of the request, as slots, plus the page's own slots."""
    return {
        "user": {"is_authenticated": True, "email": slot_marker("user_email")},
        "csrf_token": slot_marker("csrf_token"),
        **{f"slot_{name}": slot_marker(name) for name in ("messages", "email_notice", *slots)},
    }


def _frame_slots(request: HttpRequest) -> dict[str, str]:
    pending = messages.get_messages(request)
    return {
        "csrf_token": escape(form_token(request)),
        "user_email": escape(getattr(request.user, "email", "")),
        "messages": render_to_string("_messages.html", {"messages": pending}) if pending else "",
        # The account's own notice (base.html shows it on every other page), never the shared copy's.
        "email_notice": render_to_string("registration/_confirm_email_notice.html", request=request)
        if request.user.is_authenticated and not getattr(request.user, "email_confirmed_at", None)
        else "",
    }


def pillar_page_fragment(
    content: VersionContent, pillar: PillarView, language: str, asked: tuple[str, ...] = ()
) -> Fragment:
    """The page, rendered once per version, pillar and language; ``asked`` (a team respondent's
    pages, in questionnaire order; empty: all) limits its steps and question count to those."""
    pillars = tuple(p for p in content.pillars if not asked or p.code in asked)

    def build() -> Fragment:
        codes = tuple(p.code for p in pillars)
        index = codes.index(pillar.code)
        with translation.override(language):
            return render_fragment(
                "assessments/pillar.html",
                {
                    "pillar": pillar,
                    "pillars": pillars,
                    "questions": question_items(pillar, language),
                    "step": index + 1,
                    "steps": len(codes),
                    "previous_code": codes[index - 1] if index > 0 else None,
                    "next_code": codes[index + 1] if index + 1 < len(codes) else None,
                    "question_total": sum(len(p.questions) for p in pillars),
                    "for_respondent": bool(asked),
                    **_frame_context("notices", "answered", "percent", "loaded"),
                },
            )

    key = ("pillar-page", content.id, content.texts_revision, pillar.code, language, asked)
    return cached_fragment(key, build, content.is_published)


def questionnaire_page_html(
    request: HttpRequest,
    *,
    content: VersionContent,
    pillar: PillarView,
    selected: Mapping[str, Collection[str]],
    errors: Mapping[str, str] | None = None,
    error_items: list[tuple[str, str, str]] | None = None,
    has_prefilled: bool = False,
    loaded: str = "",
    notice_html: str = "",
    asked: tuple[str, ...] = (),
) -> bytes:
    """One questionnaire page filled with a request's values, as the response's bytes.

    ``notice_html``: a notice above the questions (a team respondent's: for whom they answer);
    ``asked``: the pages a team respondent was asked (``pillar_page_fragment``).

    ``loaded`` is the page's marker of the answers it showed when first opened
    (``forms.loaded_answers_encode``); saving compares against it.
    """
    language = translation.get_language() or "en"
    fragment = pillar_page_fragment(content, pillar, language, asked)
    # Every key of ``selected`` is a question of this version (answers are validated on save).
    answered = sum(1 for codes in selected.values() if codes)
    total = max(content.question_count(), 1)
    if asked:  # a team respondent: their pages only (the hot path above stays as it was)
        on_pages = {q.code for p in content.pillars if p.code in asked for q in p.questions}
        answered = sum(1 for code, codes in selected.items() if codes and code in on_pages)
        total = max(len(on_pages), 1)
    notices = notice_html
    if error_items or has_prefilled:
        notices += render_to_string(
            "assessments/_page_notices.html", {"error_items": error_items or [], "has_prefilled": has_prefilled}
        )
    return fill_fragment_bytes(
        fragment,
        slots={
            **_frame_slots(request),
            "notices": notices,
            "answered": str(answered),
            "percent": str(round(100 * answered / total)),
            "loaded": escape(loaded),
        },
        selected=selected,
        errors=errors,
    )


def _results_frame(language: str) -> Fragment:
    def build() -> Fragment:
        with translation.override(language):
            return render_fragment("assessments/results.html", _frame_context("body"))

    return cached_fragment(("results-frame", language), build, True)


def results_page_html(
    request: HttpRequest, state: selectors.ResultsPageState, load: Callable[[], Any] | None = None
) -> bytes:
    """The results page of a submitted assessment the user may see (``state`` says so), as bytes.

    ``load`` fetches the assessment on a cache miss: by default as a member of its firm; an
    advisor's view passes the assessment it already checked.
    """
    language = translation.get_language() or "en"
    identity = "|".join(
        str(part)
        for part in (
            state.assessment_id,
            language,
            _results_templates_digest(),
            state.peer_generation,
            settings.BENCHMARK_MIN_GROUP,
            settings.BENCHMARK_DEMO_MODE,
            # A renamed firm or a changed demo label shows at once.
            state.firm_updated_at,
            state.content_generation,
            # Evidence noted or an advisor's verification after submission shows at once.
            state.assessment_updated_at,
        )
    )
    key = f"results:{state.assessment_id}:{hashlib.sha256(identity.encode()).hexdigest()}"
    body = cache.get(key)
    if body is None:
        assessment = load() if load else selectors.assessment_for(request.user, state.assessment_id)
        # The body is cached for the texts revision in ``state``: render with texts at least as new.
        version_content(state.version_id, texts_revision=state.texts_revision)
        # Kept encoded: the cache hands bytes back without decoding them, nor the response encoding.
        body = _results_body(assessment).encode()
        cache.set(key, body, timeout=RESULTS_CACHE_SECONDS)
    return fill_fragment_bytes(_results_frame(language), slots={**_frame_slots(request), "body": body})


def _results_charts(
    peers: selectors.PeerComparison, history: list[selectors.HistoryPoint], pillar_rows: list[Any]
) -> dict[str, tuple[charts.ChartSpec, dict[str, Any]]]:
    """The results page's charts, from the same numbers as its tables."""
    overall = next((row for row in peers.rows if row.code == "overall"), None)
    specs = {
        "radar": charts.radar_chart([row for row in peers.rows if row.code != "overall"], peers.label),
        "percentile": charts.percentile_chart(overall.percentile if overall else None, peers.label),
        "quartiles": charts.quartile_chart(peers.rows),
        "history": charts.history_chart(
            [
                charts.ScoresOnDate(timezone.localdate(point.submitted_at).isoformat(), point.overall, point.pillars)
                for point in history
            ],
            [(row.code, row.title) for row in pillar_rows],
        ),
    }
    return {name: (spec, plotly_figure(spec)) for name, spec in specs.items()}


def _results_body(assessment: Any) -> str:
    history = selectors.history_until(assessment)
    pillar_rows = selectors.pillar_score_rows(assessment)
    peers = selectors.peer_comparison_for(assessment)
    trust_rows = selectors.trust_rows(assessment)
    team = team_findings(assessment)
    return render_to_string(
        "assessments/_results_body.html",
        {
            "assessment": assessment,
            "firm": assessment.firm,
            "overall_level_label": LEVEL_LABELS.get(assessment.overall_level, ""),
            "pillar_rows": pillar_rows,
            "peers": peers,
            "charts": _results_charts(peers, history, pillar_rows),
            "history": history,
            "changes": selectors.changes_since_previous(history, assessment),
            "version_change": selectors.version_change(history),
            "official": selectors.official_comparison_for(assessment),
            "dma": selectors.dma_view_for(assessment),
            "plan": action_plan_for(assessment, unknown_to_team=team.widely_unknown if team else frozenset()),
            "team": team,
            "trust": selectors.trust_summary(trust_rows),
            "trust_rows": trust_rows,
        },
    )


def action_plan_download(
    request: HttpRequest,
    state: selectors.ResultsPageState,
    load: Callable[[], Any] | None = None,
    served: Callable[[], None] | None = None,
) -> HttpResponse:
    """The PDF action plan if it is built; otherwise a progress page while the worker builds it.

    ``?status=1`` answers the progress page's script with JSON instead. ``served`` runs when the
    file is actually sent (an advisor's access log records downloads, not the waiting).
    """
    language = translation.get_language() or settings.LANGUAGE_CODE
    if request.GET.get("status"):
        found = plan_delivery.plan_or_pending(request.user, state, language, load)
        if isinstance(found, plan_delivery.PlanPending):
            return JsonResponse({"ready": False, "building": found.building, "ahead": found.ahead})
        return JsonResponse({"ready": True, "url": request.path})
    found = plan_delivery.plan_file_or_pending(request.user, state, language, load)
    if not isinstance(found, plan_delivery.PlanPending):
        if served is not None:
            served()
        return found
    response = render(
        request,
        "assessments/action_plan_pending.html",
        {"pending": found, "pdf_url": request.path, "refresh_seconds": PLAN_PAGE_REFRESH_SECONDS},
        status=202,
    )
    response["Retry-After"] = str(PLAN_PAGE_REFRESH_SECONDS)
    return response
