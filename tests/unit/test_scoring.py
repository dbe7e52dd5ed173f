"""The scoring method, tested as pure functions: no database."""

from __future__ import annotations

import pytest

from questionnaires.scoring import (
    CHECKLIST,
    DONT_KNOW,
    LADDER,
    METHOD_VERSION,
    NONE_OF_THESE,
    NOT_APPLICABLE,
    ChoiceSpec,
    InvalidAnswer,
    PillarSpec,
    QuestionnaireSpec,
    QuestionSpec,
    level_for,
    level_table,
    normalise_answer,
    pillar_result,
    question_score,
    round_score,
    score_assessment,
)


def ladder(
    code: str, scores: tuple[float, ...] = (0.0, 0.5, 1.0), weight: float = 1.0, na: bool = False
) -> QuestionSpec:
    choices = [ChoiceSpec(f"r{i}", score=s) for i, s in enumerate(scores)]
    if na:
        choices.append(ChoiceSpec(NOT_APPLICABLE, kind=NOT_APPLICABLE))
    choices.append(ChoiceSpec(DONT_KNOW, kind=DONT_KNOW, score=0.0))
    return QuestionSpec(code, LADDER, tuple(choices), weight)


def checklist(code: str, weights: tuple[float, ...] = (2.0, 1.0, 1.0), na: bool = False) -> QuestionSpec:
    choices = [ChoiceSpec(f"i{i}", weight=w) for i, w in enumerate(weights)]
    choices.append(ChoiceSpec(NONE_OF_THESE, kind=NONE_OF_THESE, score=0.0, weight=0.0))
    if na:
        choices.append(ChoiceSpec(NOT_APPLICABLE, kind=NOT_APPLICABLE, weight=0.0))
    choices.append(ChoiceSpec(DONT_KNOW, kind=DONT_KNOW, score=0.0, weight=0.0))
    return QuestionSpec(code, CHECKLIST, tuple(choices))


def questionnaire() -> QuestionnaireSpec:
    pillars = []
    for p in ("skills", "data", "cyber", "ai", "green"):
        pillars.append(
            PillarSpec(
                p,
                (
                    ladder(f"{p}.a"),
                    ladder(f"{p}.b", weight=2.0, na=True),
                    checklist(f"{p}.c"),
                    ladder(f"{p}.d", na=True),
                ),
            )
        )
    return QuestionnaireSpec("t", tuple(pillars))


def best_answers(spec: QuestionnaireSpec) -> dict[str, list[str]]:
    answers = {}
    for q in spec.questions().values():
        if q.kind == LADDER:
            best = max((c for c in q.choices if c.score is not None and c.kind == "option"), key=lambda c: c.score)
            answers[q.code] = [best.code]
        else:
            answers[q.code] = [c.code for c in q.choices if c.kind == "option"]
    return answers


def worst_answers(spec: QuestionnaireSpec) -> dict[str, list[str]]:
    return {q.code: [q.choices[0].code] if q.kind == LADDER else [NONE_OF_THESE] for q in spec.questions().values()}


