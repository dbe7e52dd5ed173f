"""Views of national programmes: the programme's page for its staff, and an agency joining or leaving.

Thin like the agencies' views: access through ``programmes`` and ``selectors`` (404 for anyone
without it), writes through ``programmes``. A module of its own beside ``views`` (which is long
enough): it imports no view.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from questionnaires.loader import KNOWN_PILLARS

from . import programmes, selectors
from .forms import ProgrammeJoinForm
from .models import AgencyMember, Programme


@login_required
@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    """The programmes the person is staff of."""
    return render(request, "agencies/programme_list.html", {"programmes": programmes.programmes_of(request.user)})


def _programme_page(request: HttpRequest, programme: Programme, new_code: str | None = None) -> HttpResponse:
    titles = dict(selectors.pillar_titles_of_latest_version())
    return render(
        request,
        "agencies/programme_dashboard.html",
        {
            "programme": programme,
            "page": programmes.programme_page(programme),
            "pillar_titles": [titles.get(code, code) for code in KNOWN_PILLARS],
            "new_code": new_code,
        },
    )


@login_required
@require_GET
def programme_dashboard(request: HttpRequest, programme_id: int) -> HttpResponse:
    """Aggregates across the member agencies' consenting clients, from the latest snapshot."""
    programme = programmes.programme_for_staff(request.user, programme_id)
    return _programme_page(request, programme)


@login_required
@require_POST
def programme_join_code(request: HttpRequest, programme_id: int) -> HttpResponse:
    """A new join code (the old one stops working), shown once on the programme's page."""
    programme = programmes.programme_for_staff(request.user, programme_id)
    code = programmes.programme_join_code_regenerate(programme=programme)
    return _programme_page(request, programme, new_code=code)


@login_required
@require_http_methods(["GET", "POST"])
def programme_agency_remove(request: HttpRequest, programme_id: int, agency_id: int) -> HttpResponse:
    """The programme's staff take an agency out of the programme, after a confirmation."""
    programme = programmes.programme_for_staff(request.user, programme_id)
    membership = programmes.programme_member_agency(programme, agency_id)
    if request.method == "POST":
        programmes.programme_agency_remove(membership=membership)
        messages.success(
            request, _("%(agency)s no longer takes part in the programme.") % {"agency": membership.agency.name}
        )
        return redirect("agencies:programme_dashboard", programme_id=programme.pk)
    return render(request, "agencies/programme_agency_remove.html", {"programme": programme, "membership": membership})


# --- The agency's side --------------------------------------------------------------------------------


def _agency_programmes_page(
    request: HttpRequest, member: AgencyMember, form: ProgrammeJoinForm, status: int = 200
) -> HttpResponse:
    context = {
        "agency": member.agency,
        "memberships": programmes.agency_programme_memberships(member.agency),
        "form": form,
    }
    return render(request, "agencies/programme_join.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def agency_programmes(request: HttpRequest, agency_id: int) -> HttpResponse:
    """The agency admin's page: the programmes the agency takes part in, and joining one with its code.

    Two steps: the code, then a page that says what the programme will see, and the button to join.
    The code travels in the form, never in a URL (which logs would keep).
    """
    member = selectors.agency_admin(request.user, agency_id)
    if request.method == "GET":
        return _agency_programmes_page(request, member, ProgrammeJoinForm())
    form = ProgrammeJoinForm(request.POST)
    if not form.is_valid():
        return _agency_programmes_page(request, member, form, status=400)
    if programmes.takes_part(member.agency, form.programme):
        form.add_error("code", _("Your agency already takes part in this programme."))
        return _agency_programmes_page(request, member, form, status=400)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "agencies/programme_join_confirm.html",
            {
                "agency": member.agency,
                "programme": form.programme,
                "code": form.cleaned_data["code"],
                "min_group": settings.BENCHMARK_MIN_GROUP,
            },
        )
    try:
        programmes.programme_join(programme=form.programme, member=member)
    except programmes.ProgrammeError as error:
        form.add_error("code", str(error))
        return _agency_programmes_page(request, member, form, status=400)
    joined = {"agency": member.agency.name, "programme": form.programme.name}
    messages.success(request, _("%(agency)s now takes part in %(programme)s.") % joined)
    return redirect("agencies:agency_programmes", agency_id=agency_id)


@login_required
@require_http_methods(["GET", "POST"])
def agency_programme_leave(request: HttpRequest, agency_id: int, programme_id: int) -> HttpResponse:
    """The agency's admin takes the agency out of a programme, after a confirmation."""
    member, membership = programmes.agency_programme_membership(request.user, agency_id, programme_id)
    if request.method == "POST":
        programmes.programme_agency_remove(membership=membership)
        messages.success(
            request,
            _("%(agency)s no longer takes part in %(programme)s.")
            % {"agency": member.agency.name, "programme": membership.programme.name},
        )
        return redirect("agencies:agency_programmes", agency_id=agency_id)
    return render(request, "agencies/programme_leave.html", {"agency": member.agency, "membership": membership})
