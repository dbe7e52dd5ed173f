"""National programmes (issue 19): who reaches a programme's page, joining and leaving, the page itself.

The disclosure rules of the figures are played against in tests/security/test_programme_disclosure.py.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessments.agencies import programmes
from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import (
    Agency,
    AgencyConsent,
    AgencyMember,
    Programme,
    ProgrammeAgency,
    ProgrammeStaff,
    ProgrammeStatistic,
)
from assessments.agencies.programme_statistics import programme_statistics_refresh
from assessments.agencies.tasks import publish_programme_statistics, scheduled_programme_statistics
from assessments.models import Firm
from questionnaires.models import QuestionnaireVersion
from readiness.models import User
from tests.factories import FirmFactory, UserFactory
from tests.helpers import run_worker, submitted_with_scores

pytestmark = pytest.mark.django_db


def clients_of(agency: Agency, version: QuestionnaireVersion, scores: list[float], **profile: str) -> list[Firm]:
    """Firms that submitted an assessment with these overall (and pillar) scores and share with ``agency``."""
    firms = []
    for score in scores:
        firm = FirmFactory(**profile)
        submitted_with_scores(firm, version, score)
        AgencyConsent.objects.create(
            firm=firm, agency=agency, granted_at=timezone.now(), text_version=consent_version()
        )
        firms.append(firm)
    return firms


@pytest.fixture
def admin_a(db: None) -> User:
    return UserFactory(email="admin@hub-a.example")


@pytest.fixture
def hub_a(admin_a: User) -> Agency:
    return agency_services.agency_create(name="Hub A", admin=admin_a)


@pytest.fixture
def hub_b(db: None) -> Agency:
    return agency_services.agency_create(name="Hub B", admin=UserFactory(email="admin@hub-b.example"))


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(email="analyst@ministry.example")


@pytest.fixture
def programme(staff: User, hub_a: Agency) -> Programme:
    return programmes.programme_create(name="National Digital Programme", staff=[staff], agencies=[hub_a]).programme


def page_url(programme: Programme) -> str:
    return reverse("agencies:programme_dashboard", kwargs={"programme_id": programme.pk})


def join_url(agency: Agency) -> str:
    return reverse("agencies:agency_programmes", kwargs={"agency_id": agency.pk})


def leave_url(agency: Agency, programme: Programme) -> str:
    return reverse("agencies:agency_programme_leave", kwargs={"agency_id": agency.pk, "programme_id": programme.pk})


def remove_url(programme: Programme, agency: Agency) -> str:
    return reverse("agencies:programme_agency_remove", kwargs={"programme_id": programme.pk, "agency_id": agency.pk})


def table(html: str, key: str) -> str:
    match = re.search(rf'<section class="mb-4" id="by-{key}">(.*?)</section>', html, re.S)
    assert match, f"no {key} table"
    return match.group(1)


def rebuilds_queued(programme: Programme) -> int:
    return DBTaskResult.objects.filter(
        task_path=publish_programme_statistics.module_path, args_kwargs={"args": [programme.pk], "kwargs": {}}
    ).count()


class TestWhoSeesTheProgramme:
    def test_its_staff_see_it(self, programme: Programme, staff: User, client_for) -> None:  # type: ignore[no-untyped-def]
        staff_client = client_for(staff)
        assert staff_client.get(page_url(programme)).status_code == 200
        listing = staff_client.get(reverse("agencies:programme_list")).content.decode()
        assert page_url(programme) in listing

    def test_everyone_else_gets_404(
        self,
        programme: Programme,
        hub_a: Agency,
        hub_b: Agency,
        admin_a: User,
        outsider_client: Client,
        client_for,  # type: ignore[no-untyped-def]
    ) -> None:
        advisor_a = UserFactory(email="advisor@hub-a.example")
        AgencyMember.objects.create(agency=hub_a, user=advisor_a, role=AgencyMember.Role.ADVISOR)
        other_staff = UserFactory(email="staff@other-programme.example")
        programmes.programme_create(name="Another programme", staff=[other_staff])
        for user in (admin_a, advisor_a, hub_b.members.get(), other_staff):
            assert client_for(user).get(page_url(programme)).status_code == 404, user
            assert page_url(programme) not in client_for(user).get(reverse("agencies:programme_list")).content.decode()
        assert outsider_client.get(page_url(programme)).status_code == 404
        for url in (
            remove_url(programme, hub_a),
            reverse("agencies:programme_join_code", kwargs={"programme_id": programme.pk}),
        ):
            assert client_for(admin_a).post(url).status_code == 404
        assert ProgrammeAgency.objects.filter(programme=programme, agency=hub_a).exists()

    def test_anonymous_visitors_are_sent_to_log_in(self, client: Client, programme: Programme, hub_a: Agency) -> None:
        for url in (page_url(programme), reverse("agencies:programme_list"), join_url(hub_a)):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize(
        "path",
        [
            "/app/programme/0/",
            "/app/programme/99999/",
            "/app/programme/99999999999999999999/",
            "/app/programme/abc/",
            "/app/programme/-1/",
        ],
    )
    def test_tampered_ids_are_404(self, path: str, programme: Programme, staff: User, client_for) -> None:  # type: ignore[no-untyped-def]
        assert client_for(staff).get(path).status_code == 404

    def test_staff_of_one_programme_cannot_touch_another(
        self,
        programme: Programme,
        hub_a: Agency,
        client_for,  # type: ignore[no-untyped-def]
    ) -> None:
        other_staff = UserFactory(email="staff@other-programme.example")
        programmes.programme_create(name="Another programme", staff=[other_staff])
        response = client_for(other_staff).post(remove_url(programme, hub_a))
        assert response.status_code == 404
        assert ProgrammeAgency.objects.filter(programme=programme, agency=hub_a).exists()

    def test_a_staff_member_reaches_the_page_from_their_home(
        self, programme: Programme, staff: User, client_for
    ) -> None:  # type: ignore[no-untyped-def]
        staff_client = client_for(staff)
        # No firm, no agency: signing in leads to the agency home, which lists the programme.
        response = staff_client.get(reverse("assessments:dashboard"), follow=True)
        assert page_url(programme) in response.content.decode()


class TestJoining:
    def test_an_admin_joins_after_reading_what_the_programme_sees(
        self,
        programme: Programme,
        hub_b: Agency,
        client_for,
        settings,  # type: ignore[no-untyped-def]
    ) -> None:
        code = programmes.programme_join_code_regenerate(programme=programme)
        admin_client = client_for(hub_b.members.get())
        dashboard = admin_client.get(reverse("agencies:agency_dashboard", kwargs={"agency_id": hub_b.pk}))
        assert join_url(hub_b) in dashboard.content.decode()
        confirm = admin_client.post(join_url(hub_b), {"code": code.lower().replace("-", " ")})
        text = confirm.content.decode()
        assert confirm.status_code == 200
        assert "Aggregates only, never a firm's name or answers" in text
        assert "by agency — yours included —, region, sector and size, each from at least 10 firms" in text
        assert not ProgrammeAgency.objects.filter(agency=hub_b).exists()  # nothing before the confirmation
        response = admin_client.post(join_url(hub_b), {"code": code, "confirm": "yes"})
        assert response.status_code == 302
        membership = ProgrammeAgency.objects.get(programme=programme, agency=hub_b)
        assert membership.joined_by == hub_b.members.get()
        assert programme.name in admin_client.get(join_url(hub_b)).content.decode()

    def test_joining_queues_a_rebuild(
        self,
        programme: Programme,
        hub_b: Agency,
        client_for,  # type: ignore[no-untyped-def]
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        code = programmes.programme_join_code_regenerate(programme=programme)
        with django_capture_on_commit_callbacks(execute=True):
            client_for(hub_b.members.get()).post(join_url(hub_b), {"code": code, "confirm": "yes"})
        assert rebuilds_queued(programme) == 1

    @pytest.mark.parametrize(
        "code",
        ["", "WRONG", "ABCD-EFGH-JKLM-NPQR", "x" * 5000, "%00", "ÀÉÎÕÜ-ÀÉÎÕ-ÀÉÎÕ-ÀÉÎÕ", "0000-1111-OOOO-IIII"],
    )
    def test_a_wrong_or_malformed_code_is_a_form_error_and_saves_nothing(
        self,
        code: str,
        programme: Programme,
        hub_b: Agency,
        client_for,  # type: ignore[no-untyped-def]
    ) -> None:
        admin_client = client_for(hub_b.members.get())
        for data in ({"code": code}, {"code": code, "confirm": "yes"}):
            response = admin_client.post(join_url(hub_b), data)
            assert response.status_code == 400
            assert "invalid-feedback" in response.content.decode()
        assert not ProgrammeAgency.objects.filter(agency=hub_b).exists()

    def test_an_advisor_who_is_not_the_admin_can_neither_join_nor_leave(
        self,
        programme: Programme,
        hub_a: Agency,
        client_for,  # type: ignore[no-untyped-def]
    ) -> None:
        code = programmes.programme_join_code_regenerate(programme=programme)
        advisor = UserFactory(email="advisor@hub-a.example")
        AgencyMember.objects.create(agency=hub_a, user=advisor, role=AgencyMember.Role.ADVISOR)
        advisor_client = client_for(advisor)
        ProgrammeAgency.objects.filter(agency=hub_a).delete()
        assert advisor_client.get(join_url(hub_a)).status_code == 404
        assert advisor_client.post(join_url(hub_a), {"code": code, "confirm": "yes"}).status_code == 404
        assert not ProgrammeAgency.objects.filter(agency=hub_a).exists()
        ProgrammeAgency.objects.create(programme=programme, agency=hub_a)
        assert advisor_client.post(leave_url(hub_a, programme)).status_code == 404
        assert ProgrammeAgency.objects.filter(agency=hub_a).exists()
        # Nor does the dashboard offer it.
        dashboard = advisor_client.get(reverse("agencies:agency_dashboard", kwargs={"agency_id": hub_a.pk}))
        assert join_url(hub_a) not in dashboard.content.decode()

    def test_an_admin_of_another_agency_cannot_join_or_leave_for_it(
        self,
        programme: Programme,
        hub_a: Agency,
        hub_b: Agency,
        client_for,  # type: ignore[no-untyped-def]
    ) -> None:
        code = programmes.programme_join_code_regenerate(programme=programme)
        other_admin = client_for(hub_b.members.get())
        assert other_admin.post(leave_url(hub_a, programme)).status_code == 404
        assert other_admin.post(join_url(hub_a), {"code": code, "confirm": "yes"}).status_code == 404
        # Leaving a programme the agency is not in: 404, with any id.
        for path in (leave_url(hub_b, programme), f"/app/agency/{hub_b.pk}/programmes/99999999999999999999/leave/"):
            assert other_admin.post(path).status_code == 404
        assert ProgrammeAgency.objects.filter(agency=hub_a).count() == 1

    def test_joining_twice_is_a_form_error(
        self, programme: Programme, hub_a: Agency, admin_a: User, client_for
    ) -> None:  # type: ignore[no-untyped-def]
        code = programmes.programme_join_code_regenerate(programme=programme)
        response = client_for(admin_a).post(join_url(hub_a), {"code": code, "confirm": "yes"})
        assert response.status_code == 400 and "already takes part" in response.content.decode()
        assert ProgrammeAgency.objects.filter(agency=hub_a).count() == 1

    def test_a_new_join_code_is_shown_once_and_the_old_one_stops_working(
        self,
        programme: Programme,
        staff: User,
        hub_b: Agency,
        client_for,  # type: ignore[no-untyped-def]
    ) -> None:
        old = programmes.programme_join_code_regenerate(programme=programme)
        staff_client = client_for(staff)
        page = staff_client.post(reverse("agencies:programme_join_code", kwargs={"programme_id": programme.pk}))
        new = re.search(r'id="new-join-code">([A-Z0-9-]+)<', page.content.decode()).group(1)
        assert new != old and new not in staff_client.get(page_url(programme)).content.decode()
        assert new.replace("-", "") not in Programme.objects.get(pk=programme.pk).join_code_hash
        admin_client = client_for(hub_b.members.get())
        assert admin_client.post(join_url(hub_b), {"code": old, "confirm": "yes"}).status_code == 400
        assert admin_client.post(join_url(hub_b), {"code": new, "confirm": "yes"}).status_code == 302


class TestLeaving:
    def test_leaving_takes_the_agency_off_the_page_at_once_and_its_clients_out_with_the_rebuild(
        self,
        programme: Programme,
        hub_a: Agency,
        hub_b: Agency,
        admin_a: User,
        staff: User,
        version: QuestionnaireVersion,
        client_for,  # type: ignore[no-untyped-def]
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        ProgrammeAgency.objects.create(programme=programme, agency=hub_b)
        clients_of(hub_a, version, [40.0] * 10)
        clients_of(hub_b, version, [60.0] * 12)
        programme_statistics_refresh(programme)
        staff_client = client_for(staff)
        before = staff_client.get(page_url(programme)).content.decode()
        assert "Hub B" in table(before, "agency") and 'id="total-firms">22<' in before
        admin_b = client_for(hub_b.members.get())
        confirm = admin_b.get(leave_url(hub_b, programme))
        assert confirm.status_code == 200 and ProgrammeAgency.objects.filter(agency=hub_b).exists()  # GET: nothing
        with django_capture_on_commit_callbacks(execute=True):
            assert admin_b.post(leave_url(hub_b, programme)).status_code == 302
        at_once = staff_client.get(page_url(programme)).content.decode()
        assert "Hub B" not in at_once  # before any rebuild
        assert "as of" in at_once and rebuilds_queued(programme) == 1
        run_worker()
        after = staff_client.get(page_url(programme)).content.decode()
        assert 'id="total-firms">10<' in after

    def test_staff_remove_an_agency_after_confirming(
        self,
        programme: Programme,
        hub_a: Agency,
        staff: User,
        version: QuestionnaireVersion,
        client_for,  # type: ignore[no-untyped-def]
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        clients_of(hub_a, version, [50.0] * 10)
        programme_statistics_refresh(programme)
        staff_client = client_for(staff)
        confirm = staff_client.get(remove_url(programme, hub_a))
        assert (
            confirm.status_code == 200 and "Remove Hub A from National Digital Programme?" in confirm.content.decode()
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert staff_client.post(remove_url(programme, hub_a)).status_code == 302
        assert not ProgrammeAgency.objects.filter(programme=programme).exists()
        staff_client.get(page_url(programme))  # the message, once
        page = staff_client.get(page_url(programme)).content.decode()
        assert "Hub A" not in page
        run_worker()
        assert ProgrammeStatistic.objects.get(programme=programme, dimension="all", series="overall").n == 0
        assert staff_client.post(remove_url(programme, hub_a)).status_code == 404  # already gone


class TestThePage:
    def test_empty_states(self, staff: User, client_for) -> None:  # type: ignore[no-untyped-def]
        empty = programmes.programme_create(name="Empty", staff=[staff]).programme
        page = client_for(staff).get(page_url(empty)).content.decode()
        assert "No agency takes part yet" in page and "The first figures are being computed" in page
        programme_statistics_refresh(empty)
        page = client_for(staff).get(page_url(empty)).content.decode()
        assert "The first figures are being computed" not in page and "Figures as of" in page
        assert "Fewer than 10 firms" in page

    def test_the_figures_by_agency_region_sector_and_size(
        self,
        programme: Programme,
        hub_a: Agency,
        staff: User,
        version: QuestionnaireVersion,
        client_for,  # type: ignore[no-untyped-def]
    ) -> None:
        clients_of(hub_a, version, [50.0] * 12, region="Lombardy", sector="C", size_class="small")
        programme_statistics_refresh(programme)
        page = client_for(staff).get(page_url(programme)).content.decode()
        assert 'id="total-firms">12<' in page and "table-responsive" in page
        for key, label in (
            ("agency", "Hub A"),
            ("region", "Lombardy"),
            ("sector", "C – Manufacturing"),
            ("size", "Small"),
        ):
            section = table(page, key)
            assert label in section and ">12<" in section, key
            assert re.search(r'fw-semibold">\d+<', section), key  # a released median, in whole points

    def test_a_firm_in_two_member_agencies_counts_in_both_and_once_in_the_total(
        self, programme: Programme, hub_a: Agency, hub_b: Agency, version: QuestionnaireVersion
    ) -> None:
        ProgrammeAgency.objects.create(programme=programme, agency=hub_b)
        both = clients_of(hub_a, version, [30.0] * 10)
        for firm in both:
            AgencyConsent.objects.create(
                firm=firm, agency=hub_b, granted_at=timezone.now(), text_version=consent_version()
            )
        assert programme_statistics_refresh(programme) == 10
        rows = ProgrammeStatistic.objects.filter(programme=programme, series="overall")
        assert {(r.dimension, r.value): r.n for r in rows} == {
            ("all", ""): 10,
            ("agency", str(hub_a.pk)): 10,
            ("agency", str(hub_b.pk)): 10,
            ("region", ""): 10,
            ("sector", "C"): 10,
            ("size_class", "small"): 10,
        }

    def test_revoked_consents_and_firms_without_a_submission_do_not_count(
        self, programme: Programme, hub_a: Agency, version: QuestionnaireVersion
    ) -> None:
        firms = clients_of(hub_a, version, [50.0] * 11)
        AgencyConsent.objects.filter(firm=firms[0]).update(revoked_at=timezone.now())
        AgencyConsent.objects.filter(firm=firms[1]).update(text_version="older words")  # not in force
        never = FirmFactory()
        AgencyConsent.objects.create(
            firm=never, agency=hub_a, granted_at=timezone.now(), text_version=consent_version()
        )
        assert programme_statistics_refresh(programme) == 9

    def test_a_firm_that_stops_sharing_asks_for_a_rebuild(
        self,
        programme: Programme,
        hub_a: Agency,
        version: QuestionnaireVersion,
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        (firm,) = clients_of(hub_a, version, [50.0])
        consent = AgencyConsent.objects.get(firm=firm)
        with django_capture_on_commit_callbacks(execute=True):
            agency_services.consent_revoke(consent=consent, user=firm.members.get())
        assert rebuilds_queued(programme) == 1

    def test_the_query_count_is_the_same_for_2_and_6_agencies(
        self,
        programme: Programme,
        hub_a: Agency,
        staff: User,
        version: QuestionnaireVersion,
        client_for,  # type: ignore[no-untyped-def]
        django_assert_num_queries,  # type: ignore[no-untyped-def]
    ) -> None:
        staff_client = client_for(staff)
        hub_b = agency_services.agency_create(name="Hub B", admin=UserFactory())
        ProgrammeAgency.objects.create(programme=programme, agency=hub_b)
        for agency in (hub_a, hub_b):
            clients_of(agency, version, [40.0] * 10, region=agency.name)
        programme_statistics_refresh(programme)
        staff_client.get(page_url(programme))  # warm the content caches
        with CaptureQueriesContext(connection) as two:
            staff_client.get(page_url(programme))
        for number in range(4):
            agency = agency_services.agency_create(name=f"Hub {number}", admin=UserFactory())
            ProgrammeAgency.objects.create(programme=programme, agency=agency)
            clients_of(agency, version, [60.0] * 10, region=f"Region {number}", sector="G", size_class="micro")
        programme_statistics_refresh(programme)
        with django_assert_num_queries(len(two.captured_queries)):
            page = staff_client.get(page_url(programme)).content.decode()
        assert table(page, "agency").count("<tr>") == 7  # the header and six agencies
        assert len(two.captured_queries) <= 8


class TestScheduleAndCommand:
    def test_the_scheduled_run_rebuilds_every_programme_and_schedules_the_next(
        self,
        programme: Programme,
        staff: User,
        hub_a: Agency,
        version: QuestionnaireVersion,
        settings,  # type: ignore[no-untyped-def]
    ) -> None:
        other = programmes.programme_create(name="Other", staff=[staff], agencies=[hub_a]).programme
        clients_of(hub_a, version, [50.0] * 10)
        settings.PEER_STATISTICS_INTERVAL = 3600
        assert scheduled_programme_statistics.func() == 20
        for each in (programme, other):
            assert ProgrammeStatistic.objects.get(programme=each, dimension="all", series="overall").n == 10
        (waiting,) = DBTaskResult.objects.filter(task_path=scheduled_programme_statistics.module_path)
        assert waiting.status == "READY" and waiting.run_after > timezone.now()

    def test_schedule_jobs_schedules_the_programmes_too(self, db: None) -> None:
        call_command("schedule_jobs", stdout=StringIO())
        assert DBTaskResult.objects.filter(task_path=scheduled_programme_statistics.module_path).count() == 1

    def test_create_programme_prints_the_code_once_and_keeps_its_hash(self, db: None) -> None:
        out = StringIO()
        call_command("create_programme", "Hubs Network", "--staff", "Lead@Ministry.example", stdout=out)
        code = re.search(r"Join code \(.*\): ([A-Z0-9-]+)", out.getvalue()).group(1)
        programme = Programme.objects.get(name="Hubs Network")
        assert ProgrammeStaff.objects.get(programme=programme).user.email == "lead@ministry.example"
        assert programmes.programme_by_join_code(code) == programme
        assert code.replace("-", "") not in programme.join_code_hash and len(programme.join_code_hash) == 64

    def test_the_admin_creates_a_programme_and_shows_its_code_once(self, db: None, client_for) -> None:  # type: ignore[no-untyped-def]
        operator = UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
        response = client_for(operator).post(
            reverse("admin:agencies_programme_add"),
            {
                "name": "From the admin",
                "staff_members-TOTAL_FORMS": "0",
                "staff_members-INITIAL_FORMS": "0",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
            follow=True,
        )
        assert response.status_code == 200
        code = re.search(r"join code is ([A-Z0-9-]{19})", response.content.decode()).group(1)
        assert programmes.programme_by_join_code(code) == Programme.objects.get(name="From the admin")
