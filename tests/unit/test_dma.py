"""The DMA view: mapping files validated against their questionnaire, dimension scores on known
answer sets."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from questionnaires.dma import DIMENSIONS, PARTIAL_BELOW, DmaMappingError, dma_scores, parse_dma_mapping
from questionnaires.scoring import CHECKLIST, LADDER, OPTION, ChoiceSpec, QuestionSpec


def ladder(code: str) -> QuestionSpec:
    rungs = tuple(ChoiceSpec(c, score=s) for c, s in (("none", 0.0), ("some", 0.5), ("full", 1.0)))
    specials = (ChoiceSpec("dont_know", kind="dont_know"), ChoiceSpec("not_applicable", kind="not_applicable"))
    return QuestionSpec(code, LADDER, rungs + specials)


def checklist(code: str) -> QuestionSpec:
    items = (ChoiceSpec("a", weight=1), ChoiceSpec("b", weight=1), ChoiceSpec("c", weight=2))
    specials = (ChoiceSpec("dont_know", kind="dont_know"), ChoiceSpec("none_of_these", kind="none_of_these"))
    return QuestionSpec(code, CHECKLIST, items + specials)


QUESTIONS = {q.code: q for q in (ladder("x.one"), ladder("x.two"), ladder("x.three"), checklist("x.list"))}
TEXTS = {"en": "text", "fr": "texte", "es": "texto"}


def raw_mapping() -> dict[str, Any]:
    """Every dimension observed by x.one; the second also by x.two (weight 2) and some items of x.list."""
    dimensions = []
    for code in DIMENSIONS:
        questions: list[dict[str, Any]] = [{"question": "x.one", "weight": 1}]
        if code == "digital_readiness":
            questions += [{"question": "x.two", "weight": 2}, {"question": "x.list", "items": ["a", "c"], "weight": 1}]
        dimensions.append(
            {
                "code": code,
                "title": TEXTS,
                "coverage": 0.4 if code == "green_digitalisation" else 0.8,
                "covered": TEXTS,
                "not_covered": TEXTS,
                "source": "DMA questionnaire for SMEs, module 2",
                "questions": questions,
            }
        )
    return {"label": "t-1", "questionnaire": "t-1", "dimensions": dimensions}


def scores(answers: dict[str, list[str]], raw: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return dma_scores(parse_dma_mapping(raw or raw_mapping(), "dma.yaml", QUESTIONS), QUESTIONS, answers)


class TestScores:
    def test_weighted_mean_of_the_mapped_questions_and_the_average_of_six(self) -> None:
        result = scores({"x.one": ["some"], "x.two": ["full"], "x.list": ["a"]})
        readiness = result.dimension("digital_readiness")
        # (1 x 0.5 + 2 x 1.0 + 1 x 1/3) / 4 = 0.7083 -> 70.8; items a (1) of a + c (1 + 2)
        assert readiness.score == 70.8 and (readiness.counted, readiness.total) == (3, 3)
        assert result.dimension("digital_business_strategy").score == 50.0
        assert result.average == round((50.0 * 5 + 70.8) / 6, 1)

    def test_items_outside_the_narrowed_list_do_not_count(self) -> None:
        only_b = scores({"x.one": ["full"], "x.two": ["full"], "x.list": ["b"]}).dimension("digital_readiness")
        a_and_c = scores({"x.one": ["full"], "x.two": ["full"], "x.list": ["a", "c"]}).dimension("digital_readiness")
        assert only_b.score == 75.0  # (1 + 2 + 0) / 4
        assert a_and_c.score == 100.0

    def test_dont_know_and_none_count_zero_not_applicable_leaves_the_question_out(self) -> None:
        base = {"x.one": ["full"], "x.two": ["full"]}
        assert scores({**base, "x.list": ["none_of_these"]}).dimension("digital_readiness").score == 75.0
        assert scores({**base, "x.list": ["dont_know"]}).dimension("digital_readiness").score == 75.0
        left_out = scores({"x.one": ["not_applicable"], "x.two": ["some"], "x.list": ["c"]})
        readiness = left_out.dimension("digital_readiness")
        assert (readiness.score, readiness.counted) == (round(100 * (2 * 0.5 + 2 / 3) / 3, 1), 2)

    def test_too_few_answers_give_no_score_and_no_average(self) -> None:
        result = scores({"x.two": ["full"]})  # x.one unanswered: every other dimension has nothing
        assert result.dimension("digital_business_strategy").score is None
        assert result.dimension("digital_readiness").score is None  # 1 of 3 questions
        assert result.average is None
        half = scores({"x.one": ["full"], "x.two": ["none"]}).dimension("digital_readiness")
        assert half.score == round(100 / 3, 1)  # 2 of 3: enough

    def test_exactly_half_the_questions_answered_is_enough(self) -> None:
        raw = raw_mapping()
        raw["dimensions"][0]["questions"] = [{"question": "x.one"}, {"question": "x.three"}]  # weight 1 by default
        result = scores({"x.one": ["some"]}, raw)
        strategy = result.dimension("digital_business_strategy")
        assert (strategy.score, strategy.counted, strategy.total) == (50.0, 1, 2)
        assert result.mapping == "t-1"
        weighted = scores({"x.one": ["full"], "x.three": ["none"]}, raw).dimension("digital_business_strategy")
        assert weighted.score == 50.0  # equal default weights: (1 + 0) / 2

    def test_partial_dimensions_are_those_covered_below_the_threshold(self) -> None:
        result = scores({"x.one": ["full"]})
        partial = [d.code for d in result.dimensions if d.is_partial]
        assert partial == ["green_digitalisation"] and PARTIAL_BELOW == 0.5
        assert result.dimension("green_digitalisation").coverage == 0.4


class TestMappingFile:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (lambda m: m["dimensions"].pop(), "must be exactly"),
            (lambda m: m["dimensions"].reverse(), "must be exactly"),
            (lambda m: m["dimensions"][0]["questions"].append({"question": "x.gone"}), "no question 'x.gone'"),
            (lambda m: m["dimensions"][0]["questions"].append("x.one"), "each question entry is"),
            (lambda m: m["dimensions"][0]["questions"].append({"question": "x.two", "colour": "red"}), "each question"),
            (
                lambda m: m["dimensions"][0]["questions"].append({"question": "x.two", "items": ["a"]}),
                "not a checklist",
            ),
            (lambda m: m["dimensions"][1]["questions"][2].update(items=["a", "z"]), "items must be distinct items"),
            (lambda m: m["dimensions"][0]["questions"][0].update(weight=3), "use 1 or 2"),
            (lambda m: m["dimensions"][0].update(coverage=0), "'coverage' must be a share"),
            (lambda m: m["dimensions"][0].update(coverage=1.2), "'coverage' must be a share"),
            (lambda m: m["dimensions"][0].update(covered={"en": "only English"}), "needs a text in each of en, fr, es"),
            (lambda m: m["dimensions"][0].update(questions=[]), "non-empty list"),
            (lambda m: m["dimensions"][0]["questions"].append({"question": "x.one"}), "mapped twice"),
            (lambda m: m["dimensions"][0].update(source=""), "'source' must cite"),
            (lambda m: m.update(label=None), "'label' must be"),
        ],
    )
    def test_a_bad_mapping_is_refused_with_the_reason(self, change, message: str) -> None:  # type: ignore[no-untyped-def]
        raw = copy.deepcopy(raw_mapping())
        change(raw)
        with pytest.raises(DmaMappingError, match=message):
            parse_dma_mapping(raw, "dma.yaml", QUESTIONS)

    def test_a_good_mapping_parses(self) -> None:
        mapping = parse_dma_mapping(raw_mapping(), "dma.yaml", QUESTIONS)
        assert [d.code for d in mapping.dimensions] == list(DIMENSIONS)
        readiness = mapping.dimensions[1]
        assert [(q.question, q.weight, q.items) for q in readiness.questions] == [
            ("x.one", 1.0, ()),
            ("x.two", 2.0, ()),
            ("x.list", 1.0, ("a", "c")),
        ]
        assert all(c.kind == OPTION for c in QUESTIONS["x.list"].choices[:3])
