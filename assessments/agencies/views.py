"""Views of agencies (dashboard, invitations, clients) and of a firm's sharing with agencies.

Thin like the firm's views: access through ``selectors`` (404 for anyone without it), writes
through ``services``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import batched
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import pdf
from assessments import selectors as firm_selectors
from assessments.charts import spec as charts
from assessments.charts.plotly_figures import plotly_figure
from assessments.models import Firm
from assessments.pages import action_plan_download, results_page_html
from assessments.spreadsheet_cells import csv_record, spreadsheet_safe
from questionnaires.selectors import policy_examples
from readiness import two_factor

from . import access_log, exports, impact, programmes, selectors, services
from .consent import consent_version, consent_wording
from .forms import (
    ApiKeyForm,
    ClientCodeForm,
    CodeEntryForm,
    DashboardFilterForm,
    ImpactPeriodForm,
    InvitationForm,
    ServiceRecordForm,
    WebhookForm,
)
from .models import AccessLogEntry, Agency, AgencyMember, Invitation, PortfolioExport, ServiceRecord

CLIENTS_PER_PAGE = 25
CSV_ROWS_PER_CHUNK = 200


@login_required
def agency_home(request: HttpRequest) -> HttpResponse:
    memberships = selectors.agency_memberships_of(request.user)
    programmes_run = programmes.programmes_of(request.user)  # a programme's staff start here too
    if len(memberships) == 1 and not programmes_run:
        return redirect("agencies:agency_dashboard", agency_id=memberships[0].agency_id)
    return render(request, "agencies/home.html", {"memberships": memberships, "programmes": programmes_run})


@login_required
@require_GET
def agency_dashboard(request: HttpRequest, agency_id: int) -> HttpResponse:
    member = selectors.agency_member(request.user, agency_id)
    agency = member.agency
    form = DashboardFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.warning(request, _("Some filters were not understood and are ignored."))
    filters = form.filters()
    titles = selectors.pillar_titles_of_latest_version()
    board = selectors.dashboard(agency, filters, titles)
    sort = request.GET.get("sort", "name")
    paginator = Paginator(selectors.client_table(agency, filters, sort), CLIENTS_PER_PAGE)
    if not filters.active:
        paginator.count = board.accepted  # the same clients, already counted: one pass over the portfolio saved
    page = paginator.get_page(request.GET.get("page"))
    services.client_list_viewed(member=member, firms=page)
    weakest = [(p, policy_examples(pillar=p.code)[:3]) for p in selectors.weakest_pillars(board)]
    cohort = charts.cohort_radar_chart(
        [charts.PillarFigures(p.code, p.title, p.average, median=p.platform_median) for p in board.pillars]
    )
    distribution = charts.score_distribution_chart(board.score_buckets)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return render(
        request,
        "agencies/dashboard.html",
        {
            "member": member,
            "agency": agency,
            "form": form,
            "filters": filters,
            "board": board,
            "titles": titles,
            "page": page,
            "rows": [(firm, [getattr(firm, f"pillar_{code}") for code, _t in titles]) for firm in page],
            "sort": sort,
            "filter_query": query.urlencode(),
            "weakest": weakest,
            "cohort_chart": (cohort, plotly_figure(cohort)),
            "distribution_chart": (distribution, plotly_figure(distribution)),
            # Two e-mail forms on one page: each its own element ids (``id_client_email``, ...).
            "client_invitation_form": InvitationForm(auto_id="id_client_%s"),
            "advisor_invitation_form": InvitationForm(auto_id="id_advisor_%s"),
            "code_form": ClientCodeForm(),
            "codes": selectors.client_codes(agency),
            "is_admin": member.role == AgencyMember.Role.ADMIN,
        },
    )


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
@require_POST
def agency_invite(request: HttpRequest, agency_id: int, kind: str) -> HttpResponse:
    member = selectors.agency_member(request.user, agency_id)
    if kind not in (Invitation.Kind.CLIENT, Invitation.Kind.ADVISOR):
        raise Http404("No such invitation kind.")
    if kind == Invitation.Kind.ADVISOR and member.role != AgencyMember.Role.ADMIN:
        raise Http404("Only an agency admin invites advisors.")
    form = InvitationForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        services.invitation_send(
            agency=member.agency, kind=kind, email=email, created_by=request.user, base_url=_base_url(request)
        )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
    else:
        messages.error(request, _("Enter a valid e-mail address to send an invitation."))
    return redirect("agencies:agency_dashboard", agency_id=agency_id)


@login_required
@require_POST
def agency_second_factor(request: HttpRequest, agency_id: int) -> HttpResponse:
    """The admin requires (or stops requiring) a second factor of the agency's advisors."""
    member = selectors.agency_member(request.user, agency_id)
    if member.role != AgencyMember.Role.ADMIN:
        raise Http404("Only an agency admin decides this.")
    require = request.POST.get("require") == "yes"
    if require and not two_factor.is_verified(request.user):
        messages.error(request, _("Set up two-step sign-in for yourself first, and sign in with it."))
        return redirect(f"{reverse('second_factor')}?next={reverse('agencies:agency_dashboard', args=[agency_id])}")
    services.second_factor_require(agency=member.agency, require=require)
    if require:
        messages.success(request, _("Advisors now need two-step sign-in to open this agency's pages."))
    else:
        messages.success(request, _("Two-step sign-in is no longer required for this agency."))
    return redirect("agencies:agency_dashboard", agency_id=agency_id)


