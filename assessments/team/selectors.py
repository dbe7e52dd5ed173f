"""Reads of a team assessment, and who may see them.

- The firm's members see the round's page (who was invited, how far each has got: counts,
  never answers) and, once it is closed, every answer side by side.
- A respondent sees their own answers while the round is open, and the consolidation page
  (read-only) once it is closed: the team agrees with the page on screen.
- Anyone else gets a 404, as everywhere (``assessments.selectors``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from questionnaires.consensus import QuestionSpread, disagreements_first, question_spread
from questionnaires.rendering import dom_id
from questionnaires.scoring import CHECKLIST, OPTION
from questionnaires.selectors import QuestionView, VersionContent, version_content
from readiness.models import User

from ..models import AgreedAnswerNote, Answer, Assessment, Membership, Respondent, RespondentAnswer, TeamRound
from ..selectors import assessment_for, team_round_of


def member_round(user: User, assessment_id: int) -> tuple[Assessment, TeamRound | None]:
    """The assessment (a member of its firm only, else 404) and its round, if any."""
    assessment = assessment_for(user, assessment_id)
    return assessment, team_round_of(assessment)


def respondent_for(user: User, respondent_id: int) -> Respondent:
    """The user's own place in a round, else 404 (another's, an invitation not accepted)."""
    if not user.is_authenticated:
        raise Http404("No such respondent.")
    respondent = (
        Respondent.objects.select_related("round__assessment__firm", "round__assessment__version")
        .filter(pk=respondent_id, user=user)
        .first()
    )
    if respondent is None:
        raise Http404("No such respondent.")
    return respondent


def own_answers(respondent: Respondent) -> dict[str, list[str]]:
    return {
        code: list(codes)
        for code, codes in RespondentAnswer.objects.filter(respondent=respondent).values_list(
            "question__code", "choice_codes"
        )
    }


def owner_respondent(team_round: TeamRound, user: User) -> Respondent | None:
    return Respondent.objects.filter(round=team_round, user=user).first()


def rounds_asking(user: User) -> QuerySet[Respondent]:
    """The open rounds this person was asked to answer in, as a colleague (not as the owner)."""
    if not user.is_authenticated:
        return Respondent.objects.none()
    return (
        Respondent.objects.filter(user=user, round__closed_at__isnull=True)
        .exclude(role=Respondent.Role.OWNER)
        .select_related("round__assessment__firm")
    )


@dataclass(frozen=True)
class RespondentProgress:
    respondent: Respondent
    answered: int
    asked: int

    @property
    def label(self) -> str:
        return f"{self.respondent.get_role_display()} · {self.respondent.email}"


def round_progress(team_round: TeamRound) -> list[RespondentProgress]:
    """Each respondent and how many of the questions asked they have answered: counts only."""
    content = version_content(team_round.assessment.version_id)
    per_pillar = {p.code: len(p.questions) for p in content.pillars}
    respondents = team_round.respondents.annotate(answered=Count("answers", filter=~Q(answers__choice_codes=[])))
    return [
        RespondentProgress(r, r.answered, sum(n for code, n in per_pillar.items() if r.asked(code)))
        for r in respondents
    ]


def may_see_answers(user: User, team_round: TeamRound) -> bool:
    """Everyone's answers: only once the round is closed, and only to the firm and its respondents."""
    if team_round.is_open or not user.is_authenticated:
        return False
    member = Membership.objects.filter(firm_id=team_round.assessment.firm_id, user=user).exists()
    return member or Respondent.objects.filter(round=team_round, user=user).exists()


def closed_round_for(user: User, assessment_id: int) -> TeamRound:
    """A closed round whose answers the user may see, else 404."""
    team_round = (
        TeamRound.objects.select_related("assessment__firm", "assessment__version")
        .filter(assessment_id=assessment_id)
        .first()
    )
    if team_round is None or not may_see_answers(user, team_round):
        raise Http404("No such team round.")
    return team_round


@dataclass(frozen=True)
class SaidBy:
    answers: tuple[str, ...]  # the chosen answers' texts, in the active language
    who: tuple[str, ...]
    is_dont_know: bool

    @property
    def count(self) -> int:
        return len(self.who)


@dataclass(frozen=True)
class ConsolidationRow:
    pillar_title: str
    question: QuestionView
    spread: QuestionSpread
    said: tuple[SaidBy, ...]
    agreed: tuple[str, ...]  # the assessment's answer now, else the suggestion
    note: str

    @property
    def dom_id(self) -> str:
        return dom_id(self.question.code)


def _said(question: QuestionView, spread: QuestionSpread, labels: dict[int, str]) -> tuple[SaidBy, ...]:
    return tuple(
        SaidBy(
            tuple(c.label() for c in question.choices if c.code in group.codes),
            tuple(labels[r] for r in group.respondents),  # type: ignore[index]
            group.is_dont_know,
        )
        for group in spread.groups
    )


def _spreads(
    team_round: TeamRound, content: VersionContent, *, with_email: bool = True
) -> tuple[dict[str, QuestionSpread], dict[int, str]]:
    """Each question's spread, and each respondent's label: role and e-mail address on the
    consolidation page, the role alone in the results and the PDF (which travel further)."""
    respondents = list(team_round.respondents.all())
    labels = {r.pk: f"{r.get_role_display()} ({r.email})" if with_email else r.get_role_display() for r in respondents}
    by_question: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    rows = RespondentAnswer.objects.filter(respondent__round=team_round).values_list(
        "respondent_id", "question__code", "choice_codes"
    )
    for respondent_id, code, codes in rows.order_by("respondent_id"):
        by_question[code].append((respondent_id, codes))
    questions = content.spec.questions()
    spreads = {
        code: question_spread(questions[code], answers) for code, answers in by_question.items() if code in questions
    }
    return spreads, labels


