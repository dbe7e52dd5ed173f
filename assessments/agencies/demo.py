"""A labelled demo agency following a share of the demo firms (``assessments.demo`` makes them)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assessments.demo import DEMO_EMAIL, DEMO_PASSWORD
from assessments.firm_summaries import firm_summaries_refresh
from assessments.models import Answer, Firm, FirmSummary
from readiness.models import User

from .consent import consent_version
from .models import Agency, AgencyConsent, AgencyMember, ServiceRecord, SupportMeasurement

DEMO_AGENCY_EMAIL = "advisor@readiness.invalid"
DEMO_AGENCY_NAME = "Demo innovation hub"
DEMO_AGENCY_SHARE = 0.6  # of the demo firms, consenting clients of the demo agency


@dataclass(frozen=True)
class DemoAgencyOutcome:
    clients: int
    login_email: str = DEMO_AGENCY_EMAIL
    login_password: str = DEMO_PASSWORD


def demo_agency_generate(*, seed: int = 2026) -> DemoAgencyOutcome:
    """A labelled demo agency, its advisor login, and consents from a share of the demo firms.

    The demo firm login's own firm is not among its clients: the journey "invite, accept,
    appear" can be tried with it. Once only: an existing demo agency is kept as it is.
    """
    existing = Agency.objects.filter(is_demo=True).first()
    if existing is not None:
        return DemoAgencyOutcome(AgencyConsent.objects.filter(agency=existing, revoked_at__isnull=True).count())
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    now = timezone.now()
    firm_user = User.objects.filter(email=DEMO_EMAIL).first()
    firms = Firm.objects.filter(is_demo=True).exclude(memberships__user__email=DEMO_EMAIL).order_by("id")
    with transaction.atomic():
        # Its .invalid address can receive nothing: a generated login counts as confirmed.
        advisor = User.objects.filter(email=DEMO_AGENCY_EMAIL).first() or User.objects.create_user(
            DEMO_AGENCY_EMAIL, DEMO_PASSWORD, email_confirmed_at=timezone.now()
        )
        agency = Agency.objects.create(name=DEMO_AGENCY_NAME, is_demo=True)
        AgencyMember.objects.create(agency=agency, user=advisor, role=AgencyMember.Role.ADMIN)
        clients = [firm for firm in firms if rng.random() < DEMO_AGENCY_SHARE]
        AgencyConsent.objects.bulk_create(
            AgencyConsent(
                firm=firm,
                agency=agency,
                granted_at=now - timedelta(days=rng.randint(1, 400)),
                granted_by=firm_user,
                text_version=consent_version(),
            )
            for firm in clients
        )
        _measurements_and_services(agency, advisor, clients, rng)
        _verifications(agency, advisor, clients, rng)
    return DemoAgencyOutcome(len(clients))


def _verifications(agency: Agency, advisor: User, clients: list[Firm], rng: random.Random) -> None:
    """A visit to one client in five: the advisor verified its latest answers, all of them for a
    third of those, some for the rest, so the dashboard's "verified" filter has data."""
    visited = [firm for firm in clients if rng.random() < 0.2]
    for summary in FirmSummary.objects.filter(firm__in=visited).select_related("latest"):
        answers = Answer.objects.filter(assessment_id=summary.latest_id).exclude(choice_codes=[])
        if rng.random() >= 1 / 3:
            answers = answers.filter(pk__in=[pk for pk in answers.values_list("pk", flat=True) if rng.random() < 0.4])
        answers.update(
            verified_at=summary.latest.submitted_at + timedelta(days=rng.randint(1, 20)),
            verified_by=advisor,
            verified_agency_id=agency.pk,
            verified_agency_name=agency.name,
        )
    firm_summaries_refresh(firm.pk for firm in visited)


SERVICE_NOTES = (
    "Half-day workshop on online sales",
    "Test of a stock-planning tool at the hub's lab",
    "Introduction to a regional digitalisation voucher",
    "Cybersecurity check-up with the hub's expert",
    "Matchmaking event with software suppliers",
)


def _measurements_and_services(agency: Agency, advisor: User, clients: list[Firm], rng: random.Random) -> None:
    """Re-assessed clients get their first assessment marked T0 and their latest T1, with one to
    three services recorded in between, so the client pages and the impact report have data."""
    summaries = FirmSummary.objects.filter(firm__in=clients, submitted_count__gte=2).select_related("first", "latest")
    measurements, services = [], []
    for summary in summaries:
        t0, t1 = summary.first, summary.latest
        measurements.append(
            SupportMeasurement(
                agency=agency, firm_id=summary.firm_id, t0=t0, t0_marked_by=advisor, t0_marked_at=t0.submitted_at,
                t1=t1, t1_marked_by=advisor, t1_marked_at=t1.submitted_at,
            )
        )  # fmt: skip
        days = max((t1.submitted_at - t0.submitted_at).days, 1)
        for _ in range(rng.randint(1, 3)):
            services.append(
                ServiceRecord(
                    agency=agency,
                    firm_id=summary.firm_id,
                    delivered_on=(t0.submitted_at + timedelta(days=rng.randint(0, days))).date(),
                    kind=rng.choice(ServiceRecord.Kind.values),
                    hours=rng.choice((2, 4, 6, 8, 16)),
                    note=rng.choice(SERVICE_NOTES),
                    recorded_by=advisor,
                )
            )
    SupportMeasurement.objects.bulk_create(measurements)
    ServiceRecord.objects.bulk_create(services)
