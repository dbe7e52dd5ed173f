"""Before and after support (T0/T1) and the service log, from outside: the agency's advisor,
another agency's advisor, the firm itself, and a client that stopped sharing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import AgencyConsent, ServiceRecord, SupportMeasurement
from assessments.models import Assessment
from tests.factories import FirmFactory, UserFactory
from tests.helpers import submitted_with_scores

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(version, client_for):  # type: ignore[no-untyped-def]
    """A client firm with two submitted assessments (400 and 10 days ago), its agency, another agency."""
    owner, advisor, rival = UserFactory(), UserFactory(), UserFactory()
    firm = FirmFactory(owner=owner)
    agency = agency_services.agency_create(name="Hub A", admin=advisor)
    other = agency_services.agency_create(name="Hub B", admin=rival)
    consent = AgencyConsent.objects.create(
        firm=firm, agency=agency, granted_at=timezone.now(), granted_by=owner, text_version=consent_version()
    )
    before = submitted_with_scores(firm, version, 30.0, days_ago=400)
    after = submitted_with_scores(firm, version, 55.0, days_ago=10)
    return {
        "firm": firm,
        "agency": agency,
        "other": other,
        "consent": consent,
        "before": before,
        "after": after,
        "owner": client_for(owner),
        "advisor": client_for(advisor),
        "rival": client_for(rival),
    }


def client_url(agency, firm) -> str:  # type: ignore[no-untyped-def]
    return reverse("agencies:agency_client", args=[agency.pk, firm.pk])


def mark(client: Client, agency, firm, assessment: Assessment, which: str):  # type: ignore[no-untyped-def]
    url = reverse("agencies:agency_client_measurement", args=[agency.pk, firm.pk])
    return client.post(url, {"assessment": assessment.pk, "which": which}, follow=True)


def visible(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(response.content.decode().split())


class TestBeforeAndAfter:
    def test_t0_then_t1_shows_the_change_per_pillar(self, world) -> None:  # type: ignore[no-untyped-def]
        agency, firm = world["agency"], world["firm"]
        response = mark(world["advisor"], agency, firm, world["before"], "t0")
        assert response.status_code == 200 and response.redirect_chain[-1][0] == client_url(agency, firm)
        response = mark(world["advisor"], agency, firm, world["after"], "t1")
        assert response.status_code == 200 and response.redirect_chain[-1][0] == client_url(agency, firm)
        measurement = SupportMeasurement.objects.get(agency=agency, firm=firm)
        assert (measurement.t0, measurement.t1) == (world["before"], world["after"])
        page = visible(response)
        assert "Before and after support (T0 → T1)" in page
        assert page.count("+25.0") == 6  # overall and five pillars, 30 -> 55
        # The firm sees the marks under Sharing.
        sharing = world["owner"].get(reverse("agencies:sharing"))
        assert sharing.status_code == 200
        assert "Hub A counts your assessment of" in visible(sharing) and "(T1)" in visible(sharing)

    def test_t1_needs_a_t0_and_a_later_submission(self, world) -> None:  # type: ignore[no-untyped-def]
        agency, firm = world["agency"], world["firm"]
        response = mark(world["advisor"], agency, firm, world["after"], "t1")
        assert response.status_code == 200
        assert "Mark the assessment before support (T0) first." in visible(response)
        mark(world["advisor"], agency, firm, world["after"], "t0")
        response = mark(world["advisor"], agency, firm, world["before"], "t1")
        assert "must be submitted after the one before it (T0)" in visible(response)
        measurement = SupportMeasurement.objects.get(agency=agency, firm=firm)
        assert (measurement.t0, measurement.t1) == (world["after"], None)
        response = mark(world["advisor"], agency, firm, world["after"], "t2")  # tampered
        assert "Choose T0 or T1." in visible(response)

    def test_a_new_t0_starts_over_and_clear_removes_the_marks(self, world) -> None:  # type: ignore[no-untyped-def]
        agency, firm = world["agency"], world["firm"]
        mark(world["advisor"], agency, firm, world["before"], "t0")
        mark(world["advisor"], agency, firm, world["after"], "t1")
        mark(world["advisor"], agency, firm, world["after"], "t0")
        measurement = SupportMeasurement.objects.get(agency=agency, firm=firm)
        assert (measurement.t0, measurement.t1) == (world["after"], None)
        url = reverse("agencies:agency_client_measurement", args=[agency.pk, firm.pk])
        assert world["advisor"].post(url, {"which": "clear"}).status_code == 302
        assert not SupportMeasurement.objects.exists()

    def test_only_the_agency_a_client_consents_to_can_mark_and_only_its_assessments(self, world, version) -> None:  # type: ignore[no-untyped-def]
        agency, other, firm = world["agency"], world["other"], world["firm"]
        assert mark(world["rival"], other, firm, world["before"], "t0").status_code == 404
        assert mark(world["rival"], agency, firm, world["before"], "t0").status_code == 404
        # An assessment of another firm, even a consenting client of the same agency.
        neighbour = FirmFactory()
        AgencyConsent.objects.create(
            firm=neighbour, agency=agency, granted_at=timezone.now(), granted_by=None, text_version=consent_version()
        )
        theirs = submitted_with_scores(neighbour, version, 70.0)
        assert mark(world["advisor"], agency, firm, theirs, "t0").status_code == 404
        url = reverse("agencies:agency_client_measurement", args=[agency.pk, firm.pk])
        assert world["advisor"].post(url, {"assessment": "x", "which": "t0"}).status_code == 404
        assert not SupportMeasurement.objects.exists()
        # Consent revoked: access ends at once, marking too.
        agency_services.consent_revoke(consent=world["consent"], user=firm.memberships.get().user)
        assert mark(world["advisor"], agency, firm, world["before"], "t0").status_code == 404
        assert world["advisor"].get(client_url(agency, firm)).status_code == 404
        assert not SupportMeasurement.objects.exists()


class TestServiceLog:
    def add(self, client: Client, agency, firm, **values):  # type: ignore[no-untyped-def]
        data = {"delivered_on": timezone.localdate().isoformat(), "kind": "skills_training", "hours": "6", **values}
        return client.post(reverse("agencies:agency_service_add", args=[agency.pk, firm.pk]), data, follow=True)

    def test_a_recorded_service_shows_to_the_advisor_and_to_the_firm(self, world) -> None:  # type: ignore[no-untyped-def]
        agency, firm = world["agency"], world["firm"]
        response = self.add(world["advisor"], agency, firm, value_eur="1500.00", note="Data workshop, 2 staff")
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == client_url(agency, firm) + "#services"
        page = visible(response)
        assert "Skills and training" in page and "Data workshop, 2 staff" in page and "1500.00" in page
        record = ServiceRecord.objects.get()
        assert (record.agency, record.firm, float(record.hours)) == (agency, firm, 6.0)
        sharing = visible(world["owner"].get(reverse("agencies:sharing")))
        assert "Data workshop, 2 staff" in sharing and "Hub A" in sharing

    @pytest.mark.parametrize(
        ("values", "message"),
        [
            ({"hours": ""}, "Enter the hours spent, the service&#x27;s value, or both."),
            ({"delivered_on": "2999-01-01"}, "this date is in the future"),
            ({"hours": "-2"}, "Enter the hours as a number above 0"),
            ({"value_eur": "-5"}, "The value cannot be negative."),
            ({"kind": "free_lunch"}, "Select a valid choice."),
            ({"delivered_on": "yesterday"}, "Enter a valid date."),
            ({"note": "x" * 1001}, "at most 1000 characters"),
        ],
    )
    def test_bad_input_gets_a_clear_error_and_saves_nothing(self, world, values, message: str) -> None:  # type: ignore[no-untyped-def]
        response = self.add(world["advisor"], world["agency"], world["firm"], **values)
        assert response.status_code == 400 and not response.redirect_chain
        assert message in response.content.decode()
        assert not ServiceRecord.objects.exists()

    def test_delete_asks_first_and_only_the_agency_that_recorded_it_can(self, world) -> None:  # type: ignore[no-untyped-def]
        agency, other, firm = world["agency"], world["other"], world["firm"]
        self.add(world["advisor"], agency, firm)
        record = ServiceRecord.objects.get()
        url = reverse("agencies:agency_service_delete", args=[agency.pk, firm.pk, record.pk])
        confirm = world["advisor"].get(url)
        assert confirm.status_code == 200 and "Delete this service record?" in confirm.content.decode()
        assert ServiceRecord.objects.exists()  # asking deletes nothing
        for outsider_url in (url, reverse("agencies:agency_service_delete", args=[other.pk, firm.pk, record.pk])):
            assert world["rival"].post(outsider_url).status_code == 404
        assert ServiceRecord.objects.exists()
        response = world["advisor"].post(url, follow=True)
        assert response.redirect_chain[-1][0] == client_url(agency, firm) + "#services"
        assert not ServiceRecord.objects.exists()

    def test_another_agency_cannot_record_for_a_firm_that_does_not_consent_to_it(self, world) -> None:  # type: ignore[no-untyped-def]
        assert self.add(world["rival"], world["other"], world["firm"]).status_code == 404
        assert self.add(world["rival"], world["agency"], world["firm"]).status_code == 404
        assert not ServiceRecord.objects.exists()


def test_the_measurement_rule_is_in_the_service_too(world) -> None:  # type: ignore[no-untyped-def]
    """T1 after T0 is enforced where the mark is made, not only by the page's buttons."""
    member = world["agency"].memberships.get()
    agency_services.measurement_mark(member=member, assessment=world["before"], which="t0")
    same_day = Assessment.objects.filter(pk=world["before"].pk)
    with pytest.raises(agency_services.MeasurementError):
        agency_services.measurement_mark(member=member, assessment=same_day.get(), which="t1")
    world["after"].submitted_at = world["before"].submitted_at - timedelta(days=1)
    with pytest.raises(agency_services.MeasurementError):
        agency_services.measurement_mark(member=member, assessment=world["after"], which="t1")


