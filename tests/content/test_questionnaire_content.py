"""The shipped questionnaire meets the content rules of DESIGN and the foundation issue."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from questionnaires.loader import KNOWN_PILLARS, parse_questionnaire_file
from tests.helpers import CONTENT, SHIPPED_QUESTIONNAIRES, shared_folder

SEED_NAMES = {
    "000_7b14055dea39cffc.txt",
    "001_45476b91a6a569c3.txt",
    "002_50b4064faa11e839.txt",
    "003_9fb1818520dbe4d0.txt",
}


@pytest.fixture(scope="module", params=SHIPPED_QUESTIONNAIRES)
def content(request):  # type: ignore[no-untyped-def]
    return parse_questionnaire_file(CONTENT / request.param)


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
    # Only where a firm truly has nothing to answer (no staff, no products, no machines).
    allowing_na = [q.code for p in content.pillars for q in p.questions if q.allow_not_applicable]
    assert len(allowing_na) <= content.question_count() // 5
    for pillar in content.pillars:
        for question in pillar.questions:
            assert question.help.get("en"), question.code
            assert len(question.choices) >= 2, question.code


def test_every_ladder_climbs_from_zero_to_one(content) -> None:  # type: ignore[no-untyped-def]
    for pillar in content.pillars:
        for question in pillar.questions:
            if question.kind != "ladder":
                continue
            scores = [choice.score for choice in question.choices]
            assert 3 <= len(scores) <= 5, question.code
            assert scores[0] == 0 and scores[-1] == 1 and scores == sorted(set(scores)), question.code


def questions_of(name: str) -> dict[str, object]:
    return {q.code: q for p in parse_questionnaire_file(CONTENT / name).pillars for q in p.questions}


def codes_of(name: str) -> set[str]:
    return set(questions_of(name))


def english_of(question) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """What a reader of the English sees: the question, its help and its answers."""
    return question.text["en"], question.help["en"], [(c.code, c.text["en"]) for c in question.choices]


@pytest.mark.parametrize(("earlier", "later"), list(itertools.pairwise(SHIPPED_QUESTIONNAIRES)))
def test_the_changelog_accounts_for_every_question_of_both_versions(earlier: str, later: str) -> None:
    """Each version's changelog names every question it keeps, rewords, replaces, adds or removes,
    and a question that carries answers over names one that the newer version no longer asks."""
    label = later.removeprefix("readiness-").removesuffix(".yaml")
    changelog = (CONTENT / f"CHANGELOG-{label}.md").read_text(encoding="utf-8")
    old, new = codes_of(earlier), codes_of(later)
    listed = set(re.findall(r"^- `(?:kept|reworded|replaced|added|removed)` `([a-z]+\.[a-z0-9_]+)`", changelog, re.M))
    for successors in re.findall(r"^- `replaced` `[a-z0-9_.]+` → (.*)$", changelog, re.M):
        listed |= set(re.findall(r"`([a-z]+\.[a-z0-9_]+)`", successors.split(" — ")[0]))
    assert old | new <= listed, sorted((old | new) - listed)
    for line in re.findall(r"^- `(?:kept|reworded)` `([a-z]+\.[a-z0-9_]+)`", changelog, re.M):
        assert line in old and line in new, f"{line} is kept or reworded, so both versions ask it"
    old_questions, new_questions = questions_of(earlier), questions_of(later)
    for code in re.findall(r"^- `kept` `([a-z]+\.[a-z0-9_]+)`", changelog, re.M):
        assert english_of(new_questions[code]) == english_of(old_questions[code]), f"{code} is reworded, not kept"
    for line in re.findall(r"^- `replaced` `([a-z]+\.[a-z0-9_]+)`", changelog, re.M):
        assert line in old and line not in new, f"{line} is replaced, so the newer version must not ask it"
    for pillar in parse_questionnaire_file(CONTENT / later).pillars:
        for question in pillar.questions:
            if question.carries_over:
                assert question.carries_over["from"] in old - new, question.code
