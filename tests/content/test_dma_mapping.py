"""The shipped DMA mappings: one per questionnaire version, valid against it, cited, and scoring
known answer sets as expected."""

from __future__ import annotations

import re

import pytest
import yaml

from questionnaires.dma import DIMENSIONS, dma_scores
from questionnaires.models import QuestionnaireVersion
from questionnaires.scoring import CHECKLIST, OPTION
from questionnaires.selectors import dma_mapping_for, version_content
from questionnaires.services import questionnaire_version_load
from tests.helpers import CONTENT, SHIPPED_QUESTIONNAIRES, shared_folder

pytestmark = pytest.mark.django_db
SEED = re.compile(r"(\d{3}_[0-9a-f]{16}\.txt),([^;]*)")


def loaded(name: str) -> QuestionnaireVersion:
    return questionnaire_version_load(path=CONTENT / name).version


def answers(version: QuestionnaireVersion, best: bool) -> dict[str, list[str]]:
    """Every question answered at its best (top rung, every item) or its worst."""
    chosen = {}
    for code, question in version_content(version.pk).spec.questions().items():
        options = [c.code for c in question.choices if c.kind == OPTION]
        if question.kind == CHECKLIST:
            chosen[code] = options if best else ["none_of_these"]
        else:
            chosen[code] = [options[-1] if best else options[0]]
    return chosen


@pytest.mark.parametrize("name", SHIPPED_QUESTIONNAIRES)
def test_every_shipped_version_has_a_valid_mapping(name: str) -> None:
    version = loaded(name)
    mapping = dma_mapping_for(version.pk, version.label)
    assert mapping is not None and mapping.questionnaire == version.label
    assert [d.code for d in mapping.dimensions] == list(DIMENSIONS)
    questions = version_content(version.pk).spec.questions()
    best = dma_scores(mapping, questions, answers(version, best=True))
    worst = dma_scores(mapping, questions, answers(version, best=False))
    assert [d.score for d in best.dimensions] == [100.0] * 6 and best.average == 100.0
    assert [d.score for d in worst.dimensions] == [0.0] * 6 and worst.average == 0.0


def test_2026_1_is_partial_on_strategy_and_2026_2_covers_more() -> None:
    """2026.2 added the DMA's missing topics: no dimension is partial any more."""
    old, new = (loaded(name) for name in SHIPPED_QUESTIONNAIRES)
    before, after = dma_mapping_for(old.pk, old.label), dma_mapping_for(new.pk, new.label)
    assert before is not None and after is not None
    assert [d.code for d in before.dimensions if d.is_partial] == ["digital_business_strategy"]
    assert [d.code for d in after.dimensions if d.is_partial] == []
    assert after.dimensions[0].coverage >= 2 * before.dimensions[0].coverage  # business areas, the plan
    assert sum(d.coverage for d in after.dimensions) > sum(d.coverage for d in before.dimensions)


@pytest.mark.parametrize("name", SHIPPED_QUESTIONNAIRES)
def test_every_seed_citation_resolves(name: str) -> None:
    label = name.removeprefix("readiness-").removesuffix(".yaml")
    data = yaml.safe_load((CONTENT / f"dma-{label}.yaml").read_text(encoding="utf-8"))
    seeds = shared_folder("seeds")
    for dimension in data["dimensions"]:
        assert "DMA questionnaire for SMEs" in dimension["source"], dimension["code"]
        cited = SEED.findall(dimension["source"])
        assert cited, dimension["code"]
        for seed, rest in cited:
            text = (seeds / seed).read_text(encoding="utf-8")
            flat = " ".join(text.split()).lower()
            for number in re.findall(r"¶(\d+)", rest):
                assert re.search(rf"(^|\n)\s*(-\s*)?{number}\.", text), f"{dimension['code']}: ¶{number}"
            for heading in re.findall(r'"([^"]+)"', rest):
                assert " ".join(heading.split()).rstrip(".…").lower() in flat, f"{dimension['code']}: {heading}"
