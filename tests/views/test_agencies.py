"""Agencies: invitations, consent and its revocation, and isolation from every side."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core import mail
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import AccessLogEntry, Agency, AgencyConsent, AgencyMember, Invitation
from assessments.models import Assessment, Firm
from readiness.models import User
from tests.factories import FirmFactory, UserFactory
from tests.helpers import download_action_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def advisor(db: None) -> User:
    return UserFactory(email="advisor@hub-a.example")


@pytest.fixture
def agency(advisor: User) -> Agency:
    return agency_services.agency_create(name="Hub A", admin=advisor)


@pytest.fixture
def other_advisor(db: None) -> User:
    user = UserFactory(email="advisor@hub-b.example")
    agency_services.agency_create(name="Hub B", admin=user)
    return user


@pytest.fixture
def advisor_client(advisor: User, client_for) -> Client:  # type: ignore[no-untyped-def]
    return client_for(advisor)


def invite_link(agency: Agency, advisor: User, email: str, kind: str = Invitation.Kind.CLIENT) -> str:
    new = agency_services.invitation_send(
        agency=agency, kind=kind, email=email, created_by=advisor, base_url="http://testserver/"
    )
    return reverse("agencies:invitation", kwargs={"secret": new.secret})


@pytest.fixture
def consented(agency: Agency, advisor: User, submitted: Assessment, owner: User, owner_client: Client) -> AgencyConsent:
    url = invite_link(agency, advisor, owner.email)
    response = owner_client.post(url, {"consent": "yes"})
    assert response.status_code == 302, response.content[:300]
    return AgencyConsent.objects.get(firm=submitted.firm, agency=agency)


def results_url(agency: Agency, assessment: Assessment) -> str:
    return reverse("agencies:agency_client_results", kwargs={"agency_id": agency.pk, "assessment_id": assessment.pk})


def pdf_url(agency: Agency, assessment: Assessment) -> str:
    return reverse("agencies:agency_client_pdf", kwargs={"agency_id": agency.pk, "assessment_id": assessment.pk})


def dashboard_url(agency: Agency) -> str:
    return reverse("agencies:agency_dashboard", kwargs={"agency_id": agency.pk})


class TestInvitationAndConsent:
    def test_the_email_carries_a_link_that_works_once(
        self, agency: Agency, advisor: User, submitted: Assessment, owner: User, owner_client: Client
    ) -> None:
        url = invite_link(agency, advisor, owner.email)
        assert len(mail.outbox) == 1 and url in mail.outbox[0].body
        page = owner_client.get(url).content.decode()
        assert "What you agree to" in page and consent_version() in page
        # No tick, no consent.
        owner_client.post(url, {})
        assert not AgencyConsent.objects.exists()
        owner_client.post(url, {"consent": "yes"})
        consent = AgencyConsent.objects.get()
        assert consent.firm_id == submitted.firm_id and consent.granted_by == owner
        assert consent.text_version == consent_version() and consent.granted_at
        # Used: the same link again is refused.
        assert owner_client.get(url).status_code == 404

    def test_a_link_is_only_for_the_account_it_was_sent_to(
        self, agency: Agency, advisor: User, submitted: Assessment, outsider_client: Client
    ) -> None:
        url = invite_link(agency, advisor, "owner@example.com")
        outsider_client.post(url, {"consent": "yes"})
        assert not AgencyConsent.objects.exists()
        assert Invitation.objects.get().accepted_at is None  # still usable by the right person

    def test_guessed_or_tampered_secrets_are_404(self, client: Client, agency: Agency, advisor: User) -> None:
        invite_link(agency, advisor, "x@example.com")
        for secret in ("nope", "A" * 43, "..%2F..%2Fadmin", "%00", "x" * 5000):
            assert client.get(f"/app/invitations/{secret}/").status_code == 404

    def test_a_client_code_works_for_several_firms_once_each(
        self, agency: Agency, advisor: User, submitted: Assessment, owner_client: Client, outsider_client: Client
    ) -> None:
        code = agency_services.client_code_create(agency=agency, created_by=advisor, label="Spring").secret
        owner_client.post(reverse("agencies:sharing"), {"code": code.lower()[:5] + " " + code.lower()[5:]})
        response = owner_client.post(reverse("agencies:invitation", kwargs={"secret": code}), {"consent": "yes"})
        assert response.status_code == 302
        outsider_client.post(reverse("agencies:invitation", kwargs={"secret": code}), {"consent": "yes"})
        assert AgencyConsent.objects.filter(agency=agency).count() == 2
        # Twice from the same firm: refused, still one active consent.
        owner_client.post(reverse("agencies:invitation", kwargs={"secret": code}), {"consent": "yes"})
        assert AgencyConsent.objects.filter(agency=agency, firm=submitted.firm).count() == 1

    def test_an_advisor_withdraws_a_code_after_confirming_and_only_their_own(
        self,
        agency: Agency,
        advisor: User,
        advisor_client: Client,
        other_advisor: User,
        client_for,  # type: ignore[no-untyped-def]
        submitted: Assessment,
        owner_client: Client,
    ) -> None:
        new = agency_services.client_code_create(agency=agency, created_by=advisor, label="Workshop")
        owner_client.post(reverse("agencies:invitation", kwargs={"secret": new.secret}), {"consent": "yes"})
        url = reverse(
            "agencies:agency_code_withdraw", kwargs={"agency_id": agency.pk, "invitation_id": new.invitation.pk}
        )
        # Another agency's advisor and a firm's user: 404, and the code still works.
        assert client_for(other_advisor).post(url).status_code == 404
        assert owner_client.post(url).status_code == 404
        dashboard = advisor_client.get(dashboard_url(agency)).content.decode()
        assert new.invitation.code in dashboard and "used by 1 firm" in dashboard
        confirm = advisor_client.get(url)
        assert confirm.status_code == 200 and "keeps sharing" in confirm.content.decode()
        assert Invitation.objects.get(pk=new.invitation.pk).withdrawn_at is None  # a GET changes nothing
        assert advisor_client.post(url).status_code == 302
        assert Invitation.objects.get(pk=new.invitation.pk).withdrawn_at is not None
        assert advisor_client.post(url).status_code == 404  # already withdrawn
        assert (
            client_for(UserFactory()).get(reverse("agencies:invitation", kwargs={"secret": new.secret})).status_code
            == 404
        )
        # The firm that used it keeps sharing.
        assert AgencyConsent.objects.filter(agency=agency, firm=submitted.firm, revoked_at=None).exists()

    def test_an_advisor_joins_by_invitation(self, agency: Agency, advisor: User, client_for) -> None:  # type: ignore[no-untyped-def]
        newcomer = UserFactory(email="new@hub-a.example")
        url = invite_link(agency, advisor, newcomer.email, kind=Invitation.Kind.ADVISOR)
        response = client_for(newcomer).post(url)
        assert response.status_code == 302
        assert AgencyMember.objects.get(user=newcomer).role == AgencyMember.Role.ADVISOR

    def test_only_an_admin_invites_advisors(self, agency: Agency, client_for) -> None:  # type: ignore[no-untyped-def]
        plain = UserFactory(email="plain@hub-a.example")
        AgencyMember.objects.create(agency=agency, user=plain, role=AgencyMember.Role.ADVISOR)
        url = reverse("agencies:agency_invite", kwargs={"agency_id": agency.pk, "kind": "advisor"})
        assert client_for(plain).post(url, {"email": "x@example.com"}).status_code == 404
        assert not Invitation.objects.exists()


class TestIsolation:
    def test_the_consenting_clients_results_and_pdf_are_visible_and_logged(
        self, consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor_client: Client
    ) -> None:
        html = advisor_client.get(results_url(agency, submitted)).content.decode()
        assert "Results for" in html and submitted.firm.name in html
        response = download_action_plan(advisor_client, pdf_url(agency, submitted))
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        actions = list(AccessLogEntry.objects.values_list("action", flat=True))
        assert sorted(actions) == ["downloaded_pdf", "viewed_results"]

    def test_the_firm_sees_who_looked(
        self,
        consented: AgencyConsent,
        submitted: Assessment,
        agency: Agency,
        advisor_client: Client,
        owner_client: Client,
    ) -> None:
        advisor_client.get(results_url(agency, submitted))
        page = owner_client.get(reverse("agencies:sharing")).content.decode()
        assert "advisor@hub-a.example" in page and "viewed the results" in page

    def test_revoking_cuts_access_at_once(
        self,
        consented: AgencyConsent,
        submitted: Assessment,
        agency: Agency,
        advisor_client: Client,
        owner_client: Client,
    ) -> None:
        assert advisor_client.get(results_url(agency, submitted)).status_code == 200
        confirm = owner_client.get(reverse("agencies:consent_revoke", kwargs={"consent_id": consented.pk}))
        assert "Stop sharing with Hub A?" in confirm.content.decode()
        owner_client.post(reverse("agencies:consent_revoke", kwargs={"consent_id": consented.pk}))
        assert advisor_client.get(results_url(agency, submitted)).status_code == 404
        assert advisor_client.get(pdf_url(agency, submitted)).status_code == 404
        board = advisor_client.get(dashboard_url(agency)).content.decode()
        assert submitted.firm.name not in board

    def test_another_agency_sees_nothing(
        self, consented: AgencyConsent, submitted: Assessment, agency: Agency, other_advisor: User, client_for
    ) -> None:  # type: ignore[no-untyped-def]
        other = client_for(other_advisor)
        other_agency = Agency.objects.get(name="Hub B")
        assert other.get(results_url(agency, submitted)).status_code == 404
        assert other.get(dashboard_url(agency)).status_code == 404
        assert other.get(results_url(other_agency, submitted)).status_code == 404
        assert other.get(pdf_url(other_agency, submitted)).status_code == 404
        firm_url = reverse(
            "agencies:agency_client", kwargs={"agency_id": other_agency.pk, "firm_id": submitted.firm_id}
        )
        assert other.get(firm_url).status_code == 404
        assert submitted.firm.name not in other.get(dashboard_url(other_agency)).content.decode()

    def test_a_firm_that_never_consented_is_invisible(
        self, submitted: Assessment, agency: Agency, advisor_client: Client
    ) -> None:
        assert advisor_client.get(results_url(agency, submitted)).status_code == 404
        assert submitted.firm.name not in advisor_client.get(dashboard_url(agency)).content.decode()

    def test_filters_and_parameters_cannot_widen_the_portfolio(
        self, consented: AgencyConsent, agency: Agency, advisor_client: Client
    ) -> None:
        stranger = FirmFactory(name="Stranger GmbH", country="DE")
        for query in (
            "?country=DE",
            "?sector=C&size_class=small",
            "?page=2",
            "?sort=-score",
            "?level=bogus",
            "?firm=1",
        ):
            html = advisor_client.get(dashboard_url(agency) + query).content.decode()
            assert stranger.name not in html

    def test_a_firm_member_is_not_an_advisor(
        self, consented: AgencyConsent, agency: Agency, owner_client: Client
    ) -> None:
        assert owner_client.get(dashboard_url(agency)).status_code == 404


class TestDashboardAndExport:
    def test_dashboard_figures(
        self, consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor_client: Client
    ) -> None:
        html = advisor_client.get(dashboard_url(agency)).content.decode()
        assert submitted.firm.name in html
        assert "Clients by level" in html and "weakest pillars" in html

    def test_csv_export_columns_and_values(
        self, consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor_client: Client
    ) -> None:
        response = advisor_client.get(reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk}))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        header, row = rows[0], rows[1]
        assert len(rows) == 2
        assert header[:4] == ["firm_id", "firm_name", "country", "sector"]
        values = dict(zip(header, row, strict=True))
        assert values["firm_name"] == submitted.firm.name
        assert values["skills.ladder"] == "full"
        assert values["skills.checklist"] == "alpha|beta|gamma"
        assert float(values["overall_score"]) == submitted.overall_score
        assert re.match(r"\d{4}-\d{2}-\d{2}T", values["submitted_at"])

    def test_the_csv_writes_the_excel_rows_as_csv_writer_would_on_hostile_cells(
        self, consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor_client: Client
    ) -> None:
        """The CSV's answers come pre-written (on PostgreSQL straight out of the database): they
        must still be the cells of the Excel rows, quoted where a cell needs it."""
        from assessments.agencies import selectors
        from assessments.agencies.forms import DashboardFilterForm
        from assessments.models import FirmLatestAnswers
        from assessments.spreadsheet_cells import spreadsheet_safe

        Firm.objects.filter(pk=submitted.firm_id).update(name='Quote "Q", Comma\nLtd', region="=SUM(A1)")
        stored = FirmLatestAnswers.objects.get(firm_id=submitted.firm_id)
        hostile = {"skills.ladder": 'a,"b"\r\nc', "skills.checklist": ""}  # the other codes: no answer at all
        FirmLatestAnswers.objects.filter(pk=stored.pk).update(answers=hostile)
        response = advisor_client.get(reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk}))
        assert response.status_code == 200
        written = b"".join(response.streaming_content).decode()

        header, rows = selectors.export_rows(agency, DashboardFilterForm(None).filters())
        expected = io.StringIO()
        writer = csv.writer(expected)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [
                    spreadsheet_safe(v) if name in ("firm_name", "region") else v
                    for name, v in zip(header, row, strict=True)
                ]
            )
        assert written == expected.getvalue()
        (read_header, read_row) = list(csv.reader(io.StringIO(written)))
        values = dict(zip(read_header, read_row, strict=True))
        assert values["skills.ladder"] == 'a,"b"\r\nc' and values["skills.checklist"] == ""
        assert values["firm_name"] == 'Quote "Q", Comma\nLtd' and values["region"] == "'=SUM(A1)"
        assert sum(1 for name in read_header if "." in name and values[name]) == 1  # only the one stored answer


class TestExportInChunks:
    """The export streams its rows a chunk at a time (EXPORT_CHUNK): none lost or repeated."""

    @pytest.fixture
    def five_clients(self, agency: Agency, version) -> list[Firm]:  # type: ignore[no-untyped-def]
        from tests.helpers import submitted_with_scores

        firms = []
        for score in (10.0, 30.0, 50.0, 70.0, 90.0):
            firm = FirmFactory()
            submitted_with_scores(firm, version, score)
            AgencyConsent.objects.create(
                firm=firm, agency=agency, granted_at=timezone.now(), text_version=consent_version()
            )
            firms.append(firm)
        return firms

    def test_every_client_once_in_the_order_of_their_assessments_across_chunks(
        self, five_clients: list[Firm], agency: Agency, advisor_client: Client, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from assessments.agencies import selectors

        monkeypatch.setattr(selectors, "EXPORT_CHUNK", 2)
        response = advisor_client.get(reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk}))
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert [int(row["firm_id"]) for row in rows] == sorted(firm.pk for firm in five_clients)
        assert [float(row["overall_score"]) for row in rows] == [10.0, 30.0, 50.0, 70.0, 90.0]


def test_staff_create_an_agency_with_its_admin(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    call_command("create_agency", "Hub C", "boss@hub-c.example")
    agency = Agency.objects.get(name="Hub C")
    admin = User.objects.get(email="boss@hub-c.example")
    assert AgencyMember.objects.get(agency=agency, user=admin).role == AgencyMember.Role.ADMIN
    assert "Hub C" in capsys.readouterr().out
    assert Firm.objects.count() == 0


def test_dashboard_and_export_queries_do_not_grow_with_the_portfolio(
    agency: Agency,
    advisor_client: Client,
    version,  # type: ignore[no-untyped-def]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments.services import assessment_save_answers, assessment_start, assessment_submit
    from questionnaires.selectors import version_content

    def add_clients(count: int) -> None:
        content = version_content(version.pk)
        for _ in range(count):
            user = UserFactory()
            firm = FirmFactory(owner=user)
            assessment = assessment_start(firm=firm, user=user)
            for pillar in content.pillars:
                assessment_save_answers(
                    assessment=assessment,
                    answers={q.code: [q.choices[0].code] for q in pillar.questions},
                    confirm=[q.code for q in pillar.questions],
                )
            assessment_submit(assessment=assessment, user=user)
            AgencyConsent.objects.create(
                firm=firm, agency=agency, granted_at=timezone.now(), granted_by=user, text_version=consent_version()
            )

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = advisor_client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            assert response.status_code == 200
        return len(captured)

    export = reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk})
    add_clients(2)
    small = (count(dashboard_url(agency)), count(export))
    add_clients(12)
    assert (count(dashboard_url(agency)), count(export)) == small


@pytest.mark.django_db(transaction=True)
def test_the_pdf_zip_is_built_by_the_real_worker(
    consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor_client: Client
) -> None:
    import zipfile

    from django.core.management import call_command

    from assessments.agencies.models import PortfolioExport

    response = advisor_client.post(reverse("agencies:agency_pdf_zip", kwargs={"agency_id": agency.pk}))
    export = PortfolioExport.objects.get()
    assert response["Location"].endswith(f"/exports/{export.pk}/")
    page = advisor_client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page and 'http-equiv="refresh"' in page
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    export.refresh_from_db()
    assert export.status == PortfolioExport.Status.DONE and (export.done, export.total) == (1, 1)
    download = advisor_client.get(response["Location"] + "?download=1")
    assert download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
        (name,) = archive.namelist()
        assert name.startswith("readiness-action-plan-") and archive.read(name).startswith(b"%PDF-")
    # Another agency cannot see the export.
    other = UserFactory(email="x@hub-z.example")
    other_agency = agency_services.agency_create(name="Hub Z", admin=other)
    client = Client()
    client.force_login(other)
    url = reverse("agencies:agency_export", kwargs={"agency_id": other_agency.pk, "export_id": export.pk})
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_zip_records_the_plans_it_builds(
    consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor: User
) -> None:
    """A plan the ZIP builds is stored as the worker's are: the rebuild after a content change knows it."""
    from assessments.agencies.models import PortfolioExport
    from assessments.agencies.tasks import build_pdf_zip
    from assessments.models import StoredActionPlan

    StoredActionPlan.objects.all().delete()
    export = PortfolioExport.objects.create(agency=agency, requested_by=advisor, language="fr")
    build_pdf_zip.func(export.pk)
    assert StoredActionPlan.objects.filter(assessment=submitted, language="fr").exists()


