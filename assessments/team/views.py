"""Views of a team assessment (thin: ``selectors`` decide who sees what, ``services`` write)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from questionnaires.rendering import dom_id
from questionnaires.selectors import PillarView, version_content

from .. import services as assessment_services
from ..forms import PillarAnswersForm, loaded_answers_encode
from ..models import Respondent
from ..pages import questionnaire_page_html
from . import selectors, services
from .forms import InviteForm


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The owner's page: start a round, invite colleagues, follow who has answered, close."""
    assessment, team_round = selectors.member_round(request.user, assessment_id)
    content = version_content(assessment.version_id)
    form = InviteForm(request.POST or None, content=content, owner_email=request.user.email)
    if request.method == "POST":
        try:
            if "open" in request.POST:
                services.round_open(assessment=assessment, user=request.user)
                messages.success(request, _("The round is open: invite your colleagues below."))
                return redirect("assessments:team", assessment_id=assessment.pk)
            if team_round is None:
                raise Http404("No round.")
            if form.is_valid():
                services.respondent_invite(
                    team_round=team_round,
                    user=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    pillars=form.cleaned_data["pillars"],
                    base_url=_base_url(request),
                )
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
                return redirect("assessments:team", assessment_id=assessment.pk)
        except services.TeamError as exc:
            if team_round is None or not team_round.is_open:
                messages.error(request, str(exc))
                return redirect("assessments:team", assessment_id=assessment.pk)
            form.add_error(None, str(exc))
    owner = selectors.owner_respondent(team_round, request.user) if team_round else None
    return render(
        request,
        "assessments/team/team.html",
        {
            "assessment": assessment,
            "team_round": team_round,
            "progress": selectors.round_progress(team_round) if team_round else [],
            "owner": owner,
            "form": form,
            "pillar_titles": {p.code: p.label() for p in content.pillars},
        },
    )


