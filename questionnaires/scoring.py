"""The scoring method: pure functions from (questionnaire, answers) to scores.

No database, no request: the same answers and questionnaire always give the same scores, in
the web page, the PDF and every export, and any stored score can be recomputed from the raw
answers. ``METHOD_VERSION`` is stored with every score; change it whenever a rule here
changes.

The rules (DESIGN, "Scoring"):
- a ladder rung scores in [0, 1]; a checklist scores the weighted share of items ticked;
- "don't know" and "none of these" score 0 (a gap); "not applicable" and unanswered
  questions leave the question out of both numerator and denominator;
- pillar score = 100 x sum(w_i s_i) / sum(w_i) over applicable answered questions; a pillar
  with fewer than half of its questions applicable and answered has no score ("not enough
  answers");
- overall score = weighted mean of the pillar scores that exist, provided they carry at least
  half of the pillar weight;
- levels: Beginner [0, 20), Developing [20, 40), Intermediate [40, 60), Advanced [60, 80),
  Leading [80, 100]; scores are rounded to one decimal before the level is read off, so the
  number shown and the level always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

METHOD_VERSION = "1.0"

LADDER = "ladder"
CHECKLIST = "checklist"

OPTION = "option"
DONT_KNOW = "dont_know"
NOT_APPLICABLE = "not_applicable"
NONE_OF_THESE = "none_of_these"
# Options that stand alone: they cannot be ticked together with anything else.
EXCLUSIVE_KINDS = frozenset({DONT_KNOW, NOT_APPLICABLE, NONE_OF_THESE})

# (lower bound, code), highest first; a boundary belongs to the higher level.
LEVELS: tuple[tuple[float, str], ...] = (
    (80.0, "leading"),
    (60.0, "advanced"),
    (40.0, "intermediate"),
    (20.0, "developing"),
    (0.0, "beginner"),
)
LEVEL_LABELS = {
    "beginner": _("Beginner"),
    "developing": _("Developing"),
    "intermediate": _("Intermediate"),
    "advanced": _("Advanced"),
    "leading": _("Leading"),
}
LEVEL_RANGES = {code: (lower, 100.0 if i == 0 else LEVELS[i - 1][0]) for i, (lower, code) in enumerate(LEVELS)}


def level_table() -> list[tuple[str, str, tuple[float, float]]]:
    """(code, label, (lower, upper)) from Beginner up: the levels as the method page and PDF list them."""
    return [(code, str(LEVEL_LABELS[code]), LEVEL_RANGES[code]) for _lower, code in reversed(LEVELS)]


@dataclass(frozen=True)
class ChoiceSpec:
    code: str
    kind: str = OPTION
    score: float | None = None  # ladder rungs
    weight: float = 1.0  # checklist items


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    kind: str
    choices: tuple[ChoiceSpec, ...]
    weight: float = 1.0

    def choice(self, code: str) -> ChoiceSpec | None:
        for choice in self.choices:
            if choice.code == code:
                return choice
        return None


@dataclass(frozen=True)
class PillarSpec:
    code: str
    questions: tuple[QuestionSpec, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class QuestionnaireSpec:
    label: str
    pillars: tuple[PillarSpec, ...]

    def questions(self) -> dict[str, QuestionSpec]:
        return {q.code: q for p in self.pillars for q in p.questions}


@dataclass(frozen=True)
class PillarResult:
    code: str
    score: float | None  # None: not enough answers
    level: str | None
    total: int  # questions in the pillar
    answered: int  # questions with an answer (N/A included)
    applicable: int  # answered and not N/A: the questions that count

    @property
    def sufficient(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class ScoreResult:
    method_version: str
    overall: float | None
    overall_level: str | None
    pillars: tuple[PillarResult, ...]

    def pillar(self, code: str) -> PillarResult:
        for pillar in self.pillars:
            if pillar.code == code:
                return pillar
        raise KeyError(code)


class InvalidAnswer(ValueError):
    """An answer that the question cannot hold; ``reason`` is one of the REASON_* codes."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


REASON_UNKNOWN_CHOICE = "unknown_choice"
REASON_SEVERAL_RUNGS = "several_rungs"
REASON_EXCLUSIVE = "exclusive"


