"""Action sets: loading, validation against the questionnaire and catalogue, and the shipped content."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command

from questionnaires.actions import action_set_load, parse_action_set
from questionnaires.loader import KNOWN_PILLARS, ContentError
from questionnaires.models import Action
from questionnaires.policies import parse_policy_examples, policy_examples_load
from questionnaires.recommendations import TRIGGER_LEVELS
from questionnaires.services import questionnaire_version_load
from tests.helpers import shared_folder

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "actions-small.yaml"
CONTENT = Path(__file__).resolve().parents[2] / "questionnaires" / "content"
SEED_NAMES = {
    "000_7b14055dea39cffc.txt",
    "001_45476b91a6a569c3.txt",
    "002_50b4064faa11e839.txt",
    "003_9fb1818520dbe4d0.txt",
}


@pytest.fixture
def loaded(version) -> None:  # type: ignore[no-untyped-def]
    policy_examples_load(path=DATA / "policy-examples-small.yaml")


def small() -> dict[str, Any]:
    return yaml.safe_load(SMALL.read_text())


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "actions.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_loads_once_and_refuses_changes(loaded: None, tmp_path: Path) -> None:
    assert action_set_load(path=SMALL) == ("test-1", "created", 7)
    assert action_set_load(path=SMALL) == ("test-1", "unchanged", 7)
    data = small()
    data["actions"][0]["title"]["en"] = "Changed"
    with pytest.raises(ContentError, match="already loaded and cannot change"):
        action_set_load(path=write(tmp_path, data))
    stored = Action.objects.get(action_set="test-1", code="cyber_fix_ladder")
    assert stored.answer_triggers == [{"question": "cyber.ladder", "choices": ["none", "some", "dont_know"]}]
    assert stored.levels == [] and stored.policy_examples == ["cyber_self_check"]


def _broken(change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data = small()
    change(data["actions"][1])
    return data


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda a: a.update(effort="tiny"), "'effort' must be one of"),
        (lambda a: a.update(horizon="soon"), "'horizon' must be one of"),
        (lambda a: a.update(pillar="finance"), "'pillar' must be one of"),
        (lambda a: a.pop("when"), "missing field 'when'"),
        (lambda a: a.update(when={}), "needs 'levels', 'answers' or both"),
        (lambda a: a.update(when={"levels": ["leading"]}), "'when.levels' must list some of"),
        (lambda a: a["when"]["answers"][0].update(missing=["alpha"]), "exactly one of 'choices'"),
        (lambda a: a["when"]["answers"][0].update(choices=[]), "non-empty list of choice codes"),
        (lambda a: a.pop("source"), "missing field 'source'"),
        (lambda a: a.update(source="the G7 said so"), "must name a seed file"),
        (lambda a: a.update(policy_examples="cyber_self_check"), "'policy_examples' must list"),
        (lambda a: a.update(surprise=1), "unknown field 'surprise'"),
        (lambda a: a.update(code="Bad Code"), "code must be snake_case"),
        (lambda a: a.update(code="cyber_first_steps"), "duplicate action code"),
    ],
)
def test_malformed_files_are_rejected_whole(loaded: None, tmp_path: Path, change, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ContentError, match=re.escape(reason)):
        action_set_load(path=write(tmp_path, _broken(change)))
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda a: a["when"]["answers"][0].update(question="cyber.x"), "question cyber.x is not in questionnaire"),
        (lambda a: a["when"]["answers"][0].update(question="ai.ladder"), "question ai.ladder is not in pillar cyber"),
        (lambda a: a["when"]["answers"][0].update(choices=["half"]), "half not a usable choice of cyber.ladder"),
        (lambda a: a["when"]["answers"][0].update(choices=["not_applicable"]), "not_applicable not a usable choice"),
        (
            lambda a: a["when"].update(answers=[{"question": "cyber.checklist", "choices": ["alpha"]}]),
            "cyber.checklist is a checklist; use 'missing'",
        ),
        (
            lambda a: a["when"].update(answers=[{"question": "cyber.ladder", "missing": ["none"]}]),
            "cyber.ladder is a ladder; use 'choices'",
        ),
        (
            lambda a: a["when"].update(answers=[{"question": "cyber.checklist", "missing": ["dont_know"]}]),
            "dont_know not a usable choice of cyber.checklist",
        ),
        (lambda a: a.update(policy_examples=["no_such_example"]), "policy example no_such_example is not in catalogue"),
    ],
)
def test_codes_are_checked_against_questionnaire_and_catalogue(loaded: None, tmp_path: Path, change, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ContentError, match=re.escape(reason)):
        action_set_load(path=write(tmp_path, _broken(change)))
    assert not Action.objects.exists()


def test_needs_its_questionnaire_and_catalogue_loaded(version, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ContentError, match="catalogue 'test-1' is not loaded"):
        action_set_load(path=SMALL)
    data = small()
    data["questionnaire"] = "2099.1"
    with pytest.raises(ContentError, match=r"questionnaire '2099\.1' is not loaded"):
        action_set_load(path=write(tmp_path, data))


def test_command(loaded: None, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    call_command("load_actions", str(SMALL))
    assert "actions test-1 created (7 actions)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("load_actions", str(tmp_path / "missing.yaml"))


# --- The shipped content --------------------------------------------------------------------------


# Each shipped action set with the questionnaire version it is written for.
SHIPPED_SETS = [("readiness-2026.1.yaml", "actions-2026.1.yaml"), ("readiness-2026.2.yaml", "actions-2026.2.yaml")]
CATALOGUE_FILE = "policy-examples-2026.1.yaml"


def shipped_actions(name: str) -> Any:
    path = CONTENT / name
    return parse_action_set(yaml.safe_load(path.read_text()), str(path))


@pytest.mark.parametrize(("questionnaire", "actions"), SHIPPED_SETS)
def test_the_shipped_action_set_loads_against_the_shipped_questionnaire_and_catalogue(
    questionnaire: str, actions: str
) -> None:
    questionnaire_version_load(path=CONTENT / questionnaire)
    policy_examples_load(path=CONTENT / CATALOGUE_FILE)
    label, action, count = action_set_load(path=CONTENT / actions)
    assert (label, action) == (shipped_actions(actions).label, "created") and count >= 40


@pytest.mark.parametrize(("questionnaire", "actions"), SHIPPED_SETS)
def test_the_shipped_action_set_covers_every_pillar_and_level_below_leading(questionnaire: str, actions: str) -> None:
    content = shipped_actions(actions)
    assert len(content.actions) >= 40
    for pillar in KNOWN_PILLARS:
        for level in TRIGGER_LEVELS:
            assert any(a.pillar == pillar and level in a.levels for a in content.actions), (pillar, level)
        assert sum(a.pillar == pillar for a in content.actions) >= 6, pillar
    assert {a.effort for a in content.actions} == {"low", "medium", "high"}
    assert {a.horizon for a in content.actions} == {"short", "medium", "long"}
    assert all(1 <= len(a.policy_examples) <= 3 for a in content.actions)
    assert sum(bool(a.answer_triggers) for a in content.actions) >= len(content.actions) // 2


def test_every_question_of_the_current_version_triggers_some_action() -> None:
    """The action set covers the questions: each one's answers can lead to a next step."""
    questionnaire, actions = SHIPPED_SETS[-1]
    data = yaml.safe_load((CONTENT / questionnaire).read_text())
    questions = {q["code"] for p in data["pillars"] for q in p["questions"]}
    used = {t["question"] for a in shipped_actions(actions).actions for t in a.answer_triggers}
    assert used <= questions
    assert questions - used == set(), sorted(questions - used)