def test_xlsx_export_and_formula_injection(
    consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor_client: Client
) -> None:
    from openpyxl import load_workbook

    Firm.objects.filter(pk=submitted.firm_id).update(name='=HYPERLINK("http://evil.example","x")')
    response = advisor_client.get(reverse("agencies:agency_export_xlsx", kwargs={"agency_id": agency.pk}))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    values = dict(zip(header, row, strict=True))
    assert values["skills.ladder"] == "full" and values["firm_name"].startswith("=HYPERLINK")
    assert sheet.cell(row=2, column=header.index("firm_name") + 1).data_type == "s"  # text, not a formula
    csv_text = b"".join(
        advisor_client.get(reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk})).streaming_content
    ).decode()
    assert "'=HYPERLINK" in csv_text


def test_a_newcomer_signs_up_from_the_link_and_comes_back_to_it(agency: Agency, advisor: User, client: Client) -> None:
    url = invite_link(agency, advisor, "newcomer@example.com")
    page = client.get(url).content.decode()
    assert f"/accounts/signup/?next={url}" in page.replace("%2F", "/")
    response = client.post(
        f"/accounts/signup/?next={url}",
        {"email": "newcomer@example.com", "password1": "a long enough pass 42!", "password2": "a long enough pass 42!"},
    )
    assert response.status_code == 302 and response["Location"] == url
    # An off-site "next" is ignored.
    other = Client()
    response = other.post(
        "/accounts/signup/?next=https://evil.example/",
        {"email": "second@example.com", "password1": "a long enough pass 42!", "password2": "a long enough pass 42!"},
    )
    assert response["Location"] == reverse("assessments:firm_profile")


