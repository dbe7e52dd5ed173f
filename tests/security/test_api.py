"""The agencies' read-only API from outside: the agency's key, another agency's key, a revoked
key, a key without the scope, a client that stopped sharing, a browser with a session."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import AccessLogEntry, AgencyConsent, ApiCall, ApiToken, ServiceRecord
from tests.factories import FirmFactory, UserFactory
from tests.helpers import submitted_with_scores

pytestmark = pytest.mark.django_db
ALL_SCOPES = list(ApiToken.Scope.values)


@pytest.fixture
def hub(version):  # type: ignore[no-untyped-def]
    """Hub A with five consenting clients (each with a submitted assessment) and a bystander firm."""
    admin = UserFactory()
    agency = agency_services.agency_create(name="Hub A", admin=admin)
    clients = []
    for i in range(5):
        firm = FirmFactory(name=f"Client {i}")
        AgencyConsent.objects.create(
            firm=firm, agency=agency, granted_at=timezone.now(), granted_by=None, text_version=consent_version()
        )
        submitted_with_scores(firm, version, 40.0 + i)
        clients.append(firm)
    bystander = FirmFactory(name="Bystander")
    submitted_with_scores(bystander, version, 90.0)
    return {"agency": agency, "admin": agency.memberships.get(), "clients": clients, "bystander": bystander}


def key_for(member, scopes=ALL_SCOPES) -> str:  # type: ignore[no-untyped-def]
    return agency_services.api_key_create(member=member, name="reporting", scopes=scopes).key


def call(path: str, key: str | None = None, client: Client | None = None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return (client or Client()).get(path, headers=headers)


def all_pages(path: str, key: str) -> list[dict]:
    rows, url, pages = [], path, 0
    while url:
        response = call(url, key)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url, pages = body["next"], pages + 1
        assert pages < 50
    return rows


class TestKeys:
    def test_a_key_is_shown_once_and_stored_only_as_a_hash(self, hub, client_for) -> None:  # type: ignore[no-untyped-def]
        url = reverse("agencies:agency_api_keys", args=[hub["agency"].pk])
        response = client_for(hub["admin"].user).post(url, {"name": "BI tool", "scopes": ["clients"]})
        assert response.status_code == 200
        key = re.search(r'id="new-key">(rdy_[^<]+)<', response.content.decode()).group(1)
        token = ApiToken.objects.get()
        assert token.key_hash != key and key not in str(list(ApiToken.objects.values()))
        assert token.scopes == ["clients"] and key.startswith(token.prefix)
        again = client_for(hub["admin"].user).get(url)
        assert again.status_code == 200 and key not in again.content.decode()  # never shown again
        assert call(reverse("api:clients"), key).status_code == 200

    def test_only_the_admin_manages_keys(self, hub, client_for) -> None:  # type: ignore[no-untyped-def]
        advisor = UserFactory()
        hub["agency"].memberships.create(user=advisor, role="advisor")
        url = reverse("agencies:agency_api_keys", args=[hub["agency"].pk])
        assert client_for(advisor).get(url).status_code == 404
        assert client_for(advisor).post(url, {"name": "x", "scopes": ALL_SCOPES}).status_code == 404
        assert client_for(UserFactory()).get(url).status_code == 404
        assert not ApiToken.objects.exists()

    def test_a_revoked_key_is_refused_at_once(self, hub, client_for) -> None:  # type: ignore[no-untyped-def]
        key = key_for(hub["admin"])
        assert call(reverse("api:clients"), key).status_code == 200
        token = ApiToken.objects.get()
        url = reverse("agencies:agency_api_key_revoke", args=[hub["agency"].pk, token.pk])
        admin = client_for(hub["admin"].user)
        assert admin.get(url).status_code == 200 and ApiToken.objects.get().revoked_at is None  # asks first
        assert admin.post(url).status_code == 302
        response = call(reverse("api:clients"), key)
        assert response.status_code == 401 and "revoked" in response.json()["detail"]

    @pytest.mark.parametrize("header", ["", "Bearer", "Bearer rdy_not-a-key", "Token abc", "Bearer a b"])
    def test_no_key_or_a_wrong_one_reads_nothing(self, hub, header: str) -> None:  # type: ignore[no-untyped-def]
        response = Client().get(reverse("api:clients"), headers={"Authorization": header} if header else {})
        assert response.status_code in (401, 403)
        assert "Client 0" not in response.content.decode()

    def test_a_signed_in_browser_cannot_use_its_session(self, hub, client_for) -> None:  # type: ignore[no-untyped-def]
        response = client_for(hub["admin"].user).get(reverse("api:clients"))
        assert response.status_code in (401, 403) and "Client 0" not in response.content.decode()

    def test_a_key_reads_only_its_scopes(self, hub) -> None:  # type: ignore[no-untyped-def]
        key = key_for(hub["admin"], scopes=["clients"])
        assert call(reverse("api:clients"), key).status_code == 200
        for name in ("api:measurements", "api:services"):
            assert call(reverse(name), key).status_code == 403
        firm = hub["clients"][0]
        assert call(reverse("api:client_assessments", args=[firm.pk]), key).status_code == 403


class TestWhatAKeyReads:
    def test_all_consenting_clients_page_by_page_and_no_one_else(self, hub) -> None:  # type: ignore[no-untyped-def]
        key = key_for(hub["admin"])
        rows = all_pages(reverse("api:clients") + "?page_size=2", key)
        assert sorted(row["id"] for row in rows) == sorted(firm.pk for firm in hub["clients"])
        assert {row["name"] for row in rows} == {f"Client {i}" for i in range(5)}
        assert all(row["latest_score"] is not None and row["consent_since"] for row in rows)
        # Each call is recorded, and each client read is told in its access log.
        assert ApiCall.objects.filter(status=200).count() == 3
        told = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.API)
        assert sorted(told.values_list("firm_id", flat=True)) == sorted(firm.pk for firm in hub["clients"])
        assert not AccessLogEntry.objects.filter(firm=hub["bystander"]).exists()

    def test_assessments_with_pillar_and_dma_scores(self, hub) -> None:  # type: ignore[no-untyped-def]
        firm = hub["clients"][2]
        response = call(reverse("api:client_assessments", args=[firm.pk]), key_for(hub["admin"]))
        assert response.status_code == 200
        (assessment,) = response.json()
        assert assessment["firm_id"] == firm.pk and assessment["overall_score"] == 42.0
        assert assessment["pillars"] == {code: 42.0 for code in ("skills", "data", "cyber", "ai", "green")}
        assert assessment["dma"] is None  # the small test questionnaire has no DMA mapping

    def test_another_agencys_key_and_a_bystander_get_404(self, hub) -> None:  # type: ignore[no-untyped-def]
        other = agency_services.agency_create(name="Hub B", admin=UserFactory())
        other_key = key_for(other.memberships.get())
        assert all_pages(reverse("api:clients"), other_key) == []
        for firm in (hub["clients"][0], hub["bystander"]):
            assert call(reverse("api:client_assessments", args=[firm.pk]), other_key).status_code == 404
        assert (
            call(reverse("api:client_assessments", args=[hub["bystander"].pk]), key_for(hub["admin"])).status_code
            == 404
        )

    def test_a_client_that_stops_sharing_leaves_the_api_at_once(self, hub) -> None:  # type: ignore[no-untyped-def]
        key = key_for(hub["admin"])
        firm = hub["clients"][0]
        ServiceRecord.objects.create(
            agency=hub["agency"], firm=firm, delivered_on=timezone.localdate(), kind="ecosystem", hours=3
        )
        assert len(all_pages(reverse("api:services"), key)) == 1
        consent = AgencyConsent.objects.get(firm=firm)
        agency_services.consent_revoke(consent=consent, user=UserFactory())
        assert firm.pk not in [row["id"] for row in all_pages(reverse("api:clients"), key)]
        assert call(reverse("api:client_assessments", args=[firm.pk]), key).status_code == 404
        assert all_pages(reverse("api:services"), key) == []

    def test_t0_t1_pairs(self, hub, version) -> None:  # type: ignore[no-untyped-def]
        firm = hub["clients"][1]
        before = firm.assessments.get()
        before.submitted_at = timezone.now() - timezone.timedelta(days=200)
        before.save(update_fields=["submitted_at"])
        after = submitted_with_scores(firm, version, 70.0)
        agency_services.measurement_mark(member=hub["admin"], assessment=before, which="t0")
        agency_services.measurement_mark(member=hub["admin"], assessment=after, which="t1")
        (pair,) = all_pages(reverse("api:measurements"), key_for(hub["admin"]))
        assert (pair["firm_id"], pair["t0"]["id"], pair["t1"]["id"]) == (firm.pk, before.pk, after.pk)
        assert (pair["t0"]["overall_score"], pair["t1"]["overall_score"]) == (41.0, 70.0)


def test_ids_a_column_cannot_hold_are_404_not_500(hub) -> None:  # type: ignore[no-untyped-def]
    key = key_for(hub["admin"])
    for probe in (str(2**63), str(2**70), "0", "abc"):
        response = Client(raise_request_exception=False).get(
            f"/api/v1/clients/{probe}/assessments/", headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 404, probe
    bad_cursor = call(reverse("api:clients") + "?cursor=not-a-cursor&page_size=abc", key)
    assert bad_cursor.status_code == 404  # DRF: an invalid cursor is "not found", never an error


def test_the_rate_limit_holds_per_key(hub, settings) -> None:  # type: ignore[no-untyped-def]
    settings.API_CALLS_PER_MINUTE = 3
    key, other = key_for(hub["admin"]), key_for(hub["admin"])
    statuses = [call(reverse("api:clients"), key).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert call(reverse("api:clients"), other).status_code == 200  # another key has its own count


def test_the_schema_and_its_docs_are_served_by_the_site(db) -> None:  # type: ignore[no-untyped-def]
    schema = Client().get(reverse("api:schema"), headers={"Accept": "application/json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/clients/" in text and "agencyKey" in text
    docs = Client().get(reverse("api:docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)  # nothing from a CDN
