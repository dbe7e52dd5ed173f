"""Writes to firms and assessments. Every multi-row write is one transaction."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from questionnaires.models import Question
from questionnaires.scoring import InvalidAnswer, ScoreResult, normalise_answer, score_assessment
from questionnaires.selectors import current_version, version_content
from readiness.models import User

from . import answer_sql, plan_delivery, plugins, tasks
from .consent_texts import benchmark_consent_version
from .firm_summaries import firm_summaries_refresh
from .models import Answer, Assessment, Firm, FirmSummary, Membership, PillarScore
from .selectors import answers_of, team_round_of, team_round_open


class AssessmentError(Exception):
    """A request the assessment's state does not allow; the message is shown to the user."""


class AssessmentFrozen(AssessmentError):
    pass


class AssessmentIncomplete(AssessmentError):
    pass


class NoQuestionnaire(AssessmentError):
    pass


def firm_save(*, user: User, firm: Firm | None, data: Mapping[str, Any]) -> Firm:
    """Create the user's firm (the user becomes its owner) or update it.

    The benchmark consent time is recorded whenever the choice changes.
    """
    with transaction.atomic():
        if firm is None:
            firm = Firm()
            previous_consent = None
        else:
            firm = Firm.objects.select_for_update().get(pk=firm.pk)
            previous_consent = firm.benchmark_consent
        peer_profile_before = _peer_profile(firm)
        for field in ("name", "country", "sector", "size_class", "region"):
            setattr(firm, field, data[field])
        consent = data["benchmark_consent"]
        version = benchmark_consent_version()
        if consent != previous_consent or firm.benchmark_consent_version != version:
            firm.benchmark_consent = consent
            firm.benchmark_consent_at = timezone.now()
            firm.benchmark_consent_version = version
        is_new = firm.pk is None
        firm.save()
        if is_new:
            Membership.objects.create(user=user, firm=firm, role=Membership.Role.OWNER)
        if _peer_profile(firm) != peer_profile_before and FirmSummary.objects.filter(firm=firm).exists():
            # The firm leaves its old groups (or all of them) in a snapshot published now, not a day later.
            transaction.on_commit(tasks.request_peer_statistics)
    return firm


def _peer_profile(firm: Firm) -> tuple[object, ...]:
    """What decides a firm's peer groups and whether it counts in them."""
    return (firm.country, firm.sector, firm.size_class, firm.benchmark_consent, firm.benchmark_consent_version)


def assessment_start(*, firm: Firm, user: User) -> Assessment:
    """Return the firm's assessment in progress, or start one on the current version.

    A new assessment is pre-filled with the answers of the firm's latest submitted one, for
    every question the current version still has with the same codes; the firm confirms each
    page by saving it.
    """
    version = current_version()
    existing = firm.assessments.filter(status=Assessment.Status.DRAFT).first()
    if existing is not None:
        return existing
    if version is None:
        raise NoQuestionnaire(_("No questionnaire has been published yet."))
    previous = firm.assessments.filter(status=Assessment.Status.SUBMITTED).order_by("-submitted_at", "-id").first()
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(firm=firm, version=version, created_by=user, prefilled_from=previous)
            if previous is not None:
                _prefill(assessment, previous)
    except IntegrityError:
        # Started twice at once (double click, two tabs): the other request won.
        existing = firm.assessments.filter(status=Assessment.Status.DRAFT).first()
        if existing is None:
            raise
        return existing
    return assessment


def _prefill(assessment: Assessment, previous: Assessment) -> None:
    """Start from the previous assessment's answers that keep their meaning: those to a question
    of the same code (and still valid choices), and, for a question that replaced an earlier one,
    those its ``carries_over`` maps (every chosen choice must map, or the question is asked afresh)."""
    content = version_content(assessment.version_id)
    spec = content.spec.questions()
    question_ids = content.question_ids
    earlier = answers_of(previous)
    carried: dict[str, list[str]] = {code: codes for code, codes in earlier.items() if code in spec and codes}
    # The same question answered the same way keeps its advisor's mark (and its evidence note);
    # an answer carried over from a replaced question is a new answer, with neither.
    marks = {
        row["question__code"]: row
        for row in Answer.objects.filter(assessment=previous, question__code__in=list(carried)).values(
            "question__code", "evidence", *Answer.VERIFICATION_FIELDS
        )
    }
    for code, rule in Question.objects.filter(version_id=assessment.version_id).values_list("code", "carries_over"):
        if not rule or code in carried:
            continue
        old_codes = earlier.get(rule["from"]) or []
        new_codes = [rule["choices"].get(old) for old in old_codes]
        if old_codes and None not in new_codes:
            carried[code] = list(dict.fromkeys(new_codes))  # two old choices may map to one new
    rows = []
    for code, codes in carried.items():
        try:
            normalised = normalise_answer(spec[code], codes)
        except InvalidAnswer:
            continue  # the question changed its choices: ask it afresh
        kept = marks.get(code) if list(normalised) == list(earlier.get(code) or ()) else None
        rows.append(
            Answer(
                assessment=assessment,
                question_id=question_ids[code],
                choice_codes=list(normalised),
                is_prefilled=True,
                **({"evidence": kept["evidence"], **{f: kept[f] for f in Answer.VERIFICATION_FIELDS}} if kept else {}),
            )
        )
    Answer.objects.bulk_create(rows)


