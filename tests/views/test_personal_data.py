"""A user's own data: the export holds all of it and nobody else's; deleting the account
removes the firm's answers, stored PDFs, consents, and its place in benchmarks and dashboards."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import selectors as agency_selectors
from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import AgencyConsent
from assessments.agencies.selectors import DashboardFilters
from assessments.models import Answer, Assessment, Firm, FirmSummary, Membership, PeerStatistic
from assessments.peer_statistics import peer_statistics_refresh
from readiness.models import User
from tests.factories import PASSWORD, FirmFactory, UserFactory
from tests.helpers import download_action_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(submitted: Assessment, owner: User) -> AgencyConsent:
    agency = agency_services.agency_create(name="Hub A", admin=UserFactory(email="advisor@hub-a.example"))
    return AgencyConsent.objects.create(
        firm=submitted.firm, agency=agency, granted_at=timezone.now(), granted_by=owner, text_version=consent_version()
    )


def test_the_json_export_holds_the_firm_answers_scores_and_consents(
    submitted: Assessment, shared: AgencyConsent, owner_client: Client, outsider_client: Client
) -> None:
    response = owner_client.get(reverse("assessments:my_data_download", kwargs={"kind": "json"}))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "owner@example.com"
    (firm,) = data["firms"]
    assert firm["name"] == submitted.firm.name and firm["benchmark_consent"]["given"] is True
    assert firm["agency_consents"][0] == {
        "agency": "Hub A",
        "granted_at": shared.granted_at.isoformat(),
        "text_version": consent_version(),
        "revoked_at": None,
    }
    (assessment,) = [a for a in firm["assessments"] if a["status"] == "submitted"]
    assert assessment["overall_score"] == submitted.overall_score
    assert assessment["answers"]["skills.ladder"] == ["full"] and len(assessment["pillar_scores"]) == 5
    assert "Outsider Ltd" not in response.content.decode()  # the outsider's firm exists, and is not here


def test_the_csv_export_is_a_zip_of_tables(submitted: Assessment, owner_client: Client) -> None:
    response = owner_client.get(reverse("assessments:my_data_download", kwargs={"kind": "csv"}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) >= {"account.csv", "firms.csv", "assessments.csv", "answers.csv"}
    answers = list(csv.DictReader(io.StringIO(archive.read("answers.csv").decode())))
    assert {"firm": submitted.firm.name, "assessment_id": str(submitted.pk), "question": "skills.checklist",
            "choices": "alpha|beta|gamma"} in answers  # fmt: skip


def test_the_csv_tables_neutralise_formulas(submitted: Assessment, owner_client: Client) -> None:
    """As the agency's CSV does: a name someone typed never runs as a formula in a spreadsheet."""
    Firm.objects.filter(pk=submitted.firm_id).update(name='=HYPERLINK("http://evil.example","Click")', region="+1")
    response = owner_client.get(reverse("assessments:my_data_download", kwargs={"kind": "csv"}))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    for name in archive.namelist():
        for row in csv.reader(io.StringIO(archive.read(name).decode())):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), (name, row)
    [firm] = list(csv.DictReader(io.StringIO(archive.read("firms.csv").decode())))
    assert firm["firm"] == '\'=HYPERLINK("http://evil.example","Click")' and firm["region"] == "'+1"


def test_an_unknown_format_is_404_and_anonymous_must_log_in(owner_client: Client, client: Client) -> None:
    assert owner_client.get("/app/my-data/download.xml").status_code == 404
    response = client.get(reverse("assessments:my_data_download", kwargs={"kind": "json"}))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def stored_files(directory: str) -> list[str]:
    if not default_storage.exists(directory):
        return []
    languages, _files = default_storage.listdir(directory)
    return [name for language in languages for name in default_storage.listdir(f"{directory}/{language}")[1]]


