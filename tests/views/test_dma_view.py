"""The DMA view of an assessment, from outside: the owner and a consenting agency's advisor see
it on the results page and in the export; anyone else sees nothing of it."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import AgencyConsent
from assessments.models import Assessment
from assessments.services import assessment_save_answers, assessment_start, assessment_submit
from questionnaires.scoring import CHECKLIST, OPTION
from questionnaires.selectors import version_content
from questionnaires.services import questionnaire_version_load
from tests.factories import FirmFactory, UserFactory
from tests.helpers import CONTENT

pytestmark = pytest.mark.django_db


def submitted_on(name: str, best: bool):  # type: ignore[no-untyped-def]
    """A firm with its owner, and a submitted assessment on the shipped version ``name``."""
    version = questionnaire_version_load(path=CONTENT / name).version
    owner = UserFactory()
    firm = FirmFactory(owner=owner)
    assessment = assessment_start(firm=firm, user=owner)
    assert assessment.version_id == version.pk
    for pillar in version_content(version.pk).pillars:
        answers = {}
        for question in pillar.questions:
            options = [c.code for c in question.choices if c.kind == OPTION]
            if question.kind == CHECKLIST:
                answers[question.code] = options if best else ["none_of_these"]
            else:
                answers[question.code] = [options[-1] if best else options[0]]
        assessment_save_answers(assessment=assessment, answers=answers, confirm=list(answers))
    return owner, assessment_submit(assessment=assessment, user=owner)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200 and response.request["PATH_INFO"] == url
    return " ".join(response.content.decode().split())


def test_the_owner_sees_the_six_dimensions_with_their_coverage(client_for) -> None:  # type: ignore[no-untyped-def]
    owner, assessment = submitted_on("readiness-2026.2.yaml", best=True)
    html = page(client_for(owner), reverse("assessments:results", kwargs={"assessment_id": assessment.pk}))
    assert 'id="dma"' in html and "EU Digital Maturity Assessment view" in html
    for title in ("Digital business strategy", "Human-centric digitalisation", "Green digitalisation"):
        assert title in html
    assert 'DMA average</th><td class="text-end">100.0' in html
    assert "60 %" in html  # the strategy dimension's coverage, said openly
    assert ">partial<" not in html


def test_an_earlier_version_says_which_dimension_is_partial(client_for) -> None:  # type: ignore[no-untyped-def]
    owner, assessment = submitted_on("readiness-2026.1.yaml", best=False)
    html = page(client_for(owner), reverse("assessments:results", kwargs={"assessment_id": assessment.pk}))
    assert "EU Digital Maturity Assessment view" in html and ">partial<" in html
    assert 'DMA average</th><td class="text-end">0.0' in html


def test_advisors_see_it_and_export_it_outsiders_do_not(client_for) -> None:  # type: ignore[no-untyped-def]
    owner, assessment = submitted_on("readiness-2026.2.yaml", best=True)
    advisor, other_advisor, stranger = UserFactory(), UserFactory(), UserFactory()
    agency = agency_services.agency_create(name="Hub A", admin=advisor)
    other = agency_services.agency_create(name="Hub B", admin=other_advisor)
    AgencyConsent.objects.create(
        firm=assessment.firm, agency=agency, granted_at=timezone.now(), granted_by=owner, text_version=consent_version()
    )
    results = reverse("agencies:agency_client_results", kwargs={"agency_id": agency.pk, "assessment_id": assessment.pk})
    assert "EU Digital Maturity Assessment view" in page(client_for(advisor), results)

    export = client_for(advisor).get(reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk}))
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(rows) == 1
    assert float(rows[0]["dma_digital_business_strategy"]) == 100.0 and float(rows[0]["dma_average"]) == 100.0

    for outsider, agency_id in ((other_advisor, other.pk), (other_advisor, agency.pk), (stranger, agency.pk)):
        url = reverse("agencies:agency_client_results", kwargs={"agency_id": agency_id, "assessment_id": assessment.pk})
        assert client_for(outsider).get(url).status_code == 404
    own_results = reverse("assessments:results", kwargs={"assessment_id": assessment.pk})
    assert client_for(stranger).get(own_results).status_code == 404
    assert Assessment.objects.count() == 1


def test_the_summary_keeps_first_and_latest_dma_scores_for_the_peer_snapshot(client_for) -> None:  # type: ignore[no-untyped-def]
    """What the snapshot publishes as similar firms' DMA change comes from these columns."""
    from assessments.firm_summaries import firm_summaries_refresh
    from assessments.models import FirmSummary
    from questionnaires.dma import DIMENSIONS

    owner, first = submitted_on("readiness-2026.2.yaml", best=False)
    firm = first.firm
    second = assessment_start(firm=firm, user=owner)
    for pillar in version_content(second.version_id).pillars:
        answers = {}
        for question in pillar.questions:
            options = [c.code for c in question.choices if c.kind == OPTION]
            answers[question.code] = options if question.kind == CHECKLIST else [options[-1]]
        assessment_save_answers(assessment=second, answers=answers, confirm=list(answers))
    assessment_submit(assessment=second, user=owner)
    summary = FirmSummary.objects.get(firm=firm)
    for code in DIMENSIONS:
        assert getattr(summary, FirmSummary.dma_field("first", code)) == 0.0, code
        assert getattr(summary, FirmSummary.dma_field("latest", code)) == 100.0, code
    FirmSummary.objects.all().delete()
    firm_summaries_refresh()  # a rebuild gives the same
    assert getattr(FirmSummary.objects.get(firm=firm), FirmSummary.dma_field("latest", DIMENSIONS[0])) == 100.0
