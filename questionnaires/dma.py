"""The EU Digital Maturity Assessment (DMA) view of an assessment: pure parsing and scoring.

European Digital Innovation Hubs report their clients' DMA scores: six dimensions scored 0-100
and their average. A mapping file per questionnaire version (``content/dma-<version>.yaml``,
its header explains the format) says which Readiness questions observe each dimension, and how
much of the DMA's own items they cover. Nothing here touches the database: the selectors read
the file and the answers, and pass them in.

How a dimension is scored: each mapped question's Readiness score in [0, 1] (a checklist may be
narrowed to some of its items), weighted, times 100. Like a pillar, a dimension needs at least
half of its mapped questions answered (not "not applicable"); otherwise it has no score. The
overall DMA figure is the average of the dimensions that have one, and only when all six do:
an average over fewer would not be the DMA's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .scoring import (
    CHECKLIST,
    DONT_KNOW,
    NONE_OF_THESE,
    NOT_APPLICABLE,
    OPTION,
    QuestionSpec,
    normalise_answer,
    question_score,
    round_score,
)

# The DMA's six dimensions for SMEs, in its order.
DIMENSIONS = (
    "digital_business_strategy",
    "digital_readiness",
    "human_centric",
    "data_management",
    "automation_ai",
    "green_digitalisation",
)
# Below this share of a dimension's DMA items observed, its score is labelled partial.
PARTIAL_BELOW = 0.5
LANGUAGES = ("en", "fr", "es")
QUESTION_CODE = re.compile(r"^[a-z]+\.[a-z0-9_]+$")


class DmaMappingError(ValueError):
    """A mapping file that cannot be used: every problem, one per line."""

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{path}: {len(problems)} problem(s)\n" + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class MappedQuestion:
    question: str
    weight: float = 1.0
    items: tuple[str, ...] = ()  # a checklist narrowed to these items; empty: the whole question


@dataclass(frozen=True)
class Dimension:
    code: str
    title: dict[str, str]
    coverage: float  # share of the DMA dimension's items the mapped questions observe, in (0, 1]
    covered: dict[str, str]
    not_covered: dict[str, str]
    source: str
    questions: tuple[MappedQuestion, ...]

    @property
    def is_partial(self) -> bool:
        return self.coverage < PARTIAL_BELOW


@dataclass(frozen=True)
class DmaMapping:
    label: str
    questionnaire: str
    dimensions: tuple[Dimension, ...]


@dataclass(frozen=True)
class DimensionScore:
    code: str
    score: float | None  # None: too few of its questions answered
    coverage: float
    is_partial: bool
    counted: int  # mapped questions with a score
    total: int  # mapped questions


@dataclass(frozen=True)
class DmaResult:
    mapping: str  # the mapping's label
    dimensions: tuple[DimensionScore, ...]
    average: float | None  # the DMA overall: the six dimensions' average, when all six have a score

    def dimension(self, code: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.code == code)


# --------------------------------------------------------------------------------------------
# Parsing


def _texts(problems: list[str], where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
    ):
        problems.append(f"{where}: needs a text in each of {', '.join(LANGUAGES)}")
        return {}
    return {lang: value[lang].strip() for lang in LANGUAGES}


def parse_dma_mapping(data: Any, path: str, questions: Mapping[str, QuestionSpec]) -> DmaMapping:
    """Validate a mapping against the questionnaire version it names (its question specs by
    code) and return it; raise ``DmaMappingError`` listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise DmaMappingError(path, ["the file must be a mapping with label, questionnaire and dimensions"])
    label, questionnaire = data.get("label"), data.get("questionnaire")
    for name, value in (("label", label), ("questionnaire", questionnaire)):
        if not isinstance(value, str) or not value:
            problems.append(f"'{name}' must be a version label such as \"2026.2\"")
    raw_dimensions = data.get("dimensions")
    if not isinstance(raw_dimensions, list):
        raise DmaMappingError(path, [*problems, "'dimensions' must be a list"])
    codes = [d.get("code") if isinstance(d, dict) else None for d in raw_dimensions]
    if tuple(codes) != DIMENSIONS:
        problems.append(f"the dimensions must be exactly {', '.join(DIMENSIONS)}, in this order; got {codes}")
    dimensions = []
    for raw in raw_dimensions:
        if not isinstance(raw, dict):
            continue
        where = f"dimension {raw.get('code')}"
        coverage = raw.get("coverage")
        if isinstance(coverage, bool) or not isinstance(coverage, int | float) or not 0 < coverage <= 1:
            problems.append(f"{where}: 'coverage' must be a share in (0, 1]")
            coverage = 0.0
        mapped = []
        raw_questions = raw.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            problems.append(f"{where}: 'questions' must be a non-empty list")
            raw_questions = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for entry in raw_questions:
            mapped_question = _parse_mapped(problems, where, entry, questions)
            if mapped_question is None:
                continue
            key = (mapped_question.question, mapped_question.items)
            if key in seen:
                problems.append(f"{where}: {mapped_question.question} is mapped twice")
            seen.add(key)
            mapped.append(mapped_question)
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            problems.append(f"{where}: 'source' must cite the DMA module and the seed passages")
            source = ""
        dimensions.append(
            Dimension(
                code=str(raw.get("code")),
                title=_texts(problems, f"{where}, title", raw.get("title")),
                coverage=float(coverage),
                covered=_texts(problems, f"{where}, covered", raw.get("covered")),
                not_covered=_texts(problems, f"{where}, not_covered", raw.get("not_covered")),
                source=source.strip(),
                questions=tuple(mapped),
            )
        )
    if problems:
        raise DmaMappingError(path, problems)
    return DmaMapping(label=str(label), questionnaire=str(questionnaire), dimensions=tuple(dimensions))


