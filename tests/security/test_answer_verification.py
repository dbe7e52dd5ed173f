"""Trust in answers, played from outside: evidence noted by the firm; verification only by an
advisor of an agency the firm shares with, and only while it does; the mark (not the answer)
lost when the answer changes; the firm, exports, the API and the dashboard filter all see it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import AccessLogEntry, AgencyConsent, ApiToken
from assessments.models import Answer, Assessment, FirmSummary
from assessments.services import assessment_start
from tests.factories import FirmFactory, UserFactory
from tests.helpers import answer_everything, pillar_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(submitted, owner, owner_client, client_for) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The owner's submitted assessment, shared with Hub A; Hub B's advisor is not shared with."""
    advisor, rival = UserFactory(), UserFactory()
    agency = agency_services.agency_create(name="Hub A", admin=advisor)
    agency_services.agency_create(name="Hub B", admin=rival)
    consent = AgencyConsent.objects.create(
        firm=submitted.firm, agency=agency, granted_at=timezone.now(), granted_by=owner, text_version=consent_version()
    )
    return {
        "assessment": submitted,
        "agency": agency,
        "consent": consent,
        "owner": owner_client,
        "advisor": client_for(advisor),
        "rival": client_for(rival),
        "owner_user": owner,
    }


def evidence_url(world: dict[str, Any], agency: Any = None) -> str:
    agency = agency or world["agency"]
    return reverse("agencies:agency_client_evidence", args=[agency.pk, world["assessment"].pk])


def verify(world: dict[str, Any], codes: list[str], client: Any = None) -> Any:
    return (client or world["advisor"]).post(evidence_url(world), {"verified": codes})


def test_only_an_advisor_of_an_agency_the_firm_shares_with_verifies(world, outsider_client) -> None:  # type: ignore[no-untyped-def]
    assessment = world["assessment"]
    response = world["advisor"].get(evidence_url(world))
    assert response.status_code == 200 and "Evidence and verification" in response.content.decode()
    for client in (world["rival"], outsider_client, world["owner"]):
        assert client.get(evidence_url(world)).status_code == 404
        assert verify(world, ["cyber.ladder"], client).status_code == 404
    assert not Answer.objects.filter(assessment=assessment, verified_at__isnull=False).exists()

    response = verify(world, ["cyber.ladder", "data.ladder", "not.a.question"])
    assert response.status_code == 302 and response.url == evidence_url(world)
    marked = Answer.objects.filter(assessment=assessment, verified_at__isnull=False)
    assert sorted(marked.values_list("question__code", flat=True)) == ["cyber.ladder", "data.ladder"]
    assert {a.verified_agency_name for a in marked} == {"Hub A"}
    assert AccessLogEntry.objects.filter(firm=assessment.firm, action=AccessLogEntry.Action.VERIFIED).count() == 1
    # The consent's words: "you see all of this under “Sharing” and with your results".
    sharing = world["owner"].get(reverse("agencies:sharing"))
    assert sharing.status_code == 200 and "marked answers as verified during a visit" in sharing.content.decode()
    summary = FirmSummary.objects.get(firm=assessment.firm)
    assert (summary.latest_verified, summary.latest_answered) == (2, 15)

    # The firm stops sharing: access ends at once, verifying too.
    agency_services.consent_revoke(consent=world["consent"], user=world["owner_user"])
    assert world["advisor"].get(evidence_url(world)).status_code == 404
    assert verify(world, []).status_code == 404
    assert marked.count() == 2  # what was verified while shared stays, with who and when


def test_the_firm_sees_the_trust_level_of_its_answers(world) -> None:  # type: ignore[no-untyped-def]
    assessment = world["assessment"]
    response = world["owner"].post(
        reverse("assessments:evidence", args=[assessment.pk]),
        {"evidence-skills.ladder": "https://intranet.example.com/training-records", "evidence-ai.ladder": "  "},
    )
    assert response.status_code == 302
    assert response.url == reverse("assessments:results", kwargs={"assessment_id": assessment.pk})
    verify(world, ["cyber.ladder"])
    results = world["owner"].get(reverse("assessments:results", args=[assessment.pk]))
    assert results.status_code == 200
    text = " ".join(results.content.decode().split())
    assert "Of 15 answers, 1 were verified by an advisor during a visit, 1 have evidence noted, and 13 are" in text
    assert 'href="https://intranet.example.com/training-records" rel="nofollow noopener noreferrer"' in text
    assert "(Hub A)" in text
    # A note too long is refused, nothing saved.
    response = world["owner"].post(
        reverse("assessments:evidence", args=[assessment.pk]), {"evidence-ai.ladder": "x" * 501}
    )
    assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
    assert Answer.objects.get(assessment=assessment, question__code="ai.ladder").evidence == ""


