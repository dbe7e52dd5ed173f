"""Loading questionnaire content: validation, all-or-nothing, idempotence, immutability."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from questionnaires.loader import ContentError
from questionnaires.models import Choice, Pillar, Question, QuestionnaireVersion
from questionnaires.services import questionnaire_version_load
from tests.helpers import SMALL_QUESTIONNAIRE

pytestmark = pytest.mark.django_db


def small() -> dict[str, Any]:
    return yaml.safe_load(SMALL_QUESTIONNAIRE.read_text())


def write(tmp_path: Path, data: Any, name: str = "q.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        QuestionnaireVersion.objects.count(),
        Pillar.objects.count(),
        Question.objects.count(),
        Choice.objects.count(),
    )


def load_error(path: Path) -> str:
    with pytest.raises(ContentError) as error:
        questionnaire_version_load(path=path)
    return str(error.value)


class TestValidFile:
    def test_loads_pillars_questions_and_standard_choices(self) -> None:
        outcome = questionnaire_version_load(path=SMALL_QUESTIONNAIRE)
        version = outcome.version
        assert outcome.action == "created" and version.is_published and version.published_at
        assert list(version.pillars.values_list("code", flat=True)) == ["skills", "data", "cyber", "ai", "green"]
        ladder = Question.objects.get(version=version, code="cyber.ladder")
        assert list(ladder.choices.values_list("code", flat=True)) == ["none", "some", "full", "dont_know"]
        checklist = Question.objects.get(version=version, code="cyber.checklist")
        assert list(checklist.choices.values_list("code", flat=True)) == [
            "alpha",
            "beta",
            "gamma",
            "none_of_these",
            "dont_know",
        ]
        machines = Question.objects.get(version=version, code="cyber.machines")
        assert "not_applicable" in machines.choices.values_list("code", flat=True)
        assert checklist.choices.get(code="alpha").weight == 2.0
        assert ladder.source.startswith("002_50b4064faa11e839.txt")

    def test_loading_again_is_a_no_op(self) -> None:
        questionnaire_version_load(path=SMALL_QUESTIONNAIRE)
        before = counts()
        outcome = questionnaire_version_load(path=SMALL_QUESTIONNAIRE)
        assert outcome.action == "unchanged"
        assert counts() == before

    def test_reformatted_file_with_same_content_is_unchanged(self, tmp_path: Path) -> None:
        questionnaire_version_load(path=SMALL_QUESTIONNAIRE)
        path = tmp_path / "flow.yaml"
        path.write_text(yaml.safe_dump(small(), default_flow_style=True))
        assert questionnaire_version_load(path=path).action == "unchanged"

    def test_published_version_refuses_changed_content(self, tmp_path: Path) -> None:
        questionnaire_version_load(path=SMALL_QUESTIONNAIRE)
        before = counts()
        data = small()
        data["pillars"][0]["questions"][0]["choices"][1]["score"] = 0.4
        message = load_error(write(tmp_path, data))
        assert "published and cannot change" in message and "new label" in message
        assert counts() == before
        assert Choice.objects.get(question__code="skills.ladder", code="some").score == 0.5

    def test_new_label_makes_a_new_version(self, tmp_path: Path) -> None:
        questionnaire_version_load(path=SMALL_QUESTIONNAIRE)
        data = small()
        data["label"] = "test-2"
        data["pillars"][0]["questions"][0]["choices"][1]["score"] = 0.4
        outcome = questionnaire_version_load(path=write(tmp_path, data))
        assert outcome.action == "created"
        assert QuestionnaireVersion.objects.count() == 2
        assert (
            Choice.objects.get(question__version__label="test-1", question__code="skills.ladder", code="some").score
            == 0.5
        )

    def test_a_draft_can_be_replaced_then_published(self, tmp_path: Path) -> None:
        questionnaire_version_load(path=SMALL_QUESTIONNAIRE, publish=False)
        data = small()
        data["pillars"][0]["questions"][0]["text"] = {"en": "Reworded"}
        outcome = questionnaire_version_load(path=write(tmp_path, data), publish=False)
        assert outcome.action == "replaced" and not outcome.version.is_published
        assert Question.objects.get(code="skills.ladder").text == {"en": "Reworded"}
        assert questionnaire_version_load(path=write(tmp_path, data)).action == "published"


def mutate(path_to: list[Any], value: Any = None, delete: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(small())
    target = data
    for key in path_to[:-1]:
        target = target[key]
    if delete:
        del target[path_to[-1]]
    else:
        target[path_to[-1]] = value
    return data


MALFORMED = {
    "missing question text": (
        mutate(["pillars", 2, "questions", 1, "text"], delete=True),
        "cyber.checklist",
        "missing field 'text'",
    ),
    "missing source": (
        mutate(["pillars", 0, "questions", 0, "source"], delete=True),
        "skills.ladder",
        "missing field 'source'",
    ),
    "source not a seed file": (
        mutate(["pillars", 0, "questions", 0, "source"], "a blog post"),
        "skills.ladder",
        "seed file",
    ),
    "score above 1": (
        mutate(["pillars", 1, "questions", 0, "choices", 2, "score"], 1.5),
        "data.ladder",
        "outside [0, 1]",
    ),
    "score below 0": (
        mutate(["pillars", 1, "questions", 0, "choices", 0, "score"], -0.1),
        "data.ladder",
        "outside [0, 1]",
    ),
    "score not a number": (
        mutate(["pillars", 1, "questions", 0, "choices", 0, "score"], "high"),
        "data.ladder",
        "must be a number",
    ),
    "unknown pillar": (mutate(["pillars", 4, "code"], "finance"), "finance", "unknown pillar"),
    "question of another pillar": (
        mutate(["pillars", 3, "questions", 0, "code"], "green.ladder"),
        "green.ladder",
        "its pillar's code",
    ),
    "unknown type": (mutate(["pillars", 0, "questions", 0, "type"], "slider"), "skills.ladder", "'type' must be"),
    "reserved choice code": (
        mutate(["pillars", 0, "questions", 0, "choices", 0, "code"], "dont_know"),
        "skills.ladder",
        "reserved",
    ),
    "weight on a ladder rung": (
        mutate(["pillars", 0, "questions", 0, "choices", 0, "weight"], 2),
        "skills.ladder",
        "not a 'weight'",
    ),
    "unknown field": (
        mutate(["pillars", 0, "questions", 0, "colour"], "red"),
        "skills.ladder",
        "unknown field 'colour'",
    ),
    "text without English": (
        mutate(["pillars", 0, "questions", 0, "help"], {"fr": "Aide"}),
        "skills.ladder",
        "no English",
    ),
}


class TestMalformedFiles:
    @pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
    def test_rejected_with_file_question_and_reason_and_nothing_loaded(self, tmp_path: Path, case: str) -> None:
        data, code, reason = MALFORMED[case]
        path = write(tmp_path, data)
        message = load_error(path)
        assert str(path) in message
        assert code in message
        assert reason in message
        assert counts() == (0, 0, 0, 0)

    def test_duplicate_question_code(self, tmp_path: Path) -> None:
        data = small()
        data["pillars"][0]["questions"][1]["code"] = "skills.ladder"
        message = load_error(write(tmp_path, data))
        assert "question skills.ladder: duplicate question code" in message
        assert counts() == (0, 0, 0, 0)

    def test_duplicate_choice_code(self, tmp_path: Path) -> None:
        data = small()
        data["pillars"][0]["questions"][0]["choices"][1]["code"] = "none"
        assert "skills.ladder, choice none: duplicate choice code" in load_error(write(tmp_path, data))

    def test_duplicate_pillar(self, tmp_path: Path) -> None:
        data = small()
        data["pillars"][1]["code"] = "skills"
        message = load_error(write(tmp_path, data))
        assert "duplicate pillar code" in message and "pillar 'data' is missing" in message

    def test_every_problem_is_reported_at_once(self, tmp_path: Path) -> None:
        data = small()
        data["pillars"][0]["questions"][0]["choices"][0]["score"] = 3
        del data["pillars"][4]["questions"][2]["help"]
        with pytest.raises(ContentError) as error:
            questionnaire_version_load(path=write(tmp_path, data))
        assert len(error.value.problems) == 2

    def test_invalid_yaml(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.yaml"
        path.write_text("label: [unclosed\n")
        assert "not valid YAML" in load_error(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        assert "cannot read the file" in load_error(tmp_path / "nowhere.yaml")

    def test_failure_in_the_database_step_leaves_nothing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from questionnaires import services

        def explode(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(services.Choice.objects, "bulk_create", explode)
        with pytest.raises(RuntimeError):
            questionnaire_version_load(path=SMALL_QUESTIONNAIRE)
        assert counts() == (0, 0, 0, 0)


class TestCommand:
    def test_command_loads_and_reports(self, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("load_questionnaire", str(SMALL_QUESTIONNAIRE))
        assert "version test-1 created (published, 15 questions)" in capsys.readouterr().out

    def test_check_writes_nothing(self, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("load_questionnaire", "--check", str(SMALL_QUESTIONNAIRE))
        assert "valid" in capsys.readouterr().out
        assert counts() == (0, 0, 0, 0)

    def test_command_fails_with_the_reason(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = write(tmp_path, mutate(["pillars", 1, "questions", 0, "choices", 2, "score"], 2))
        with pytest.raises(CommandError):
            call_command("load_questionnaire", str(path))
        err = capsys.readouterr().err
        assert "data.ladder" in err and "outside [0, 1]" in err and "nothing was loaded" in err


class TestCarriesOver:
    """A question replacing an earlier one (a new code) may name the earlier answers that keep their
    meaning; the loader checks the mapping against the question's own choices."""

    def replaced(self, carries_over: Any) -> dict[str, Any]:
        data = small()
        data["label"] = "test-2"
        question = data["pillars"][0]["questions"][0]
        question["code"] = "skills.ladder_v2"
        question["carries_over"] = carries_over
        return data

    def test_a_valid_mapping_is_stored(self, tmp_path: Path) -> None:
        rule = {"from": "skills.ladder", "choices": {"none": "none", "some": "some"}}
        questionnaire_version_load(path=write(tmp_path, self.replaced(rule)))
        question = Question.objects.get(code="skills.ladder_v2")
        assert question.carries_over == rule
        assert Question.objects.exclude(code="skills.ladder_v2").filter(carries_over={}).count() == 14

    @pytest.mark.parametrize(
        ("rule", "message"),
        [
            ({"from": "skills.ladder", "choices": {"none": "nothing_like_it"}}, "does not map"),
            ({"from": "skills.ladder_v2", "choices": {"none": "none"}}, "another question's code"),
            ({"from": "skills.ladder", "choices": {}}, "must map earlier choice codes"),
            ({"from": "skills.ladder"}, "carries_over"),
            ("skills.ladder", "carries_over"),
        ],
    )
    def test_a_wrong_mapping_is_refused_with_the_reason(self, tmp_path: Path, rule: Any, message: str) -> None:
        assert message in load_error(write(tmp_path, self.replaced(rule)))
        assert counts() == (0, 0, 0, 0)

    def test_the_mapping_is_part_of_the_contents_identity_only_where_present(self) -> None:
        from questionnaires.loader import parse_questionnaire

        without = parse_questionnaire(small(), "q.yaml").content_hash()
        data = small()
        data["pillars"][0]["questions"][0]["carries_over"] = {"from": "skills.older", "choices": {"a": "none"}}
        assert parse_questionnaire(data, "q.yaml").content_hash() != without
