"""Which actions a firm's answers trigger, and in what order to take them: pure functions.

No database, no request, like ``scoring``: the results page, the PDF and (later) the agency
dashboard all get the same plan from the same answers.

Triggers (the content file's ``when``):
- ``levels``: the pillar's level is one of these (a pillar with "not enough answers" has no
  level and triggers no level rule);
- ``answers``: any one entry matches — a ladder answered with one of ``choices``, or a
  checklist where one of the ``missing`` items is not ticked ("don't know" and "none of
  these" tick nothing). Unanswered and "not applicable" questions never match: we do not
  recommend on what we were not told;
- both given: the level matches and some answer entry matches;
- a team assessment: a question that a good part of the team could not answer ("don't know",
  ``consensus.QuestionSpread.widely_unknown``) also matches as if "don't know" were the agreed
  answer, whatever was agreed: a practice half the team knows nothing of is a gap in itself.

Priority (DESIGN, "Priorities"): impact times the size of the gap first, then cheaper effort,
then the shorter horizon, then the content's own order. The gap is how far the firm is from
full marks, from 0 to 1: the larger of the pillar's gap (1 − score / 100) and the shortfall of
the answers that triggered the action, so "you have no backups" ranks high even in a pillar
that scores well otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .scoring import (
    CHECKLIST,
    DONT_KNOW,
    LEVELS,
    NOT_APPLICABLE,
    QuestionnaireSpec,
    ScoreResult,
    normalise_answer,
    question_score,
)

EFFORT_RANK = {"low": 0, "medium": 1, "high": 2}
IMPACT_WEIGHT = {"low": 1.0, "medium": 2.0, "high": 3.0}
HORIZON_RANK = {"short": 0, "medium": 1, "long": 2}
HORIZONS = tuple(HORIZON_RANK)
# Every level but the top one (Leading): nothing is triggered there by level.
TRIGGER_LEVELS = tuple(code for _lower, code in reversed(LEVELS[1:]))
# Priority values are compared after rounding, so 0.30000000000000004 and 0.3 tie and the
# cheaper action wins as the rule says.
PRIORITY_DECIMALS = 6


@dataclass(frozen=True)
class AnswerTrigger:
    question: str
    choices: frozenset[str] = frozenset()  # ladder: answered one of these
    missing: frozenset[str] = frozenset()  # checklist: one of these not ticked


@dataclass(frozen=True)
class ActionRule:
    code: str
    pillar: str
    effort: str
    impact: str
    horizon: str
    levels: frozenset[str] = frozenset()
    answers: tuple[AnswerTrigger, ...] = ()
    position: int = 0


@dataclass(frozen=True)
class TriggeredAction:
    code: str
    pillar: str
    effort: str
    impact: str
    horizon: str
    gap: float  # 0..1
    priority: float  # impact weight x gap
    by_level: bool  # the pillar's level is among the rule's levels
    because: tuple[str, ...]  # question codes whose answers triggered it, in the rule's order
    position: int = 0
    unknown_to_team: tuple[str, ...] = ()  # of ``because``: triggered by the team's "don't know"


def answer_matches(trigger: AnswerTrigger, kind: str, codes: Sequence[str]) -> bool:
    """Whether one stored answer (its choice codes) shows the gap ``trigger`` looks for."""
    if not codes or NOT_APPLICABLE in codes:
        return False
    if kind == CHECKLIST:
        return bool(trigger.missing - set(codes))
    return codes[0] in trigger.choices


def triggered_actions(
    rules: Sequence[ActionRule],
    questionnaire: QuestionnaireSpec,
    scores: ScoreResult,
    answers: Mapping[str, Sequence[str]],
    unknown_to_team: frozenset[str] = frozenset(),
) -> list[TriggeredAction]:
    """The rules that fire for these scores and answers, in content order, with their gap.

    ``unknown_to_team``: questions a good part of a team answered "don't know" (see above)."""
    questions = questionnaire.questions()
    levels = {p.code: p.level for p in scores.pillars}
    pillar_scores = {p.code: p.score for p in scores.pillars}
    fired: list[TriggeredAction] = []
    for rule in rules:
        level = levels.get(rule.pillar)
        by_level = level is not None and level in rule.levels
        because: list[str] = []
        unknown: list[str] = []
        shortfall = 0.0
        for trigger in rule.answers:
            question = questions.get(trigger.question)
            if question is None:
                continue  # the loader refuses this; a rule of another version simply does not fire
            codes = normalise_answer(question, answers.get(trigger.question, ()))
            if answer_matches(trigger, question.kind, codes):
                because.append(trigger.question)
                score = question_score(question, codes)
                shortfall = max(shortfall, 1.0 - (score or 0.0))
            elif trigger.question in unknown_to_team and answer_matches(trigger, question.kind, (DONT_KNOW,)):
                because.append(trigger.question)
                unknown.append(trigger.question)
                shortfall = 1.0  # "don't know" scores 0
        if rule.levels and not by_level:
            continue
        if rule.answers and not because:
            continue
        if not rule.levels and not rule.answers:
            continue
        pillar_score = pillar_scores.get(rule.pillar)
        pillar_gap = 1.0 - pillar_score / 100 if pillar_score is not None else 0.0
        gap = max(pillar_gap, shortfall)
        fired.append(
            TriggeredAction(
                code=rule.code,
                pillar=rule.pillar,
                effort=rule.effort,
                impact=rule.impact,
                horizon=rule.horizon,
                gap=round(gap, PRIORITY_DECIMALS),
                priority=round(IMPACT_WEIGHT[rule.impact] * gap, PRIORITY_DECIMALS),
                by_level=by_level,
                because=tuple(dict.fromkeys(because)),
                position=rule.position,
                unknown_to_team=tuple(dict.fromkeys(unknown)),
            )
        )
    return fired


def prioritise(actions: Sequence[TriggeredAction], pillar_order: Sequence[str] = ()) -> list[TriggeredAction]:
    """Highest impact x gap first; on a tie the cheaper effort, then the shorter horizon, then
    the pillar order and the content's order (so the result never depends on input order)."""
    pillar_rank = {code: i for i, code in enumerate(pillar_order)}
    return sorted(
        actions,
        key=lambda a: (
            -a.priority,
            EFFORT_RANK[a.effort],
            HORIZON_RANK[a.horizon],
            pillar_rank.get(a.pillar, len(pillar_rank)),
            a.position,
            a.code,
        ),
    )


