"""Writes of a team assessment: open a round, invite, answer, close, agree.

The rules the tests play against:
- only a member of the firm opens, invites, removes, closes and agrees; only the invited
  account (the e-mail address the invitation went to) answers, and only the pillars it was
  asked;
- while the round is open nobody reads another respondent's answers (``selectors``);
- the agreed answers go into the assessment's own answers through
  ``services.assessment_save_answers``, so they are validated, scored and benchmarked exactly
  like one person's; the respondents' answers stay, as the spread.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Mapping, Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from questionnaires.scoring import normalise_answer
from questionnaires.selectors import version_content
from readiness.models import User

from .. import services as assessment_services
from ..models import AgreedAnswerNote, Answer, Assessment, Membership, Respondent, RespondentAnswer, TeamRound

MAX_RESPONDENTS = 30  # a round is for a team, not a survey of a large firm


class TeamError(Exception):
    """A request the round's state or the person's role does not allow; the message is for them."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_member(assessment: Assessment, user: User) -> None:
    if not Membership.objects.filter(firm_id=assessment.firm_id, user=user).exists():
        raise TeamError(_("Only a member of the firm can manage its team assessment."))


@transaction.atomic
def round_open(*, assessment: Assessment, user: User) -> TeamRound:
    """Start a round on a draft; the owner becomes its first respondent, keeping the answers
    already given (theirs) as their own."""
    _check_member(assessment, user)
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_submitted:
        raise TeamError(_("This assessment has been submitted; start a new one to answer as a team."))
    existing = TeamRound.objects.filter(assessment=locked).first()
    if existing is not None:
        return existing
    team_round = TeamRound.objects.create(assessment=locked, opened_by=user)
    owner = Respondent.objects.create(
        round=team_round, user=user, email=user.email.lower(), role=Respondent.Role.OWNER, accepted_at=timezone.now()
    )
    RespondentAnswer.objects.bulk_create(
        RespondentAnswer(respondent=owner, question_id=question_id, choice_codes=codes)
        for question_id, codes in Answer.objects.filter(assessment=locked).values_list("question_id", "choice_codes")
        if codes
    )
    return team_round


def _invitation_link(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + reverse("assessments:team_join", kwargs={"token": token})


def respondent_invite(
    *, team_round: TeamRound, user: User, email: str, role: str, pillars: Sequence[str], base_url: str
) -> Respondent:
    """Invite a colleague by e-mail to answer ``pillars`` (empty: all); sends the link."""
    assessment = team_round.assessment
    _check_member(assessment, user)
    if not team_round.is_open:
        raise TeamError(_("The round is closed: nobody can be invited any more."))
    content = version_content(assessment.version_id)
    unknown = set(pillars) - set(content.pillar_codes())
    if unknown or role not in Respondent.Role.values or role == Respondent.Role.OWNER:
        raise TeamError(_("Choose a role and pages from the lists offered."))
    if team_round.respondents.count() >= MAX_RESPONDENTS:
        raise TeamError(_("A round takes at most %(n)d respondents.") % {"n": MAX_RESPONDENTS})
    address = email.strip().lower()
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            respondent = Respondent.objects.create(
                round=team_round,
                email=address,
                role=role,
                pillars=[code for code in content.pillar_codes() if code in pillars],
                token_hash=token_hash(token),
            )
    except IntegrityError:
        raise TeamError(_("%(email)s is already in this round.") % {"email": address}) from None
    _send_invitation(respondent, user, _invitation_link(base_url, token))
    return respondent


def invitation_resend(*, respondent: Respondent, user: User, base_url: str) -> None:
    """A new link (the old one stops working) for an invitation not accepted yet."""
    _check_member(respondent.round.assessment, user)
    if respondent.accepted_at is not None or not respondent.round.is_open:
        raise TeamError(_("This invitation was already accepted, or the round is closed."))
    token = secrets.token_urlsafe(32)
    Respondent.objects.filter(pk=respondent.pk).update(token_hash=token_hash(token))
    _send_invitation(respondent, user, _invitation_link(base_url, token))


def _send_invitation(respondent: Respondent, sender: User, link: str) -> None:
    firm = respondent.round.assessment.firm
    language = User.objects.filter(email__iexact=respondent.email).values_list("language", flat=True).first()
    with translation.override(language or translation.get_language()):
        subject = _("%(firm)s asks you to answer its digital readiness assessment") % {"firm": firm.name}
        body = _(
            "%(who)s asks you to answer part of %(firm)s's digital readiness assessment on Readiness, "
            "as %(role)s. Your answers stay yours until %(who)s closes the round; the team then agrees "
            "on one answer per question.\n\n"
            "Open this link, signed in with this e-mail address (or create an account with it):\n%(link)s"
        ) % {"who": sender.email, "firm": firm.name, "role": respondent.get_role_display(), "link": link}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [respondent.email])