def test_only_the_firm_revokes_its_consent(
    consented: AgencyConsent, outsider_client: Client, advisor_client: Client
) -> None:
    url = reverse("agencies:consent_revoke", kwargs={"consent_id": consented.pk})
    assert outsider_client.post(url).status_code == 404
    assert advisor_client.post(url).status_code == 404  # the agency cannot revoke for the firm
    consented.refresh_from_db()
    assert consented.revoked_at is None


class TestWayToTheAgencyPages:
    """The firm's dashboard reaches the agency pages only through the agencies app's plug-in."""

    def test_an_advisor_without_a_firm_starts_on_the_agency_pages(self, agency: Agency, advisor_client: Client) -> None:
        response = advisor_client.get(reverse("assessments:dashboard"), follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("agencies:agency_dashboard", args=[agency.pk])

    def test_an_advisor_of_two_agencies_without_a_firm_chooses_one(
        self, agency: Agency, advisor: User, advisor_client: Client
    ) -> None:
        second = agency_services.agency_create(name="Hub C", admin=advisor)
        response = advisor_client.get(reverse("assessments:dashboard"), follow=True)
        assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("agencies:agency_home")
        page = response.content.decode()
        assert reverse("agencies:agency_dashboard", args=[agency.pk]) in page
        assert reverse("agencies:agency_dashboard", args=[second.pk]) in page

    def test_a_firm_owner_who_is_also_an_advisor_sees_a_link_to_each_agency(
        self, agency: Agency, owner: User, owner_client: Client, submitted: Assessment
    ) -> None:
        AgencyMember.objects.create(agency=agency, user=owner, role=AgencyMember.Role.ADVISOR)
        response = owner_client.get(reverse("assessments:dashboard"))
        assert response.status_code == 200 and not response.has_header("Location")
        page = response.content.decode()
        link = f'href="{reverse("agencies:agency_dashboard", args=[agency.pk])}"'
        assert link in page and "Agency dashboard: Hub A" in page

    def test_a_firm_owner_sees_no_agency_they_do_not_belong_to(
        self, agency: Agency, other_advisor: User, owner_client: Client, submitted: Assessment
    ) -> None:
        response = owner_client.get(reverse("assessments:dashboard"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Agency dashboard" not in page and "/app/agency/" not in page


class TestTheAccessLogIsComplete:
    """The firm is told of every way an advisor reaches its data, bulk exports included."""

    def test_the_client_page_every_export_and_the_zip_each_write_an_entry(
        self,
        consented: AgencyConsent,
        submitted: Assessment,
        agency: Agency,
        advisor: User,
        advisor_client: Client,
        owner_client: Client,
        version,  # type: ignore[no-untyped-def]
    ) -> None:
        from assessments.agencies.models import PortfolioExport
        from assessments.agencies.tasks import build_pdf_zip
        from tests.helpers import submitted_with_scores

        bystander = FirmFactory(name="Not A Client Ltd")
        submitted_with_scores(bystander, version, 50.0)  # never consented to this agency
        firm = submitted.firm
        client_page = reverse("agencies:agency_client", kwargs={"agency_id": agency.pk, "firm_id": firm.pk})
        assert advisor_client.get(client_page).status_code == 200
        csv_export = advisor_client.get(reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk}))
        assert csv_export.status_code == 200 and firm.name in b"".join(csv_export.streaming_content).decode()
        xlsx = advisor_client.get(reverse("agencies:agency_export_xlsx", kwargs={"agency_id": agency.pk}))
        assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content).startswith(b"PK")
        # Closing the response sends request_finished: keep it from closing the test's connection,
        # as Django's test client does around each request.
        request_finished.disconnect(close_old_connections)
        try:
            xlsx.close()
        finally:
            request_finished.connect(close_old_connections)
        export = PortfolioExport.objects.create(agency=agency, requested_by=advisor)
        build_pdf_zip.func(export.pk)  # the worker's call
        assert not AccessLogEntry.objects.filter(firm=firm, action="zipped_plan").exists()  # built, not yet handed out
        download = advisor_client.get(
            reverse("agencies:agency_export", kwargs={"agency_id": agency.pk, "export_id": export.pk}), {"download": 1}
        )
        assert download.status_code == 200
        request_finished.disconnect(close_old_connections)
        try:
            download.close()
        finally:
            request_finished.connect(close_old_connections)

        entries = AccessLogEntry.objects.filter(firm=firm)
        assert sorted(entries.values_list("action", flat=True)) == [
            "exported",
            "exported",
            "viewed_client",
            "zipped_plan",
        ]
        assert set(entries.values_list("agency_id", "user_id", "assessment_id")) == {
            (agency.pk, advisor.pk, submitted.pk)
        }
        assert not AccessLogEntry.objects.filter(firm=bystander).exists()

        sharing = owner_client.get(reverse("agencies:sharing"))
        assert sharing.status_code == 200
        page = " ".join(sharing.content.decode().split())
        assert AccessLogEntry.objects.filter(firm=firm, action="listed").count() == 0  # no dashboard seen yet
        assert "opened the client page" in page and "put the action plan in a ZIP of all clients" in page
        # The two exports of one advisor on one day are one line, with their count.
        assert re.search(r"exported the scores and answers \(CSV or Excel\) <span[^>]*>\(2 times, last at ", page)
        assert page.count(advisor.email) == 3  # one line per kind of access: client page, exports, ZIP

    def test_an_export_with_filters_tells_only_the_firms_it_holds(
        self, consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor_client: Client
    ) -> None:
        response = advisor_client.get(
            reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk}), {"sector": "A"}
        )
        assert response.status_code == 200 and submitted.firm.name not in b"".join(response.streaming_content).decode()
        assert not AccessLogEntry.objects.filter(firm=submitted.firm).exists()

    def test_an_advisor_of_another_agency_writes_nothing_and_sees_nothing(
        self, consented: AgencyConsent, submitted: Assessment, agency: Agency, other_advisor: User, client_for
    ) -> None:  # type: ignore[no-untyped-def]
        other = client_for(other_advisor)
        firm = submitted.firm
        assert (
            other.get(
                reverse("agencies:agency_client", kwargs={"agency_id": agency.pk, "firm_id": firm.pk})
            ).status_code
            == 404
        )
        assert other.get(reverse("agencies:agency_export_csv", kwargs={"agency_id": agency.pk})).status_code == 404
        assert not AccessLogEntry.objects.exists()


