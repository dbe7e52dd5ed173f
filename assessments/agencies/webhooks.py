"""Webhooks: the site tells an agency's own system when a client consents, stops sharing or
submits an assessment.

Events are recorded as ``WebhookDelivery`` rows when they happen (after the transaction commits)
and sent by the worker (``tasks.deliver_webhook``): a POST of JSON with

    X-Readiness-Event: client.consented
    X-Readiness-Timestamp: 1764739200
    X-Readiness-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>

A receiver recomputes the signature and refuses a timestamp older than a few minutes (a replay).
A failed call (no answer, or a status other than 2xx) is tried again after 1, 5, 30 and 120
minutes, then marked failed; every attempt is in the delivery log on the agency's API page.

The worker calls only public addresses: a host that resolves to a private, loopback or
link-local address is refused (an agency's admin cannot make the site call the machine it runs
on or the cloud's metadata service), unless ``WEBHOOK_ALLOW_PRIVATE_HOSTS`` is set (tests, a
closed network). In production the address must be https.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .models import AgencyConsent, WebhookDelivery, WebhookEndpoint

RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
TIMEOUT_S = 5


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the host name resolves to a
    moment later (DNS rebinding); the Host header still names the host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As ``_PinnedHTTPConnection``, with TLS: the certificate is checked against the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def address_problem(url: str) -> str | None:
    """Why the worker must not call this address, or None."""
    return resolve(url)[1]


def resolve(url: str) -> tuple[str | None, str | None]:
    """The address the worker may connect to for this URL, or why it must not call it.

    The host is resolved here once, and the delivery connects to the address checked here."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None, "not an http(s) address"
    if parts.scheme != "https" and not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return None, "only https addresses are called"
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        return None, "the host name does not resolve"
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        for info in infos:
            if not ipaddress.ip_address(info[4][0]).is_global:
                return None, "the host resolves to a private or local address"
    return str(infos[0][4][0]), None


def _post(url: str, address: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to the checked address; the status of the answer. A redirect is an answer, not an
    instruction (http.client follows none): following it could lead where no check looked."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname or "", parts.port or (443 if https else 80), address=address, timeout=TIMEOUT_S
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def events_record(agency_id: int, event: str, payload: dict[str, Any]) -> None:
    """Queue the event for every live endpoint of the agency that asked for it, once committed."""

    def record() -> None:
        for endpoint in WebhookEndpoint.objects.filter(agency_id=agency_id, disabled_at__isnull=True):
            if event in endpoint.events:
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint, event=event, payload={"event": event, **payload}
                )
                deliver_webhook.enqueue(delivery.pk)

    transaction.on_commit(record)


def consent_event(consent: AgencyConsent, event: str) -> None:
    events_record(
        consent.agency_id,
        event,
        {"firm_id": consent.firm_id, "at": timezone.now().isoformat()},
    )


def submitted(assessment_id: int) -> None:
    """A firm submitted: every agency it consents to now hears of it (a plugins listener)."""
    from assessments.models import Assessment

    assessment = Assessment.objects.filter(pk=assessment_id).values("firm_id", "submitted_at").first()
    if assessment is None:
        return
    agencies = (
        AgencyConsent.objects.in_force().filter(firm_id=assessment["firm_id"]).values_list("agency_id", flat=True)
    )
    for agency_id in set(agencies):
        events_record(
            agency_id,
            WebhookEndpoint.Event.SUBMITTED,
            {
                "firm_id": assessment["firm_id"],
                "assessment_id": assessment_id,
                "at": assessment["submitted_at"].isoformat(),
            },
        )


def deliver(delivery_id: int) -> WebhookDelivery | None:
    """One attempt at sending a delivery; returns it, or None when there is nothing to send.

    Re-queues itself after a failure, until the retries run out."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .first()
    )
    if delivery is None or delivery.endpoint.disabled_at is not None:
        return None
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    delivery.attempts += 1
    address, problem = resolve(endpoint.url)
    status_code = None
    if address is not None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Readiness-Webhooks/1",
            "X-Readiness-Event": delivery.event,
            "X-Readiness-Timestamp": str(timestamp),
            "X-Readiness-Signature": signature(endpoint.secret, timestamp, body),
        }
        try:
            status_code = _post(endpoint.url, address, body, headers)
        except (OSError, http.client.HTTPException) as error:
            problem = f"no answer: {str(error)[:200]}"
        else:
            if not 200 <= status_code < 300:
                problem = f"answered {status_code}"
    delivery.last_status_code = status_code
    if problem is None and status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            WebhookDelivery.Status.DELIVERED,
            timezone.now(),
            "",
        )
    else:
        delivery.last_error = (problem or f"answered {status_code}")[:300]
        if delivery.attempts > len(RETRY_AFTER):
            delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    if delivery.status == WebhookDelivery.Status.PENDING:
        deliver_webhook.using(run_after=timezone.now() + RETRY_AFTER[delivery.attempts - 1]).enqueue(delivery.pk)
    return delivery


@task()
def deliver_webhook(delivery_id: int) -> str:
    """The worker's job: one attempt at a delivery (``deliver``), which re-queues itself on failure."""
    delivery = deliver(delivery_id)
    return delivery.status if delivery else "nothing to send"
