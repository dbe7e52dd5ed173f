"""Progress over time: the firm's history and the change since its previous assessment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from tests.helpers import answer_everything, best_page

pytestmark = pytest.mark.django_db


def worst_page(code: str) -> dict[str, object]:
    return {f"q-{code}.ladder": "none", f"q-{code}.checklist": "none_of_these", f"q-{code}.machines": "no"}


def submit(client: Client, assessment: Assessment) -> None:
    client.post(reverse("assessments:submit", kwargs={"assessment_id": assessment.pk}))


def test_first_assessment_has_no_progress_yet(draft: Assessment, owner_client: Client) -> None:
    answer_everything(owner_client, draft, page=worst_page)
    submit(owner_client, draft)
    html = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": draft.pk})).content.decode()
    assert "This is your first submitted assessment" in html


def test_change_since_the_previous_assessment(draft: Assessment, owner_client: Client) -> None:
    answer_everything(owner_client, draft, page=worst_page)
    submit(owner_client, draft)
    owner_client.post(reverse("assessments:start"))
    second = Assessment.objects.get(status=Assessment.Status.DRAFT)

    def mixed(code: str) -> dict[str, object]:
        return best_page(code) if code != "green" else worst_page(code)

    answer_everything(owner_client, second, page=mixed)
    submit(owner_client, second)
    html = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": second.pk})).content.decode()
    assert html.count("▲ up 100.0") == 4  # four pillars from 0 to 100
    assert "= unchanged" in html  # green stayed at 0
    assert "▲ up 80.0" in html  # overall 0 -> 80
    assert "2 assessments submitted so far" in html
    # The first assessment's results do not show what came later.
    first = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": draft.pk})).content.decode()
    assert "This is your first submitted assessment" in first


def test_a_reassessment_on_a_new_version_is_prefilled_by_code_and_says_what_changed(
    draft: Assessment, owner_client: Client, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A new questionnaire version keeps the codes of the questions whose meaning did not change:
    a re-assessment on it starts from the answers of the previous version, and the progress view
    says plainly that the two were taken on different versions."""
    from questionnaires.services import questionnaire_version_load
    from tests.helpers import SMALL_QUESTIONNAIRE

    answer_everything(owner_client, draft, page=worst_page)
    submit(owner_client, draft)
    newer = tmp_path / "questionnaire-small-2.yaml"
    newer.write_text(SMALL_QUESTIONNAIRE.read_text().replace("label: test-1", "label: test-2", 1))
    questionnaire_version_load(path=newer)

    response = owner_client.post(reverse("assessments:start"))
    assert response.status_code == 302
    second = Assessment.objects.get(status=Assessment.Status.DRAFT)
    assert second.version.label == "test-2" and second.prefilled_from_id == draft.pk
    carried = {a.question.code: a.choice_codes for a in second.answers.select_related("question")}
    assert carried and all(a.is_prefilled for a in second.answers.all())
    before = {a.question.code: a.choice_codes for a in draft.answers.select_related("question")}
    assert carried == before  # every answer, by question code

    answer_everything(owner_client, second, page=best_page)
    submit(owner_client, second)
    response = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": second.pk}))
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    assert "Your previous assessment was taken on questionnaire test-1, this one on test-2." in html
    assert "▲ up 100.0" in html  # still compared pillar by pillar

    # Two assessments on one version: no such note.
    owner_client.post(reverse("assessments:start"))
    third = Assessment.objects.get(status=Assessment.Status.DRAFT)
    answer_everything(owner_client, third, page=best_page)
    submit(owner_client, third)
    html = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": third.pk})).content.decode()
    assert "Your previous assessment was taken on questionnaire" not in html


def test_a_replaced_question_starts_from_the_earlier_answers_it_maps(
    draft: Assessment, owner_client: Client, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """``carries_over``: answers whose meaning the new question keeps are carried to its new code;
    an answer it does not map leaves the question to be asked afresh."""
    import yaml

    from questionnaires.services import questionnaire_version_load
    from tests.helpers import SMALL_QUESTIONNAIRE

    answer_everything(owner_client, draft, page=worst_page)  # skills.ladder: "none"
    submit(owner_client, draft)
    data = yaml.safe_load(SMALL_QUESTIONNAIRE.read_text())
    data["label"] = "test-2"
    skills, data_pillar = data["pillars"][0]["questions"][0], data["pillars"][1]["questions"][0]
    skills["code"] = "skills.ladder_v2"
    skills["carries_over"] = {"from": "skills.ladder", "choices": {"none": "none", "some": "some"}}
    data_pillar["code"] = "data.ladder_v2"
    data_pillar["carries_over"] = {"from": "data.ladder", "choices": {"full": "full"}}  # "none" not carried
    newer = tmp_path / "questionnaire-small-2.yaml"
    newer.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    questionnaire_version_load(path=newer)

    owner_client.post(reverse("assessments:start"))
    second = Assessment.objects.get(status=Assessment.Status.DRAFT)
    carried = {a.question.code: a.choice_codes for a in second.answers.select_related("question")}
    assert carried["skills.ladder_v2"] == ["none"]
    assert "data.ladder_v2" not in carried  # its earlier answer has no counterpart: asked afresh
    assert "skills.ladder" not in carried and "data.ladder" not in carried  # gone from the new version
    assert carried["cyber.ladder"] == ["none"]  # same code, carried as before
