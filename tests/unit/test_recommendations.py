"""Trigger rules and prioritisation of actions: pure functions, no database."""

from __future__ import annotations

import random

import pytest

from questionnaires.recommendations import (
    ActionRule,
    AnswerTrigger,
    TriggeredAction,
    answer_matches,
    gap_answers,
    prioritise,
    triggered_actions,
)
from questionnaires.scoring import (
    CHECKLIST,
    DONT_KNOW,
    LADDER,
    NONE_OF_THESE,
    NOT_APPLICABLE,
    ChoiceSpec,
    PillarSpec,
    QuestionnaireSpec,
    QuestionSpec,
    score_assessment,
)


def _ladder(code: str, weight: float = 1.0, not_applicable: bool = False) -> QuestionSpec:
    choices = [ChoiceSpec("none", score=0.0), ChoiceSpec("some", score=0.5), ChoiceSpec("full", score=1.0)]
    choices.append(ChoiceSpec(DONT_KNOW, kind=DONT_KNOW))
    if not_applicable:
        choices.append(ChoiceSpec(NOT_APPLICABLE, kind=NOT_APPLICABLE))
    return QuestionSpec(code, LADDER, tuple(choices), weight)


def _checklist(code: str) -> QuestionSpec:
    items = tuple(ChoiceSpec(c) for c in ("alpha", "beta", "gamma"))
    special = (ChoiceSpec(DONT_KNOW, kind=DONT_KNOW), ChoiceSpec(NONE_OF_THESE, kind=NONE_OF_THESE))
    return QuestionSpec(code, CHECKLIST, items + special)


SPEC = QuestionnaireSpec(
    "t",
    (
        PillarSpec("cyber", (_ladder("cyber.backup", 2.0, not_applicable=True), _checklist("cyber.controls"))),
        PillarSpec("ai", (_ladder("ai.stage"), _ladder("ai.skills"))),
    ),
)


def rule(code: str, pillar: str = "cyber", **kwargs) -> ActionRule:  # type: ignore[no-untyped-def]
    values = {"effort": "low", "impact": "high", "horizon": "short", **kwargs}
    return ActionRule(code=code, pillar=pillar, **values)


def fire(rules: list[ActionRule], answers: dict[str, list[str]]) -> dict[str, TriggeredAction]:
    return {t.code: t for t in triggered_actions(rules, SPEC, score_assessment(SPEC, answers), answers)}


BACKUP_GAP = AnswerTrigger("cyber.backup", choices=frozenset({"none", "some", DONT_KNOW}))
CONTROLS_GAP = AnswerTrigger("cyber.controls", missing=frozenset({"alpha"}))


class TestAnswerMatches:
    def test_ladder(self) -> None:
        assert answer_matches(BACKUP_GAP, LADDER, ["none"])
        assert answer_matches(BACKUP_GAP, LADDER, [DONT_KNOW])
        assert not answer_matches(BACKUP_GAP, LADDER, ["full"])

    def test_checklist_item_missing(self) -> None:
        assert answer_matches(CONTROLS_GAP, CHECKLIST, ["beta"])
        assert not answer_matches(CONTROLS_GAP, CHECKLIST, ["alpha", "beta"])

    @pytest.mark.parametrize("codes", [[DONT_KNOW], [NONE_OF_THESE]])
    def test_dont_know_and_none_of_these_tick_nothing(self, codes: list[str]) -> None:
        assert answer_matches(CONTROLS_GAP, CHECKLIST, codes)

    @pytest.mark.parametrize("codes", [[], [NOT_APPLICABLE]])
    def test_unanswered_and_not_applicable_never_match(self, codes: list[str]) -> None:
        assert not answer_matches(BACKUP_GAP, LADDER, codes)
        assert not answer_matches(CONTROLS_GAP, CHECKLIST, codes)