@dataclass(frozen=True)
class SavedAnswers:
    written: int
    # Questions the user left as the page showed them, whose stored answer someone else (another
    # tab, a colleague) changed meanwhile: their answer was kept, and the user is told.
    kept_from_elsewhere: int


def assessment_save_answers(
    *,
    assessment: Assessment,
    answers: Mapping[str, Sequence[str]],
    confirm: Sequence[str] = (),
    left_as_shown: Mapping[str, Collection[str]] | None = None,
) -> SavedAnswers:
    """Store answers (question code -> choice codes) of a draft, in one transaction.

    Answers must already be valid (``PillarAnswersForm``); they are checked again here so no
    caller can store an invalid one. Questions not in ``answers`` keep what they had: a page
    posted without a question never erases its saved answer, and a page sends only what the
    user changed since opening it, so two tabs saving one page lose nothing (the last write
    per question wins). ``confirm`` names the questions whose pre-filled answers the user has
    now seen and saved (the whole page). ``left_as_shown`` gives, for the page's questions the
    user did not change, the answers it showed; those now stored differently are counted.
    """
    content = version_content(assessment.version_id)
    questions = content.spec.questions()
    cleaned: dict[str, list[str]] = {}
    for code, codes in answers.items():
        question = questions.get(code)
        if question is None:
            raise InvalidAnswer(f"{code} is not a question of version {content.label}")
        normalised = normalise_answer(question, codes)
        if normalised:
            cleaned[code] = list(normalised)
    question_ids = content.question_ids
    # Plain SQL (``answer_sql``): a save is frequent and small, and the ORM's compilation of
    # these few statements cost more than running them.
    with transaction.atomic():
        now = timezone.now()
        # One statement checks and locks (the assessment's ``updated_at``: cached pages and
        # PDFs are named by it); the reason is read only when the save is refused.
        if not answer_sql.claim_draft(assessment.pk, now):
            if team_round_open(assessment):
                raise AssessmentFrozen(
                    _("Your firm is answering as a team: the answers are agreed once the round is closed.")
                )
            raise AssessmentFrozen(_("This assessment has been submitted and can no longer be changed."))
        # An advisor's mark goes with the answer it was made on (kept only if the codes are the same).
        answer_sql.upsert_answers(assessment.pk, {question_ids[code]: codes for code, codes in cleaned.items()}, now)
        answer_sql.confirm_prefilled(
            assessment.pk, [question_ids[code] for code in confirm if code in question_ids and code not in cleaned]
        )
        kept = _changed_elsewhere(assessment.pk, question_ids, left_as_shown) if left_as_shown else 0
    return SavedAnswers(written=len(cleaned), kept_from_elsewhere=kept)


def _changed_elsewhere(
    assessment_id: int, question_ids: Mapping[str, int], shown: Mapping[str, Collection[str]]
) -> int:
    ids = {question_ids[code]: code for code in shown if code in question_ids}
    stored = answer_sql.stored_answers(assessment_id, ids)
    return sum(1 for qid, code in ids.items() if set(stored.get(qid) or ()) != set(shown[code]))


def assessment_scores(assessment: Assessment) -> ScoreResult:
    """Compute (do not store) the scores of an assessment from its raw answers."""
    return score_assessment(version_content(assessment.version_id).spec, answers_of(assessment))