@login_required
@require_POST
def respondent_resend(request: HttpRequest, assessment_id: int, respondent_id: int) -> HttpResponse:
    assessment, team_round = selectors.member_round(request.user, assessment_id)
    respondent = team_round.respondents.filter(pk=respondent_id).first() if team_round else None
    if respondent is None:
        raise Http404("No such respondent.")
    try:
        services.invitation_resend(respondent=respondent, user=request.user, base_url=_base_url(request))
        messages.success(request, _("A new link was sent to %(email)s.") % {"email": respondent.email})
    except services.TeamError as exc:
        messages.error(request, str(exc))
    return redirect("assessments:team", assessment_id=assessment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def respondent_remove(request: HttpRequest, assessment_id: int, respondent_id: int) -> HttpResponse:
    assessment, team_round = selectors.member_round(request.user, assessment_id)
    respondent = team_round.respondents.filter(pk=respondent_id).first() if team_round else None
    if respondent is None:
        raise Http404("No such respondent.")
    if request.method == "POST":
        try:
            services.respondent_remove(respondent=respondent, user=request.user)
            messages.success(request, _("%(email)s was taken out of the round.") % {"email": respondent.email})
        except services.TeamError as exc:
            messages.error(request, str(exc))
        return redirect("assessments:team", assessment_id=assessment.pk)
    return render(request, "assessments/team/remove.html", {"assessment": assessment, "respondent": respondent})


@login_required
@require_http_methods(["GET", "POST"])
def round_close(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment, team_round = selectors.member_round(request.user, assessment_id)
    if team_round is None:
        raise Http404("No round.")
    if request.method == "POST":
        services.round_close(team_round=team_round, user=request.user)
        messages.success(request, _("The round is closed. Now agree on one answer per question."))
        return redirect("assessments:team_agree", assessment_id=assessment.pk)
    progress = selectors.round_progress(team_round)
    return render(
        request,
        "assessments/team/close.html",
        {"assessment": assessment, "unfinished": [p for p in progress if p.answered < p.asked]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_agree(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Every answer side by side, disagreements first; a member of the firm picks the agreed
    ones (a respondent sees the page read-only, for the meeting)."""
    team_round = selectors.closed_round_for(request.user, assessment_id)
    assessment = team_round.assessment
    may_edit = not assessment.is_submitted and assessment.firm.memberships.filter(user=request.user).exists()
    content = version_content(assessment.version_id)
    rows = selectors.consolidation(team_round)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not may_edit:
            raise Http404("Read-only.")
        page = _AllQuestions(tuple(row.question for row in rows))
        form = PillarAnswersForm(page, content.spec.questions(), request.POST)  # type: ignore[arg-type]
        notes = {row.question.code: request.POST.get(f"note-{row.question.code}", "")[:500] for row in rows}
        if form.is_valid():
            try:
                services.answers_agree(
                    team_round=team_round,
                    user=request.user,
                    agreed=form.cleaned_data,
                    notes=notes,
                    page_codes=[row.question.code for row in rows],
                )
            except (services.TeamError, assessment_services.AssessmentFrozen) as exc:
                messages.error(request, str(exc))
                return redirect("assessments:team_agree", assessment_id=assessment.pk)
            messages.success(request, _("The agreed answers are saved. Review them, then submit."))
            return redirect("assessments:review", assessment_id=assessment.pk)
        errors = form.errors
        posted = form.posted
        rows = [
            selectors.ConsolidationRow(
                r.pillar_title,
                r.question,
                r.spread,
                r.said,
                tuple(posted.get(r.question.code, ())),
                notes[r.question.code],
            )
            for r in rows
        ]
    return render(
        request,
        "assessments/team/agree.html",
        {
            "assessment": assessment,
            "team_round": team_round,
            "rows": [(row, errors.get(row.question.code, "")) for row in rows],
            "may_edit": may_edit,
            "errors": errors,
            "error_items": [
                (dom_id(r.question.code), r.question.label(), errors[r.question.code])
                for r in rows
                if r.question.code in errors
            ],
            "disagreements": sum(1 for r in rows if r.spread.disagrees),
        },
    )


class _AllQuestions:
    """Every question of the version as one page, for ``PillarAnswersForm``."""

    def __init__(self, questions: tuple) -> None:  # type: ignore[type-arg]
        self.questions = questions


# --- The respondent's side ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def team_join(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: sign in (or up) with the address it was sent to, then accept."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        try:
            respondent = services.invitation_accept(token=token, user=request.user)
        except services.TeamError as exc:
            return render(request, "assessments/team/join.html", {"problem": str(exc)}, status=400)
        messages.success(
            request, _("Welcome to the team assessment of %(firm)s.") % {"firm": respondent.round.assessment.firm.name}
        )
        return redirect("assessments:respondent_home", respondent_id=respondent.pk)
    respondent = (
        Respondent.objects.select_related("round__assessment__firm")
        .filter(token_hash=services.token_hash(token), accepted_at__isnull=True, round__closed_at__isnull=True)
        .first()
    )
    if respondent is None:
        return render(
            request,
            "assessments/team/join.html",
            {"problem": _("This invitation link is not valid any more: ask for a new one.")},
            status=404,
        )
    return render(request, "assessments/team/join.html", {"respondent": respondent})


@login_required
@require_http_methods(["GET", "POST"])
def respondent_home(request: HttpRequest, respondent_id: int) -> HttpResponse:
    respondent = selectors.respondent_for(request.user, respondent_id)
    team_round = respondent.round
    if request.method == "POST":
        try:
            services.respondent_finish(respondent=respondent)
            messages.success(request, _("Thank you: the owner sees that you are done."))
        except services.TeamError as exc:
            messages.error(request, str(exc))
        return redirect("assessments:respondent_home", respondent_id=respondent.pk)
    content = version_content(team_round.assessment.version_id)
    answers = selectors.own_answers(respondent)
    pages = [
        (p, sum(1 for q in p.questions if answers.get(q.code)), len(p.questions))
        for p in content.pillars
        if respondent.asked(p.code)
    ]
    return render(
        request,
        "assessments/team/respondent.html",
        {"respondent": respondent, "team_round": team_round, "pages": pages, "firm": team_round.assessment.firm},
    )


@login_required
@require_http_methods(["GET", "POST"])
def respondent_pillar(request: HttpRequest, respondent_id: int, pillar_code: str) -> HttpResponse:
    """The questionnaire page, answered into the respondent's own answers."""
    respondent = selectors.respondent_for(request.user, respondent_id)
    team_round = respondent.round
    content = version_content(team_round.assessment.version_id)
    pillar = content.pillar(pillar_code)
    if pillar is None or not respondent.asked(pillar_code):
        raise Http404("Not a page this respondent was asked.")
    if not team_round.is_open:
        messages.info(request, _("The round is closed: here is what the team answered."))
        return redirect("assessments:team_agree", assessment_id=team_round.assessment_id)
    answers = selectors.own_answers(respondent)
    form = None
    if request.method == "POST":
        form = PillarAnswersForm(pillar, content.spec.questions(), request.POST)
        if form.is_valid():
            try:
                services.respondent_save_answers(
                    respondent=respondent, pillar_code=pillar.code, answers=form.changed_answers()
                )
            except services.TeamError as exc:
                messages.error(request, str(exc))
                return redirect("assessments:respondent_home", respondent_id=respondent.pk)
            return redirect(_respondent_next(request, respondent, content.pillar_codes(), pillar.code))
    notice = render_to_string(
        "assessments/team/_respondent_notice.html",
        {
            "respondent": respondent,
            "firm": team_round.assessment.firm,
            "asked": [p.label() for p in content.pillars if respondent.asked(p.code)],
            "all_asked": not respondent.pillars,
        },
    )
    html = questionnaire_page_html(
        request,
        content=content,
        pillar=pillar,
        selected={**answers, **(form.posted if form else {})},
        errors=form.errors if form else None,
        error_items=[
            (dom_id(q.code), q.label(), form.errors[q.code]) for q in pillar.questions if q.code in form.errors
        ]
        if form
        else None,
        loaded=form.loaded_marker() if form else loaded_answers_encode(pillar, answers),
        notice_html=notice,
        asked=tuple(code for code in content.pillar_codes() if respondent.asked(code)),
    )
    return HttpResponse(html)


def _error_items(pillar: PillarView, form: PillarAnswersForm | None) -> list[tuple[str, str, str]] | None:
    if form is None:
        return None
    return [(dom_id(q.code), q.label(), form.errors[q.code]) for q in pillar.questions if q.code in form.errors]


def _respondent_next(request: HttpRequest, respondent: Respondent, codes: tuple[str, ...], current: str) -> str:
    """Where the page's buttons lead, among the pages this respondent was asked only."""
    asked = [code for code in codes if respondent.asked(code)]
    action = request.POST.get("action", "next")
    index = asked.index(current)
    target: str | None
    if action == "previous":
        target = asked[index - 1] if index > 0 else current
    elif action.startswith("goto:"):
        target = action[5:] if action[5:] in asked else current
        if target == current and action[5:] != current:
            messages.info(request, _("Your answers were saved. That page is not one you were asked to answer."))
    elif action == "stay":
        target = current
    elif action == "next" and index + 1 < len(asked):
        target = asked[index + 1]
    else:
        target = None
    if target is None:
        return reverse("assessments:respondent_home", kwargs={"respondent_id": respondent.pk})
    return reverse("assessments:respondent_pillar", kwargs={"respondent_id": respondent.pk, "pillar_code": target})
