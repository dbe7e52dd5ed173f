"""How far a team's answers to one question are apart: pure functions, like ``scoring``.

A team assessment (``assessments.models.TeamRound``) collects several respondents' answers to
the same questions; the owner then picks one agreed answer per question. These functions
describe each question's spread for the consolidation page (disagreements first), the results
and the PDF ("your team does not agree on ..."), and the action plan (a question that a good
part of the team cannot answer is a gap in itself).

- Answers are grouped when they are the same choices (a checklist's ticks in any order).
- ``gap``: the distance between the lowest- and highest-scoring answers that say something
  (not "don't know", not "not applicable"), in question score (0..1); for a ladder also in
  rungs. "Don't know" beside a real answer is a disagreement too, of another kind.
- ``widely_unknown``: at least ``WIDE_UNKNOWN_SHARE`` of those who answered said "don't know"
  (and at least two answered): whatever the agreed answer, the firm does not know this well.
- ``suggested``: the most common answer; on a tie, the lower-scoring one (the cautious
  reading: the practice is in place only if the team says so).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .scoring import DONT_KNOW, LADDER, OPTION, QuestionSpec, normalise_answer, question_score

WIDE_UNKNOWN_SHARE = Fraction(1, 3)


@dataclass(frozen=True)
class AnswerGroup:
    codes: tuple[str, ...]  # the answer's choice codes, normalised
    respondents: tuple[Hashable, ...]  # who gave it, in the order given
    score: float | None  # the question's score for this answer (None: not applicable)

    @property
    def count(self) -> int:
        return len(self.respondents)

    @property
    def is_dont_know(self) -> bool:
        return self.codes == (DONT_KNOW,)


@dataclass(frozen=True)
class QuestionSpread:
    code: str
    groups: tuple[AnswerGroup, ...]  # most common first; on a tie, the lower score first
    gap: float  # 0..1 between the answers that say something; 0 when fewer than two do
    rungs_apart: int | None  # ladders: rungs between the lowest and the highest; None otherwise

    @property
    def answered(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def dont_know(self) -> int:
        return sum(group.count for group in self.groups if group.is_dont_know)

    @property
    def disagrees(self) -> bool:
        return len(self.groups) > 1

    @property
    def widely_unknown(self) -> bool:
        return self.answered >= 2 and Fraction(self.dont_know, self.answered) >= WIDE_UNKNOWN_SHARE

    @property
    def suggested(self) -> tuple[str, ...]:
        return self.groups[0].codes if self.groups else ()


def question_spread(question: QuestionSpec, answers: Sequence[tuple[Hashable, Sequence[str]]]) -> QuestionSpread:
    """The spread of ``answers``, given as (respondent, choice codes); unanswered ones are skipped.

    >>> from questionnaires.scoring import ChoiceSpec
    >>> q = QuestionSpec("cyber.backups", "ladder", (ChoiceSpec("none", score=0.0), ChoiceSpec("monthly",
    ...     score=0.5), ChoiceSpec("weekly_offsite", score=1.0), ChoiceSpec("dont_know", kind="dont_know")))
    >>> s = question_spread(q, [("Ana", ["weekly_offsite"]), ("Ben", ["dont_know"]), ("Cy", ["weekly_offsite"]),
    ...     ("Di", ["none"]), ("Ed", [])])
    >>> [(g.codes, g.count) for g in s.groups], s.gap, s.rungs_apart, s.widely_unknown, s.suggested
    ([(('weekly_offsite',), 2), (('dont_know',), 1), (('none',), 1)], 1.0, 2, False, ('weekly_offsite',))
    """
    by_answer: dict[tuple[str, ...], list[Hashable]] = {}
    for respondent, codes in answers:
        normalised = normalise_answer(question, codes)
        if normalised:
            by_answer.setdefault(normalised, []).append(respondent)
    groups = [
        AnswerGroup(codes, tuple(respondents), question_score(question, codes))
        for codes, respondents in by_answer.items()
    ]
    groups.sort(key=lambda g: (-g.count, _cautious_rank(g), g.codes))
    telling = [g for g in groups if g.score is not None and not g.is_dont_know]
    gap = max(g.score for g in telling) - min(g.score for g in telling) if len(telling) > 1 else 0.0  # type: ignore[type-var, operator]
    rungs = None
    if question.kind == LADDER:
        order = [c.code for c in sorted((c for c in question.choices if c.kind == OPTION), key=lambda c: c.score or 0)]
        positions = [order.index(g.codes[0]) for g in telling if g.codes[0] in order]
        rungs = max(positions) - min(positions) if positions else 0
    return QuestionSpread(question.code, tuple(groups), round(gap, 6), rungs)


def _cautious_rank(group: AnswerGroup) -> float:
    """Ties go to the lower score; "not applicable" (no score) after every scored answer."""
    return 2.0 if group.score is None else group.score


def disagreements_first(spreads: Sequence[QuestionSpread]) -> list[QuestionSpread]:
    """Where the team disagrees most first (widest gap, then most "don't know"), then the rest
    in their own order."""
    ranked = sorted(
        enumerate(spreads),
        key=lambda pair: (
            not pair[1].disagrees,
            -pair[1].gap,
            -Fraction(pair[1].dont_know, max(pair[1].answered, 1)),
            pair[0],
        ),
    )
    return [spread for _index, spread in ranked]
