"""The questionnaire page, built once per version, pillar and language and filled per request.

See ``questionnaires.rendering`` for the mechanism and why. Everything that differs between
requests is a slot filled in ``questionnaire_page_html``; the template
(``assessments/pillar.html``) must therefore use no other per-request variable.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.contrib import messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from questionnaires.rendering import (
    Fragment,
    cached_fragment,
    fill_fragment,
    question_items,
    render_fragment,
    slot_marker,
)
from questionnaires.selectors import PillarView, VersionContent

SLOTS = ("csrf_token", "user_email", "messages", "notices", "answered", "percent")


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
