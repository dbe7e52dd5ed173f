"""Which content texts still lack a translation, per language and content version (read only).

The content's source language is English; every other language of ``settings.LANGUAGES`` is
expected for every text. A missing one falls back to English on the page and in the PDF
(``models.translated``), so nothing breaks, but the firm reads English.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

from .loader import SOURCE_LANGUAGE
from .models import Action, Choice, PolicyExample, QuestionnaireVersion


@dataclass
class Coverage:
    """One loaded content version (a questionnaire, an action set or a catalogue) in one language."""

    kind: str  # "questionnaire", "actions", "policy examples"
    label: str
    language: str
    total: int = 0
    missing: list[str] = field(default_factory=list)  # where each missing text is

    @property
    def translated(self) -> int:
        return self.total - len(self.missing)


def target_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def _questionnaire_texts(version: QuestionnaireVersion) -> Iterator[tuple[str, dict[str, str]]]:
    yield "title", version.title
    for code, texts in version.special_choice_texts.items():
        yield f"special_choices.{code}", texts
    for pillar in version.pillars.all():
        yield f"pillar {pillar.code}: title", pillar.title
        yield f"pillar {pillar.code}: description", pillar.description
    for question in version.questions.all():
        yield f"{question.code}: text", question.text
        if question.help:
            yield f"{question.code}: help", question.help
    # The standard choices carry the version's special-choice texts, counted once above.
    for code, question_code, text in (
        Choice.objects.filter(question__version=version, kind=Choice.Kind.OPTION)
        .order_by("question__position", "position")
        .values_list("code", "question__code", "text")
    ):
        yield f"{question_code}: choice {code}", text


def coverage(languages: list[str] | None = None) -> list[Coverage]:
    """Every loaded questionnaire version, action set and policy catalogue, in each language."""
    languages = languages or target_languages()
    sources: list[tuple[str, str, list[tuple[str, dict[str, str]]]]] = []
    for version in QuestionnaireVersion.objects.order_by("label"):
        sources.append(("questionnaire", version.label, list(_questionnaire_texts(version))))
    action_sets: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for action in Action.objects.order_by("action_set", "position"):
        texts = action_sets.setdefault(action.action_set, [])
        texts += [(f"{action.code}: title", action.title), (f"{action.code}: what_to_do", action.what_to_do)]
    sources += [("actions", label, texts) for label, texts in action_sets.items()]
    catalogues: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for example in PolicyExample.objects.order_by("catalogue", "position"):
        catalogues.setdefault(example.catalogue, []).extend(
            (f"{example.code}: {name}", getattr(example, name)) for name in ("title", "summary", "look_for")
        )
    sources += [("policy examples", label, texts) for label, texts in catalogues.items()]
    report = []
    for kind, label, texts in sources:
        for language in languages:
            missing = [where for where, value in texts if not (value or {}).get(language, "").strip()]
            report.append(Coverage(kind, label, language, total=len(texts), missing=missing))
    return report