def scores_apply(assessment: Assessment, result: ScoreResult, scored_at: datetime) -> list[PillarScore]:
    """Set the assessment's score fields from ``result``; return its pillar rows, unsaved.

    The caller saves both: one assessment here, thousands at once in the demo generator.
    """
    assessment.overall_score = result.overall
    assessment.overall_level = result.overall_level or ""
    assessment.method_version = result.method_version
    assessment.scored_at = scored_at
    return [
        PillarScore(
            assessment=assessment,
            pillar_code=p.code,
            score=p.score,
            level=p.level or "",
            total=p.total,
            answered=p.answered,
            applicable=p.applicable,
        )
        for p in result.pillars
    ]


def _store_scores(assessment: Assessment, result: ScoreResult) -> None:
    rows = scores_apply(assessment, result, timezone.now())
    PillarScore.objects.filter(assessment=assessment).delete()
    PillarScore.objects.bulk_create(rows)


def assessment_submit(*, assessment: Assessment, user: User) -> Assessment:
    """Freeze a complete draft and store its scores with the method version.

    Raises ``AssessmentFrozen`` if it was already submitted (a double click, a re-posted form)
    and ``AssessmentIncomplete`` if any question is unanswered or any answer pre-filled from
    the previous assessment is not yet confirmed.
    """
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.is_submitted:
            raise AssessmentFrozen(_("This assessment was already submitted."))
        team_round = team_round_of(locked)
        if team_round is not None and (team_round.is_open or team_round.agreed_at is None):
            raise AssessmentIncomplete(
                _("Your firm answers as a team: close the round and agree on the answers first.")
            )
        content = version_content(locked.version_id)
        answered = set(
            Answer.objects.filter(assessment=locked).exclude(choice_codes=[]).values_list("question__code", flat=True)
        )
        missing = [code for code in content.question_codes() if code not in answered]
        if missing:
            raise AssessmentIncomplete(
                ngettext(
                    "%(n)d question still needs an answer. Choose “Don't know” where you are unsure.",
                    "%(n)d questions still need an answer. Choose “Don't know” where you are unsure.",
                    len(missing),
                )
                % {"n": len(missing)}
            )
        unconfirmed = Answer.objects.filter(assessment=locked, is_prefilled=True).count()
        if unconfirmed:
            raise AssessmentIncomplete(
                ngettext(
                    "%(n)d answer pre-filled from your last assessment still needs confirming: "
                    "open each page, check it and save it.",
                    "%(n)d answers pre-filled from your last assessment still need confirming: "
                    "open each page, check it and save it.",
                    unconfirmed,
                )
                % {"n": unconfirmed}
            )
        result = assessment_scores(locked)
        _store_scores(locked, result)
        locked.status = Assessment.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save()
        firm_summaries_refresh([locked.firm_id])
        # The worker builds the PDF now, so that the download right after is served from storage.
        plan_delivery.plan_build_queue(locked.pk)
        transaction.on_commit(lambda: plugins.submitted(locked.pk))  # e.g. agencies' webhooks
    # No peer figures are rebuilt here: the next scheduled snapshot takes the submission in
    # (``peer_statistics``), so no one can read its effect alone.
    return locked


def assessment_recompute_scores(*, assessment: Assessment) -> ScoreResult:
    """Recompute and store a submitted assessment's scores from its raw answers."""
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        result = assessment_scores(locked)
        _store_scores(locked, result)
        locked.save(update_fields=["overall_score", "overall_level", "method_version", "scored_at"])
        if locked.is_submitted:
            firm_summaries_refresh([locked.firm_id])
    return result


def evidence_save(*, assessment: Assessment, notes: Mapping[str, str]) -> int:
    """Note where the evidence for answers lives (question code -> a short note or a link; ""
    removes it). Scores do not change, so a submitted assessment takes notes too. Returns the
    answers whose note changed."""
    content = version_content(assessment.version_id)
    if team_round_open(assessment):
        raise AssessmentFrozen(_("Your firm is answering as a team: add evidence once the answers are agreed."))
    current = dict(
        Answer.objects.filter(assessment=assessment).exclude(choice_codes=[]).values_list("question__code", "evidence")
    )
    changed = 0
    with transaction.atomic():
        for code, note in notes.items():
            text = " ".join(note.split())[:EVIDENCE_MAX_LENGTH]
            if code in current and code in content.question_ids and current[code] != text:
                Answer.objects.filter(assessment=assessment, question_id=content.question_ids[code]).update(
                    evidence=text
                )
                changed += 1
    if changed:
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())  # results' cache key
        if assessment.is_submitted:
            firm_summaries_refresh([assessment.firm_id])  # the trust counts agencies read
    return changed


EVIDENCE_MAX_LENGTH = 500
