"""Writes for agencies: creating one, inviting advisors and client firms, consent and its revocation.

Every firm stays in control: an agency sees a firm's assessments only through an active
``AgencyConsent`` the firm's own member granted, and revoking it cuts access at once (every
read goes through ``selectors``, which checks it on each request).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.firm_summaries import firm_summaries_refresh
from assessments.models import Answer, Assessment, Firm, Membership
from readiness.models import User

from . import access_log, export_files, selectors, webhooks
from .consent import consent_version
from .models import (
    AccessLogEntry,
    Agency,
    AgencyConsent,
    AgencyMember,
    ApiToken,
    Invitation,
    PortfolioExport,
    ServiceRecord,
    SupportMeasurement,
    WebhookEndpoint,
)
from .selectors import DashboardFilters
from .tasks import build_pdf_zip, request_programme_statistics_of_agency

# Shown on the acceptance page and stored with each consent; change it with the text.
INVITATION_VALID_DAYS = 30
# Client codes: easy to read out and type (no 0/O, 1/I), 10 characters = 50 bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class InvitationError(Exception):
    """The invitation cannot be used; the message says why, for the person who tried."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    secret: str  # the link's secret or the code: shown or sent once, never stored in clear (links)


@transaction.atomic
def agency_create(*, name: str, admin: User, is_demo: bool = False) -> Agency:
    agency = Agency.objects.create(name=name.strip(), is_demo=is_demo)
    AgencyMember.objects.create(agency=agency, user=admin, role=AgencyMember.Role.ADMIN)
    return agency


def second_factor_require(*, agency: Agency, require: bool) -> None:
    Agency.objects.filter(pk=agency.pk).update(require_second_factor=require)


def _link(request_base: str, secret: str) -> str:
    return request_base.rstrip("/") + reverse("agencies:invitation", kwargs={"secret": secret})


def invitation_send(*, agency: Agency, kind: str, email: str, created_by: User, base_url: str) -> NewInvitation:
    """An e-mailed link to join ``agency`` as an advisor, or to share results with it as a client."""
    if kind not in (Invitation.Kind.ADVISOR, Invitation.Kind.CLIENT):
        raise ValueError(f"not an e-mailed invitation kind: {kind}")
    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        agency=agency,
        kind=kind,
        email=email.strip().lower(),
        secret_hash=secret_hash(secret),
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_VALID_DAYS),
    )
    # In the invitee's language if they have an account, else in the sender's.
    language = User.objects.filter(email__iexact=invitation.email).values_list("language", flat=True).first()
    with translation.override(language or translation.get_language()):
        subject, message = _invitation_text(kind, agency, created_by, _link(base_url, secret))
    send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return NewInvitation(invitation, secret)


def _invitation_text(kind: str, agency: Agency, created_by: User, link: str) -> tuple[str, str]:
    if kind == Invitation.Kind.ADVISOR:
        subject = _("Join %(agency)s on Readiness") % {"agency": agency.name}
        body = _(
            "%(who)s invites you to join %(agency)s as an advisor on Readiness.\n\n"
            "Open this link, signed in with this e-mail address (or create an account with it):\n%(link)s\n\n"
            "The link works once and expires in %(days)d days."
        )
    else:
        subject = _("%(agency)s invites your firm to share its digital readiness results") % {"agency": agency.name}
        body = _(
            "%(who)s at %(agency)s invites your firm to share its Readiness assessments with them.\n\n"
            "Open this link, signed in with this e-mail address (or create an account with it). You will "
            "see exactly what is shared before you agree, and you can withdraw at any time:\n%(link)s\n\n"
            "The link works once and expires in %(days)d days."
        )
    values = {"who": created_by.email, "agency": agency.name, "link": link}
    return subject, body % {**values, "days": INVITATION_VALID_DAYS}


def client_code_create(*, agency: Agency, created_by: User, label: str = "") -> NewInvitation:
    """A code an advisor hands out (at an event, in a newsletter); each firm that enters it consents."""
    for _attempt in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    agency=agency,
                    kind=Invitation.Kind.CLIENT_CODE,
                    secret_hash=secret_hash(code),
                    code=code,
                    label=label.strip(),
                    created_by=created_by,
                )
            return NewInvitation(invitation, code)
        except IntegrityError:  # pragma: no cover - 50 bits: a collision is all but impossible
            continue
    raise RuntimeError("could not draw a unique client code")  # pragma: no cover