class TestQuestionScore:
    def test_ladder_rung_scores_its_value(self) -> None:
        assert question_score(ladder("q"), ["r1"]) == 0.5

    def test_checklist_scores_weighted_share_of_items_ticked(self) -> None:
        # weights 2, 1, 1: ticking the weight-2 item and one other = 3 / 4
        assert question_score(checklist("q"), ["i0", "i2"]) == pytest.approx(0.75)
        assert question_score(checklist("q"), ["i1"]) == pytest.approx(0.25)

    def test_dont_know_is_a_gap(self) -> None:
        assert question_score(ladder("q"), [DONT_KNOW]) == 0.0
        assert question_score(checklist("q"), [DONT_KNOW]) == 0.0

    def test_none_of_these_scores_zero(self) -> None:
        assert question_score(checklist("q"), [NONE_OF_THESE]) == 0.0

    def test_checklist_whose_items_carry_no_weight_scores_zero(self) -> None:
        # Nothing to earn: a gap, as for "none of these", rather than full marks or a crash.
        assert question_score(checklist("q", weights=(0.0, 0.0)), ["i0"]) == 0.0

    def test_not_applicable_and_unanswered_do_not_count(self) -> None:
        assert question_score(ladder("q", na=True), [NOT_APPLICABLE]) is None
        assert question_score(ladder("q"), []) is None

    @pytest.mark.parametrize(
        ("answer", "reason"),
        [
            (["nope"], "unknown_choice"),
            (["r0", "r1"], "several_rungs"),
        ],
    )
    def test_invalid_ladder_answers_are_refused(self, answer: list[str], reason: str) -> None:
        with pytest.raises(InvalidAnswer) as error:
            question_score(ladder("q"), answer)
        assert error.value.reason == reason
        # The message names the question (the log and the loader's report read it).
        assert str(error.value) in ("nope is not a choice of q", "q takes only one answer")

    def test_exclusive_options_cannot_be_combined(self) -> None:
        with pytest.raises(InvalidAnswer) as error:
            normalise_answer(checklist("q"), ["i0", DONT_KNOW])
        assert error.value.reason == "exclusive"
        assert str(error.value) == "q: an exclusive option was combined with other answers"

    def test_not_applicable_only_where_offered(self) -> None:
        with pytest.raises(InvalidAnswer, match=f"^{NOT_APPLICABLE} is not a choice of q$"):
            normalise_answer(ladder("q", na=False), [NOT_APPLICABLE])

    def test_normalise_orders_and_deduplicates(self) -> None:
        assert normalise_answer(checklist("q"), ["i2", "i0", "i2"]) == ("i0", "i2")


class TestPillar:
    def test_weighted_mean_over_applicable_questions(self) -> None:
        pillar = PillarSpec("p", (ladder("a"), ladder("b", weight=2.0, na=True), checklist("c"), ladder("d", na=True)))
        # a=1 (w1), b=0.5 (w2), c=0.25 (w1), d N/A -> (1 + 1 + 0.25) / 4 = 56.25 -> 56.3 (half up)
        result = pillar_result(pillar, {"a": ["r2"], "b": ["r1"], "c": ["i1"], "d": [NOT_APPLICABLE]})
        assert result.score == 56.3
        assert result.level == "intermediate"
        assert (result.total, result.answered, result.applicable) == (4, 4, 3)

    def test_not_applicable_changes_nothing_for_the_rest(self) -> None:
        pillar = PillarSpec("p", (ladder("a"), ladder("b", na=True)))
        assert pillar_result(pillar, {"a": ["r1"], "b": [NOT_APPLICABLE]}).score == 50.0

    def test_dont_know_lowers_the_score(self) -> None:
        pillar = PillarSpec("p", (ladder("a"), ladder("b")))
        assert pillar_result(pillar, {"a": ["r2"], "b": [DONT_KNOW]}).score == 50.0

    def test_fewer_than_half_applicable_is_not_enough_answers(self) -> None:
        pillar = PillarSpec("p", (ladder("a"), ladder("b", na=True), ladder("c", na=True), ladder("d", na=True)))
        result = pillar_result(
            pillar, {"a": ["r2"], "b": [NOT_APPLICABLE], "c": [NOT_APPLICABLE], "d": [NOT_APPLICABLE]}
        )
        assert result.score is None and result.level is None and not result.sufficient
        # The page still says how far the firm got: 4 questions, 4 answered (N/A too), 1 counts.
        assert (result.total, result.answered, result.applicable) == (4, 4, 1)

    def test_exactly_half_applicable_is_enough(self) -> None:
        pillar = PillarSpec("p", (ladder("a"), ladder("b"), ladder("c", na=True), ladder("d", na=True)))
        result = pillar_result(pillar, {"a": ["r2"], "b": ["r0"], "c": [NOT_APPLICABLE], "d": [NOT_APPLICABLE]})
        assert result.score == 50.0

    def test_unanswered_questions_count_as_missing(self) -> None:
        pillar = PillarSpec("p", (ladder("a"), ladder("b"), ladder("c")))
        assert pillar_result(pillar, {"a": ["r2"]}).score is None

    def test_a_pillar_of_one_answered_question_has_its_score(self) -> None:
        result = pillar_result(PillarSpec("p", (ladder("a"),)), {"a": ["r1"]})
        assert (result.score, result.level) == (50.0, "intermediate")


