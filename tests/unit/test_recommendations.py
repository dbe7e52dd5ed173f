"""Trigger rules and prioritisation of actions: pure functions, no database."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from questionnaires.recommendations import (
    ActionRule,
    AnswerTrigger,
    TriggeredAction,
    action_rule,
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

    def test_a_rule_that_does_not_fire_does_not_stop_the_rules_after_it(self) -> None:
        answers = {"cyber.backup": ["none"], "cyber.controls": ["alpha"]}  # 11.1: beginner
        rules = [
            rule("wrong_level", levels=frozenset({"advanced"})),
            rule("no_gap", answers=(CONTROLS_GAP,)),  # alpha is ticked
            rule("untriggered"),
            rule("starter", levels=frozenset({"beginner"})),
        ]
        assert set(fire(rules, answers)) == {"starter"}

    def test_an_unknown_question_does_not_hide_the_rules_other_answers(self) -> None:
        ghost = AnswerTrigger("cyber.ghost", choices=frozenset({"none"}))
        fired = fire([rule("backup", answers=(ghost, BACKUP_GAP))], {"cyber.backup": ["none"]})
        assert fired["backup"].because == ("cyber.backup",)

    def test_a_fired_action_carries_its_rule_and_a_zero_answer_is_a_whole_gap(self) -> None:
        # Backups (weight 2) score 0, the checklist is complete: pillar 33.3, so the pillar's gap
        # is 0.667, but the answer that triggered the action falls short by all of it (1.0).
        answers = {"cyber.backup": ["none"], "cyber.controls": ["alpha", "beta", "gamma"]}
        backups = rule("backups", effort="medium", impact="medium", horizon="long", position=7, answers=(BACKUP_GAP,))
        assert fire([backups], answers)["backups"] == TriggeredAction(
            code="backups",
            pillar="cyber",
            effort="medium",
            impact="medium",
            horizon="long",
            gap=1.0,
            priority=2.0,
            by_level=False,
            because=("cyber.backup",),
            position=7,
        )

    def test_in_a_pillar_without_a_score_the_gap_is_the_answers_shortfall(self) -> None:
        spec = QuestionnaireSpec(
            "t", (PillarSpec("ai", (_ladder("ai.stage"), _ladder("ai.skills"), _ladder("ai.data"))),)
        )
        answers = {"ai.stage": ["some"]}  # one of three answered: not enough answers
        scores = score_assessment(spec, answers)
        assert scores.pillar("ai").score is None
        stage = rule("stage", pillar="ai", answers=(AnswerTrigger("ai.stage", choices=frozenset({"some"})),))
        [fired] = triggered_actions([stage], spec, scores, answers)
        assert (fired.gap, fired.priority) == (0.5, 1.5)

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

    def test_pillars_outside_the_given_order_come_last_on_a_tie(self) -> None:
        actions = [_t("green", 1.0, pillar="green"), _t("ai", 1.0, pillar="ai"), _t("cyber", 1.0, pillar="cyber")]
        assert [a.code for a in prioritise(actions, ["cyber", "ai"])] == ["cyber", "ai", "green"]

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


def test_gap_answers_skip_unanswered_questions() -> None:
    assert gap_answers(SPEC, "cyber", {"cyber.controls": [DONT_KNOW]}) == [("cyber.controls", 0.0)]


def test_gap_answers_rank_by_weighted_loss_not_by_score() -> None:
    # A light question wholly missed (loses 1 x 1.0) before a heavy one nearly done (2 x 0.25).
    heavy = QuestionSpec(
        "p.heavy",
        LADDER,
        (ChoiceSpec("none", score=0.0), ChoiceSpec("most", score=0.75), ChoiceSpec("full", score=1.0)),
        2.0,
    )
    spec = QuestionnaireSpec("t", (PillarSpec("p", (heavy, _ladder("p.light"))),))
    answers = {"p.heavy": ["most"], "p.light": ["none"]}
    assert gap_answers(spec, "p", answers, below=0.8) == [("p.light", 0.0), ("p.heavy", 0.75)]


def test_a_stored_action_becomes_its_rule() -> None:
    stored = SimpleNamespace(
        code="backups",
        pillar="cyber",
        effort="medium",
        impact="high",
        horizon="short",
        levels=["beginner", "developing"],
        answer_triggers=[
            {"question": "cyber.backup", "choices": ["none", "some"]},
            {"question": "cyber.controls", "missing": ["alpha"]},
        ],
        position=4,
    )
    assert action_rule(stored) == ActionRule(
        code="backups",
        pillar="cyber",
        effort="medium",
        impact="high",
        horizon="short",
        levels=frozenset({"beginner", "developing"}),
        answers=(
            AnswerTrigger("cyber.backup", choices=frozenset({"none", "some"})),
            AnswerTrigger("cyber.controls", missing=frozenset({"alpha"})),
        ),
        position=4,
    )
