"""Writes to questionnaire content: loading and publishing versions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .loader import (
    CHECKLIST,
    ContentError,
    QuestionContent,
    QuestionnaireContent,
    parse_questionnaire_file,
)
from .models import Choice, Pillar, Question, QuestionnaireVersion, texts_update
from .scoring import DONT_KNOW, NONE_OF_THESE, NOT_APPLICABLE
from .signals import content_changed_send


@dataclass(frozen=True)
class LoadOutcome:
    version: QuestionnaireVersion
    action: str  # "created", "replaced" (a draft), "unchanged", "translations updated", "published"
    question_count: int


def questionnaire_version_load(*, path: str | Path, publish: bool = True) -> LoadOutcome:
    """Load a content file as a questionnaire version, all or nothing.

    Loading the same content again changes nothing. A published version never changes:
    different content under its label raises ``ContentError`` (give it a new label). A draft
    with the same label is replaced. With ``publish`` the version is published after loading.
    """
    content = parse_questionnaire_file(path)
    content_hash = content.content_hash()
    with transaction.atomic():
        existing = QuestionnaireVersion.objects.select_for_update().filter(label=content.label).first()
        if existing is not None and existing.content_hash != content_hash:
            if existing.is_published:
                raise ContentError(
                    str(path),
                    [
                        f"version '{content.label}' is published and cannot change; "
                        "give the changed content a new label to make a new version"
                    ],
                )
            existing.delete()  # a draft: replace it wholesale
            version = _create_version(content, content_hash)
            action = "replaced"
        elif existing is not None:
            version = existing
            action = "translations updated" if _translations_update(version, content) else "unchanged"
        else:
            version = _create_version(content, content_hash)
            action = "created"
        if publish and not version.is_published:
            version.status = QuestionnaireVersion.Status.PUBLISHED
            version.published_at = timezone.now()
            version.save(update_fields=["status", "published_at"])
            if action == "unchanged":
                action = "published"
    return LoadOutcome(version=version, action=action, question_count=content.question_count())


def _create_version(content: QuestionnaireContent, content_hash: str) -> QuestionnaireVersion:
    version = QuestionnaireVersion.objects.create(
        label=content.label,
        title=content.title,
        content_hash=content_hash,
        source_path=content.source_path[-300:],
        special_choice_texts=content.special_choices,
    )
    pillars = Pillar.objects.bulk_create(
        Pillar(
            version=version,
            code=p.code,
            position=i,
            title=p.title,
            description=p.description,
            source=p.source,
            weight=p.weight,
        )
        for i, p in enumerate(content.pillars)
    )
    question_rows: list[tuple[Question, QuestionContent]] = []
    for pillar, pillar_content in zip(pillars, content.pillars, strict=True):
        for i, q in enumerate(pillar_content.questions):
            row = Question(
                version=version,
                pillar=pillar,
                code=q.code,
                position=i,
                kind=q.kind,
                text=q.text,
                help=q.help,
                source=q.source,
                weight=q.weight,
                allow_not_applicable=q.allow_not_applicable,
                carries_over=q.carries_over or {},
            )
            question_rows.append((row, q))
    questions = Question.objects.bulk_create(row for row, _ in question_rows)
    choices: list[Choice] = []
    for question, (_, q) in zip(questions, question_rows, strict=True):
        position = 0
        for c in q.choices:
            choices.append(
                Choice(question=question, code=c.code, position=position, text=c.text, score=c.score, weight=c.weight)
            )
            position += 1
        # The standard options, in a fixed order after the content's own.
        special = []
        if q.kind == CHECKLIST:
            special.append((NONE_OF_THESE, 0.0))
        if q.allow_not_applicable:
            special.append((NOT_APPLICABLE, None))
        special.append((DONT_KNOW, 0.0))
        for code, score in special:
            choices.append(
                Choice(
                    question=question,
                    code=code,
                    position=position,
                    kind=code,
                    text=content.special_choices[code],
                    score=score,
                    weight=0.0,
                )
            )
            position += 1
    Choice.objects.bulk_create(choices)
    return version


def _translations_update(version: QuestionnaireVersion, content: QuestionnaireContent) -> int:
    """Store the texts of ``content`` (same English, other languages added or changed) on the
    loaded ``version``; returns how many rows changed, and raises its ``texts_revision`` if any."""
    pillars = {p.code: p for p in version.pillars.all()}
    questions = {q.code: q for q in version.questions.all()}
    choices = {(c.question_id, c.code): c for c in Choice.objects.filter(question__version=version)}
    rows: list[tuple[Any, dict[str, Any]]] = [
        (version, {"title": content.title, "special_choice_texts": content.special_choices})
    ]
    for p in content.pillars:
        rows.append((pillars[p.code], {"title": p.title, "description": p.description}))
        for q in p.questions:
            question = questions[q.code]
            rows.append((question, {"text": q.text, "help": q.help}))
            rows += [(choices[(question.pk, c.code)], {"text": c.text}) for c in q.choices]
            rows += [
                (choices[(question.pk, code)], {"text": content.special_choices[code]})
                for code in (NONE_OF_THESE, NOT_APPLICABLE, DONT_KNOW)
                if (question.pk, code) in choices
            ]
    changed = texts_update(rows)
    if changed:
        QuestionnaireVersion.objects.filter(pk=version.pk).update(texts_revision=F("texts_revision") + 1)
        content_changed_send()
    return changed