class TestLevels:
    @pytest.mark.parametrize(
        ("score", "level"),
        [
            (0.0, "beginner"),
            (19.9, "beginner"),
            (20.0, "developing"),
            (39.9, "developing"),
            (40.0, "intermediate"),
            (59.9, "intermediate"),
            (60.0, "advanced"),
            (79.9, "advanced"),
            (80.0, "leading"),
            (100.0, "leading"),
        ],
    )
    def test_boundaries_belong_to_the_higher_level(self, score: float, level: str) -> None:
        assert level_for(score) == level

    def test_out_of_range_is_an_error(self) -> None:
        with pytest.raises(ValueError, match=r"^score 100\.1 outside \[0, 100\]$"):
            level_for(100.1)

    def test_level_table_lists_the_levels_from_beginner_up(self) -> None:
        assert level_table() == [
            ("beginner", "Beginner", (0.0, 20.0)),
            ("developing", "Developing", (20.0, 40.0)),
            ("intermediate", "Intermediate", (40.0, 60.0)),
            ("advanced", "Advanced", (60.0, 80.0)),
            ("leading", "Leading", (80.0, 100.0)),
        ]

    def test_rounding_is_half_up_so_shown_score_and_level_agree(self) -> None:
        assert round_score(59.95) == 60.0
        assert level_for(round_score(59.95)) == "advanced"
        assert round_score(0.05) == 0.1


class TestAssessment:
    def test_all_best_is_100_leading(self) -> None:
        spec = questionnaire()
        result = score_assessment(spec, best_answers(spec))
        assert result.overall == 100.0 and result.overall_level == "leading"
        assert all(p.score == 100.0 and p.level == "leading" for p in result.pillars)
        assert result.method_version == METHOD_VERSION

    def test_all_worst_is_0_beginner(self) -> None:
        spec = questionnaire()
        result = score_assessment(spec, worst_answers(spec))
        assert result.overall == 0.0 and result.overall_level == "beginner"

    def test_overall_is_the_mean_of_pillars(self) -> None:
        spec = questionnaire()
        answers = best_answers(spec)
        for q in spec.pillars[0].questions:  # skills all worst
            answers[q.code] = worst_answers(spec)[q.code]
        result = score_assessment(spec, answers)
        assert result.pillar("skills").score == 0.0
        assert result.overall == 80.0 and result.overall_level == "leading"

    def test_overall_skips_a_pillar_without_enough_answers(self) -> None:
        spec = questionnaire()
        answers = best_answers(spec)
        answers["green.b"] = answers["green.d"] = [NOT_APPLICABLE]
        answers["green.c"] = []
        result = score_assessment(spec, answers)
        assert result.pillar("green").score is None
        assert result.overall == 100.0

    def test_no_overall_when_most_pillars_lack_answers(self) -> None:
        spec = questionnaire()
        answers = {code: codes for code, codes in best_answers(spec).items() if code.startswith(("skills", "data"))}
        result = score_assessment(spec, answers)
        assert result.overall is None and result.overall_level is None

    def test_overall_when_exactly_half_the_pillar_weight_has_a_score(self) -> None:
        # Mirrors the pillar rule: half is enough. Here one pillar of two, each of weight 1.
        spec = QuestionnaireSpec("t", (PillarSpec("a", (ladder("a.q"),)), PillarSpec("b", (ladder("b.q"),))))
        result = score_assessment(spec, {"a.q": ["r1"]})
        assert result.pillar("b").score is None
        assert (result.overall, result.overall_level) == (50.0, "intermediate")

    def test_overall_of_a_single_pillar_is_its_score(self) -> None:
        spec = QuestionnaireSpec("t", (PillarSpec("only", (ladder("q"), checklist("c"))),))
        result = score_assessment(spec, {"q": ["r2"], "c": ["i1"]})  # (1 + 0.25) / 2
        assert result.overall == result.pillar("only").score == 62.5
        assert result.overall_level == "advanced"

    def test_recomputation_is_deterministic(self) -> None:
        spec = questionnaire()
        answers = best_answers(spec)
        answers["cyber.a"] = ["r1"]
        assert score_assessment(spec, answers) == score_assessment(spec, dict(reversed(list(answers.items()))))

    def test_answers_to_unknown_questions_are_refused(self) -> None:
        with pytest.raises(InvalidAnswer, match=r"answers to questions not in version .*: skills\.zzz$"):
            score_assessment(questionnaire(), {"skills.zzz": ["r0"]})