def test_exports_carry_the_marks_and_the_services_and_tell_the_firm(world) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    from assessments.agencies.models import AccessLogEntry

    agency, firm = world["agency"], world["firm"]
    mark(world["advisor"], agency, firm, world["before"], "t0")
    mark(world["advisor"], agency, firm, world["after"], "t1")
    for hours, note in (("6", '=HYPERLINK("x")'), ("2.5", "Follow-up")):
        TestServiceLog().add(world["advisor"], agency, firm, hours=hours, note=note)

    response = world["advisor"].get(reverse("agencies:agency_export_csv", args=[agency.pk]))
    assert response.status_code == 200
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert (row["t0_assessment_id"], row["t1_assessment_id"]) == (str(world["before"].pk), str(world["after"].pk))
    assert (row["services_count"], float(row["services_hours"])) == ("2", 8.5)

    before = AccessLogEntry.objects.filter(firm=firm, action=AccessLogEntry.Action.EXPORTED).count()
    response = world["advisor"].get(reverse("agencies:agency_services_csv", args=[agency.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["kind"] for r in rows] == ["skills_training", "skills_training"]
    assert {r["note"] for r in rows} == {'\'=HYPERLINK("x")', "Follow-up"}  # no formula reaches a spreadsheet
    assert AccessLogEntry.objects.filter(firm=firm, action=AccessLogEntry.Action.EXPORTED).count() == before + 1
    # Another agency's advisor gets nothing; a client that stops sharing leaves the export at once.
    assert world["rival"].get(reverse("agencies:agency_services_csv", args=[agency.pk])).status_code == 404
    agency_services.consent_revoke(consent=world["consent"], user=firm.memberships.get().user)
    response = world["advisor"].get(reverse("agencies:agency_services_csv", args=[agency.pk]))
    assert list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))) == []


