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
