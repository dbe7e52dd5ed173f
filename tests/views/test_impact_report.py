"""The agency's impact report: known changes give known medians, by kind of service; only the
agency's consenting clients count; exports tell the firms; another agency sees nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.impact import impact_report, median_of
from assessments.agencies.models import AccessLogEntry, AgencyConsent, ServiceRecord
from tests.factories import FirmFactory, UserFactory
from tests.helpers import submitted_with_scores

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(version, client_for):  # type: ignore[no-untyped-def]
    """Three measured clients: +10 with a training, +20 with a test-before-invest, −4 with none."""
    admin = UserFactory()
    agency = agency_services.agency_create(name="Hub A", admin=admin)
    member = agency.memberships.get()
    firms = []
    for name, before, after, kind in (
        ("Alpha", 40.0, 50.0, "skills_training"),
        ("Beta", 30.0, 50.0, "test_before_invest"),
        ("Gamma", 60.0, 56.0, None),
    ):
        firm = FirmFactory(name=name)
        AgencyConsent.objects.create(
            firm=firm, agency=agency, granted_at=timezone.now(), granted_by=None, text_version=consent_version()
        )
        t0 = submitted_with_scores(firm, version, before, days_ago=200)
        t1 = submitted_with_scores(firm, version, after, days_ago=20)
        agency_services.measurement_mark(member=member, assessment=t0, which="t0")
        agency_services.measurement_mark(member=member, assessment=t1, which="t1")
        if kind:
            ServiceRecord.objects.create(
                agency=agency, firm=firm, kind=kind, hours=5, delivered_on=timezone.localdate() - timedelta(days=100)
            )
        firms.append(firm)
    # A service outside T0..T1 does not count.
    ServiceRecord.objects.create(
        agency=agency, firm=firms[2], kind="ecosystem", hours=1, delivered_on=timezone.localdate() - timedelta(days=1)
    )
    return {"agency": agency, "firms": firms, "admin": client_for(admin), "member": member}


def period() -> tuple:  # type: ignore[type-arg]
    today = timezone.localdate()
    return today - timedelta(days=365), today


def test_medians_per_pillar_and_by_kind_of_service(hub) -> None:  # type: ignore[no-untyped-def]
    report = impact_report(hub["agency"], *period())
    assert len(report.pairs) == 3
    overall = report.pillars[0]
    assert (overall.code, overall.median, overall.counted) == ("overall", 10.0, 3)  # median of 10, 20, -4
    assert all(row.median == 10.0 for row in report.pillars)
    kinds = {row.kind: (row.clients, row.overall) for row in report.by_kind}
    assert kinds["skills_training"] == (1, 10.0) and kinds["test_before_invest"] == (1, 20.0)
    assert kinds["ecosystem"] == (0, None)  # delivered after T1
    assert kinds["none"] == (1, -4.0)
    assert report.dma[-1].code == "dma_average" and report.dma[-1].median is None  # no mapping for the test version


def test_the_period_is_the_t1_date_and_only_consenting_clients_count(hub) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    assert impact_report(hub["agency"], today - timedelta(days=10), today).pairs == []
    consent = AgencyConsent.objects.get(firm=hub["firms"][1])
    agency_services.consent_revoke(consent=consent, user=UserFactory())
    names = [p.firm_name for p in impact_report(hub["agency"], *period()).pairs]
    assert names == ["Alpha", "Gamma"]


def test_the_page_and_its_exports(hub, client_for) -> None:  # type: ignore[no-untyped-def]
    agency = hub["agency"]
    url = reverse("agencies:agency_impact", args=[agency.pk])
    response = hub["admin"].get(url)
    assert response.status_code == 200 and response.request["PATH_INFO"] == url
    html = " ".join(response.content.decode().split())
    assert "3 clients have both a T0 and a T1 in this period." in html
    assert ("chart-impact-pillars" in html and "+10.0" in html and "−4.0" in html) or "-4.0" in html

    before = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORTED).count()
    export = hub["admin"].get(reverse("agencies:agency_impact_csv", args=[agency.pk]))
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["firm_name"], r["change_overall"], r["services_skills_training"]) for r in rows] == [
        ("Alpha", "10.0", "1"),
        ("Beta", "20.0", "0"),
        ("Gamma", "-4.0", "0"),
    ]
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORTED).count() == before + 3
    pdf = hub["admin"].get(reverse("agencies:agency_impact_pdf", args=[agency.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = hub["admin"].get(reverse("agencies:agency_impact_xlsx", args=[agency.pk]))
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content).startswith(b"PK")

    outsider = client_for(UserFactory())
    other = agency_services.agency_create(name="Hub B", admin=UserFactory())
    rival = client_for(other.memberships.get().user)
    for name in ("agency_impact", "agency_impact_csv", "agency_impact_pdf", "agency_impact_xlsx"):
        assert outsider.get(reverse(f"agencies:{name}", args=[agency.pk])).status_code == 404
        assert rival.get(reverse(f"agencies:{name}", args=[agency.pk])).status_code == 404
    assert impact_report(other, *period()).pairs == []


def test_bad_dates_fall_back_with_a_message_never_an_error(hub) -> None:  # type: ignore[no-untyped-def]
    url = reverse("agencies:agency_impact", args=[hub["agency"].pk])
    for query in ("?date_from=2026-13-40", "?date_from=2026-05-01&date_to=2026-01-01", "?date_to=x" * 50):
        response = hub["admin"].get(url + query)
        assert response.status_code == 200
    response = hub["admin"].get(url + "?date_from=2026-05-01&date_to=2026-01-01")
    assert "must not be after its end" in response.content.decode()


def test_median_of_ignores_missing_values() -> None:
    assert median_of([None, 1.0, 3.0]) == (2.0, 2)
    assert median_of([None]) == (None, 0)