@login_required
@require_POST
def agency_code_create(request: HttpRequest, agency_id: int) -> HttpResponse:
    member = selectors.agency_member(request.user, agency_id)
    form = ClientCodeForm(request.POST)
    if form.is_valid():
        new = services.client_code_create(
            agency=member.agency, created_by=request.user, label=form.cleaned_data["label"]
        )
        message = _("New client code: %(code)s. Firms enter it under “Sharing”.") % {"code": new.secret}
        messages.success(request, message)
    else:
        messages.error(request, _("The description is too long (100 characters at most)."))
    return redirect("agencies:agency_dashboard", agency_id=agency_id)


@login_required
@require_http_methods(["GET", "POST"])
def agency_code_withdraw(request: HttpRequest, agency_id: int, invitation_id: int) -> HttpResponse:
    """Stop a client code from working (after a confirmation); firms that used it keep sharing."""
    member, code = selectors.client_code(request.user, agency_id, invitation_id)
    if request.method == "POST":
        services.invitation_withdraw(invitation=code)
        messages.success(request, _("Code %(code)s no longer works.") % {"code": code.code})
        return redirect("agencies:agency_dashboard", agency_id=agency_id)
    return render(request, "agencies/code_withdraw.html", {"agency": member.agency, "code": code})


@login_required
@require_GET
def agency_client(request: HttpRequest, agency_id: int, firm_id: int) -> HttpResponse:
    member, firm = selectors.client_firm(request.user, agency_id, firm_id)
    return _client_page(request, member, firm, ServiceRecordForm(initial={"delivered_on": timezone.localdate()}))


def _client_page(
    request: HttpRequest, member: AgencyMember, firm: Firm, service_form: ServiceRecordForm
) -> HttpResponse:
    history = list(selectors.client_history(firm))  # newest first
    latest = history[0].pk if history else None
    access_log.access_log_record_many(
        agency=member.agency, user=request.user, firms=[(firm.pk, latest)], action=AccessLogEntry.Action.VIEWED_CLIENT
    )
    measurement = selectors.client_measurement(member.agency, firm)
    context = {
        "agency": member.agency,
        "firm": firm,
        "history": history,
        "measurement": measurement,
        "measurement_tables": [
            (title, rows)
            for title, rows in ((_("Pillars"), measurement.pillars), (_("DMA dimensions"), measurement.dma))
            if rows
        ]
        if measurement
        else [],
        "services": selectors.client_services(member.agency, firm),
        "service_form": service_form,
    }
    return render(request, "agencies/client.html", context, status=400 if service_form.errors else 200)