def test_actions_keep_their_codes_across_sets() -> None:
    """An action's code names one step: a later set may move its triggers, never its meaning."""
    earlier, later = (
        {a.code: a for a in shipped_actions(actions).actions} for _questionnaire, actions in SHIPPED_SETS[-2:]
    )
    for code in earlier.keys() & later.keys():
        assert later[code].title["en"] == earlier[code].title["en"], code
        assert later[code].what_to_do["en"] == earlier[code].what_to_do["en"], code


def _citations() -> list[tuple[str, str]]:
    """(where, source) of every shipped action and policy example."""
    path = CONTENT / CATALOGUE_FILE
    _label, examples = parse_policy_examples(yaml.safe_load(path.read_text()), str(path))
    actions = [a for _questionnaire, name in SHIPPED_SETS for a in shipped_actions(name).actions]
    return [(f"action {a.code}", a.source) for a in actions] + [(f"example {e.code}", e.source) for e in examples]


def test_every_citation_names_a_seed_file() -> None:
    for where, source in _citations():
        names = set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", source))
        assert names and names <= SEED_NAMES, where


def test_every_citation_resolves_in_its_seed_file() -> None:
    """Paragraph numbers exist in the seed, and quoted section headings appear in it."""
    seeds = shared_folder("seeds")
    texts = {name: " ".join((seeds / name).read_text(encoding="utf-8").split()) for name in SEED_NAMES}
    raw = {name: (seeds / name).read_text(encoding="utf-8") for name in SEED_NAMES}
    for where, source in _citations():
        for name, rest in re.findall(r"(\d{3}_[0-9a-f]{16}\.txt),([^;]*)", source):
            for number in re.findall(r"¶(\d+)", rest):
                assert re.search(rf"(^|\n)\s*(-\s*)?{number}\.", raw[name]), f"{where}: ¶{number} not in {name}"
            for heading in re.findall(r'"([^"]+)"', rest):
                words = " ".join(heading.split()).rstrip(".…")
                assert words.lower() in texts[name].lower(), f"{where}: heading {heading!r} not in {name}"