def round_score(value: float) -> float:
    """One decimal, halves rounded up (not to even), so 59.95 shows as 60.0 everywhere."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def level_for(score: float | None) -> str | None:
    if score is None:
        return None
    if not 0.0 <= score <= 100.0:
        raise ValueError(f"score {score!r} outside [0, 100]")
    for lower, code in LEVELS:
        if score >= lower:
            return code
    raise AssertionError("unreachable")  # pragma: no cover


def normalise_answer(question: QuestionSpec, codes: Sequence[str]) -> tuple[str, ...]:
    """Check that ``codes`` is a valid answer to ``question`` and return it in choice order.

    An empty answer is valid (unanswered). Raises ``InvalidAnswer`` with a message a user can
    read for unknown codes, several rungs on a ladder, or an exclusive option ("don't know",
    "not applicable", "none of these") ticked together with anything else.
    """
    unique = set(codes)
    if not unique:
        return ()
    known = {choice.code: choice for choice in question.choices}
    unknown = sorted(code for code in unique if code not in known)
    if unknown:
        raise InvalidAnswer(f"{', '.join(unknown)} is not a choice of {question.code}", REASON_UNKNOWN_CHOICE)
    if question.kind == LADDER and len(unique) > 1:
        raise InvalidAnswer(f"{question.code} takes only one answer", REASON_SEVERAL_RUNGS)
    if len(unique) > 1 and any(known[code].kind in EXCLUSIVE_KINDS for code in unique):
        raise InvalidAnswer(f"{question.code}: an exclusive option was combined with other answers", REASON_EXCLUSIVE)
    return tuple(choice.code for choice in question.choices if choice.code in unique)


def question_score(question: QuestionSpec, codes: Sequence[str]) -> float | None:
    """The question's score in [0, 1], or None when it does not count (unanswered or N/A)."""
    selected = normalise_answer(question, codes)
    if not selected:
        return None
    first = question.choice(selected[0])
    assert first is not None
    if first.kind == NOT_APPLICABLE:
        return None
    if first.kind in (DONT_KNOW, NONE_OF_THESE):
        return 0.0
    if question.kind == LADDER:
        if first.score is None:
            raise InvalidAnswer(f"choice {first.code} of {question.code} has no score")
        return first.score
    items = [choice for choice in question.choices if choice.kind == OPTION]
    total = sum(choice.weight for choice in items)
    ticked = sum(choice.weight for choice in items if choice.code in selected)
    return ticked / total if total else 0.0


def pillar_result(pillar: PillarSpec, answers: Mapping[str, Sequence[str]]) -> PillarResult:
    weighted_sum = 0.0
    weight_total = 0.0
    answered = applicable = 0
    for question in pillar.questions:
        codes = answers.get(question.code, ())
        if codes:
            answered += 1
        score = question_score(question, codes)
        if score is None:
            continue
        applicable += 1
        weighted_sum += question.weight * score
        weight_total += question.weight
    total = len(pillar.questions)
    if total == 0 or applicable * 2 < total or weight_total == 0:
        return PillarResult(pillar.code, None, None, total, answered, applicable)
    score = round_score(100.0 * weighted_sum / weight_total)
    return PillarResult(pillar.code, score, level_for(score), total, answered, applicable)


def score_assessment(questionnaire: QuestionnaireSpec, answers: Mapping[str, Sequence[str]]) -> ScoreResult:
    """Score a whole assessment. ``answers`` maps question codes to the selected choice codes."""
    unknown = sorted(set(answers) - set(questionnaire.questions()))
    if unknown:
        raise InvalidAnswer(f"answers to questions not in version {questionnaire.label}: {', '.join(unknown)}")
    pillars = tuple(pillar_result(pillar, answers) for pillar in questionnaire.pillars)
    weight_all = sum(p.weight for p in questionnaire.pillars)
    scored = [(spec.weight, result.score) for spec, result in zip(questionnaire.pillars, pillars, strict=True)]
    weight_scored = sum(weight for weight, score in scored if score is not None)
    overall: float | None = None
    if weight_all > 0 and weight_scored * 2 >= weight_all and weight_scored > 0:
        overall = round_score(sum(w * s for w, s in scored if s is not None) / weight_scored)
    return ScoreResult(METHOD_VERSION, overall, level_for(overall), pillars)
