"""Views of a firm's journey: profile, questionnaire pages, review, submit, results.

Thin by design: find the object through ``selectors`` (404 for anyone without access),
validate, call a ``services`` function, redirect or render.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from questionnaires.rendering import dom_id
from questionnaires.scoring import LEVEL_LABELS
from questionnaires.selectors import version_content
from readiness.redirects import safe_next

from . import personal_data, plugins, selectors, services
from .forms import AccountDeleteForm, FirmForm, PillarAnswersForm, loaded_answers_encode
from .models import Assessment
from .pages import action_plan_download, questionnaire_page_html, results_page_html
from .team import selectors as team_selectors


def _conflict(request: HttpRequest, assessment: Assessment, message: str) -> HttpResponse:
    """409: the assessment's state forbids the request (already submitted); nothing changed."""
    return render(request, "assessments/conflict.html", {"assessment": assessment, "message": message}, status=409)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    firm = selectors.firm_of(request.user)
    other_homes = plugins.other_homes_of(request.user)
    asked = list(team_selectors.rounds_asking(request.user))
    if firm is None:
        # Advisors need no firm of their own: their home is the agency dashboard; a colleague
        # asked to answer a team assessment lands on it.
        if asked and not other_homes:
            return redirect("assessments:respondent_home", respondent_id=asked[0].pk)
        return redirect(other_homes[0].start_url if other_homes else "assessments:firm_profile")
    draft = selectors.draft_of(firm)
    progress = selectors.progress_of(draft) if draft else []
    submitted = Paginator(selectors.submitted_assessments_of(firm), 10).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/dashboard.html",
        {
            "firm": firm,
            "draft": draft,
            "draft_answered": sum(p.answered for p in progress),
            "draft_total": sum(p.total for p in progress),
            "submitted": submitted,
            "submitted_rows": [(a, LEVEL_LABELS.get(a.overall_level, "")) for a in submitted],
            "other_home_links": [link for home in other_homes for link in home.links],
            "notices": [*selectors.firm_notices(firm), *plugins.firm_notices_of(firm)],
            "team_rounds_asking": asked,
            "draft_team_round": selectors.team_round_of(draft) if draft else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def firm_profile(request: HttpRequest) -> HttpResponse:
    firm = selectors.firm_of(request.user)
    form = FirmForm(request.POST or None, instance=firm)
    if request.method == "POST" and form.is_valid():
        services.firm_save(user=request.user, firm=firm, data=form.cleaned_data)
        messages.success(request, _("Firm profile saved."))
        # Back to an invitation the user was accepting, if that is where they came from.
        return redirect(safe_next(request, reverse("assessments:dashboard")))
    return render(request, "assessments/firm_profile.html", {"form": form, "firm": firm})


@login_required
@require_POST
def assessment_start(request: HttpRequest) -> HttpResponse:
    firm = selectors.firm_of(request.user)
    if firm is None:
        return redirect("assessments:firm_profile")
    try:
        assessment = services.assessment_start(firm=firm, user=request.user)
    except services.NoQuestionnaire as exc:
        messages.error(request, str(exc))
        return redirect("assessments:dashboard")
    first = version_content(assessment.version_id).pillars[0].code
    return redirect("assessments:pillar", assessment_id=assessment.pk, pillar_code=first)


@login_required
@require_http_methods(["GET", "POST"])
def pillar_page(request: HttpRequest, assessment_id: int, pillar_code: str) -> HttpResponse:
    if request.method == "POST":
        return _save_pillar_page(request, assessment_id, pillar_code)
    # The hot path: one query for the assessment and its answers, the page pre-rendered.
    state = selectors.questionnaire_page_state(request.user, assessment_id)
    content = version_content(state.version_id, texts_revision=state.texts_revision)
    pillar = content.pillar(pillar_code)
    if pillar is None:
        raise Http404("No such pillar.")
    if state.is_submitted:
        messages.info(request, _("This assessment has been submitted; here are its results."))
        return redirect("assessments:results", assessment_id=assessment_id)
    if state.team_round_open:
        return _to_own_team_page(request, assessment_id, pillar_code)
    html = questionnaire_page_html(
        request,
        content=content,
        pillar=pillar,
        selected=state.answers,
        has_prefilled=any(q.code in state.prefilled for q in pillar.questions),
        loaded=loaded_answers_encode(pillar, state.answers),
    )
    return HttpResponse(html)


def _save_pillar_page(request: HttpRequest, assessment_id: int, pillar_code: str) -> HttpResponse:
    # As hot as the page itself: the same single query for access, state and stored answers.
    state = selectors.questionnaire_page_state(request.user, assessment_id)
    content = version_content(state.version_id, texts_revision=state.texts_revision)
    pillar = content.pillar(pillar_code)
    if pillar is None:
        raise Http404("No such pillar.")
    if state.is_submitted:
        return _conflict(
            request,
            selectors.assessment_for(request.user, assessment_id),
            _("This assessment has been submitted and can no longer be changed."),
        )
    if state.team_round_open:
        return _to_own_team_page(request, assessment_id, pillar_code)
    form = PillarAnswersForm(pillar, content.spec.questions(), request.POST)
    if form.is_valid():
        try:
            saved = services.assessment_save_answers(
                assessment=Assessment(pk=state.assessment_id, version_id=state.version_id),  # all the save reads
                answers=form.changed_answers(),
                confirm=[q.code for q in pillar.questions],
                left_as_shown=form.left_as_shown(),
            )
        except services.AssessmentFrozen as exc:
            return _conflict(request, selectors.assessment_for(request.user, assessment_id), str(exc))
        if saved.kept_from_elsewhere:
            messages.info(
                request,
                ngettext(
                    "%(n)d answer on that page was changed in another window or by a colleague while you had it "
                    "open; you had not changed it, so their answer was kept.",
                    "%(n)d answers on that page were changed in another window or by a colleague while you had it "
                    "open; you had not changed them, so their answers were kept.",
                    saved.kept_from_elsewhere,
                )
                % {"n": saved.kept_from_elsewhere},
            )
        codes = content.pillar_codes()
        return redirect(_next_url(request, assessment_id, codes, codes.index(pillar.code)))
    # Show the page again with what was posted, so nothing the user chose is lost.
    html = questionnaire_page_html(
        request,
        content=content,
        pillar=pillar,
        selected={**state.answers, **form.posted},
        errors=form.errors,
        error_items=[
            (dom_id(q.code), q.label(), form.errors[q.code]) for q in pillar.questions if q.code in form.errors
        ],
        loaded=form.loaded_marker(),
    )
    return HttpResponse(html)


def _to_own_team_page(request: HttpRequest, assessment_id: int, pillar_code: str) -> HttpResponse:
    """During a team round each person answers on their own pages, the owner too (nothing posted
    to the assessment's own page is saved: the agreed answers are chosen after the round)."""
    messages.info(request, _("Your firm is answering as a team: these are your own answers in the round."))
    own = selectors.own_respondent_id(request.user, assessment_id)
    if own is None:
        return redirect("assessments:team", assessment_id=assessment_id)
    return redirect("assessments:respondent_pillar", respondent_id=own, pillar_code=pillar_code)


def _next_url(request: HttpRequest, assessment_id: int, codes: tuple[str, ...], index: int) -> str:
    action = request.POST.get("action", "next")
    if action == "previous" and index > 0:
        target = codes[index - 1]
    elif action.startswith("goto:") and action[5:] in codes:
        target = action[5:]
    elif action == "stay":
        target = codes[index]
    elif action == "review":
        return reverse("assessments:review", kwargs={"assessment_id": assessment_id})
    elif action == "next" and index + 1 < len(codes):
        target = codes[index + 1]
    else:
        return reverse("assessments:review", kwargs={"assessment_id": assessment_id})
    return reverse("assessments:pillar", kwargs={"assessment_id": assessment_id, "pillar_code": target})


@login_required
def review(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_for(request.user, assessment_id)
    if assessment.is_submitted:
        return redirect("assessments:results", assessment_id=assessment.pk)
    content = version_content(assessment.version_id)
    progress = selectors.progress_of(assessment, content)
    team_round = selectors.team_round_of(assessment)
    return render(
        request,
        "assessments/review.html",
        {
            "assessment": assessment,
            "progress": progress,
            "prefilled_total": sum(p.prefilled for p in progress),
            "unanswered": selectors.unanswered_questions(assessment, content),
            "answer_rows": selectors.answer_review_rows(assessment, content),
            "team_round": team_round,
            "team_blocks": team_round is not None and (team_round.is_open or team_round.agreed_at is None),
        },
    )


@login_required
@require_POST
def submit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_for(request.user, assessment_id)
    try:
        services.assessment_submit(assessment=assessment, user=request.user)
    except services.AssessmentFrozen as exc:
        return _conflict(request, assessment, str(exc))
    except services.AssessmentIncomplete as exc:
        messages.error(request, str(exc))
        return redirect("assessments:review", assessment_id=assessment.pk)
    messages.success(request, _("Assessment submitted. Here are your results."))
    return redirect("assessments:results", assessment_id=assessment.pk)


@login_required
def results(request: HttpRequest, assessment_id: int) -> HttpResponse:
    state = selectors.results_page_state(request.user, assessment_id)
    if not state.is_submitted:
        messages.info(request, _("This assessment is not submitted yet. Review and submit it to see your results."))
        return redirect("assessments:review", assessment_id=assessment_id)
    return HttpResponse(results_page_html(request, state))


@login_required
@require_GET
def action_plan_pdf(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The PDF action plan, built by the worker once per assessment, language and content
    (``plan_delivery``); a progress page while it is being built."""
    state = selectors.results_page_state(request.user, assessment_id)
    if not state.is_submitted:
        messages.info(request, _("This assessment is not submitted yet. Review and submit it to get its action plan."))
        return redirect("assessments:review", assessment_id=assessment_id)
    return action_plan_download(request, state)


# --- The user's own data: take it away, or erase it ----------------------------------------------


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "assessments/my_data.html", {"form": AccountDeleteForm(request.user)})


@login_required
@require_GET
def my_data_download(request: HttpRequest, kind: str) -> HttpResponse:
    export = personal_data.personal_data_export(request.user)
    stamp = timezone.localdate().isoformat()
    if kind == "json":
        response = HttpResponse(
            json.dumps(export, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="readiness-my-data-{stamp}.json"'
    elif kind == "csv":
        response = HttpResponse(personal_data.personal_data_csv_zip(export), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="readiness-my-data-{stamp}-csv.zip"'
    else:
        raise Http404("No such format.")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.user, request.POST)
    if not form.is_valid():
        return render(request, "assessments/my_data.html", {"form": form})  # as a login form does: 200
    user = request.user
    logout(request)
    firms = personal_data.account_delete(user)
    messages.success(
        request,
        ngettext(
            "Your account and your firm's data have been deleted.",
            "Your account and the data of your %(n)d firms have been deleted.",
            firms,
        )
        % {"n": firms}
        if firms
        else _("Your account has been deleted."),
    )
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def evidence(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Where the evidence for each answer lives (optional): a short note or a link per answer."""
    assessment = selectors.assessment_for(request.user, assessment_id)
    rows = selectors.trust_rows(assessment)
    if request.method == "POST":
        notes = {row.code: request.POST.get(f"evidence-{row.code}", "") for row in rows}
        too_long = [row for row in rows if len(notes[row.code].strip()) > services.EVIDENCE_MAX_LENGTH]
        if too_long:
            messages.error(
                request,
                _("A note can hold %(n)d characters at most: shorten it, or give a link instead. Nothing was saved.")
                % {"n": services.EVIDENCE_MAX_LENGTH},
            )
            rows = [row.with_evidence(notes[row.code]) for row in rows]
        else:
            try:
                changed = services.evidence_save(assessment=assessment, notes=notes)
            except services.AssessmentFrozen as exc:
                return _conflict(request, assessment, str(exc))
            messages.success(
                request,
                ngettext("%(n)d note saved.", "%(n)d notes saved.", changed) % {"n": changed},
            )
            target = "assessments:results" if assessment.is_submitted else "assessments:review"
            return redirect(target, assessment_id=assessment.pk)
    return render(
        request,
        "assessments/evidence.html",
        {"assessment": assessment, "rows": rows, "max_length": services.EVIDENCE_MAX_LENGTH},
    )
