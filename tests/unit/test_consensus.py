"""The team's spread per question (questionnaires/consensus.py) on known answer sets."""

from __future__ import annotations

from questionnaires.consensus import disagreements_first, question_spread
from questionnaires.recommendations import ActionRule, AnswerTrigger, triggered_actions
from questionnaires.scoring import (
    ChoiceSpec,
    PillarSpec,
    QuestionnaireSpec,
    QuestionSpec,
    score_assessment,
)

LADDER = QuestionSpec(
    "cyber.backups",
    "ladder",
    (
        ChoiceSpec("none", score=0.0),
        ChoiceSpec("monthly", score=1 / 3),
        ChoiceSpec("weekly", score=2 / 3),
        ChoiceSpec("weekly_offsite", score=1.0),
        ChoiceSpec("dont_know", kind="dont_know"),
        ChoiceSpec("not_applicable", kind="not_applicable"),
    ),
)
CHECKLIST = QuestionSpec(
    "cyber.practices",
    "checklist",
    (
        ChoiceSpec("mfa", weight=2.0),
        ChoiceSpec("updates"),
        ChoiceSpec("training"),
        ChoiceSpec("none_of_these", kind="none_of_these"),
        ChoiceSpec("dont_know", kind="dont_know"),
    ),
)


def test_agreement_is_no_disagreement() -> None:
    spread = question_spread(LADDER, [("a", ["weekly"]), ("b", ["weekly"]), ("c", [])])
    assert not spread.disagrees and spread.gap == 0 and spread.rungs_apart == 0
    assert spread.answered == 2 and spread.suggested == ("weekly",)


def test_rungs_apart_ignore_dont_know_and_not_applicable() -> None:
    spread = question_spread(
        LADDER, [("a", ["monthly"]), ("b", ["weekly_offsite"]), ("c", ["dont_know"]), ("d", ["not_applicable"])]
    )
    assert spread.disagrees and spread.rungs_apart == 2 and round(spread.gap, 3) == 0.667
    assert spread.dont_know == 1 and not spread.widely_unknown  # 1 of 4


def test_a_third_saying_dont_know_is_wide() -> None:
    assert question_spread(LADDER, [("a", ["weekly"]), ("b", ["weekly"]), ("c", ["dont_know"])]).widely_unknown
    assert not question_spread(LADDER, [("a", ["dont_know"])]).widely_unknown  # one person is no team


def test_a_tie_suggests_the_cautious_answer_and_checklists_compare_by_score() -> None:
    tie = question_spread(LADDER, [("a", ["weekly_offsite"]), ("b", ["monthly"])])
    assert tie.suggested == ("monthly",)
    ticks = question_spread(CHECKLIST, [("a", ["updates", "mfa"]), ("b", ["mfa", "updates"]), ("c", ["training"])])
    assert [g.codes for g in ticks.groups] == [("mfa", "updates"), ("training",)]  # order of ticks is no difference
    assert ticks.rungs_apart is None and ticks.gap == 0.5  # 3/4 against 1/4 of the weight


def test_disagreements_come_first_widest_first() -> None:
    calm = question_spread(LADDER, [("a", ["weekly"]), ("b", ["weekly"])])
    narrow = question_spread(LADDER, [("a", ["weekly"]), ("b", ["weekly_offsite"])])
    wide = question_spread(LADDER, [("a", ["none"]), ("b", ["weekly_offsite"])])
    unsure = question_spread(LADDER, [("a", ["weekly"]), ("b", ["dont_know"])])
    assert disagreements_first([calm, narrow, unsure, wide]) == [wide, narrow, unsure, calm]


def test_a_team_unknown_answer_triggers_its_actions_whatever_was_agreed() -> None:
    spec = QuestionnaireSpec("t", (PillarSpec("cyber", (LADDER,)),))
    rule = ActionRule(
        "backup_plan",
        "cyber",
        "low",
        "high",
        "short",
        answers=(AnswerTrigger("cyber.backups", choices=frozenset({"dont_know", "none"})),),
    )
    agreed = {"cyber.backups": ["weekly_offsite"]}
    scores = score_assessment(spec, agreed)
    assert triggered_actions([rule], spec, scores, agreed) == []
    (fired,) = triggered_actions([rule], spec, scores, agreed, unknown_to_team=frozenset({"cyber.backups"}))
    assert fired.because == ("cyber.backups",) and fired.unknown_to_team == ("cyber.backups",) and fired.gap == 1.0


def test_who_said_what_is_kept_and_a_lone_answer_beside_dont_know_has_no_gap() -> None:
    spread = question_spread(LADDER, [("a", ["weekly"]), ("b", ["dont_know"]), ("c", ["weekly"])])
    assert spread.code == "cyber.backups"
    assert [(g.codes, g.respondents) for g in spread.groups] == [(("weekly",), ("a", "c")), (("dont_know",), ("b",))]
    assert spread.disagrees and spread.gap == 0 and spread.rungs_apart == 0
    nobody = question_spread(LADDER, [("a", ["dont_know"]), ("b", ["not_applicable"])])
    assert nobody.rungs_apart == 0 and nobody.gap == 0


def test_not_applicable_never_wins_a_tie_and_gaps_keep_six_decimals() -> None:
    tie = question_spread(LADDER, [("a", ["not_applicable"]), ("b", ["weekly_offsite"])])
    assert tie.suggested == ("weekly_offsite",)
    thirds = question_spread(CHECKLIST, [("a", ["mfa"]), ("b", ["mfa", "updates", "training"])])
    assert thirds.gap == 0.5  # 2/4 against 4/4
    rungs = question_spread(LADDER, [("a", ["monthly"]), ("b", ["weekly"])])
    assert rungs.gap == 0.333333 and rungs.rungs_apart == 1


def test_among_equal_gaps_more_dont_know_first_then_the_questionnaire_order() -> None:
    one_in_three = question_spread(LADDER, [("a", ["weekly"]), ("b", ["weekly"]), ("c", ["dont_know"])])
    one_in_two = question_spread(LADDER, [("a", ["weekly"]), ("b", ["dont_know"])])
    twin = question_spread(LADDER, [("x", ["weekly"]), ("y", ["dont_know"])])
    assert disagreements_first([one_in_three, one_in_two, twin]) == [one_in_two, twin, one_in_three]
    assert disagreements_first([twin, one_in_two]) == [twin, one_in_two]
