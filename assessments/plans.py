"""A submitted assessment's action plan: the triggered actions, prioritised, with their reasons.

The rules are pure (``questionnaires.recommendations``); this module reads what they need — the
answers, the version's content, the action set — and dresses the result for the results page
and the PDF: titles in the active language, the answers that triggered each action, the policy
examples that support it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from questionnaires.models import Action
from questionnaires.recommendations import (
    HORIZONS,
    AnswerTrigger,
    TriggeredAction,
    gap_answers,
    prioritise,
    triggered_actions,
)
from questionnaires.scoring import DONT_KNOW, score_assessment
from questionnaires.selectors import (
    ActionView,
    PolicyExampleView,
    QuestionView,
    VersionContent,
    action_set_for,
    version_content,
)

from .models import Assessment
from .selectors import answers_of
from .team.selectors import team_findings

TOP_PRIORITIES = 5  # shown first on the results page and the PDF summary
PLAN_SIZE = 10  # actions in the PDF's plan by horizon

EFFORT_LABELS = dict(Action.Effort.choices)
IMPACT_LABELS = dict(Action.Impact.choices)
HORIZON_LABELS = dict(Action.Horizon.choices)
HORIZON_HEADINGS = {
    "short": _("In the next three months"),
    "medium": _("Within a year"),
    "long": _("Over a year"),
}


@dataclass(frozen=True)
class AnswerShown:
    """A question and the firm's answer to it, as the user read them.

    For a checklist that triggered an action, ``missing`` is true and ``answer_texts`` are the
    practices the action looks for that the firm did not tick: the ticked ones are no reason.
    """

    question_code: str
    question_text: str
    answer_texts: tuple[str, ...]
    missing: bool = False
    team_unknown: bool = False  # triggered because a good part of the team said "don't know"


@dataclass(frozen=True)
class PlanItem:
    rank: int  # 1 = do first
    action: ActionView
    triggered: TriggeredAction
    pillar_title: str
    reasons: tuple[AnswerShown, ...]  # the answers that triggered it (may be empty: level only)

    @property
    def title(self) -> str:
        return self.action.label()

    @property
    def what_to_do(self) -> str:
        return self.action.what_to_do_text()

    @property
    def effort_label(self) -> str:
        return str(EFFORT_LABELS[self.action.effort])

    @property
    def impact_label(self) -> str:
        return str(IMPACT_LABELS[self.action.impact])

    @property
    def horizon_label(self) -> str:
        return str(HORIZON_LABELS[self.action.horizon])


@dataclass(frozen=True)
class PillarPlan:
    code: str
    title: str
    items: tuple[PlanItem, ...]
    gap_answers: tuple[AnswerShown, ...]  # the answered questions that cost the most points
    policy_examples: tuple[PolicyExampleView, ...]  # those supporting this pillar's actions


@dataclass(frozen=True)
class HorizonGroup:
    code: str
    heading: str
    items: tuple[PlanItem, ...]


@dataclass(frozen=True)
class ActionPlan:
    action_set: str | None  # None: no action set loaded for this questionnaire version
    policy_catalogue: str | None
    items: tuple[PlanItem, ...]  # every triggered action, in priority order
    pillars: tuple[PillarPlan, ...]
    horizons: tuple[HorizonGroup, ...]  # the first PLAN_SIZE items, by horizon

    @property
    def top(self) -> tuple[PlanItem, ...]:
        return self.items[:TOP_PRIORITIES]

    def pillar(self, code: str) -> PillarPlan | None:
        return next((p for p in self.pillars if p.code == code), None)

    @property
    def cited_examples(self) -> tuple[PolicyExampleView, ...]:
        """Every policy example the plan names, once each, in order of first mention."""
        seen: dict[str, PolicyExampleView] = {}
        for item in self.items:
            for example in item.action.policy_examples:
                seen.setdefault(example.code, example)
        return tuple(seen.values())


def _answer_shown(question: QuestionView, codes: list[str]) -> AnswerShown:
    return AnswerShown(question.code, question.label(), tuple(c.label() for c in question.choices if c.code in codes))


def _reason(question: QuestionView, codes: list[str], trigger: AnswerTrigger | None) -> AnswerShown:
    """Why an answer triggered an action: the rung chosen, or the checklist items not ticked."""
    if trigger is None or not trigger.missing:
        return _answer_shown(question, codes)
    absent = tuple(c.label() for c in question.choices if c.code in trigger.missing and c.code not in codes)
    return AnswerShown(question.code, question.label(), absent, missing=True)


def _team_unknown(question: QuestionView) -> AnswerShown:
    dont_know = tuple(c.label() for c in question.choices if c.code == DONT_KNOW)
    return AnswerShown(question.code, question.label(), dont_know, team_unknown=True)


def action_plan_for(
    assessment: Assessment, answers: dict[str, list[str]] | None = None, unknown_to_team: frozenset[str] | None = None
) -> ActionPlan:
    """The plan of ``assessment`` (the caller checked access), in the active language.

    ``unknown_to_team``: the questions a good part of the firm's team could not answer (read
    from the assessment's team round when not given)."""
    content: VersionContent = version_content(assessment.version_id)
    answers = answers_of(assessment) if answers is None else answers
    if unknown_to_team is None:
        findings = team_findings(assessment)
        unknown_to_team = findings.widely_unknown if findings else frozenset()
    action_set = action_set_for(assessment.version_id)
    questions = {q.code: q for p in content.pillars for q in p.questions}
    if action_set is None:
        fired: list[TriggeredAction] = []
    else:
        scores = score_assessment(content.spec, answers)
        fired = prioritise(
            triggered_actions(action_set.rules, content.spec, scores, answers, unknown_to_team),
            content.pillar_codes(),
        )
    titles = {p.code: p.label() for p in content.pillars}
    rules = action_set.rules if action_set else ()
    triggers = {(rule.code, trigger.question): trigger for rule in rules for trigger in rule.answers}
    items = tuple(
        PlanItem(
            rank=rank,
            action=action_set.actions[t.code],
            triggered=t,
            pillar_title=titles.get(t.pillar, t.pillar),
            reasons=tuple(
                _team_unknown(questions[code])
                if code in t.unknown_to_team
                else _reason(questions[code], answers.get(code, []), triggers.get((t.code, code)))
                for code in t.because
            ),
        )
        for rank, t in enumerate(fired, start=1)
        if action_set is not None
    )
    pillars = []
    for pillar in content.pillars:
        pillar_items = tuple(item for item in items if item.triggered.pillar == pillar.code)
        examples: dict[str, PolicyExampleView] = {}
        for item in pillar_items:
            for example in item.action.policy_examples:
                examples.setdefault(example.code, example)
        pillars.append(
            PillarPlan(
                code=pillar.code,
                title=pillar.label(),
                items=pillar_items,
                gap_answers=tuple(
                    _answer_shown(questions[code], answers.get(code, []))
                    for code, _score in gap_answers(content.spec, pillar.code, answers)
                ),
                policy_examples=tuple(examples.values()),
            )
        )
    planned = items[:PLAN_SIZE]
    horizons = tuple(
        HorizonGroup(code, str(HORIZON_HEADINGS[code]), tuple(i for i in planned if i.action.horizon == code))
        for code in HORIZONS
    )
    return ActionPlan(
        action_set=action_set.label if action_set else None,
        policy_catalogue=action_set.policy_catalogue if action_set else None,
        items=items,
        pillars=tuple(pillars),
        horizons=horizons,
    )