def _parse_mapped(
    problems: list[str], where: str, entry: Any, questions: Mapping[str, QuestionSpec]
) -> MappedQuestion | None:
    if not isinstance(entry, dict) or set(entry) - {"question", "weight", "items"}:
        problems.append(f"{where}: each question entry is {{question, weight, items}}, got {entry!r}")
        return None
    code = entry.get("question")
    spec = questions.get(code) if isinstance(code, str) else None
    if spec is None:
        problems.append(f"{where}: no question {code!r} in the questionnaire version")
        return None
    weight = entry.get("weight", 1)
    if weight not in (1, 2):
        problems.append(f"{where}: {code} has weight {weight!r}; use 1 or 2")
    items = entry.get("items", [])
    if items:
        options = {c.code for c in spec.choices if c.kind == OPTION}
        if spec.kind != CHECKLIST:
            problems.append(f"{where}: {code} is not a checklist, so it cannot be narrowed to items")
        elif not isinstance(items, list) or not set(items) <= options or len(set(items)) != len(items):
            problems.append(f"{where}: {code} items must be distinct items of the checklist, got {items!r}")
    return MappedQuestion(question=code, weight=float(weight), items=tuple(items or ()))


# --------------------------------------------------------------------------------------------
# Scoring


def mapped_score(mapped: MappedQuestion, spec: QuestionSpec, codes: Sequence[str]) -> float | None:
    """The question's score in [0, 1] for this dimension, or None when it does not count."""
    if not mapped.items:
        return question_score(spec, codes)
    selected = normalise_answer(spec, codes)
    first = spec.choice(selected[0]) if selected else None
    if first is None or first.kind == NOT_APPLICABLE:
        return None
    if first.kind in (DONT_KNOW, NONE_OF_THESE):
        return 0.0
    weights = {c.code: c.weight for c in spec.choices if c.code in mapped.items}
    total = sum(weights.values())
    return sum(weight for code, weight in weights.items() if code in selected) / total if total else 0.0


def dma_scores(
    mapping: DmaMapping, questions: Mapping[str, QuestionSpec], answers: Mapping[str, Sequence[str]]
) -> DmaResult:
    """Score an assessment's answers (question code -> choice codes) on the DMA's dimensions."""
    results = []
    for dimension in mapping.dimensions:
        weighted = weights = 0.0
        counted = 0
        for mapped in dimension.questions:
            score = mapped_score(mapped, questions[mapped.question], answers.get(mapped.question, ()))
            if score is None:
                continue
            counted += 1
            weighted += mapped.weight * score
            weights += mapped.weight
        total = len(dimension.questions)
        enough = counted * 2 >= total and weights > 0
        results.append(
            DimensionScore(
                code=dimension.code,
                score=round_score(100 * weighted / weights) if enough else None,
                coverage=dimension.coverage,
                is_partial=dimension.is_partial,
                counted=counted,
                total=total,
            )
        )
    scores = [r.score for r in results]
    average = round_score(sum(scores) / len(scores)) if scores and None not in scores else None  # type: ignore[arg-type]
    return DmaResult(mapping=mapping.label, dimensions=tuple(results), average=average)