def invitation_withdraw(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())


def usable_invitation(secret: str) -> Invitation:
    """The invitation behind a link secret or a client code, or ``InvitationError`` saying why not."""
    candidates = {secret_hash(secret), secret_hash(normalise_code(secret))}
    invitation = Invitation.objects.select_related("agency").filter(secret_hash__in=candidates).first()
    if invitation is None or invitation.withdrawn_at is not None:
        raise InvitationError(_("This invitation does not exist or has been withdrawn."))
    if invitation.kind != Invitation.Kind.CLIENT_CODE:
        if invitation.accepted_at is not None:
            raise InvitationError(_("This invitation has already been used."))
        if invitation.expires_at is not None and invitation.expires_at < timezone.now():
            raise InvitationError(_("This invitation has expired. Ask for a new one."))
    return invitation


def _check_addressee(invitation: Invitation, user: User) -> None:
    if invitation.email and invitation.email.lower() != user.email.lower():
        raise InvitationError(
            _("This invitation was sent to another e-mail address. Sign in with that address to use it.")
        )


def _mark_used(invitation: Invitation, user: User) -> None:
    """Single-use links: the update only succeeds once, even for two simultaneous requests."""
    if invitation.kind == Invitation.Kind.CLIENT_CODE:
        return
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now(), accepted_by=user
    )
    if not updated:
        raise InvitationError(_("This invitation has already been used."))


@transaction.atomic
def advisor_invitation_accept(*, invitation: Invitation, user: User) -> AgencyMember:
    if invitation.kind != Invitation.Kind.ADVISOR:
        raise InvitationError(_("This is not an advisor invitation."))
    _check_addressee(invitation, user)
    _mark_used(invitation, user)
    member, _created = AgencyMember.objects.get_or_create(
        agency=invitation.agency, user=user, defaults={"role": AgencyMember.Role.ADVISOR}
    )
    return member


@transaction.atomic
def client_consent_grant(*, invitation: Invitation, firm: Firm, user: User) -> AgencyConsent:
    """The firm agrees to share its assessments with the invitation's agency (explicit, recorded)."""
    if invitation.kind not in (Invitation.Kind.CLIENT, Invitation.Kind.CLIENT_CODE):
        raise InvitationError(_("This is not an invitation for a firm."))
    if not Membership.objects.filter(firm=firm, user=user).exists():
        raise InvitationError(_("Only a member of the firm can share its results."))
    _check_addressee(invitation, user)
    existing = AgencyConsent.objects.filter(firm=firm, agency=invitation.agency, revoked_at__isnull=True).first()
    if existing is not None and existing.text_version == consent_version():
        raise InvitationError(_("Your firm already shares its results with this agency."))
    _mark_used(invitation, user)
    if existing is not None:  # given to older words: this agreement to today's renews it
        return consent_renew(consent=existing, user=user)
    consent = AgencyConsent.objects.create(
        firm=firm,
        agency=invitation.agency,
        invitation=invitation,
        granted_at=timezone.now(),
        granted_by=user,
        text_version=consent_version(),
    )
    webhooks.consent_event(consent, WebhookEndpoint.Event.CONSENTED)
    return consent


def consent_renew(*, consent: AgencyConsent, user: User) -> AgencyConsent:
    """The firm agrees to today's words: the consent is in force again, from now."""
    AgencyConsent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(
        text_version=consent_version(), granted_at=timezone.now(), granted_by=user
    )
    consent.refresh_from_db()
    webhooks.consent_event(consent, WebhookEndpoint.Event.CONSENTED)
    return consent


def consent_revoke(*, consent: AgencyConsent, user: User) -> bool:
    """Stop sharing with the agency, at once, and remove the agency's files that hold the firm's
    data. False if it was already revoked."""
    with transaction.atomic():
        revoked = AgencyConsent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=user
        )
        export_files.exports_purge(PortfolioExport.objects.filter(agency_id=consent.agency_id, firms=consent.firm_id))
        if revoked:
            webhooks.consent_event(consent, WebhookEndpoint.Event.REVOKED)
            # Its programmes' totals too: the firm leaves them with the rebuild, not a day later.
            request_programme_statistics_of_agency(consent.agency_id)
    return bool(revoked)


