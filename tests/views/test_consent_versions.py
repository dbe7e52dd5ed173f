"""Consent text versions come from the texts; a consent to other words is asked for again.

Plays the careless maintainer (the wording changes, the version cannot stay) and the agency (a
consent to old words must not let it in).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments import consent_texts
from assessments.agencies import consent as agency_consent
from assessments.agencies import services as agency_services
from assessments.agencies.models import Agency, AgencyConsent
from assessments.models import Assessment, Firm
from assessments.peer_statistics import contributors
from readiness.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_WORDS = "benchmark-000000000000"


class TestTheVersionIsTheText:
    def test_changing_a_sentence_changes_the_version(self, monkeypatch: pytest.MonkeyPatch) -> None:
        before = agency_consent.consent_version()
        assert before.startswith("agency-") and len(before) == len("agency-") + 12
        monkeypatch.setattr(agency_consent, "CONSENT_TERMS", (*agency_consent.CONSENT_TERMS[:-1], "Access ends soon."))
        agency_consent.consent_version.cache_clear()
        try:
            assert agency_consent.consent_version() != before
        finally:
            monkeypatch.undo()
            agency_consent.consent_version.cache_clear()
        assert agency_consent.consent_version() == before

    def test_the_benchmark_consent_covers_question_answers_and_promise(self, monkeypatch: pytest.MonkeyPatch) -> None:
        before = consent_texts.benchmark_consent_version()
        for name in ("BENCHMARK_CONSENT_LABEL", "BENCHMARK_CONSENT_HELP"):
            monkeypatch.setattr(consent_texts, name, "changed")
            consent_texts.benchmark_consent_version.cache_clear()
            assert consent_texts.benchmark_consent_version() != before, name
            monkeypatch.undo()
        consent_texts.benchmark_consent_version.cache_clear()
        assert consent_texts.benchmark_consent_version() == before

    def test_the_version_does_not_depend_on_the_language(self) -> None:
        from django.utils import translation

        help_text = consent_texts.BENCHMARK_CONSENT_HELP
        with translation.override("fr"):
            assert "entreprises" in str(help_text)  # the French is what a French reader sees...
            in_french = consent_texts.text_version("x", [help_text])
        with translation.override("en"):
            assert consent_texts.text_version("x", [help_text]) == in_french  # ...the version is the English's


class TestBenchmarkConsentToOldWords:
    @pytest.fixture
    def old(self, submitted: Assessment) -> Firm:
        Firm.objects.filter(pk=submitted.firm_id).update(benchmark_consent=True, benchmark_consent_version=OLD_WORDS)
        return Firm.objects.get(pk=submitted.firm_id)

    def test_the_firm_does_not_count_and_is_asked_again(self, old: Firm, owner_client: Client) -> None:
        assert not contributors(includes_demo=False).filter(firm=old).exists()
        response = owner_client.get(reverse("assessments:dashboard"))
        assert response.status_code == 200
        assert "changed the wording of the peer-benchmark consent" in response.content.decode()
        profile = owner_client.get(reverse("assessments:firm_profile"))
        assert profile.status_code == 200
        assert 'value="yes" checked' not in profile.content.decode().replace('checked=""', "checked")

    def test_confirming_counts_the_firm_again(self, old: Firm, owner_client: Client) -> None:
        data = {"name": old.name, "country": "IT", "sector": old.sector, "size_class": old.size_class, "region": ""}
        response = owner_client.post(reverse("assessments:firm_profile"), {**data, "benchmark_consent": "yes"})
        assert response.status_code == 302
        old.refresh_from_db()
        assert old.benchmark_consent_version == consent_texts.benchmark_consent_version()
        assert contributors(includes_demo=False).filter(firm=old).exists()
        response = owner_client.get(reverse("assessments:dashboard"))
        assert "changed the wording of the peer-benchmark consent" not in response.content.decode()


class TestAgencyConsentToOldWords:
    @pytest.fixture
    def agency(self, db: None) -> Agency:
        return agency_services.agency_create(name="Hub A", admin=UserFactory(email="advisor@hub-a.example"))

    @pytest.fixture
    def advisor_client(self, agency: Agency, client_for) -> Client:  # type: ignore[no-untyped-def]
        return client_for(User.objects.get(email="advisor@hub-a.example"))

    @pytest.fixture
    def old_consent(self, agency: Agency, submitted: Assessment, owner: User) -> AgencyConsent:
        from django.utils import timezone

        return AgencyConsent.objects.create(
            firm=submitted.firm,
            agency=agency,
            granted_at=timezone.now(),
            granted_by=owner,
            text_version="agency-2026.1",
        )

    def client_page(self, agency: Agency, firm: Firm) -> str:
        return reverse("agencies:agency_client", kwargs={"agency_id": agency.pk, "firm_id": firm.pk})

    def test_the_agency_sees_nothing_until_the_firm_agrees_again(
        self,
        old_consent: AgencyConsent,
        agency: Agency,
        submitted: Assessment,
        advisor_client: Client,
        owner_client: Client,
    ) -> None:
        firm = submitted.firm
        assert advisor_client.get(self.client_page(agency, firm)).status_code == 404
        results = reverse(
            "agencies:agency_client_results", kwargs={"agency_id": agency.pk, "assessment_id": submitted.pk}
        )
        assert advisor_client.get(results).status_code == 404
        export = advisor_client.get(reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk}))
        assert export.status_code == 200 and firm.name not in b"".join(export.streaming_content).decode()

        dashboard = owner_client.get(reverse("assessments:dashboard"))
        assert dashboard.status_code == 200 and "changed the terms of sharing your results with Hub A" in (
            dashboard.content.decode()
        )
        sharing = owner_client.get(reverse("agencies:sharing"))
        assert sharing.status_code == 200 and "Paused: new terms to read" in sharing.content.decode()

        renew = reverse("agencies:consent_renew", kwargs={"consent_id": old_consent.pk})
        page = owner_client.get(renew)
        assert page.status_code == 200 and agency_consent.consent_version() in page.content.decode()
        refused = owner_client.post(renew, {})  # the box not ticked
        assert refused.status_code == 302 and refused["Location"] == renew
        assert advisor_client.get(self.client_page(agency, firm)).status_code == 404
        agreed = owner_client.post(renew, {"consent": "yes"})
        assert agreed.status_code == 302 and agreed["Location"] == reverse("agencies:sharing")
        old_consent.refresh_from_db()
        assert old_consent.text_version == agency_consent.consent_version()
        assert advisor_client.get(self.client_page(agency, firm)).status_code == 200

    def test_another_firm_cannot_renew_it(self, old_consent: AgencyConsent, outsider_client: Client) -> None:
        renew = reverse("agencies:consent_renew", kwargs={"consent_id": old_consent.pk})
        assert outsider_client.get(renew).status_code == 404
        assert outsider_client.post(renew, {"consent": "yes"}).status_code == 404
        old_consent.refresh_from_db()
        assert old_consent.text_version == "agency-2026.1"

    def test_a_consent_in_force_has_nothing_to_renew(self, old_consent: AgencyConsent, owner_client: Client) -> None:
        AgencyConsent.objects.filter(pk=old_consent.pk).update(text_version=agency_consent.consent_version())
        renew = reverse("agencies:consent_renew", kwargs={"consent_id": old_consent.pk})
        assert owner_client.get(renew).status_code == 404
