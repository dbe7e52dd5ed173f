"""Pages built once and served many times: the questionnaire page and the results body.

The questionnaire page is built once per version, pillar and language and filled per request.

See ``questionnaires.rendering`` for the mechanism and why. Everything that differs between
requests is a slot filled in ``questionnaire_page_html``; the template
(``assessments/pillar.html``) must therefore use no other per-request variable.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from questionnaires.rendering import (
    Fragment,
    cached_fragment,
    fill_fragment,
    question_items,
    render_fragment,
    slot_marker,
)
from questionnaires.scoring import LEVEL_LABELS
from questionnaires.selectors import PillarView, VersionContent

from . import selectors
from .models import Assessment

SLOTS = ("csrf_token", "user_email", "messages", "notices", "answered", "percent")
RESULTS_CACHE_SECONDS = 24 * 3600


def pillar_page_fragment(content: VersionContent, pillar: PillarView, language: str) -> Fragment:
    def build() -> Fragment:
        codes = content.pillar_codes()
        index = codes.index(pillar.code)
        with translation.override(language):
            return render_fragment(
                "assessments/pillar.html",
                {
                    "pillar": pillar,
                    "pillars": content.pillars,
                    "questions": question_items(pillar, language),
                    "step": index + 1,
                    "steps": len(codes),
                    "previous_code": codes[index - 1] if index > 0 else None,
                    "next_code": codes[index + 1] if index + 1 < len(codes) else None,
                    "question_total": content.question_count(),
                    # What base.html reads of the request, as slots:
                    "user": {"is_authenticated": True, "email": slot_marker("user_email")},
                    "csrf_token": slot_marker("csrf_token"),
                    **{f"slot_{name}": slot_marker(name) for name in ("messages", "notices", "answered", "percent")},
                },
            )

    return cached_fragment(("pillar-page", content.id, pillar.code, language), build, content.is_published)


def questionnaire_page_html(
    request: HttpRequest,
    *,
    content: VersionContent,
    pillar: PillarView,
    selected: Mapping[str, Collection[str]],
    errors: Mapping[str, str] | None = None,
    error_items: list[tuple[str, str, str]] | None = None,
    has_prefilled: bool = False,
) -> str:
    language = translation.get_language() or "en"
    fragment = pillar_page_fragment(content, pillar, language)
    # Every key of ``selected`` is a question of this version (answers are validated on save).
    answered = sum(1 for codes in selected.values() if codes)
    total = max(content.question_count(), 1)
    notices = ""
    if error_items or has_prefilled:
        notices = render_to_string(
            "assessments/_page_notices.html", {"error_items": error_items or [], "has_prefilled": has_prefilled}
        )
    pending = messages.get_messages(request)
    return fill_fragment(
        fragment,
        slots={
            "csrf_token": escape(get_token(request)),
            "user_email": escape(getattr(request.user, "email", "")),
            "messages": render_to_string("_messages.html", {"messages": pending}) if pending else "",
            "notices": notices,
            "answered": str(answered),
            "percent": str(round(100 * answered / total)),
        },
        selected=selected,
        errors=errors,
    )


def results_body_html(assessment: Assessment) -> SafeString:
    """The body of a submitted assessment's results page, from the cache when possible.

    A submitted assessment never changes, nor does its history up to it; what can change is
    the peer statistics (refreshed), the firm's profile (name, demo label), the minimum group
    size and demo mode. All of these are in the cache key, so a stale page is never served.
    """
    language = translation.get_language() or "en"
    key = ":".join(
        str(part)
        for part in (
            "results",
            assessment.pk,
            language,
            selectors.peer_statistics_generation(),
            settings.BENCHMARK_MIN_GROUP,
            settings.BENCHMARK_DEMO_MODE,
            assessment.firm.updated_at.timestamp(),
        )
    )
    html = cache.get(key)
    if html is None:
        history = selectors.history_until(assessment)
        html = render_to_string(
            "assessments/_results_body.html",
            {
                "assessment": assessment,
                "firm": assessment.firm,
                "overall_level_label": LEVEL_LABELS.get(assessment.overall_level, ""),
                "pillar_rows": selectors.pillar_score_rows(assessment),
                "peers": selectors.peer_comparison_for(assessment),
                "history": history,
                "changes": selectors.changes_since_previous(history, assessment),
            },
        )
        cache.set(key, html, timeout=RESULTS_CACHE_SECONDS)
    return mark_safe(html)  # rendered template output, escaped there
