"""Webhooks from outside: a local receiver checks every signature; failures are retried; only
the agencies a firm shares with hear of it; the worker refuses private addresses in production."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import services as agency_services
from assessments.agencies import webhooks
from assessments.agencies.consent import consent_version
from assessments.agencies.models import AgencyConsent, Invitation, WebhookDelivery, WebhookEndpoint
from tests.factories import FirmFactory, UserFactory
from tests.helpers import answer_everything

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP server that records each call and checks its signature with the secret."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.secret = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Readiness-Timestamp"]
                expected = (
                    "sha256="
                    + hmac.new(receiver.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
                )
                receiver.calls.append(
                    {
                        "event": self.headers["X-Readiness-Event"],
                        "body": json.loads(body),
                        "signed": hmac.compare_digest(expected, self.headers["X-Readiness-Signature"]),
                    }
                )
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hub(receiver):  # type: ignore[no-untyped-def]
    admin = UserFactory()
    agency = agency_services.agency_create(name="Hub A", admin=admin)
    member = agency.memberships.get()
    new = agency_services.webhook_create(member=member, url=receiver.url, events=list(WebhookEndpoint.Event.values))
    receiver.secret = new.secret
    return {"agency": agency, "member": member, "admin": admin}


def deliver_all() -> list[WebhookDelivery]:
    for delivery in WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).order_by("id"):
        webhooks.deliver(delivery.pk)
    return list(WebhookDelivery.objects.order_by("id"))


def test_consent_and_revocation_are_signed_calls(hub, receiver, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    owner = UserFactory()
    firm = FirmFactory(owner=owner)
    code = agency_services.client_code_create(agency=hub["agency"], created_by=hub["admin"])
    invitation = Invitation.objects.get(pk=code.invitation.pk)
    with django_capture_on_commit_callbacks(execute=True):
        consent = agency_services.client_consent_grant(invitation=invitation, firm=firm, user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        agency_services.consent_revoke(consent=consent, user=owner)
    deliveries = deliver_all()
    assert [d.status for d in deliveries] == ["delivered", "delivered"]
    assert [(c["event"], c["body"]["firm_id"], c["signed"]) for c in receiver.calls] == [
        ("client.consented", firm.pk, True),
        ("client.revoked", firm.pk, True),
    ]
    receiver.secret = "not-the-secret"  # a forged or altered call fails the receiver's check
    with django_capture_on_commit_callbacks(execute=True):
        agency_services.consent_renew(consent=consent, user=owner)
    deliver_all()
    assert receiver.calls[-1]["signed"] is False


def test_a_submission_reaches_only_the_agencies_the_firm_shares_with(
    hub, receiver, version, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    other = agency_services.agency_create(name="Hub B", admin=UserFactory())
    other_hook = agency_services.webhook_create(
        member=other.memberships.get(), url=receiver.url, events=["assessment.submitted"]
    )
    owner = UserFactory()
    firm = FirmFactory(owner=owner)
    AgencyConsent.objects.create(
        firm=firm, agency=hub["agency"], granted_at=timezone.now(), granted_by=owner, text_version=consent_version()
    )
    client = client_for(owner)
    client.post(reverse("assessments:start"))
    assessment = firm.assessments.get()
    answer_everything(client, assessment)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:submit", kwargs={"assessment_id": assessment.pk}))
    assert response.status_code == 302
    deliver_all()
    assert [(c["event"], c["body"]["assessment_id"]) for c in receiver.calls] == [
        ("assessment.submitted", assessment.pk)
    ]
    assert not WebhookDelivery.objects.filter(endpoint=other_hook.endpoint).exists()


def test_failures_are_retried_then_given_up(hub, receiver, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    receiver.status = 500
    consent = AgencyConsent.objects.create(
        firm=FirmFactory(), agency=hub["agency"], granted_at=timezone.now(), granted_by=None, text_version="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.consent_event(consent, WebhookEndpoint.Event.CONSENTED)
    delivery = WebhookDelivery.objects.get()
    for attempt in range(1, len(webhooks.RETRY_AFTER) + 2):
        webhooks.deliver(delivery.pk)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt and delivery.last_error == "answered 500"
    assert delivery.status == WebhookDelivery.Status.FAILED and len(receiver.calls) == len(webhooks.RETRY_AFTER) + 1
    assert webhooks.deliver(delivery.pk) is None  # given up: no more calls


def test_a_redirect_is_not_followed(hub, receiver, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    receiver.status = 302  # its Location is empty: following would go anywhere the answer says
    consent = AgencyConsent.objects.create(
        firm=FirmFactory(), agency=hub["agency"], granted_at=timezone.now(), granted_by=None, text_version="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.consent_event(consent, WebhookEndpoint.Event.REVOKED)
    (delivery,) = deliver_all()
    assert (delivery.status, delivery.last_error, len(receiver.calls)) == ("pending", "answered 302", 1)


def test_private_addresses_are_refused_outside_development(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    assert webhooks.address_problem("http://example.org/hook") == "only https addresses are called"
    for url in ("https://127.0.0.1/hook", "https://10.0.0.5/hook", "https://169.254.169.254/latest", "https://[::1]/x"):
        assert webhooks.address_problem(url) == "the host resolves to a private or local address", url
    assert webhooks.address_problem("ftp://example.org/") == "not an http(s) address"


def test_the_worker_connects_to_the_address_it_checked(hub, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """DNS rebinding: a host that resolves to a public address when checked and to the machine
    itself a moment later. The worker resolves once and connects to the address it checked."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    answers = iter(["93.184.215.14", "127.0.0.1", "127.0.0.1"])
    looked_up: list[str] = []

    def rebinding_dns(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple]:  # type: ignore[type-arg]
        looked_up.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    connected: list[tuple[str, int]] = []

    def no_network(address: tuple[str, int], *args: Any, **kwargs: Any) -> None:
        connected.append(address)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    monkeypatch.setattr(socket, "create_connection", no_network)
    endpoint = hub["agency"].webhooks.get()
    endpoint.url = "https://hooks.example.org/in"
    endpoint.save()
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="client.consented", payload={"firm_id": 1})
    webhooks.deliver(delivery.pk)
    assert looked_up == ["hooks.example.org"]
    assert connected == [("93.184.215.14", 443)]


def test_only_the_admin_sets_webhooks_and_sees_the_secret_once(hub, client_for, receiver) -> None:  # type: ignore[no-untyped-def]
    url = reverse("agencies:agency_webhook_add", args=[hub["agency"].pk])
    advisor = UserFactory()
    hub["agency"].memberships.create(user=advisor, role="advisor")
    assert client_for(advisor).post(url, {"url": receiver.url, "events": ["client.revoked"]}).status_code == 404
    response = client_for(hub["admin"]).post(url, {"url": receiver.url, "events": ["client.revoked"]})
    assert response.status_code == 200 and 'id="new-secret"' in response.content.decode()
    page = client_for(hub["admin"]).get(reverse("agencies:agency_api_keys", args=[hub["agency"].pk]))
    assert page.status_code == 200 and 'id="new-secret"' not in page.content.decode()
    bad = client_for(hub["admin"]).post(url, {"url": "not a url", "events": ["client.revoked"]})
    assert bad.status_code == 400 and WebhookEndpoint.objects.count() == 2
