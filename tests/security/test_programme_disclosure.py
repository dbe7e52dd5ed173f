"""The programme-wide view's privacy promises (issue 19), each played against the page its staff read.

The join page tells an agency's admin: "aggregates only, never a firm's name or answers: counts and
quartiles by agency — yours included —, region, sector and size, each from at least K firms", with
noise, in whole points, and no group within K firms of the whole programme. The programme's page
says the same to its staff. Each test below fails if one of those guards is taken out of the code
(seen failing so, one guard at a time).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import programmes
from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import Agency, AgencyConsent, Programme, ProgrammeAgency, ProgrammeStatistic
from assessments.agencies.programme_statistics import programme_statistics_refresh
from assessments.models import Firm
from questionnaires.models import QuestionnaireVersion
from readiness.models import User
from tests.factories import FirmFactory, UserFactory
from tests.helpers import submitted_with_scores

pytestmark = pytest.mark.django_db

SPREAD = [5.0, 12.0, 18.0, 23.0, 31.0, 38.0, 44.0, 52.0, 57.0, 63.0, 69.0, 74.0, 81.0, 88.0, 95.0]


def clients_of(agency: Agency, version: QuestionnaireVersion, scores: list[float], **profile: object) -> list[Firm]:
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
def hub(db: None) -> Agency:
    return agency_services.agency_create(name="Hub A", admin=UserFactory(email="admin@hub-a.example"))


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(email="analyst@ministry.example")


@pytest.fixture
def programme(staff: User, hub: Agency) -> Programme:
    return programmes.programme_create(name="National Digital Programme", staff=[staff], agencies=[hub]).programme


@pytest.fixture
def staff_client(staff: User, client_for) -> Client:  # type: ignore[no-untyped-def]
    return client_for(staff)


def page(client: Client, programme: Programme) -> str:
    response = client.get(reverse("agencies:programme_dashboard", kwargs={"programme_id": programme.pk}))
    assert response.status_code == 200  # the page itself, not a redirect or a 404
    return response.content.decode()


def row_of(html: str, label: str) -> str:
    match = re.search(rf"<tr>\s*<th scope=\"row\" class=\"fw-normal\">{re.escape(label)}</th>(.*?)</tr>", html, re.S)
    assert match, f"no row {label!r}"
    return match.group(1)


def released(programme: Programme, dimension: str, value: str, series: str = "overall") -> list[int]:
    return ProgrammeStatistic.objects.get(
        programme=programme, dimension=dimension, value=value, series=series
    ).percentiles


def snapshot(programme: Programme) -> dict[tuple[str, str, str], list[int]]:
    return {
        (row.dimension, row.value, row.series): row.percentiles
        for row in ProgrammeStatistic.objects.filter(programme=programme)
    }


class TestMinimumGroup:
    def test_a_group_below_k_shows_no_figure_and_no_count(
        self, programme: Programme, hub: Agency, staff_client: Client, version: QuestionnaireVersion
    ) -> None:
        clients_of(hub, version, [50.0] * 12, sector="C")
        clients_of(hub, version, [3.0, 97.0, 45.0], sector="G")  # three firms in trade
        programme_statistics_refresh(programme)
        assert released(programme, "sector", "G") == []
        html = page(staff_client, programme)
        trade = row_of(html, "G – Wholesale and retail trade; repair of motor vehicles and motorcycles")
        assert "Fewer than 10 firms" in trade
        assert not re.search(r">\s*\d+\s*<", trade)  # neither its n (3) nor any quartile
        assert 'class="text-end' not in trade

    def test_made_up_firms_do_not_fill_a_group_up_to_k(
        self, programme: Programme, hub: Agency, staff_client: Client, version: QuestionnaireVersion
    ) -> None:
        """As in the peer figures, a firm counts only with an owner who confirmed their e-mail
        address: nine real firms and two made up (one owner never confirmed, one firm with no
        owner) are still fewer than K."""
        clients_of(hub, version, [50.0] * 12, sector="C")
        clients_of(hub, version, SPREAD[:9], sector="G")
        clients_of(hub, version, [60.0], sector="G", owner=UserFactory(email_confirmed_at=None))
        clients_of(hub, version, [61.0], sector="G", owner=False)
        programme_statistics_refresh(programme)
        assert released(programme, "sector", "G") == []
        assert (
            ProgrammeStatistic.objects.get(programme=programme, dimension="sector", value="G", series="overall").n == 9
        )
        assert ProgrammeStatistic.objects.get(programme=programme, dimension="all", value="", series="overall").n == 21
        trade = row_of(
            page(staff_client, programme), "G – Wholesale and retail trade; repair of motor vehicles and motorcycles"
        )
        assert "Fewer than 10 firms" in trade

    def test_a_small_programme_shows_no_total(
        self, programme: Programme, hub: Agency, staff_client: Client, version: QuestionnaireVersion
    ) -> None:
        clients_of(hub, version, [20.0, 40.0, 60.0, 80.0])
        programme_statistics_refresh(programme)
        html = page(staff_client, programme)
        assert re.search(r'id="total-firms"><span class="fs-6">Fewer than 10 firms', html)
        assert all(percentiles == [] for percentiles in snapshot(programme).values())

    def test_a_snapshot_made_under_a_smaller_k_is_not_shown_once_k_rises(
        self,
        programme: Programme,
        hub: Agency,
        staff_client: Client,
        version: QuestionnaireVersion,
        settings,  # type: ignore[no-untyped-def]
    ) -> None:
        clients_of(hub, version, SPREAD[:8])
        settings.BENCHMARK_MIN_GROUP = 5
        programme_statistics_refresh(programme)
        assert released(programme, "all", "")  # published under K = 5
        settings.BENCHMARK_MIN_GROUP = 10
        html = page(staff_client, programme)
        assert "Fewer than 10 firms" in html and 'id="total-firms">8<' not in html


class TestNestedGroups:
    def test_a_region_within_k_of_the_whole_programme_is_withheld(
        self, programme: Programme, hub: Agency, staff_client: Client, version: QuestionnaireVersion
    ) -> None:
        # 15 firms, K = 10: the North's 12 would leave 3 firms in "all minus North".
        clients_of(hub, version, SPREAD[:12], region="North")
        clients_of(hub, version, SPREAD[12:], region="South")
        programme_statistics_refresh(programme)
        assert len(released(programme, "all", "")) == 5
        assert released(programme, "region", "North") == []
        assert released(programme, "region", "South") == []
        html = page(staff_client, programme)
        assert 'id="total-firms">15<' in html
        assert "North" not in html and "2 more regions are not shown" in html
        # Sector and size hold every firm: equal to the total, so published.
        assert len(released(programme, "sector", "C")) == 5

    def test_a_member_agency_within_k_of_the_whole_programme_is_withheld(
        self, programme: Programme, hub: Agency, staff_client: Client, version: QuestionnaireVersion
    ) -> None:
        small_hub = agency_services.agency_create(name="Hub B", admin=UserFactory())
        ProgrammeAgency.objects.create(programme=programme, agency=small_hub)
        clients_of(hub, version, SPREAD[:12])
        clients_of(small_hub, version, SPREAD[12:])
        programme_statistics_refresh(programme)
        assert released(programme, "agency", str(hub.pk)) == []
        row = row_of(page(staff_client, programme), "Hub A")
        assert "Not shown: fewer than 10 firms of the programme are outside this group" in row
        assert not re.search(r">\s*\d+\s*<", row)


class TestNoFirmOnThePage:
    def test_no_firm_name_and_no_withheld_region_text(
        self, programme: Programme, hub: Agency, staff_client: Client, version: QuestionnaireVersion
    ) -> None:
        firms = clients_of(hub, version, SPREAD[:12], region="Centre")
        # A firm alone in a "region" it typed itself: its words name it.
        (alone,) = clients_of(hub, version, [66.0], region="Rossi Plumbing, Via Roma 3")
        programme_statistics_refresh(programme)
        html = page(staff_client, programme)
        assert "Rossi Plumbing" not in html
        for firm in [*firms, alone]:
            assert firm.name not in html

    def test_the_clients_of_an_agency_outside_the_programme_never_count(
        self, programme: Programme, hub: Agency, version: QuestionnaireVersion
    ) -> None:
        outside = agency_services.agency_create(name="Hub Outside", admin=UserFactory())
        clients_of(hub, version, SPREAD[:10])
        clients_of(outside, version, SPREAD)
        assert programme_statistics_refresh(programme) == 10
        assert ProgrammeStatistic.objects.get(programme=programme, dimension="all", series="overall").n == 10


class TestDemoFirms:
    def test_demo_firms_never_count_in_a_real_programme(
        self,
        programme: Programme,
        hub: Agency,
        staff_client: Client,
        version: QuestionnaireVersion,
        settings,  # type: ignore[no-untyped-def]
    ) -> None:
        settings.BENCHMARK_DEMO_MODE = False
        clients_of(hub, version, SPREAD[:10])
        clients_of(hub, version, SPREAD[10:], is_demo=True)
        assert programme_statistics_refresh(programme) == 10
        html = page(staff_client, programme)
        assert 'id="total-firms">10<' in html and "Includes demo data" not in html
        assert {row.n for row in ProgrammeStatistic.objects.filter(programme=programme, series="overall")} == {10}

    def test_in_demo_mode_they_count_and_the_page_says_so(
        self,
        programme: Programme,
        hub: Agency,
        staff_client: Client,
        version: QuestionnaireVersion,
        settings,  # type: ignore[no-untyped-def]
    ) -> None:
        settings.BENCHMARK_DEMO_MODE = True
        clients_of(hub, version, SPREAD[:10])
        clients_of(hub, version, SPREAD[10:], is_demo=True)
        assert programme_statistics_refresh(programme) == 15
        html = page(staff_client, programme)
        assert 'id="total-firms">15<' in html and "Includes demo data" in html


class TestNoise:
    def test_quartiles_are_whole_points_with_noise(
        self, programme: Programme, hub: Agency, version: QuestionnaireVersion
    ) -> None:
        clients_of(hub, version, SPREAD)
        medians = set()
        for _trial in range(15):
            ProgrammeStatistic.objects.filter(programme=programme).delete()  # fresh noise for each trial
            programme_statistics_refresh(programme)
            figures = released(programme, "all", "")
            assert all(isinstance(value, int) for value in figures) and figures == sorted(figures)
            medians.add(figures[2])
        assert len(medians) > 1  # not the exact median (52) every time

    def test_unchanged_contributions_keep_their_release(
        self, programme: Programme, hub: Agency, version: QuestionnaireVersion
    ) -> None:
        clients_of(hub, version, SPREAD, region="North")
        clients_of(hub, version, SPREAD, region="South")
        programme_statistics_refresh(programme)
        first = snapshot(programme)
        assert sum(1 for figures in first.values() if figures) >= 12  # all, agency, sector, size, two regions...
        for _again in range(3):
            programme_statistics_refresh(programme)
            assert snapshot(programme) == first
        # One more firm in the South: the groups it joins are released afresh, the North keeps its figures.
        clients_of(hub, version, [50.0], region="South")
        programme_statistics_refresh(programme)
        after = snapshot(programme)
        for series in ("overall", "skills", "green"):
            assert after[("region", "North", series)] == first[("region", "North", series)]