@login_required
@require_POST
def agency_client_measurement(request: HttpRequest, agency_id: int, firm_id: int) -> HttpResponse:
    """Mark one of the client's submitted assessments as its T0 or its T1, or clear the marks."""
    member, firm = selectors.client_firm(request.user, agency_id, firm_id)
    if request.POST.get("which") == "clear":
        services.measurement_clear(member=member, firm=firm)
        messages.success(request, _("The before and after marks are cleared."))
        return redirect("agencies:agency_client", agency_id=agency_id, firm_id=firm_id)
    try:
        assessment_id = int(request.POST.get("assessment", ""))
    except ValueError:
        raise Http404("No such assessment.") from None
    _member, assessment = selectors.client_assessment(request.user, agency_id, assessment_id)
    if assessment.firm_id != firm.pk:
        raise Http404("No such assessment.")
    try:
        services.measurement_mark(member=member, assessment=assessment, which=request.POST.get("which", ""))
    except services.MeasurementError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Marked."))
    return redirect("agencies:agency_client", agency_id=agency_id, firm_id=firm_id)


@login_required
@require_POST
def agency_service_add(request: HttpRequest, agency_id: int, firm_id: int) -> HttpResponse:
    member, firm = selectors.client_firm(request.user, agency_id, firm_id)
    form = ServiceRecordForm(request.POST)
    if not form.is_valid():
        return _client_page(request, member, firm, form)
    services.service_record_add(member=member, firm=firm, values=form.cleaned_data)
    messages.success(request, _("The service is recorded. The client sees it under Sharing."))
    return redirect(reverse("agencies:agency_client", args=[agency_id, firm_id]) + "#services")


@login_required
@require_http_methods(["GET", "POST"])
def agency_service_delete(request: HttpRequest, agency_id: int, firm_id: int, record_id: int) -> HttpResponse:
    """Delete a service record, after a confirmation."""
    member, firm = selectors.client_firm(request.user, agency_id, firm_id)
    record = selectors.client_services(member.agency, firm).filter(pk=record_id).first()
    if record is None:
        raise Http404("No such service record.")
    if request.method == "POST":
        services.service_record_delete(member=member, record_id=record.pk, firm=firm)
        messages.success(request, _("The service record is deleted."))
        return redirect(reverse("agencies:agency_client", args=[agency_id, firm_id]) + "#services")
    return render(request, "agencies/service_delete.html", {"agency": member.agency, "firm": firm, "record": record})


@login_required
@require_GET
def agency_client_results(request: HttpRequest, agency_id: int, assessment_id: int) -> HttpResponse:
    member, assessment = selectors.client_assessment(request.user, agency_id, assessment_id)
    access_log.access_log_record(
        agency=member.agency, user=request.user, assessment=assessment, action=AccessLogEntry.Action.VIEWED_RESULTS
    )
    messages.info(
        request,
        _("You are viewing %(firm)s's results as an advisor of %(agency)s, with the firm's consent.")
        % {"firm": assessment.firm.name, "agency": member.agency.name},
    )
    return HttpResponse(
        results_page_html(request, firm_selectors.results_state_of(assessment), load=lambda: assessment)
    )


@login_required
@require_http_methods(["GET", "POST"])
def agency_client_evidence(request: HttpRequest, agency_id: int, assessment_id: int) -> HttpResponse:
    """The client's answers with their evidence notes; the advisor ticks those verified on a visit."""
    member, assessment = selectors.client_assessment(request.user, agency_id, assessment_id)
    rows = firm_selectors.trust_rows(assessment)
    if request.method == "POST":
        known = {row.code for row in rows}
        ticked = [code for code in request.POST.getlist("verified") if code in known]
        changed = services.answers_verify(member=member, assessment=assessment, verified_codes=ticked)
        messages.success(
            request,
            ngettext("%(n)d mark changed.", "%(n)d marks changed.", changed) % {"n": changed},
        )
        return redirect("agencies:agency_client_evidence", agency_id=member.agency_id, assessment_id=assessment.pk)
    access_log.access_log_record(
        agency=member.agency, user=request.user, assessment=assessment, action=AccessLogEntry.Action.VIEWED_RESULTS
    )
    return render(
        request,
        "agencies/evidence.html",
        {
            "agency": member.agency,
            "assessment": assessment,
            "rows": rows,
            "summary": firm_selectors.trust_summary(rows),
        },
    )


