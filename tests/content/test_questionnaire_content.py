"""The shipped questionnaire meets the content rules of DESIGN and the foundation issue."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from questionnaires.loader import KNOWN_PILLARS, parse_questionnaire_file
from tests.helpers import REAL_QUESTIONNAIRE, shared_folder

SEED_NAMES = {
    "000_7b14055dea39cffc.txt",
    "001_45476b91a6a569c3.txt",
    "002_50b4064faa11e839.txt",
    "003_9fb1818520dbe4d0.txt",
}


@pytest.fixture(scope="module")
def content():  # type: ignore[no-untyped-def]
    return parse_questionnaire_file(REAL_QUESTIONNAIRE)


def test_five_pillars_in_order_with_at_least_eight_questions(content) -> None:  # type: ignore[no-untyped-def]
    assert [p.code for p in content.pillars] == list(KNOWN_PILLARS)
    for pillar in content.pillars:
        assert len(pillar.questions) >= 8, pillar.code
    # "about 15 minutes": roughly 20 seconds a question
    assert 40 <= content.question_count() <= 50


def test_every_question_cites_a_seed_and_all_four_seeds_are_used(content) -> None:  # type: ignore[no-untyped-def]
    cited: Counter[str] = Counter()
    for pillar in content.pillars:
        for question in pillar.questions:
            names = set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", question.source))
            assert names, question.code
            assert names <= SEED_NAMES, question.code
            cited.update(names)
    assert set(cited) == SEED_NAMES


def test_cited_paragraph_numbers_exist_in_the_seed(content) -> None:  # type: ignore[no-untyped-def]
    seeds = shared_folder("seeds")
    for pillar in content.pillars:
        for question in pillar.questions:
            for name, rest in re.findall(r"(\d{3}_[0-9a-f]{16}\.txt),([^;]*)", question.source):
                text = (seeds / name).read_text(encoding="utf-8")
                for number in re.findall(r"¶(\d+)", rest):
                    assert re.search(rf"(^|\n)\s*(-\s*)?{number}\.", text), f"{question.code}: ¶{number} not in {name}"


def test_help_on_every_question_and_not_applicable_is_rare(content) -> None:  # type: ignore[no-untyped-def]
    allowing_na = [q.code for p in content.pillars for q in p.questions if q.allow_not_applicable]
    assert len(allowing_na) <= 5
    for pillar in content.pillars:
        for question in pillar.questions:
            assert question.help.get("en"), question.code
            assert len(question.choices) >= 2, question.code
