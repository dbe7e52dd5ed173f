"""What the agencies app adds to the firm's side, registered in ``assessments.plugins``.

- The firm's personal-data export: its consents to agencies (with the consent text's version)
  and each time an advisor viewed its results or downloaded its plan; the account's agency
  memberships.
- The firm's dashboard: a link to each agency dashboard of the person; a person who has no firm
  of their own starts on their agency pages; a notice for each consent to renew.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments import plugins
from assessments.models import Firm
from assessments.personal_data import iso_or_none
from readiness.models import User

from . import webhooks
from .models import AccessLogEntry, AgencyConsent, AgencyMember, ServiceRecord, SupportMeasurement
from .programmes import programmes_of
from .selectors import agency_memberships_of, consents_to_renew


def _consent_records(firm: Firm) -> list[dict[str, Any]]:
    return [
        {
            "agency": c.agency.name,
            "granted_at": iso_or_none(c.granted_at),
            "text_version": c.text_version,
            "revoked_at": iso_or_none(c.revoked_at),
        }
        for c in AgencyConsent.objects.filter(firm=firm).select_related("agency").order_by("granted_at")
    ]


def _access_log_records(firm: Firm) -> list[dict[str, Any]]:
    return [
        {
            "at": iso_or_none(entry.at),
            "agency": entry.agency.name,
            "advisor": entry.user.email if entry.user else None,
            "action": entry.action,
            "assessment_id": entry.assessment_id,
        }
        for entry in AccessLogEntry.objects.filter(firm=firm).select_related("agency", "user").order_by("at")
    ]


def _measurement_records(firm: Firm) -> list[dict[str, Any]]:
    marks = SupportMeasurement.objects.filter(firm=firm).select_related("agency").order_by("t0_marked_at")
    return [
        {
            "agency": mark.agency.name,
            "t0_assessment_id": mark.t0_id,
            "t0_marked_at": iso_or_none(mark.t0_marked_at),
            "t1_assessment_id": mark.t1_id,
            "t1_marked_at": iso_or_none(mark.t1_marked_at),
        }
        for mark in marks
    ]


def _service_records(firm: Firm) -> list[dict[str, Any]]:
    records = ServiceRecord.objects.filter(firm=firm).select_related("agency").order_by("delivered_on", "id")
    return [
        {
            "agency": record.agency.name,
            "delivered_on": record.delivered_on.isoformat(),
            "kind": record.kind,
            "hours": str(record.hours) if record.hours is not None else None,
            "value_eur": str(record.value_eur) if record.value_eur is not None else None,
            "note": record.note,
        }
        for record in records
    ]


def _membership_records(user: User) -> list[dict[str, Any]]:
    return [
        {"agency": m.agency.name, "role": m.role, "since": iso_or_none(m.created_at)}
        for m in AgencyMember.objects.filter(user=user).select_related("agency")
    ]


def _agency_home(user: User) -> plugins.OtherHome | None:
    memberships = agency_memberships_of(user)
    if not memberships:
        return None
    return plugins.OtherHome(
        start_url=reverse("agencies:agency_home"),
        links=tuple(
            plugins.Link(
                _("Agency dashboard: %(agency)s") % {"agency": m.agency.name},
                reverse("agencies:agency_dashboard", args=[m.agency_id]),
            )
            for m in memberships
        ),
    )


def _programme_home(user: User) -> plugins.OtherHome | None:
    """A programme's staff reach its page from their dashboard; with no firm, they start on it."""
    programmes = programmes_of(user)
    if not programmes:
        return None
    return plugins.OtherHome(
        start_url=reverse("agencies:agency_home"),
        links=tuple(
            plugins.Link(
                _("Programme: %(programme)s") % {"programme": programme.name},
                reverse("agencies:programme_dashboard", args=[programme.pk]),
            )
            for programme in programmes
        ),
    )


def register() -> None:
    plugins.account_data_section_register(plugins.AccountDataSection("agency_memberships", _membership_records))
    plugins.firm_data_section_register(
        plugins.FirmDataSection(
            "agency_consents", ("agency", "granted_at", "text_version", "revoked_at"), _consent_records
        )
    )
    plugins.firm_data_section_register(
        plugins.FirmDataSection(
            "advisor_access_log", ("at", "agency", "advisor", "action", "assessment_id"), _access_log_records
        )
    )
    plugins.firm_data_section_register(
        plugins.FirmDataSection(
            "agency_before_after_marks",
            ("agency", "t0_assessment_id", "t0_marked_at", "t1_assessment_id", "t1_marked_at"),
            _measurement_records,
        )
    )
    plugins.firm_data_section_register(
        plugins.FirmDataSection(
            "agency_services", ("agency", "delivered_on", "kind", "hours", "value_eur", "note"), _service_records
        )
    )
    plugins.other_home_register("agencies", _agency_home)
    plugins.other_home_register("programmes", _programme_home)
    plugins.submitted_listener_register("agency_webhooks", webhooks.submitted)
    plugins.firm_notice_register("agencies", _consents_to_renew)


def _consents_to_renew(firm: Firm) -> list[plugins.FirmNotice]:
    return [
        plugins.FirmNotice(
            _(
                "We have changed the terms of sharing your results with %(agency)s. It sees none of your "
                "assessments until you read them and agree."
            )
            % {"agency": consent.agency.name},
            plugins.Link(_("Read the new terms"), reverse("agencies:consent_renew", kwargs={"consent_id": consent.pk})),
        )
        for consent in consents_to_renew(firm)
    ]