@login_required
@require_GET
def agency_client_pdf(request: HttpRequest, agency_id: int, assessment_id: int) -> HttpResponse:
    member, assessment = selectors.client_assessment(request.user, agency_id, assessment_id)
    state = firm_selectors.results_state_of(assessment)
    return action_plan_download(
        request,
        state,
        load=lambda: assessment,
        # The access log records the download itself, not the progress page's checks.
        served=lambda: access_log.access_log_record(
            agency=member.agency, user=request.user, assessment=assessment, action=AccessLogEntry.Action.DOWNLOADED_PDF
        ),
    )


class _Echo:
    """csv.writer's file: hands each row back instead of storing it (streaming, constant memory)."""

    def write(self, value: str) -> str:
        return value


def _export_name(agency: Agency, extension: str) -> str:
    return f"readiness-clients-{slugify(agency.name) or 'agency'}-{timezone.localdate().isoformat()}.{extension}"


@login_required
@require_GET
def agency_export_csv(request: HttpRequest, agency_id: int) -> StreamingHttpResponse:
    member = selectors.agency_member(request.user, agency_id)
    header, rows = services.portfolio_export(
        member=member, filters=DashboardFilterForm(request.GET or None).filters(), answers_as_csv=True
    )
    free_text = [header.index(name) for name in selectors.EXPORT_FREE_TEXT_COLUMNS]

    def lines() -> Iterator[str]:
        yield csv_record(header)
        for batch in batched(rows, CSV_ROWS_PER_CHUNK):
            for row in batch:
                for index in free_text:
                    row[index] = spreadsheet_safe(row[index])
            # A few hundred rows a chunk, not one; each row ends with its answers already written.
            yield "".join([csv_record(row[:-1], written_tail=row[-1]) for row in batch])

    name = _export_name(member.agency, "csv")
    return StreamingHttpResponse(
        lines(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@login_required
@require_GET
def agency_services_csv(request: HttpRequest, agency_id: int) -> StreamingHttpResponse:
    """The service log of the consenting clients, one row per service (for EDIH reporting)."""
    member = selectors.agency_member(request.user, agency_id)
    rows = services.service_log_export(member=member)
    writer = csv.writer(_Echo())
    free_text = [selectors.SERVICE_EXPORT_HEADER.index(name) for name in ("firm_name", "note")]

    def lines() -> Iterator[str]:
        yield writer.writerow(selectors.SERVICE_EXPORT_HEADER)
        for row in rows:
            for index in free_text:
                row[index] = spreadsheet_safe(row[index])
            yield writer.writerow(row)

    name = _export_name(member.agency, "csv").replace(".csv", "-services.csv")
    return StreamingHttpResponse(
        lines(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@login_required
@require_GET
def agency_export_xlsx(request: HttpRequest, agency_id: int) -> FileResponse:
    """The same rows as the CSV, as an Excel workbook (written row by row, constant memory)."""
    member = selectors.agency_member(request.user, agency_id)
    header, rows = services.portfolio_export(member=member, filters=DashboardFilterForm(request.GET or None).filters())
    handle = exports.xlsx_file(header, rows, sheet=_("Clients"))
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_export_name(member.agency, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_POST
def agency_pdf_zip(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Queue the ZIP of every client's latest action plan; the worker builds it."""
    member = selectors.agency_member(request.user, agency_id)
    export = services.pdf_zip_request(
        agency=member.agency, user=request.user, language=translation.get_language() or "en"
    )
    return redirect("agencies:agency_export", agency_id=agency_id, export_id=export.pk)


@login_required
@require_GET
def agency_export(request: HttpRequest, agency_id: int, export_id: int) -> HttpResponse:
    member, export = selectors.agency_export(request.user, agency_id, export_id)
    if request.GET.get("download") and export.status == PortfolioExport.Status.DONE:
        allowed = services.export_download(member=member, export=export)
        if allowed is None:
            # Expired, or a firm in it stopped sharing or was deleted: the file is gone.
            context = {"agency": member.agency, "retention_days": settings.EXPORT_RETENTION_DAYS}
            return render(request, "agencies/export_gone.html", context, status=410)
        return FileResponse(
            default_storage.open(allowed.file_name, "rb"),
            as_attachment=True,
            filename=allowed.file_name.rsplit("/", 1)[-1],
            content_type="application/zip",
        )
    return render(request, "agencies/export.html", {"agency": member.agency, "export": export})


# --- Invitations (both sides) -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """An invitation link (or a client code): what it is, and the button to accept it."""
    try:
        invite = services.usable_invitation(secret)
    except services.InvitationError as exc:
        return render(request, "agencies/invitation_invalid.html", {"message": str(exc)}, status=404)
    firm = firm_selectors.firm_of(request.user) if request.user.is_authenticated else None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        try:
            if invite.kind == Invitation.Kind.ADVISOR:
                services.advisor_invitation_accept(invitation=invite, user=request.user)
                messages.success(request, _("You are now an advisor of %(agency)s.") % {"agency": invite.agency.name})
                return redirect("agencies:agency_dashboard", agency_id=invite.agency_id)
            if firm is None:
                messages.info(request, _("First tell us about your firm; then accept the invitation."))
                return redirect(f"{reverse('assessments:firm_profile')}?next={request.path}")
            if request.POST.get("consent") != "yes":
                messages.error(request, _("Tick the box to agree, or simply leave this page."))
                return redirect(request.path)
            services.client_consent_grant(invitation=invite, firm=firm, user=request.user)
        except services.InvitationError as exc:
            # Back to the invitation, where the message is read in context (or, if the link is
            # now spent, its own page says so).
            messages.error(request, str(exc))
            return redirect(request.path)
        shared = _("%(firm)s now shares its assessments with %(agency)s.")
        messages.success(request, shared % {"firm": firm.name, "agency": invite.agency.name})
        return redirect("agencies:sharing")
    return render(
        request,
        "agencies/invitation.html",
        {
            "invitation": invite,
            "firm": firm,
            "wording": consent_wording(agency_name=invite.agency.name, firm_name=firm.name if firm else ""),
            "addressed_elsewhere": bool(
                invite.email and request.user.is_authenticated and invite.email != request.user.email.lower()
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sharing(request: HttpRequest) -> HttpResponse:
    """The firm's side: which agencies see its results, since when, who looked, and how to stop."""
    firm = firm_selectors.firm_of(request.user)
    if firm is None:
        return redirect("assessments:firm_profile")
    form = CodeEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = services.normalise_code(form.cleaned_data["code"])
        return redirect("agencies:invitation", secret=code)
    log = Paginator(selectors.access_log_by_advisor_and_day(firm), 20).get_page(request.GET.get("page"))
    actions = dict(AccessLogEntry.Action.choices)
    log_rows = [{**group, "what": actions.get(group["action"], group["action"])} for group in log]
    marks, services_received = selectors.records_about(firm)
    return render(
        request,
        "agencies/sharing.html",
        {
            "firm": firm,
            "consents": selectors.consents_of(firm),
            "consent_version": consent_version(),
            "log": log,
            "log_rows": log_rows,
            "form": form,
            "marks": marks,
            "services": services_received,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_renew(request: HttpRequest, consent_id: int) -> HttpResponse:
    """The new terms of sharing with an agency, and the box to agree to them (or stop sharing)."""
    firm = firm_selectors.firm_of(request.user)
    if firm is None:
        raise Http404("No firm.")
    given = selectors.consents_to_renew(firm).filter(pk=consent_id).first()
    if given is None:
        raise Http404("Nothing to renew.")
    if request.method == "POST":
        if request.POST.get("consent") != "yes":
            messages.error(request, _("Tick the box to agree, or stop sharing instead."))
            return redirect(request.path)
        services.consent_renew(consent=given, user=request.user)
        messages.success(request, _("%(agency)s can see your assessments again.") % {"agency": given.agency.name})
        return redirect("agencies:sharing")
    return render(
        request,
        "agencies/consent_renew.html",
        {
            "consent": given,
            "wording": consent_wording(agency_name=given.agency.name, firm_name=firm.name),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, consent_id: int) -> HttpResponse:
    firm = firm_selectors.firm_of(request.user)
    if firm is None:
        raise Http404("No firm.")
    consent = selectors.consent_of(firm, consent_id)
    if request.method == "POST":
        if services.consent_revoke(consent=consent, user=request.user):
            messages.success(
                request, _("%(agency)s can no longer see your assessments.") % {"agency": consent.agency.name}
            )
        return redirect("agencies:sharing")
    return render(request, "agencies/consent_revoke.html", {"consent": consent})


@login_required
@require_http_methods(["GET", "POST"])
def agency_api_keys(request: HttpRequest, agency_id: int) -> HttpResponse:
    """The admin's page for API keys: make one (shown once), see when each was last used."""
    member = selectors.agency_admin(request.user, agency_id)
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        new_key = services.api_key_create(
            member=member, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
        ).key
        form = ApiKeyForm()
    return _api_page(request, member, form=form, new_key=new_key)


def _api_page(
    request: HttpRequest,
    member: AgencyMember,
    *,
    form: ApiKeyForm | None = None,
    new_key: str | None = None,
    webhook_form: WebhookForm | None = None,
    new_secret: str | None = None,
) -> HttpResponse:
    form, webhook_form = form or ApiKeyForm(), webhook_form or WebhookForm()
    context = {
        "agency": member.agency,
        "keys": selectors.api_keys(member.agency),
        "form": form,
        "new_key": new_key,
        "webhooks": selectors.webhooks_of(member.agency),
        "deliveries": selectors.webhook_deliveries(member.agency)[:20],
        "webhook_form": webhook_form,
        "new_secret": new_secret,
    }
    invalid = form.errors or webhook_form.errors
    return render(request, "agencies/api_keys.html", context, status=400 if invalid else 200)


@login_required
@require_POST
def agency_webhook_add(request: HttpRequest, agency_id: int) -> HttpResponse:
    member = selectors.agency_admin(request.user, agency_id)
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _api_page(request, member, webhook_form=form)
    new = services.webhook_create(member=member, url=form.cleaned_data["url"], events=form.cleaned_data["events"])
    return _api_page(request, member, new_secret=new.secret)


@login_required
@require_http_methods(["GET", "POST"])
def agency_webhook_disable(request: HttpRequest, agency_id: int, webhook_id: int) -> HttpResponse:
    member = selectors.agency_admin(request.user, agency_id)
    endpoint = selectors.webhooks_of(member.agency).filter(pk=webhook_id, disabled_at__isnull=True).first()
    if endpoint is None:
        raise Http404("No such webhook.")
    if request.method == "POST":
        services.webhook_disable(member=member, endpoint=endpoint)
        messages.success(request, _("Nothing more is sent to %(url)s.") % {"url": endpoint.url})
        return redirect("agencies:agency_api_keys", agency_id=agency_id)
    return render(request, "agencies/webhook_disable.html", {"agency": member.agency, "endpoint": endpoint})


@login_required
@require_http_methods(["GET", "POST"])
def agency_api_key_revoke(request: HttpRequest, agency_id: int, token_id: int) -> HttpResponse:
    member = selectors.agency_admin(request.user, agency_id)
    token = selectors.api_keys(member.agency).filter(pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise Http404("No such key.")
    if request.method == "POST":
        services.api_key_revoke(member=member, token=token)
        messages.success(request, _("The key %(prefix)s… no longer works.") % {"prefix": token.prefix})
        return redirect("agencies:agency_api_keys", agency_id=agency_id)
    return render(request, "agencies/api_key_revoke.html", {"agency": member.agency, "token": token})


# --- The impact report ----------------------------------------------------------------------


def _impact(request: HttpRequest, agency_id: int) -> tuple[AgencyMember, ImpactPeriodForm, impact.ImpactReport]:
    member = selectors.agency_member(request.user, agency_id)
    form = ImpactPeriodForm(request.GET or None)
    start, end = form.period()
    return member, form, impact.impact_report(member.agency, start, end)


@login_required
@require_GET
def agency_impact(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Clients measured before and after support over a period: median changes, by service kind."""
    member, form, report = _impact(request, agency_id)
    charts_of = [
        charts.median_change_chart(
            [(row.title, row.median, row.counted) for row in rows], title=title, chart_id=chart_id
        )
        for rows, title, chart_id in (
            (report.pillars, _("Pillars"), "chart-impact-pillars"),
            (report.dma, _("DMA dimensions"), "chart-impact-dma"),
        )
    ]
    query = f"date_from={report.date_from.isoformat()}&date_to={report.date_to.isoformat()}"
    context = {
        "agency": member.agency,
        "form": form,
        "report": report,
        "charts": [(spec, plotly_figure(spec)) for spec in charts_of],
        "query": query,
    }
    return render(request, "agencies/impact.html", context)


IMPACT_HEADER_START = ["firm_id", "firm_name", "t0_assessment_id", "t0_date", "t1_assessment_id", "t1_date"]


def _impact_rows(report: impact.ImpactReport) -> tuple[list[str], list[list[Any]]]:
    codes = [row.code for row in report.pillars] + [row.code for row in report.dma]
    kinds = list(ServiceRecord.Kind.values)
    header = [
        *IMPACT_HEADER_START,
        "versions_differ",
        *(f"change_{code}" for code in codes),
        *(f"services_{kind}" for kind in kinds),
        "service_hours",
    ]
    rows = [
        [
            p.firm_id,
            spreadsheet_safe(p.firm_name),
            p.t0_id,
            p.t0_on.isoformat(),
            p.t1_id,
            p.t1_on.isoformat(),
            p.versions_differ,
            *(p.change.get(code) for code in codes),
            *(p.services[kind] for kind in kinds),
            p.hours,
        ]
        for p in report.pairs
    ]
    return header, rows


def _log_impact_export(member: AgencyMember, report: impact.ImpactReport) -> None:
    access_log.access_log_record_many(
        agency=member.agency,
        user=member.user,
        firms=[(p.firm_id, p.t1_id) for p in report.pairs],
        action=AccessLogEntry.Action.EXPORTED,
    )


@login_required
@require_GET
def agency_impact_csv(request: HttpRequest, agency_id: int) -> HttpResponse:
    member, _form, report = _impact(request, agency_id)
    _log_impact_export(member, report)
    header, rows = _impact_rows(report)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_export_name(member.agency, "csv").replace(".csv", "-impact.csv")}"'
    )
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
@require_GET
def agency_impact_xlsx(request: HttpRequest, agency_id: int) -> FileResponse:
    member, _form, report = _impact(request, agency_id)
    _log_impact_export(member, report)
    header, rows = _impact_rows(report)
    return FileResponse(
        exports.xlsx_file(header, rows, sheet=_("Impact")),
        as_attachment=True,
        filename=_export_name(member.agency, "xlsx").replace(".xlsx", "-impact.xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_GET
def agency_impact_pdf(request: HttpRequest, agency_id: int) -> HttpResponse:
    member, _form, report = _impact(request, agency_id)
    _log_impact_export(member, report)
    tables = [(_("Pillars"), report.pillars), (_("DMA dimensions"), report.dma)]
    html = render_to_string("agencies/impact_pdf.html", {"agency": member.agency, "report": report, "tables": tables})
    response = HttpResponse(pdf.html_to_pdf(html), content_type="application/pdf")
    name = _export_name(member.agency, "pdf").replace(".pdf", "-impact.pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