def test_the_firms_data_download_holds_what_agencies_recorded(world) -> None:  # type: ignore[no-untyped-def]
    agency, firm = world["agency"], world["firm"]
    mark(world["advisor"], agency, firm, world["before"], "t0")
    TestServiceLog().add(world["advisor"], agency, firm, note="Lab visit")
    response = world["owner"].get(reverse("assessments:my_data_download", kwargs={"kind": "json"}))
    assert response.status_code == 200
    import json

    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    (record,) = [f for f in data["firms"] if f["name"] == firm.name]
    assert record["agency_before_after_marks"][0]["t0_assessment_id"] == world["before"].pk
    assert record["agency_services"][0]["note"] == "Lab visit"


def test_the_change_beside_similar_firms_change_when_enough_are_published(world, version, settings) -> None:  # type: ignore[no-untyped-def]
    """Comparable re-assessed firms' median change, under the peer figures' disclosure rules:
    nothing below K firms, the released median (exact here: a privacy loss no site would set)."""
    from assessments.peer_statistics import peer_statistics_refresh

    settings.BENCHMARK_EPSILON = 1000.0
    agency, firm = world["agency"], world["firm"]
    mark(world["advisor"], agency, firm, world["before"], "t0")
    mark(world["advisor"], agency, firm, world["after"], "t1")

    now = timezone.now()

    def add_peers(count: int) -> None:
        for _ in range(count):
            peer = FirmFactory(size_class=firm.size_class, sector=firm.sector, country=firm.country)
            submitted_with_scores(peer, version, 40.0, days_ago=30 + 365.25, now=now)
            submitted_with_scores(peer, version, 50.0, days_ago=30, now=now)

    add_peers(settings.BENCHMARK_MIN_GROUP - 2)
    peer_statistics_refresh(includes_demo=False)
    page = visible(world["advisor"].get(client_url(agency, firm)))
    assert "Not enough re-assessed firms like this client yet" in page and "Similar firms</th>" not in page

    add_peers(2)
    peer_statistics_refresh(includes_demo=False)
    response = world["advisor"].get(client_url(agency, firm))
    assert response.status_code == 200
    page = visible(response)
    assert "Similar firms</th>" in page
    # Each pillar: peers +10 in a year; the client's T0 -> T1 spans 390 days, so +10.7 over as long.
    assert page.count('<td class="text-end text-body-secondary">+11</td>') == 5
    assert "T0 to T1 (13 months)" in page


