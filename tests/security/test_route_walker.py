"""Every route with parameters, fed ids it cannot hold and words where numbers go: never a 5xx.

The walker reads the URL patterns themselves (so a route added tomorrow is walked too), and
requests each one with every probe in every parameter (0, −1, 2³¹, 2⁶³, 2⁷⁰, a word, a long
string), both alone and beside real ids in the other parameters (so the probe reaches the
second lookup of a route, past the first), by GET and by POST, as anonymous, a firm owner, an
agency advisor and an outsider. It runs on SQLite and, in ``make test``'s second run, on
PostgreSQL, whose errors for out-of-range values differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import AgencyConsent, PortfolioExport
from assessments.models import Assessment
from assessments.services import assessment_start
from questionnaires.models import QuestionnaireVersion
from readiness.models import User
from tests.factories import FirmFactory, UserFactory
from tests.helpers import answer_everything

pytestmark = pytest.mark.django_db

PROBES = ("0", "-1", str(2**31), str(2**63), str(2**70), "abc", "x" * 300)
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def routes(patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the site with at least one parameter, as a ``path()`` route string."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + route)
        elif PARAMETER.search(route):
            yield prefix + route


def test_the_walker_finds_the_routes_of_every_app() -> None:
    found = list(routes())
    for route in (
        "app/assessments/<id:assessment_id>/results/",
        "app/agency/<id:agency_id>/assessments/<id:assessment_id>/results/",
        "app/sharing/<id:consent_id>/revoke/",
        "app/invitations/<str:secret>/",
    ):
        assert route in found
    assert len(found) >= 20
    # Routes written as regular expressions would be skipped silently: there must be none.
    assert all(route.startswith(("app/", "accounts/", "admin/", "i18n/", "api/")) for route in found), found


@dataclass(frozen=True)
class Site:
    real: dict[str, str]  # a real value for each parameter name, to put beside a probe
    users: dict[str, User | None]


@pytest.fixture
def site(version: QuestionnaireVersion) -> Site:
    owner = UserFactory(email="owner@example.com")
    firm = FirmFactory(owner=owner)
    first = assessment_start(firm=firm, user=owner)
    client = Client()
    client.force_login(owner)
    answer_everything(client, first)
    Assessment.objects.filter(pk=first.pk).update(status=Assessment.Status.SUBMITTED, submitted_at=timezone.now())
    advisor = UserFactory(email="advisor@hub.example")
    agency = agency_services.agency_create(name="Hub", admin=advisor)
    consent = AgencyConsent.objects.create(
        firm=firm, agency=agency, granted_at=timezone.now(), granted_by=owner, text_version=consent_version()
    )
    code = agency_services.client_code_create(agency=agency, created_by=advisor)
    export = PortfolioExport.objects.create(agency=agency, requested_by=advisor)
    return Site(
        real={
            "assessment_id": str(first.pk),
            "agency_id": str(agency.pk),
            "firm_id": str(firm.pk),
            "consent_id": str(consent.pk),
            "invitation_id": str(code.invitation.pk),
            "export_id": str(export.pk),
            "pillar_code": "skills",
            "kind": "client",
            "secret": code.secret,
        },
        users={
            "anonymous": None,
            "owner": owner,
            "advisor": advisor,
            "outsider": UserFactory(email="outsider@example.com"),
        },
    )


def urls_for(route: str, real: dict[str, str]) -> Iterator[str]:
    """The route with each probe in all its parameters, then in each alone beside real values."""
    names = [m.group("name") for m in PARAMETER.finditer(route)]

    def fill(value_of: Callable[[str], str]) -> str:
        return "/" + PARAMETER.sub(lambda m: value_of(m.group("name")), route)

    for probe in PROBES:
        yield fill(lambda _name, probe=probe: probe)
        if len(names) > 1:
            for name in names:
                yield fill(lambda other, name=name, probe=probe: probe if other == name else real.get(other, "1"))


def test_no_route_answers_5xx_to_ids_it_cannot_hold(site: Site) -> None:
    failures = []
    walked = 0
    for who, user in site.users.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for route in routes():
            for url in urls_for(route, site.real):
                for method in (client.get, client.post):
                    response = method(url)
                    walked += 1
                    if response.status_code >= 500:
                        failures.append(f"{who} {method.__name__.upper()} {url[:120]} -> {response.status_code}")
    assert walked > 1000
    assert failures == []


def test_a_huge_id_is_a_404_not_a_500(site: Site) -> None:
    """The walker's reason to exist, spelt out on one route per app: 2⁷⁰ does not fit an id."""
    owner, advisor = Client(raise_request_exception=False), Client(raise_request_exception=False)
    owner.force_login(site.users["owner"])
    advisor.force_login(site.users["advisor"])
    huge = str(2**70)
    assert owner.get(f"/app/assessments/{huge}/results/").status_code == 404
    assert advisor.get(f"/app/agency/{site.real['agency_id']}/assessments/{huge}/results/").status_code == 404
    assert advisor.get(f"/app/agency/{huge}/").status_code == 404
    # The largest id a column holds is still an id: no row, so 404 from the lookup itself.
    assert owner.get(f"/app/assessments/{2**63 - 1}/results/").status_code == 404