def test_the_mark_goes_when_the_answer_changes_and_the_answer_stays(world, owner) -> None:  # type: ignore[no-untyped-def]
    verify(world, ["cyber.ladder", "data.ladder"])
    new = assessment_start(firm=world["assessment"].firm, user=owner)  # pre-filled from the verified one
    carried = {a.question.code: a for a in Answer.objects.filter(assessment=new).select_related("question")}
    assert carried["cyber.ladder"].verified_at is not None and carried["data.ladder"].verified_at is not None
    # The owner changes the cyber ladder, confirms the data page unchanged.
    response = world["owner"].post(
        pillar_url(new, "cyber"),
        {"q-cyber.ladder": "some", "q-cyber.checklist": ["alpha", "beta", "gamma"], "q-cyber.machines": "yes"},
    )
    assert response.status_code == 302
    cyber = Answer.objects.get(assessment=new, question__code="cyber.ladder")
    assert cyber.choice_codes == ["some"] and cyber.verified_at is None and cyber.verified_agency_name == ""
    answer_everything(world["owner"], new)  # every page saved again with the best answers
    data = Answer.objects.get(assessment=new, question__code="data.ladder")
    assert data.verified_at is not None  # unchanged: the mark stays
    cyber.refresh_from_db()
    assert cyber.choice_codes == ["full"] and cyber.verified_at is None  # changed back: the mark does not return


def test_exports_the_api_and_the_dashboard_filter_carry_the_trust_level(world) -> None:  # type: ignore[no-untyped-def]
    agency, assessment = world["agency"], world["assessment"]
    other = FirmFactory(owner=UserFactory())
    AgencyConsent.objects.create(firm=other, agency=agency, granted_at=timezone.now(), text_version=consent_version())
    verify(world, ["cyber.ladder"])
    response = world["advisor"].get(reverse("agencies:agency_export_csv", args=[agency.pk]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    (row,) = [r for r in rows if r["firm_id"] == str(assessment.firm_id)]
    assert (row["answers_verified"], row["answers_with_evidence"], row["answers_self_declared"]) == ("1", "0", "14")

    dashboard = reverse("agencies:agency_dashboard", args=[agency.pk])
    some = world["advisor"].get(dashboard, {"verified": "some"})
    assert some.status_code == 200 and assessment.firm.name in some.content.decode()
    every = world["advisor"].get(dashboard, {"verified": "all"})
    assert every.status_code == 200 and assessment.firm.name not in every.content.decode()
    verify(world, list(Answer.objects.filter(assessment=assessment).values_list("question__code", flat=True)))
    every = world["advisor"].get(dashboard, {"verified": "all"})
    assert assessment.firm.name in every.content.decode()

    key = agency_services.api_key_create(
        member=agency.memberships.get(), name="CRM", scopes=[ApiToken.Scope.CLIENTS, ApiToken.Scope.ASSESSMENTS]
    )
    response = Client().get(
        reverse("api:client_assessments", args=[assessment.firm_id]), headers={"Authorization": f"Bearer {key.key}"}
    )
    assert response.status_code == 200, response.content[:300]
    (item,) = response.json()["results"] if "results" in response.json() else response.json()
    assert item["answer_trust"]["cyber.ladder"] == "verified" and len(item["answer_trust"]) == 15


def test_peer_figures_can_be_restricted_to_verified_assessments(world, settings) -> None:  # type: ignore[no-untyped-def]
    from assessments.peer_statistics import contributors

    firm = world["assessment"].firm
    assert contributors(includes_demo=False).filter(firm=firm).exists()
    settings.BENCHMARK_VERIFIED_ONLY = True
    assert not contributors(includes_demo=False).filter(firm=firm).exists()
    verify(world, list(Answer.objects.filter(assessment=world["assessment"]).values_list("question__code", flat=True)))
    assert contributors(includes_demo=False).filter(firm=firm).exists()
    assert Assessment.objects.filter(pk=world["assessment"].pk).exists()