class TestDeletion:
    def test_needs_the_password_and_the_tick_and_keeps_everything_otherwise(
        self, submitted: Assessment, owner_client: Client
    ) -> None:
        url = reverse("assessments:account_delete")
        assert owner_client.get(reverse("assessments:my_data")).status_code == 200
        for data in ({"password": "wrong", "understood": "on"}, {"password": PASSWORD}, {}):
            response = owner_client.post(url, data)
            assert response.status_code == 200 and "is-invalid" in response.content.decode()
        refused = owner_client.post(url, {"password": "x", "understood": "on"})
        assert "That is not your password." in refused.content.decode()
        assert User.objects.filter(email="owner@example.com").exists()
        assert Firm.objects.filter(pk=submitted.firm_id).exists()
        assert owner_client.get(url).status_code == 405  # a GET never deletes

    def test_removes_answers_pdfs_consents_benchmarks_and_dashboards(
        self,
        submitted: Assessment,
        shared: AgencyConsent,
        owner_client: Client,
        version,  # type: ignore[no-untyped-def]
    ) -> None:
        pdf = download_action_plan(
            owner_client, reverse("assessments:action_plan_pdf", kwargs={"assessment_id": submitted.pk})
        )
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")
        # Read to the end, which closes the file; response.close() would also fire
        # request_finished, which closes the test's database connection (PostgreSQL then
        # refuses every later query).
        stored = f"action-plans/{submitted.pk}"
        assert len(stored_files(stored)) == 1  # the cached PDF
        for i in range(3):  # peers, so the firm shows in the "all firms" distribution
            peer = FirmFactory(name=f"Peer {i}")
            Membership.objects.create(user=UserFactory(), firm=peer)
        peer_statistics_refresh(includes_demo=False)
        overall = PeerStatistic.objects.get(includes_demo=False, scope="all", pillar_code="overall")
        assert overall.n == 1
        assert agency_selectors.client_table(shared.agency, DashboardFilters(), "name").count() == 1

        with self.captured_on_commit():
            response = owner_client.post(
                reverse("assessments:account_delete"), {"password": PASSWORD, "understood": "on"}
            )
        assert response.status_code == 302 and response["Location"] == reverse("home")
        firm_id = submitted.firm_id
        assert not User.objects.filter(email="owner@example.com").exists()
        assert not Firm.objects.filter(pk=firm_id).exists()
        assert not Assessment.objects.filter(firm_id=firm_id).exists()
        assert not Answer.objects.filter(assessment_id=submitted.pk).exists()
        assert not AgencyConsent.objects.filter(firm_id=firm_id).exists()
        assert not FirmSummary.objects.filter(firm_id=firm_id).exists()
        assert agency_selectors.client_table(shared.agency, DashboardFilters(), "name").count() == 0
        assert stored_files(stored) == []
        assert not PeerStatistic.objects.filter(includes_demo=False, scope="all", pillar_code="overall").exists()
        assert owner_client.get(reverse("assessments:dashboard")).status_code == 302  # logged out

    def test_a_firm_shared_with_a_colleague_stays_theirs(self, submitted: Assessment, owner_client: Client) -> None:
        colleague = UserFactory(email="colleague@example.com")
        Membership.objects.create(user=colleague, firm=submitted.firm, role=Membership.Role.MEMBER)
        owner_client.post(reverse("assessments:account_delete"), {"password": PASSWORD, "understood": "on"})
        assert not User.objects.filter(email="owner@example.com").exists()
        firm = Firm.objects.get(pk=submitted.firm_id)
        assert list(firm.members.values_list("email", flat=True)) == ["colleague@example.com"]
        assert Assessment.objects.filter(pk=submitted.pk).exists()

    @staticmethod
    def captured_on_commit():  # type: ignore[no-untyped-def]
        """Run on_commit callbacks (the test's transaction never commits)."""
        from django.test import TestCase

        return TestCase.captureOnCommitCallbacks(execute=True)


def test_the_privacy_page_says_what_why_how_long_and_who(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    html = client.get(reverse("privacy")).content.decode()
    for heading in ("What we keep", "Why", "Who sees it", "For how long"):
        assert heading in html
    assert f"at least {settings.BENCHMARK_MIN_GROUP} other firms" in html
    assert f"deleted {settings.EXPORT_RETENTION_DAYS} days after it is built" in html
    assert reverse("privacy") in client.get(reverse("home")).content.decode()  # in every page's footer