def export_download(*, member: AgencyMember, export: PortfolioExport) -> PortfolioExport | None:
    """The export, ready to hand to ``member``, each firm in it told (access log); or None when it
    may no longer be handed out, in which case it is deleted."""
    with transaction.atomic():
        locked = PortfolioExport.objects.select_for_update().filter(pk=export.pk).first()
        if locked is None or locked.status != PortfolioExport.Status.DONE:
            return None
        if not export_files.export_still_allowed(locked):
            export_files.exports_purge(PortfolioExport.objects.filter(pk=locked.pk))
            return None
        access_log.access_log_record_many(
            agency=member.agency,
            user=member.user,
            firms=locked.contents.values_list("firm_id", "assessment_id"),
            action=AccessLogEntry.Action.ZIPPED,
        )
    return locked


def client_list_viewed(*, member: AgencyMember, firms: Iterable[Firm]) -> None:
    """The dashboard's table shows these clients' scores: each is told (access log), in one insert."""
    shown = [(firm.pk, firm.latest_id) for firm in firms if getattr(firm, "latest_id", None) is not None]
    access_log.access_log_record_many(
        agency=member.agency, user=member.user, firms=shown, action=AccessLogEntry.Action.LISTED
    )


def portfolio_export(
    *, member: AgencyMember, filters: DashboardFilters, answers_as_csv: bool = False
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and rows of a CSV or Excel export (``selectors.export_rows``); every firm it
    holds is told first, in the access log (one statement, whatever the portfolio's size),
    before a row leaves."""
    access_log.access_log_record_query(
        agency=member.agency,
        user=member.user,
        firms=selectors.client_export_entries(member.agency, filters),
        action=AccessLogEntry.Action.EXPORTED,
    )
    return selectors.export_rows(member.agency, filters, answers_as_csv=answers_as_csv)


def service_log_export(*, member: AgencyMember) -> Iterator[list[Any]]:
    """The rows of the service-log export; the firms it holds are told first, as for any export."""
    access_log.access_log_record_many(
        agency=member.agency,
        user=member.user,
        firms=list(selectors.service_export_firms(member.agency)),
        action=AccessLogEntry.Action.EXPORTED,
    )
    return selectors.service_export_rows(member.agency)


def pdf_zip_request(*, agency: Agency, user: User, language: str) -> PortfolioExport:
    """Record the request and queue the job once the record is committed (the worker reads it)."""
    export = PortfolioExport.objects.create(agency=agency, requested_by=user, language=language)
    transaction.on_commit(lambda: build_pdf_zip.enqueue(export.pk))
    return export


# --- Before and after support (T0, T1) and the service log ------------------------------------


class MeasurementError(Exception):
    """A T0/T1 mark that breaks the rules; the message is for the advisor."""


def answers_verify(*, member: AgencyMember, assessment: Assessment, verified_codes: Iterable[str]) -> int:
    """Record which answers of a consenting client's submitted assessment this advisor verified
    during a visit (``verified_codes``, question codes): the ones ticked are marked (who, when,
    for this agency); those this agency had marked and are no longer ticked lose the mark.
    Another agency's marks stay as they are. The caller found ``assessment`` through
    ``selectors.client_assessment``. Returns the answers whose mark changed."""
    wanted = set(verified_codes)
    agency = member.agency
    now = timezone.now()
    changed: list[Answer] = []
    with transaction.atomic():
        answers = (
            Answer.objects.select_for_update()
            .filter(assessment=assessment)
            .exclude(choice_codes=[])
            .select_related("question")
        )
        for answer in answers:
            mine = answer.verified_agency_id == agency.pk
            if answer.question.code in wanted and answer.verified_at is None:
                answer.verified_at, answer.verified_by = now, member.user
                answer.verified_agency_id, answer.verified_agency_name = agency.pk, agency.name
            elif answer.question.code not in wanted and answer.verified_at is not None and mine:
                answer.verified_at, answer.verified_by = None, None
                answer.verified_agency_id, answer.verified_agency_name = None, ""
            else:
                continue
            answer.updated_at = now
            changed.append(answer)
        fields = ["verified_at", "verified_by", "verified_agency_id", "verified_agency_name", "updated_at"]
        Answer.objects.bulk_update(changed, fields)
        if changed:
            Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)  # the results' cache key
            firm_summaries_refresh([assessment.firm_id])
            access_log.access_log_record(
                agency=agency, user=member.user, assessment=assessment, action=AccessLogEntry.Action.VERIFIED
            )
    return len(changed)


def measurement_mark(*, member: AgencyMember, assessment: Assessment, which: str) -> SupportMeasurement:
    """Mark a consenting client's submitted assessment as its T0 or its T1 for this agency.

    T0 starts a measurement (replacing an earlier one); T1 needs a T0 of the same firm and a
    later submission. The caller found ``assessment`` through ``selectors.client_assessment``,
    so it is a submitted assessment of a client that consents.
    """
    now = timezone.now()
    with transaction.atomic():
        current = (
            SupportMeasurement.objects.select_for_update()
            .select_related("t0")
            .filter(agency=member.agency, firm=assessment.firm)
            .first()
        )
        if which == "t0":
            values = {"t0": assessment, "t0_marked_by": member.user, "t0_marked_at": now}
            values |= {"t1": None, "t1_marked_by": None, "t1_marked_at": None}
            measurement, _created = SupportMeasurement.objects.update_or_create(
                agency=member.agency, firm=assessment.firm, defaults=values
            )
            return measurement
        if which != "t1":
            raise MeasurementError(_("Choose T0 or T1."))
        if current is None:
            raise MeasurementError(_("Mark the assessment before support (T0) first."))
        if assessment.submitted_at <= current.t0.submitted_at:
            raise MeasurementError(
                _("The assessment after support (T1) must be submitted after the one before it (T0).")
            )
        current.t1, current.t1_marked_by, current.t1_marked_at = assessment, member.user, now
        current.save(update_fields=["t1", "t1_marked_by", "t1_marked_at"])
        return current


def measurement_clear(*, member: AgencyMember, firm: Firm) -> bool:
    deleted, _rows = SupportMeasurement.objects.filter(agency=member.agency, firm=firm).delete()
    return bool(deleted)


def service_record_add(*, member: AgencyMember, firm: Firm, values: dict[str, Any]) -> ServiceRecord:
    """Record a service delivered to a consenting client (``values`` from ``ServiceRecordForm``)."""
    return ServiceRecord.objects.create(agency=member.agency, firm=firm, recorded_by=member.user, **values)


def service_record_delete(*, member: AgencyMember, record_id: int, firm: Firm) -> bool:
    deleted, _rows = ServiceRecord.objects.filter(agency=member.agency, firm=firm, pk=record_id).delete()
    return bool(deleted)


# --- API keys ---------------------------------------------------------------------------------


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    token: ApiToken
    key: str  # shown once, never stored


def api_key_create(*, member: AgencyMember, name: str, scopes: list[str]) -> NewApiKey:
    """A new key for the agency's API (admins only: the caller checks the role)."""
    key = "rdy_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agency=member.agency,
        name=name,
        prefix=key[:10],
        key_hash=api_key_hash(key),
        scopes=[scope for scope in ApiToken.Scope.values if scope in scopes],
        created_by=member.user,
    )
    return NewApiKey(token=token, key=key)


def api_key_revoke(*, member: AgencyMember, token: ApiToken) -> None:
    """The key stops working at once: the next call with it is refused."""
    ApiToken.objects.filter(pk=token.pk, agency=member.agency, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=member.user
    )


# --- Webhooks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewWebhook:
    endpoint: WebhookEndpoint
    secret: str  # shown once to the admin


def webhook_create(*, member: AgencyMember, url: str, events: list[str]) -> NewWebhook:
    secret = secrets.token_hex(32)
    endpoint = WebhookEndpoint.objects.create(
        agency=member.agency,
        url=url,
        secret=secret,
        events=[event for event in WebhookEndpoint.Event.values if event in events],
        created_by=member.user,
    )
    return NewWebhook(endpoint, secret)


def webhook_disable(*, member: AgencyMember, endpoint: WebhookEndpoint) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, agency=member.agency, disabled_at__isnull=True).update(
        disabled_at=timezone.now()
    )