def gap_answers(
    questionnaire: QuestionnaireSpec, pillar: str, answers: Mapping[str, Sequence[str]], *, below: float = 0.5
) -> list[tuple[str, float]]:
    """The pillar's answered questions scoring below ``below`` (0..1), biggest weighted loss
    first: the answers that drive the pillar's gap, for the PDF. Returns (question code, score)."""
    spec = next((p for p in questionnaire.pillars if p.code == pillar), None)
    if spec is None:
        return []
    rows: list[tuple[float, int, str, float]] = []
    for index, question in enumerate(spec.questions):
        codes = normalise_answer(question, answers.get(question.code, ()))
        score = question_score(question, codes) if codes else None
        if score is not None and score < below:
            rows.append((-(1.0 - score) * question.weight, index, question.code, score))
    return [(code, score) for _loss, _index, code, score in sorted(rows)]


class StoredAction(Protocol):
    """What ``action_rule`` reads of a stored action (``questionnaires.models.Action``)."""

    code: str
    pillar: str
    effort: str
    impact: str
    horizon: str
    levels: Sequence[str]
    answer_triggers: Sequence[Mapping[str, Any]]
    position: int


def action_rule(action: StoredAction) -> ActionRule:
    """The pure rule of a stored action, as the functions above take it."""
    return ActionRule(
        code=action.code,
        pillar=action.pillar,
        effort=action.effort,
        impact=action.impact,
        horizon=action.horizon,
        levels=frozenset(action.levels),
        answers=tuple(
            AnswerTrigger(
                question=t["question"],
                choices=frozenset(t.get("choices", ())),
                missing=frozenset(t.get("missing", ())),
            )
            for t in action.answer_triggers
        ),
        position=action.position,
    )