def test_similar_firms_change_is_per_year_and_skips_quick_re_assessments(world, version, settings) -> None:  # type: ignore[no-untyped-def]
    """Peers that moved +20 over two years changed +10 a year; firms re-assessed weeks apart do not
    count at all (a change over a few weeks says little about a year)."""
    from assessments.peer_statistics import peer_statistics_refresh
    from assessments.selectors import peer_change_for

    settings.BENCHMARK_EPSILON = 1000.0
    firm, now = world["firm"], timezone.now()  # itself re-assessed: one contributor more
    for _ in range(settings.BENCHMARK_MIN_GROUP):
        quick = FirmFactory(size_class=firm.size_class, sector=firm.sector, country=firm.country)
        submitted_with_scores(quick, version, 20.0, days_ago=70)
        submitted_with_scores(quick, version, 90.0, days_ago=10)
    peer_statistics_refresh(includes_demo=False)
    assert peer_change_for(firm) is None

    for _ in range(settings.BENCHMARK_MIN_GROUP):
        slow = FirmFactory(size_class=firm.size_class, sector=firm.sector, country=firm.country)
        submitted_with_scores(slow, version, 40.0, days_ago=10 + 730.5, now=now)
        submitted_with_scores(slow, version, 60.0, days_ago=10, now=now)
    peer_statistics_refresh(includes_demo=False)
    peers = peer_change_for(firm)
    assert peers is not None and peers.n == settings.BENCHMARK_MIN_GROUP + 1
    assert peers.median_yearly_change["skills"] == 10.0
    assert peers.over("skills", 182.625) == 5.0
