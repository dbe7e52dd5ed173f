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
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it could lead to an address the
    checks below never saw (a private one)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def address_problem(url: str) -> str | None:
    """Why the worker must not call this address, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "not an http(s) address"
    if parts.scheme != "https" and not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return "only https addresses are called"
    if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return "the host name does not resolve"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return "the host resolves to a private or local address"
    return None


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
    problem = address_problem(endpoint.url)
    status_code = None
    if problem is None:
        request = urllib.request.Request(  # noqa: S310 - the scheme and host are checked above
            endpoint.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Readiness-Webhooks/1",
                "X-Readiness-Event": delivery.event,
                "X-Readiness-Timestamp": str(timestamp),
                "X-Readiness-Signature": signature(endpoint.secret, timestamp, body),
            },
        )
        try:
            with _OPENER.open(request, timeout=TIMEOUT_S) as response:
                status_code = response.status
        except urllib.error.HTTPError as error:
            status_code, problem = error.code, f"answered {error.code}"
            error.close()
        except (urllib.error.URLError, OSError) as error:
            problem = f"no answer: {str(error)[:200]}"
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