def invitation_accept(*, token: str, user: User) -> Respondent:
    respondent = (
        Respondent.objects.select_related("round")
        .filter(token_hash=token_hash(token), accepted_at__isnull=True)
        .first()
        if token
        else None
    )
    if respondent is None:
        raise TeamError(_("This invitation link is not valid any more: ask for a new one."))
    if not respondent.round.is_open:
        raise TeamError(_("This round is closed: the team has already agreed on its answers."))
    if respondent.email != user.email.lower():
        raise TeamError(_("This invitation was sent to another e-mail address. Sign in with that address to use it."))
    if Respondent.objects.filter(round=respondent.round, user=user).exists():
        raise TeamError(_("You already answer in this round."))
    Respondent.objects.filter(pk=respondent.pk).update(user=user, accepted_at=timezone.now(), token_hash="")
    respondent.refresh_from_db()
    return respondent


def respondent_remove(*, respondent: Respondent, user: User) -> None:
    """Take a colleague out of an open round, with their answers (the owner stays)."""
    _check_member(respondent.round.assessment, user)
    if respondent.role == Respondent.Role.OWNER:
        raise TeamError(_("The owner stays in the round."))
    if not respondent.round.is_open:
        raise TeamError(_("The round is closed: its answers are kept as they are."))
    respondent.delete()


def respondent_save_answers(*, respondent: Respondent, pillar_code: str, answers: Mapping[str, Sequence[str]]) -> int:
    """Store a respondent's answers to one page they were asked (validated like the owner's)."""
    team_round = respondent.round
    content = version_content(team_round.assessment.version_id)
    pillar = content.pillar(pillar_code)
    if pillar is None or not respondent.asked(pillar_code):
        raise TeamError(_("You were not asked to answer this page."))
    questions = content.spec.questions()
    on_page = {q.code for q in pillar.questions}
    cleaned = {}
    for code, codes in answers.items():
        if code not in on_page:
            raise TeamError(_("You were not asked to answer this page."))
        normalised = normalise_answer(questions[code], codes)
        if normalised:
            cleaned[code] = list(normalised)
    with transaction.atomic():
        locked = TeamRound.objects.select_for_update().get(pk=team_round.pk)
        if not locked.is_open:
            raise TeamError(_("The round was closed: your answers can no longer be changed."))
        RespondentAnswer.objects.bulk_create(
            [
                RespondentAnswer(respondent=respondent, question_id=content.question_ids[code], choice_codes=codes)
                for code, codes in cleaned.items()
            ],
            update_conflicts=True,
            unique_fields=["respondent", "question"],
            update_fields=["choice_codes", "updated_at"],
        )
    return len(cleaned)


def respondent_finish(*, respondent: Respondent) -> None:
    if not respondent.round.is_open:
        raise TeamError(_("The round is closed."))
    Respondent.objects.filter(pk=respondent.pk).update(finished_at=timezone.now())


@transaction.atomic
def round_close(*, team_round: TeamRound, user: User) -> TeamRound:
    """Nobody answers any more; the answers become visible side by side to the team."""
    _check_member(team_round.assessment, user)
    locked = TeamRound.objects.select_for_update().get(pk=team_round.pk)
    if locked.closed_at is None:
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at"])
        # Unused invitation links stop working with the round.
        Respondent.objects.filter(round=locked, accepted_at__isnull=True).update(token_hash="")
    return locked


def answers_agree(
    *,
    team_round: TeamRound,
    user: User,
    agreed: Mapping[str, Sequence[str]],
    notes: Mapping[str, str],
    page_codes: Collection[str],
) -> int:
    """Store the agreed answers as the assessment's answers, and why (optional notes).

    ``page_codes``: the questions the consolidation page showed; all count as seen (confirmed,
    if they were pre-filled from the last assessment). Returns the answers written."""
    assessment = team_round.assessment
    _check_member(assessment, user)
    if team_round.is_open:
        raise TeamError(_("Close the round first: the team agrees once everyone has answered."))
    content = version_content(assessment.version_id)
    with transaction.atomic():
        saved = assessment_services.assessment_save_answers(assessment=assessment, answers=agreed, confirm=page_codes)
        for code in page_codes:
            question_id = content.question_ids.get(code)
            if question_id is None:
                continue
            note = (notes.get(code) or "").strip()
            if note:
                AgreedAnswerNote.objects.update_or_create(
                    round=team_round, question_id=question_id, defaults={"note": note[:500], "written_by": user}
                )
            else:
                AgreedAnswerNote.objects.filter(round=team_round, question_id=question_id).delete()
        TeamRound.objects.filter(pk=team_round.pk).update(agreed_at=timezone.now())
    return saved.written
