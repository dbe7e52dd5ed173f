"""The results page shows the firm's practices beside official statistics, with source and caveats."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Firm
from tests.helpers import answer_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(draft: Assessment, owner_client: Client) -> Assessment:
    call_command("load_reference_statistics", verbosity=0)
    answer_everything(owner_client, draft)
    owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
    return draft


def results(client: Client, assessment: Assessment) -> str:
    return client.get(reverse("assessments:results", kwargs={"assessment_id": assessment.pk})).content.decode()


def test_official_figures_with_their_source(submitted: Assessment, owner_client: Client) -> None:
    html = results(owner_client, submitted)
    assert "Compared with official statistics" in html
    assert "uses at least one AI technology" in html
    assert "Source: Eurostat" in html
    assert "isoc_eb_ai" in html
    assert "Italy" in html and "2025" in html  # the firm's country, latest year
    assert "Official figures cover firms with 10 or more" not in html  # a small firm


def test_micro_firms_are_told_official_figures_cover_10_or_more(submitted: Assessment, owner_client: Client) -> None:
    Firm.objects.filter(pk=submitted.firm_id).update(size_class="micro")
    assert "Official figures cover firms with 10 or more persons employed" in results(owner_client, submitted)


def test_a_country_without_figures_falls_back_visibly(submitted: Assessment, owner_client: Client) -> None:
    Firm.objects.filter(pk=submitted.firm_id).update(country="BR")
    html = results(owner_client, submitted)
    assert "in the EU" in html and "fallback" in html


def test_without_reference_data_the_page_says_so(draft: Assessment, owner_client: Client) -> None:
    answer_everything(owner_client, draft)
    owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
    assert "No official figure available" in results(owner_client, draft)
