"""Reads of questionnaire content.

A published version never changes, so its content is read from the database once per
process and kept in memory (``version_content``): pages, scoring and exports then work from
plain, immutable data without a query per question.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path

import yaml

from .dma import DmaMapping, DmaMappingError, parse_dma_mapping
from .models import Action, Choice, PolicyExample, QuestionnaireVersion, ReferenceFigure, translated
from .official import Figure, IndicatorCatalogue, parse_indicator_catalogue, reference_scope
from .recommendations import ActionRule, action_rule
from .scoring import ChoiceSpec, PillarSpec, QuestionnaireSpec, QuestionSpec


@dataclass(frozen=True)
class ChoiceView:
    code: str
    kind: str
    text: dict[str, str]
    score: float | None
    weight: float

    def label(self, language: str | None = None) -> str:
        return translated(self.text, language)


@dataclass(frozen=True)
class QuestionView:
    code: str
    kind: str
    text: dict[str, str]
    help: dict[str, str]
    source: str
    weight: float
    allow_not_applicable: bool
    choices: tuple[ChoiceView, ...]

    def label(self, language: str | None = None) -> str:
        return translated(self.text, language)

    def help_text(self, language: str | None = None) -> str:
        return translated(self.help, language)


@dataclass(frozen=True)
class PillarView:
    code: str
    position: int
    title: dict[str, str]
    description: dict[str, str]
    source: str
    weight: float
    questions: tuple[QuestionView, ...]

    def label(self, language: str | None = None) -> str:
        return translated(self.title, language)

    def description_text(self, language: str | None = None) -> str:
        return translated(self.description, language)


@dataclass(frozen=True)
class VersionContent:
    id: int
    label: str
    title: dict[str, str]
    is_published: bool
    pillars: tuple[PillarView, ...]
    spec: QuestionnaireSpec
    question_ids: dict[str, int]  # stable code -> database id, for writing answers
    # The version's texts revision when read: translations loaded in place raise it.
    texts_revision: int = 0

    def pillar(self, code: str) -> PillarView | None:
        for pillar in self.pillars:
            if pillar.code == code:
                return pillar
        return None

    def pillar_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.pillars)

    def question_codes(self) -> tuple[str, ...]:
        return tuple(q.code for p in self.pillars for q in p.questions)

    def question_count(self) -> int:
        return sum(len(p.questions) for p in self.pillars)


_cache: dict[int, VersionContent] = {}
_cache_lock = threading.Lock()


def version_content(version_id: int, texts_revision: int | None = None) -> VersionContent:
    """The whole content of a version as immutable plain data (cached when published).

    A published version's codes and English never change, but translations are loaded into it
    in place, raising its ``texts_revision`` (``questionnaires.services``), and every process
    keeps its own cache. So a caller that has just read the version's current revision from the
    database (the questionnaire and results pages and the PDF read it with their access query)
    passes it: a cached copy of an older revision is then read again, and replaced for every
    later caller in this process. Callers that need only codes and scores pass nothing.
    """
    cached = _cache.get(version_id)
    if cached is not None and (texts_revision is None or cached.texts_revision >= texts_revision):
        return cached
    content = _build_version_content(version_id)
    if content.is_published:
        with _cache_lock:
            _cache[version_id] = content
    return content


def clear_version_content_cache() -> None:
    """For tests that rebuild the database under the same ids."""
    with _cache_lock:
        _cache.clear()
        _action_sets.clear()
    dma_mapping_for.cache_clear()  # validated against a version's questions


def _build_version_content(version_id: int) -> VersionContent:
    version = QuestionnaireVersion.objects.get(pk=version_id)
    pillars = list(version.pillars.order_by("position"))
    questions = list(version.questions.order_by("position"))
    choices = list(Choice.objects.filter(question__version=version).order_by("position"))
    choices_by_question: dict[int, list[ChoiceView]] = {}
    for c in choices:
        choices_by_question.setdefault(c.question_id, []).append(
            ChoiceView(code=c.code, kind=c.kind, text=c.text, score=c.score, weight=c.weight)
        )
    questions_by_pillar: dict[int, list[QuestionView]] = {}
    for q in questions:
        questions_by_pillar.setdefault(q.pillar_id, []).append(
            QuestionView(
                code=q.code,
                kind=q.kind,
                text=q.text,
                help=q.help,
                source=q.source,
                weight=q.weight,
                allow_not_applicable=q.allow_not_applicable,
                choices=tuple(choices_by_question.get(q.id, ())),
            )
        )
    pillar_views = tuple(
        PillarView(
            code=p.code,
            position=p.position,
            title=p.title,
            description=p.description,
            source=p.source,
            weight=p.weight,
            questions=tuple(questions_by_pillar.get(p.id, ())),
        )
        for p in pillars
    )
    spec = QuestionnaireSpec(
        label=version.label,
        pillars=tuple(
            PillarSpec(
                code=p.code,
                weight=p.weight,
                questions=tuple(
                    QuestionSpec(
                        code=q.code,
                        kind=q.kind,
                        weight=q.weight,
                        choices=tuple(
                            ChoiceSpec(code=c.code, kind=c.kind, score=c.score, weight=c.weight) for c in q.choices
                        ),
                    )
                    for q in p.questions
                ),
            )
            for p in pillar_views
        ),
    )
    return VersionContent(
        id=version.id,
        label=version.label,
        title=version.title,
        is_published=version.is_published,
        pillars=pillar_views,
        spec=spec,
        question_ids={q.code: q.id for q in questions},
        texts_revision=version.texts_revision,
    )


def current_version() -> QuestionnaireVersion | None:
    """The most recently published version: new assessments are taken on it."""
    return QuestionnaireVersion.objects.published().order_by("-published_at", "-id").first()


# --- Official statistics ------------------------------------------------------------------------

INDICATORS_FILE = Path(__file__).resolve().parent / "content" / "indicators.yaml"
FIGURE_FIELDS = tuple(field.name for field in dataclass_fields(Figure))


@dataclass(frozen=True)
class OfficialReference:
    """What ``official.official_comparison`` and ``official.digital_intensity`` need for one firm."""

    catalogue: IndicatorCatalogue
    figures: tuple[Figure, ...]


@functools.cache
def _indicator_catalogue() -> IndicatorCatalogue:
    # The file ships with the code and changes only with a deploy: parse it once per process.
    return parse_indicator_catalogue(yaml.safe_load(INDICATORS_FILE.read_text(encoding="utf-8")), str(INDICATORS_FILE))


def official_reference_for(*, country: str | None, size_class: str) -> OfficialReference:
    """The indicator links and every figure a firm of ``country`` (ISO 3166-1 alpha-2) and
    ``size_class`` (micro/small/medium/large) can be compared with, in one query.

    Use: ``ref = official_reference_for(country=firm.country.code, size_class=firm.size_class)``,
    then ``official_comparison(answers, country, size_class, ref.catalogue.links, ref.figures)``
    and ``digital_intensity(answers, country, size_class, ref.catalogue.digital_intensity,
    ref.figures)``.
    """
    catalogue = _indicator_catalogue()
    geos, sizes = reference_scope(country, size_class)
    keys = catalogue.indicator_keys()
    rows = ReferenceFigure.objects.filter(
        geo__in=geos,
        size_emp__in=sizes,
        dataset__in={dataset for dataset, _code in keys},
        indic_is__in={code for _dataset, code in keys},
    ).values(*FIGURE_FIELDS)
    figures = tuple(
        Figure(**{**row, "value_pct": float(row["value_pct"])})
        for row in rows
        if (row["dataset"], row["indic_is"]) in keys
    )
    return OfficialReference(catalogue=catalogue, figures=figures)


# --- Policy examples ----------------------------------------------------------------------------


def policy_examples(*, pillar: str | None = None, actor: str | None = None) -> list[PolicyExample]:
    """The latest catalogue's examples, optionally those serving a pillar or acted on by an actor.

    The catalogue is a few dozen rows: filtered here rather than with JSON lookups, which
    SQLite does not offer for lists.
    """
    latest = PolicyExample.objects.order_by("-id").values_list("catalogue", flat=True).first()
    if latest is None:
        return []
    examples = list(PolicyExample.objects.filter(catalogue=latest))
    return [e for e in examples if (pillar is None or pillar in e.pillars) and (actor is None or actor in e.actors)]


# --- Actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyExampleView:
    code: str
    title: dict[str, str]
    summary: dict[str, str]
    look_for: dict[str, str]
    source: str
    pillars: tuple[str, ...]
    actors: tuple[str, ...]

    def label(self, language: str | None = None) -> str:
        return translated(self.title, language)

    def summary_text(self, language: str | None = None) -> str:
        return translated(self.summary, language)

    def look_for_text(self, language: str | None = None) -> str:
        return translated(self.look_for, language)


@dataclass(frozen=True)
class ActionView:
    code: str
    pillar: str
    title: dict[str, str]
    what_to_do: dict[str, str]
    effort: str
    impact: str
    horizon: str
    source: str
    policy_examples: tuple[PolicyExampleView, ...]

    def label(self, language: str | None = None) -> str:
        return translated(self.title, language)

    def what_to_do_text(self, language: str | None = None) -> str:
        return translated(self.what_to_do, language)


@dataclass(frozen=True)
class ActionSetView:
    """One loaded action set with its rules and the policy examples its actions name."""

    label: str
    policy_catalogue: str
    actions: dict[str, ActionView]  # by code, in content order
    rules: tuple[ActionRule, ...]
    texts_revision: int = 0  # of the version, when read (translations of actions and examples raise it)


_action_sets: dict[str, ActionSetView] = {}


def action_set_for(version_id: int) -> ActionSetView | None:
    """The most recently loaded action set of a questionnaire version (None if it has none).

    One query for the label and the version's texts revision; a loaded set's codes and English
    never change, so its content is then read once per process and texts revision (loading
    translations of its actions or of its policy examples in place raises the revision).
    """
    newest = (
        Action.objects.filter(version_id=version_id)
        .order_by("-id")
        .values_list("action_set", "version__texts_revision")
        .first()
    )
    if newest is None:
        return None
    label, texts_revision = newest
    cached = _action_sets.get(label)
    if cached is not None and cached.texts_revision >= texts_revision:
        return cached
    actions = list(Action.objects.filter(action_set=label).order_by("position"))
    catalogue = actions[0].policy_catalogue
    examples = {
        e.code: PolicyExampleView(
            code=e.code,
            title=e.title,
            summary=e.summary,
            look_for=e.look_for,
            source=e.source,
            pillars=tuple(e.pillars),
            actors=tuple(e.actors),
        )
        for e in PolicyExample.objects.filter(catalogue=catalogue)
    }
    view = ActionSetView(
        label=label,
        policy_catalogue=catalogue,
        actions={
            a.code: ActionView(
                code=a.code,
                pillar=a.pillar,
                title=a.title,
                what_to_do=a.what_to_do,
                effort=a.effort,
                impact=a.impact,
                horizon=a.horizon,
                source=a.source,
                policy_examples=tuple(examples[code] for code in a.policy_examples if code in examples),
            )
            for a in actions
        },
        rules=tuple(action_rule(a) for a in actions),
        texts_revision=texts_revision,
    )
    with _cache_lock:
        _action_sets[label] = view
    return view


# --- The DMA view ------------------------------------------------------------------------------

DMA_FOLDER = Path(__file__).resolve().parent / "content"


@functools.cache
def dma_mapping_for(version_id: int, label: str) -> DmaMapping | None:
    """The DMA mapping of a questionnaire version (``content/dma-<label>.yaml``), validated
    against the version's questions; None for a version without one. Like the indicator links,
    the file ships with the code: parsed once per process."""
    path = DMA_FOLDER / f"dma-{label}.yaml"
    if not path.exists():
        return None
    questions = version_content(version_id).spec.questions()
    mapping = parse_dma_mapping(yaml.safe_load(path.read_text(encoding="utf-8")), str(path), questions)
    if mapping.questionnaire != label:
        raise DmaMappingError(str(path), [f"maps questionnaire {mapping.questionnaire}, not {label}"])
    return mapping