class TestTriggers:
    def test_level_only(self) -> None:
        rules = [rule("starter", levels=frozenset({"beginner"})), rule("later", levels=frozenset({"advanced"}))]
        fired = fire(rules, {"cyber.backup": ["none"], "cyber.controls": ["alpha"]})  # 11.1: beginner
        assert set(fired) == {"starter"}
        assert fired["starter"].by_level and fired["starter"].because == ()

    def test_answer_only_fires_at_any_level_even_leading(self) -> None:
        # Backups weigh 2 and are full; the checklist misses alpha: 2/3 x ... pillar 88.9, leading.
        answers = {"cyber.backup": ["full"], "cyber.controls": ["beta", "gamma"]}
        assert score_assessment(SPEC, answers).pillar("cyber").level == "leading"
        fired = fire([rule("alpha", answers=(CONTROLS_GAP,))], answers)
        assert fired["alpha"].because == ("cyber.controls",)
        assert not fired["alpha"].by_level

    def test_level_and_answers_both_needed(self) -> None:
        both = rule("both", levels=frozenset({"beginner"}), answers=(CONTROLS_GAP,))
        # Beginner (0) and alpha missing: fires.
        assert "both" in fire([both], {"cyber.backup": ["none"], "cyber.controls": [DONT_KNOW]})
        # Beginner (11.1), but alpha is ticked: no gap to act on.
        assert "both" not in fire([both], {"cyber.backup": ["none"], "cyber.controls": ["alpha"]})
        # Alpha missing, but intermediate (44.4), a level the rule does not list.
        assert "both" not in fire([both], {"cyber.backup": ["some"], "cyber.controls": ["beta"]})

    def test_any_one_answer_entry_is_enough(self) -> None:
        either = rule("either", answers=(BACKUP_GAP, CONTROLS_GAP))
        fired = fire([either], {"cyber.backup": ["full"], "cyber.controls": ["beta"]})
        assert fired["either"].because == ("cyber.controls",)
        fired = fire([either], {"cyber.backup": ["none"], "cyber.controls": ["beta"]})
        assert fired["either"].because == ("cyber.backup", "cyber.controls")

    def test_a_pillar_without_a_score_triggers_no_level_rule(self) -> None:
        rules = [rule("starter", levels=frozenset({"beginner"})), rule("backup", answers=(BACKUP_GAP,))]
        # The only answer is N/A: not enough answers, no level, and N/A shows no gap.
        assert fire(rules, {"cyber.backup": [NOT_APPLICABLE]}) == {}
        # One of two questions applies and scores 0: a score (0.0, beginner); backups unanswered.
        assert set(fire(rules, {"cyber.controls": [DONT_KNOW]})) == {"starter"}

    def test_unanswered_question_does_not_trigger(self) -> None:
        assert fire([rule("backup", answers=(BACKUP_GAP,))], {"cyber.controls": ["alpha"]}) == {}

    def test_a_rule_about_an_unknown_question_never_fires(self) -> None:
        ghost = rule("ghost", answers=(AnswerTrigger("cyber.ghost", choices=frozenset({"none"})),))
        assert fire([ghost], {"cyber.backup": ["none"]}) == {}

    def test_gap_is_the_larger_of_pillar_and_answer_shortfall(self) -> None:
        answers = {"cyber.backup": ["full"], "cyber.controls": ["beta", "gamma"]}  # pillar 88.9
        fired = fire([rule("alpha", answers=(CONTROLS_GAP,)), rule("untriggered")], answers)
        assert "untriggered" not in fired  # a rule with neither levels nor answers never fires
        assert fired["alpha"].gap == pytest.approx(1 / 3, abs=1e-6)  # the checklist's shortfall
        answers = {"cyber.backup": ["some"], "cyber.controls": [DONT_KNOW]}  # pillar 33.3
        fired = fire([rule("b", answers=(BACKUP_GAP,))], answers)
        assert fired["b"].gap == pytest.approx(0.667, abs=1e-3)  # the pillar's 1 - 0.333
        assert fired["b"].priority == pytest.approx(3 * 0.667, abs=1e-3)


def _t(code: str, priority: float, effort: str = "low", horizon: str = "short", **kw) -> TriggeredAction:  # type: ignore[no-untyped-def]
    values = {"pillar": "cyber", "impact": "high", "gap": priority / 3, "by_level": True, "because": (), **kw}
    return TriggeredAction(code=code, effort=effort, horizon=horizon, priority=priority, **values)


class TestPrioritise:
    def test_priority_first(self) -> None:
        ordered = prioritise([_t("small", 0.5), _t("big", 2.4), _t("mid", 1.2)])
        assert [a.code for a in ordered] == ["big", "mid", "small"]

    def test_cheaper_effort_first_on_ties_then_shorter_horizon(self) -> None:
        actions = [
            _t("costly", 1.5, effort="high"),
            _t("medium_long", 1.5, effort="medium", horizon="long"),
            _t("medium_short", 1.5, effort="medium", horizon="short"),
            _t("cheap", 1.5, effort="low", horizon="long"),
        ]
        assert [a.code for a in prioritise(actions)] == ["cheap", "medium_short", "medium_long", "costly"]

    def test_pillar_order_then_content_order_make_it_deterministic(self) -> None:
        actions = [
            _t("ai_b", 1.0, pillar="ai", position=2),
            _t("cyber_a", 1.0, pillar="cyber", position=1),
            _t("ai_a", 1.0, pillar="ai", position=1),
        ]
        for _ in range(5):
            random.shuffle(actions)
            assert [a.code for a in prioritise(actions, ["cyber", "ai"])] == ["cyber_a", "ai_a", "ai_b"]

    def test_impact_weighs_the_gap(self) -> None:
        # Impact times gap, where each gap is at least the pillar's (0.75 here).
        rules = [
            rule("high_small", impact="high", answers=(AnswerTrigger("ai.stage", choices=frozenset({"some"})),)),
            rule("medium_whole", impact="medium", answers=(AnswerTrigger("ai.skills", choices=frozenset({"none"})),)),
        ]
        rules = [ActionRule(**{**r.__dict__, "pillar": "ai"}) for r in rules]
        answers = {"ai.stage": ["some"], "ai.skills": ["none"]}  # ai pillar 25
        fired = triggered_actions(rules, SPEC, score_assessment(SPEC, answers), answers)
        # High impact on gap 0.75 (2.25) beats medium impact on the whole gap (2 x 1.0).
        assert [a.code for a in prioritise(fired)] == ["high_small", "medium_whole"]


def test_gap_answers_lists_the_costliest_answers_first() -> None:
    answers = {"cyber.backup": ["some"], "cyber.controls": [DONT_KNOW]}
    # Backups score 0.5, not below the 0.5 threshold: only the checklist is listed.
    assert gap_answers(SPEC, "cyber", answers) == [("cyber.controls", 0.0)]
    # Backups lose 2 x 1.0 (weight 2), the checklist 1 x 2/3: backups first.
    answers = {"cyber.backup": ["none"], "cyber.controls": ["alpha"]}
    assert gap_answers(SPEC, "cyber", answers) == [("cyber.backup", 0.0), ("cyber.controls", pytest.approx(1 / 3))]
    assert gap_answers(SPEC, "nope", answers) == []