def consolidation(team_round: TeamRound) -> list[ConsolidationRow]:
    """Every question with each respondent's answer, disagreements first (``consensus``)."""
    content = version_content(team_round.assessment.version_id)
    spreads, labels = _spreads(team_round, content)
    agreed = {
        code: tuple(codes)
        for code, codes in Answer.objects.filter(assessment=team_round.assessment).values_list(
            "question__code", "choice_codes"
        )
    }
    notes = dict(AgreedAnswerNote.objects.filter(round=team_round).values_list("question__code", "note"))
    pillar_of = {q.code: (p.label(), q) for p in content.pillars for q in p.questions}
    ordered = disagreements_first(
        [spreads.get(code) or question_spread(content.spec.questions()[code], []) for code in content.question_codes()]
    )
    rows = []
    for spread in ordered:
        title, question = pillar_of[spread.code]
        rows.append(
            ConsolidationRow(
                title,
                question,
                spread,
                _said(question, spread, labels),
                # Before the first agreement: the team's most common answer, else (nobody in the
                # round answered) what the assessment held already, pre-filled or the owner's.
                agreed.get(spread.code, ())
                if round_is_agreed(team_round)
                else spread.suggested or agreed.get(spread.code, ()),
                notes.get(spread.code, ""),
            )
        )
    return rows


def round_is_agreed(team_round: TeamRound) -> bool:
    return team_round.agreed_at is not None


@dataclass(frozen=True)
class ItemSplit:
    """A checklist item some of the team ticked and others did not."""

    label: str
    ticked_by: tuple[str, ...]
    not_by: tuple[str, ...]


@dataclass(frozen=True)
class TeamFinding:
    """A question the team did not agree on, for the results page and the PDF.

    A ladder's finding lists each answer given (``said``); a checklist's lists only the items in
    dispute (``items``), then the answers that tick nothing ("don't know", "none of these") in
    ``said``: whole ticked lists side by side are too long to read."""

    question: QuestionView
    said: tuple[SaidBy, ...]
    widely_unknown: bool
    note: str
    items: tuple[ItemSplit, ...] = ()
    agreed: tuple[str, ...] = ()  # the agreed answer's texts


def _finding(
    question: QuestionView, spread: QuestionSpread, labels: dict[int, str], note: str, agreed_codes: list[str]
) -> TeamFinding:
    said = _said(question, spread, labels)
    agreed = tuple(c.label() for c in question.choices if c.code in agreed_codes)
    if question.kind != CHECKLIST:
        return TeamFinding(question, said, spread.widely_unknown, note, agreed=agreed)
    options = [c for c in question.choices if c.kind == OPTION]
    # Everyone who answered something that ticks or ticks nothing ("none of these"), not those
    # who said "don't know" or "not applicable": they are listed apart.
    ticking = [g for g in spread.groups if g.score is not None and not g.is_dont_know]
    everyone = [labels[r] for g in ticking for r in g.respondents]  # type: ignore[index]
    items = []
    for choice in options:
        ticked = [labels[r] for g in ticking if choice.code in g.codes for r in g.respondents]  # type: ignore[index]
        if 0 < len(ticked) < len(everyone):
            items.append(ItemSplit(choice.label(), tuple(ticked), tuple(p for p in everyone if p not in ticked)))
    rest = tuple(s for s, g in zip(said, spread.groups, strict=True) if g not in ticking)
    return TeamFinding(question, rest, spread.widely_unknown, note, tuple(items), agreed)


@dataclass(frozen=True)
class TeamFindings:
    respondents: int
    questions: int  # answered by at least two
    disagreements: tuple[TeamFinding, ...]  # widest first

    @property
    def widely_unknown(self) -> frozenset[str]:
        return frozenset(f.question.code for f in self.disagreements if f.widely_unknown)

    @property
    def first_shown(self) -> tuple[TeamFinding, ...]:
        """The widest disagreements, shown at once on the results page (the rest behind a click)."""
        return self.disagreements[:FINDINGS_SHOWN]

    @property
    def more(self) -> tuple[TeamFinding, ...]:
        return self.disagreements[FINDINGS_SHOWN:]


FINDINGS_SHOWN = 8


def team_findings(assessment: Assessment) -> TeamFindings | None:
    """Where the team disagreed, once it agreed; None for one person's assessment."""
    team_round = TeamRound.objects.filter(assessment=assessment, closed_at__isnull=False).first()
    if team_round is None:
        return None
    content = version_content(assessment.version_id)
    spreads, labels = _spreads(team_round, content, with_email=False)
    answering = {r for spread in spreads.values() for group in spread.groups for r in group.respondents}
    if len(answering) < 2:
        return None
    notes = dict(AgreedAnswerNote.objects.filter(round=team_round).values_list("question__code", "note"))
    agreed = dict(Answer.objects.filter(assessment=assessment).values_list("question__code", "choice_codes"))
    questions = {q.code: q for p in content.pillars for q in p.questions}
    ordered = disagreements_first([spreads[code] for code in content.question_codes() if code in spreads])
    return TeamFindings(
        respondents=len(answering),
        questions=sum(1 for s in spreads.values() if s.answered >= 2),
        disagreements=tuple(
            _finding(questions[s.code], s, labels, notes.get(s.code, ""), agreed.get(s.code) or [])
            for s in ordered
            if s.disagrees
        ),
    )