class TestExportsFollowConsent:
    """ "Access ends at once" reaches the files: an agency's ZIP holding a firm's plan goes when the
    firm stops sharing or is deleted, and every ZIP goes after the retention period."""

    @pytest.fixture
    def export(self, consented: AgencyConsent, agency: Agency, advisor: User):  # type: ignore[no-untyped-def]
        from assessments.agencies.models import PortfolioExport
        from assessments.agencies.tasks import build_pdf_zip

        export = PortfolioExport.objects.create(agency=agency, requested_by=advisor)
        build_pdf_zip.func(export.pk)
        export.refresh_from_db()
        assert export.status == PortfolioExport.Status.DONE
        assert list(export.contents.values_list("firm_id", "assessment_id")) == [
            (consented.firm_id, consented.firm.assessments.get().pk)
        ]
        return export

    def download(self, client: Client, export) -> object:  # type: ignore[no-untyped-def]
        url = reverse("agencies:agency_export", kwargs={"agency_id": export.agency_id, "export_id": export.pk})
        response = client.get(url, {"download": 1})
        if hasattr(response, "streaming_content"):
            # Read to its end: the test client then closes the file itself, keeping the test's
            # database connection open (closing it again here would close that on PostgreSQL).
            b"".join(response.streaming_content)
        return response

    def gone(self, export) -> bool:  # type: ignore[no-untyped-def]
        from django.core.files.storage import default_storage

        from assessments.agencies.models import PortfolioExport

        return not PortfolioExport.objects.filter(pk=export.pk).exists() and not default_storage.exists(
            export.file_name
        )

    def test_revoking_consent_deletes_the_file_at_once(
        self,
        export,
        consented: AgencyConsent,
        owner_client: Client,
        advisor_client: Client,
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(reverse("agencies:consent_revoke", kwargs={"consent_id": consented.pk}))
        assert response.status_code == 302
        assert self.gone(export)
        response = self.download(advisor_client, export)
        assert response.status_code == 404

    def test_a_file_whose_firm_stopped_sharing_is_refused_and_deleted_at_download(
        self,
        export,
        consented: AgencyConsent,
        advisor_client: Client,
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        # Revoked behind the service's back (an admin, an old process): the download checks again.
        AgencyConsent.objects.filter(pk=consented.pk).update(revoked_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            response = self.download(advisor_client, export)
        assert response.status_code == 410
        assert "Build a new file" in response.content.decode()
        assert self.gone(export)
        assert not AccessLogEntry.objects.filter(action="zipped_plan").exists()

    def test_deleting_the_account_deletes_the_file(
        self,
        export,
        owner_client: Client,
        advisor_client: Client,
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        from tests.factories import PASSWORD

        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(
                reverse("assessments:account_delete"), {"password": PASSWORD, "understood": "on"}
            )
        assert response.status_code == 302
        assert self.gone(export)
        assert self.download(advisor_client, export).status_code == 404

    def test_a_file_past_its_retention_is_refused_then_removed_by_the_worker(
        self,
        export,
        advisor_client: Client,
        settings,
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        from datetime import timedelta

        from assessments.agencies.models import PortfolioExport
        from assessments.agencies.tasks import scheduled_export_cleanup

        assert settings.EXPORT_RETENTION_DAYS == 7
        assert export.expires_at - export.finished_at == timedelta(days=7)
        assert self.download(advisor_client, export).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            assert scheduled_export_cleanup.func() == 0  # not yet expired
        assert PortfolioExport.objects.filter(pk=export.pk).exists()
        PortfolioExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert scheduled_export_cleanup.func() == 1
        assert self.gone(export)

    def test_each_download_is_logged_for_the_advisor_who_downloads(
        self, export, agency: Agency, consented: AgencyConsent, client_for
    ) -> None:  # type: ignore[no-untyped-def]
        colleague = UserFactory(email="colleague@hub-a.example")
        AgencyMember.objects.create(agency=agency, user=colleague, role=AgencyMember.Role.ADVISOR)
        assert self.download(client_for(colleague), export).status_code == 200
        (entry,) = AccessLogEntry.objects.filter(firm=consented.firm, action="zipped_plan")
        assert entry.user == colleague

    def test_another_agencys_advisor_cannot_reach_the_file(self, export, other_advisor: User, client_for) -> None:  # type: ignore[no-untyped-def]
        response = self.download(client_for(other_advisor), export)
        assert response.status_code == 404
        assert not AccessLogEntry.objects.filter(action="zipped_plan").exists()


def test_the_client_list_tells_each_firm_on_the_page(
    consented: AgencyConsent, submitted: Assessment, agency: Agency, advisor: User, advisor_client: Client, version
) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import submitted_with_scores

    bystander = FirmFactory(name="Not A Client Ltd")
    submitted_with_scores(bystander, version, 50.0)
    response = advisor_client.get(dashboard_url(agency))
    assert response.status_code == 200 and submitted.firm.name in response.content.decode()
    (entry,) = AccessLogEntry.objects.filter(action="listed")
    assert (entry.firm_id, entry.user_id, entry.assessment_id) == (submitted.firm_id, advisor.pk, submitted.pk)
    # Filtered out of the table: not told.
    advisor_client.get(dashboard_url(agency), {"sector": "A"})
    assert AccessLogEntry.objects.filter(action="listed").count() == 1
