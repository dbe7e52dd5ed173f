"""The firm's questionnaire journey through the views: owner, outsider, bad input."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Assessment, PillarScore
from assessments.selectors import answers_of
from assessments.services import assessment_recompute_scores, assessment_start
from questionnaires.rendering import dom_id
from questionnaires.services import questionnaire_version_load
from tests.helpers import SMALL_QUESTIONNAIRE, answer_everything, best_page, pillar_url

pytestmark = pytest.mark.django_db


def reassessment(client: Client, draft: Assessment) -> Assessment:
    """Answer and submit ``draft``, then start the firm's next assessment (pre-filled from it)."""
    answer_everything(client, draft)
    client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
    client.post(reverse("assessments:start"))
    return Assessment.objects.exclude(pk=draft.pk).get()


class TestAccess:
    @pytest.mark.parametrize("name", ["review", "results"])
    def test_outsider_gets_404(self, draft: Assessment, outsider_client: Client, name: str) -> None:
        url = reverse(f"assessments:{name}", kwargs={"assessment_id": draft.pk})
        assert outsider_client.get(url).status_code == 404

    def test_outsider_cannot_see_or_save_a_page(self, draft: Assessment, outsider_client: Client) -> None:
        url = pillar_url(draft, "skills")
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, best_page("skills")).status_code == 404
        assert not Answer.objects.filter(assessment=draft).exists()

    def test_outsider_cannot_submit(self, draft: Assessment, owner_client: Client, outsider_client: Client) -> None:
        answer_everything(owner_client, draft)
        url = reverse("assessments:submit", kwargs={"assessment_id": draft.pk})
        assert outsider_client.post(url).status_code == 404
        draft.refresh_from_db()
        assert not draft.is_submitted

    def test_anonymous_is_sent_to_login(self, draft: Assessment) -> None:
        response = Client().get(pillar_url(draft, "skills"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    def test_unknown_assessment_and_pillar_are_404(self, draft: Assessment, owner_client: Client) -> None:
        assert owner_client.get(f"/app/assessments/{draft.pk}/finance/").status_code == 404
        url = reverse("assessments:pillar", kwargs={"assessment_id": draft.pk + 999, "pillar_code": "skills"})
        assert owner_client.get(url).status_code == 404

    def test_owner_sees_the_page_with_every_question(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.get(pillar_url(draft, "skills"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Page 1 of 5" in html
        for code in ("skills.ladder", "skills.checklist", "skills.machines"):
            assert f'name="q-{code}"' in html
        assert html.count("<fieldset") == 3 and html.count("<legend") == 3
        assert "Not applicable to our firm" in html  # only on skills.machines
        assert html.count('value="not_applicable"') == 1


class TestSaving:
    def test_save_and_continue_stores_answers_and_moves_on(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.post(pillar_url(draft, "skills"), {**best_page("skills"), "action": "next"})
        assert response.status_code == 302 and response["Location"] == pillar_url(draft, "data")
        assert answers_of(draft) == {
            "skills.ladder": ["full"],
            "skills.checklist": ["alpha", "beta", "gamma"],
            "skills.machines": ["yes"],
        }

    def test_going_back_keeps_answers_and_shows_them_checked(self, draft: Assessment, owner_client: Client) -> None:
        owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "some", "action": "next"})
        response = owner_client.post(pillar_url(draft, "data"), {"q-data.ladder": "full", "action": "previous"})
        assert response["Location"] == pillar_url(draft, "skills")
        html = owner_client.get(pillar_url(draft, "skills")).content.decode()
        assert 'value="some" checked' in html
        assert 'value="full" checked' not in html

    def test_steps_save_the_page_and_jump(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "some", "action": "goto:ai"})
        assert response["Location"] == pillar_url(draft, "ai")
        assert answers_of(draft)["skills.ladder"] == ["some"]
        response = owner_client.post(pillar_url(draft, "ai"), {"action": "review"})
        assert response["Location"] == reverse("assessments:review", kwargs={"assessment_id": draft.pk})
        response = owner_client.post(pillar_url(draft, "ai"), {"action": "goto:nowhere"})
        assert response["Location"] == reverse("assessments:review", kwargs={"assessment_id": draft.pk})

    def test_last_page_goes_to_review(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.post(pillar_url(draft, "green"), {**best_page("green"), "action": "next"})
        assert response["Location"] == reverse("assessments:review", kwargs={"assessment_id": draft.pk})

    def test_reposting_a_page_is_harmless(self, draft: Assessment, owner_client: Client) -> None:
        for _ in range(2):
            assert owner_client.post(pillar_url(draft, "skills"), best_page("skills")).status_code == 302
        assert Answer.objects.filter(assessment=draft).count() == 3

    def test_resume_after_logging_out(self, draft: Assessment, owner_client: Client, owner) -> None:  # type: ignore[no-untyped-def]
        owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "some"})
        owner_client.post(reverse("logout"))
        assert owner_client.get(pillar_url(draft, "skills")).status_code == 302
        fresh = Client()
        fresh.force_login(owner)
        assert 'value="some" checked' in fresh.get(pillar_url(draft, "skills")).content.decode()


def loaded_marker(client: Client, url: str) -> str:
    """The hidden marker of the answers a page showed when it was opened (one browser tab)."""
    match = re.search(r'name="loaded" value="([^"]*)"', client.get(url).content.decode())
    assert match, "the page has no loaded marker"
    return html.unescape(match.group(1))


class TestTwoTabs:
    """Two tabs (or two colleagues) with the same page open: neither loses answers silently."""

    def test_each_tab_keeps_the_questions_it_changed(self, draft: Assessment, owner_client: Client) -> None:
        url = pillar_url(draft, "skills")
        owner_client.post(url, {**best_page("skills"), "action": "stay"})
        tab_a, tab_b = loaded_marker(owner_client, url), loaded_marker(owner_client, url)
        # Tab B changes the ladder; tab A, still showing "full", changes the checklist and posts its whole page.
        owner_client.post(url, {**best_page("skills"), "q-skills.ladder": "some", "loaded": tab_b})
        response = owner_client.post(
            url, {**best_page("skills"), "q-skills.checklist": ["alpha"], "loaded": tab_a, "action": "next"}
        )
        assert response.status_code == 302
        assert answers_of(draft) == {
            "skills.ladder": ["some"],
            "skills.checklist": ["alpha"],
            "skills.machines": ["yes"],
        }
        notice = owner_client.get(response["Location"]).content.decode()
        assert "1 answer on that page was changed in another window" in notice

    def test_the_same_question_changed_in_both_goes_to_the_last_save(
        self, draft: Assessment, owner_client: Client
    ) -> None:
        url = pillar_url(draft, "skills")
        tab_a, tab_b = loaded_marker(owner_client, url), loaded_marker(owner_client, url)
        assert tab_a == ""  # nothing answered yet
        owner_client.post(url, {"q-skills.ladder": "some", "loaded": tab_b})
        owner_client.post(url, {"q-skills.ladder": "none", "loaded": tab_a})
        assert answers_of(draft)["skills.ladder"] == ["none"]

    def test_a_question_left_unchanged_still_confirms_a_prefilled_answer(
        self, draft: Assessment, owner_client: Client
    ) -> None:
        second = reassessment(owner_client, draft)
        url = pillar_url(second, "skills")
        marker = loaded_marker(owner_client, url)
        assert "skills.ladder=full" in marker
        owner_client.post(url, {**best_page("skills"), "loaded": marker})
        assert not Answer.objects.filter(
            assessment=second, question__code__startswith="skills.", is_prefilled=True
        ).exists()
        assert answers_of(second)["skills.ladder"] == ["full"]

    @pytest.mark.parametrize(
        "marker", ["%zz", "skills.ladder=full&other.q=x", "=&=&=", "a" * 30_000, "skills.ladder=full;x"]
    )
    def test_a_garbled_marker_saves_everything_posted(
        self, draft: Assessment, owner_client: Client, marker: str
    ) -> None:
        response = owner_client.post(pillar_url(draft, "skills"), {**best_page("skills"), "loaded": marker})
        assert response.status_code == 302
        assert answers_of(draft)["skills.ladder"] == ["full"]

    def test_an_invalid_post_shows_the_page_again_with_the_first_marker(
        self, draft: Assessment, owner_client: Client
    ) -> None:
        url = pillar_url(draft, "skills")
        owner_client.post(url, {"q-skills.ladder": "some"})
        marker = loaded_marker(owner_client, url)
        response = owner_client.post(url, {"q-skills.ladder": "bogus", "loaded": marker})
        assert response.status_code == 200
        assert f'name="loaded" value="{html.escape(marker)}"' in response.content.decode()


class TestOneTransaction:
    """A write that fails half-way leaves nothing half-written."""

    def test_a_page_save_that_fails_stores_no_answer(
        self, draft: Assessment, owner_client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def fail(*args: object, **kwargs: object) -> int:
            raise RuntimeError("the database went away after the answers were written")

        url = pillar_url(draft, "skills")
        owner_client.post(url, {"q-skills.ladder": "full"})
        marker = loaded_marker(owner_client, url)
        monkeypatch.setattr(services, "_changed_elsewhere", fail)  # runs after the two new answers are written
        with pytest.raises(RuntimeError):
            owner_client.post(url, {**best_page("skills"), "loaded": marker})
        assert answers_of(draft) == {"skills.ladder": ["full"]}

    def test_a_submit_that_fails_leaves_a_draft_without_scores(
        self, draft: Assessment, owner_client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        answer_everything(owner_client, draft)

        def fail(*args: object, **kwargs: object) -> int:
            raise RuntimeError("the summaries could not be written")

        monkeypatch.setattr(services, "firm_summaries_refresh", fail)
        with pytest.raises(RuntimeError):
            owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
        draft.refresh_from_db()
        assert not draft.is_submitted and draft.overall_score is None
        assert not PillarScore.objects.filter(assessment=draft).exists()


class TestBadInput:
    def save_first(self, client: Client, draft: Assessment) -> None:
        client.post(pillar_url(draft, "skills"), best_page("skills"))

    def test_errors_are_announced_and_linked_to_their_question(self, draft: Assessment, owner_client: Client) -> None:
        html = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "bogus"}).content.decode()
        summary = re.search(r'<div class="alert alert-danger" role="alert" id="error-summary".*?</div>', html, re.S)
        assert summary, "no error summary announced"
        anchor = dom_id("skills.ladder")
        assert f'href="#{anchor}"' in summary.group(0)
        fieldset = re.search(rf'<fieldset[^>]*id="{anchor}"[^>]*>', html)
        assert fieldset and re.search(rf'aria-describedby="[^"]*\b{anchor}-errors\b', fieldset.group(0))
        # The box the question is described by holds the message.
        box = re.search(rf'<div id="{anchor}-errors">(.*?)</div>\s*<div class="choices', html, re.S)
        assert box and f'id="{anchor}-error"' in box.group(1) and "not one of the choices" in box.group(1)

    def test_choice_of_another_question_is_a_form_error_and_nothing_is_lost(
        self, draft: Assessment, owner_client: Client
    ) -> None:
        self.save_first(owner_client, draft)
        response = owner_client.post(
            pillar_url(draft, "skills"), {"q-skills.ladder": "alpha", "q-skills.machines": "no"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Nothing on this page was saved" in html
        assert "not one of the choices offered" in html
        assert answers_of(draft)["skills.ladder"] == ["full"]
        assert answers_of(draft)["skills.machines"] == ["yes"]  # the valid change on the page was not half-saved

    def test_choice_of_another_version_is_refused(
        self, draft: Assessment, owner_client: Client, tmp_path: Path
    ) -> None:
        data = yaml.safe_load(SMALL_QUESTIONNAIRE.read_text())
        data["label"] = "test-2"
        data["pillars"][0]["questions"][0]["choices"][2]["code"] = "everything"
        path = tmp_path / "v2.yaml"
        path.write_text(yaml.safe_dump(data))
        questionnaire_version_load(path=path)
        self.save_first(owner_client, draft)
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "everything"})
        assert "not one of the choices offered" in response.content.decode()
        assert answers_of(draft)["skills.ladder"] == ["full"]

    def test_two_rungs_on_a_ladder(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": ["none", "full"]})
        assert "Choose only one answer" in response.content.decode()
        assert not Answer.objects.filter(assessment=draft).exists()

    def test_dont_know_with_items(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.checklist": ["alpha", "dont_know"]})
        assert "cannot be combined" in response.content.decode()

    def test_not_applicable_where_not_offered(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "not_applicable"})
        assert "not one of the choices offered" in response.content.decode()

    def test_missing_field_keeps_the_saved_answer(self, draft: Assessment, owner_client: Client) -> None:
        self.save_first(owner_client, draft)
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "some"})
        assert response.status_code == 302
        assert answers_of(draft) == {
            "skills.ladder": ["some"],
            "skills.checklist": ["alpha", "beta", "gamma"],
            "skills.machines": ["yes"],
        }

    def test_oversized_value_is_a_form_error(self, draft: Assessment, owner_client: Client) -> None:
        self.save_first(owner_client, draft)
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "x" * 5000})
        assert response.status_code == 200 and "not one of the choices offered" in response.content.decode()
        assert answers_of(draft)["skills.ladder"] == ["full"]

    def test_oversized_request_is_400(self, draft: Assessment, owner_client: Client) -> None:
        self.save_first(owner_client, draft)
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "x" * 400_000})
        assert response.status_code == 400
        assert answers_of(draft)["skills.ladder"] == ["full"]

    def test_too_many_fields_is_400(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.post(pillar_url(draft, "skills"), {f"f{i}": "1" for i in range(1200)})
        assert response.status_code == 400

    def test_answers_for_another_pillar_are_ignored(self, draft: Assessment, owner_client: Client) -> None:
        owner_client.post(pillar_url(draft, "skills"), {"q-cyber.ladder": "full"})
        assert "cyber.ladder" not in answers_of(draft)


class TestReviewAndSubmit:
    def submit_url(self, assessment: Assessment) -> str:
        return reverse("assessments:submit", kwargs={"assessment_id": assessment.pk})

    def test_review_lists_unanswered_questions(self, draft: Assessment, owner_client: Client) -> None:
        owner_client.post(pillar_url(draft, "skills"), best_page("skills"))
        html = owner_client.get(reverse("assessments:review", kwargs={"assessment_id": draft.pk})).content.decode()
        assert "12 questions still need an answer" in html
        assert "How far along is your cybersecurity?" in html

    def test_incomplete_submit_is_refused_with_a_message(self, draft: Assessment, owner_client: Client) -> None:
        owner_client.post(pillar_url(draft, "skills"), best_page("skills"))
        response = owner_client.post(self.submit_url(draft), follow=True)
        assert "12 questions still need an answer" in response.content.decode()
        draft.refresh_from_db()
        assert not draft.is_submitted

    def test_submit_freezes_and_scores(self, draft: Assessment, owner_client: Client) -> None:
        answer_everything(owner_client, draft)
        response = owner_client.post(self.submit_url(draft))
        assert response["Location"] == reverse("assessments:results", kwargs={"assessment_id": draft.pk})
        draft.refresh_from_db()
        assert draft.is_submitted and draft.submitted_at
        assert draft.overall_score == 100.0 and draft.overall_level == "leading" and draft.method_version == "1.0"
        assert PillarScore.objects.filter(assessment=draft, score=100.0).count() == 5
        html = owner_client.get(response["Location"]).content.decode()
        assert "100.0" in html and "Leading" in html and "Cybersecurity" in html

    def test_double_submit_is_409_and_changes_nothing(self, draft: Assessment, owner_client: Client) -> None:
        answer_everything(owner_client, draft)
        owner_client.post(self.submit_url(draft))
        draft.refresh_from_db()
        submitted_at = draft.submitted_at
        response = owner_client.post(self.submit_url(draft))
        assert response.status_code == 409 and "already submitted" in response.content.decode()
        draft.refresh_from_db()
        assert draft.submitted_at == submitted_at

    def test_a_submitted_assessment_cannot_be_changed(self, draft: Assessment, owner_client: Client) -> None:
        answer_everything(owner_client, draft)
        owner_client.post(self.submit_url(draft))
        response = owner_client.post(pillar_url(draft, "skills"), {"q-skills.ladder": "none"})
        assert response.status_code == 409
        assert answers_of(draft)["skills.ladder"] == ["full"]
        assert owner_client.get(pillar_url(draft, "skills")).status_code == 302

    def test_scores_recompute_identically_from_answers(self, draft: Assessment, owner_client: Client) -> None:
        def mixed(code: str) -> dict[str, object]:
            return {f"q-{code}.ladder": "some", f"q-{code}.checklist": ["beta"], f"q-{code}.machines": "not_applicable"}

        answer_everything(owner_client, draft, page=mixed)
        owner_client.post(self.submit_url(draft))
        draft.refresh_from_db()
        stored = (
            draft.overall_score,
            sorted(PillarScore.objects.filter(assessment=draft).values_list("pillar_code", "score")),
        )
        # ladder 0.5 (w1) + checklist 1/4 (w1), machines N/A -> 37.5 in every pillar
        assert draft.overall_score == 37.5 and draft.overall_level == "developing"
        result = assessment_recompute_scores(assessment=draft)
        draft.refresh_from_db()
        assert result.overall == 37.5
        assert stored == (
            draft.overall_score,
            sorted(PillarScore.objects.filter(assessment=draft).values_list("pillar_code", "score")),
        )

    def test_results_of_a_draft_redirect_to_review(self, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": draft.pk}))
        assert response["Location"] == reverse("assessments:review", kwargs={"assessment_id": draft.pk})


class TestReassessment:
    def test_new_assessment_is_prefilled_from_the_last_submitted(
        self, draft: Assessment, owner_client: Client, owner
    ) -> None:  # type: ignore[no-untyped-def]
        answer_everything(owner_client, draft)
        owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
        response = owner_client.post(reverse("assessments:start"))
        second = Assessment.objects.exclude(pk=draft.pk).get()
        assert response["Location"] == pillar_url(second, "skills")
        assert second.prefilled_from == draft
        assert answers_of(second) == answers_of(draft)
        html = owner_client.get(pillar_url(second, "skills")).content.decode()
        assert "come from your last assessment" in html
        owner_client.post(pillar_url(second, "skills"), best_page("skills"))
        assert not Answer.objects.filter(
            assessment=second, question__code__startswith="skills.", is_prefilled=True
        ).exists()
        assert Answer.objects.filter(assessment=second, is_prefilled=True).count() == 12

    def test_prefilled_answers_must_be_confirmed_before_submitting(
        self, draft: Assessment, owner_client: Client
    ) -> None:
        second = reassessment(owner_client, draft)
        submit = reverse("assessments:submit", kwargs={"assessment_id": second.pk})
        response = owner_client.post(submit, follow=True)
        assert "15 answers pre-filled from your last assessment still need confirming" in response.content.decode()
        answer_everything(owner_client, second)
        owner_client.post(submit)
        second.refresh_from_db()
        assert second.is_submitted and second.overall_score == 100.0

    def test_starting_twice_returns_the_same_draft(self, draft: Assessment, firm, owner) -> None:  # type: ignore[no-untyped-def]
        assert assessment_start(firm=firm, user=owner) == draft
        assert Assessment.objects.count() == 1


class TestDashboard:
    def test_lists_only_the_firms_own_assessments_paginated(
        self, draft: Assessment, owner_client: Client, outsider_client: Client
    ) -> None:
        for _ in range(12):
            answer_everything(owner_client, draft)
            owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
            owner_client.post(reverse("assessments:start"))
            draft = Assessment.objects.get(status=Assessment.Status.DRAFT, firm=draft.firm)
        page_one = owner_client.get(reverse("assessments:dashboard")).content.decode()
        assert page_one.count("View results") == 10 and "Page 1 of 2" in page_one
        page_two = owner_client.get(reverse("assessments:dashboard") + "?page=2").content.decode()
        assert page_two.count("View results") == 2
        assert owner_client.get(reverse("assessments:dashboard") + "?page=abc").status_code == 200
        assert "View results" not in outsider_client.get(reverse("assessments:dashboard")).content.decode()
        assert "Assessment in progress" in page_one
