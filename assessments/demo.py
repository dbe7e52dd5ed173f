"""Synthetic, clearly labelled demonstration data.

Every firm made here has ``is_demo=True`` and a name starting with "Demo"; benchmarks leave
demo firms out outside demo mode. Answers are drawn per firm from a "maturity" that grows
with the firm's size, so the population looks plausible, never real. The demo agency that
follows some of them is made by ``assessments.agencies.demo``; ``manage.py
generate_demo_data`` makes both. The demo login's latest assessment was answered as a team
(its two colleagues have no accounts), so the team's disagreements show on its results.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from questionnaires.models import Question, QuestionnaireVersion
from questionnaires.scoring import LADDER, OPTION, QuestionnaireSpec, QuestionSpec, score_assessment
from questionnaires.selectors import current_version, version_content
from readiness.models import User

from .consent_texts import benchmark_consent_version
from .firm_summaries import firm_summaries_refresh
from .models import Answer, Assessment, Firm, Membership, PillarScore, Respondent, RespondentAnswer, TeamRound
from .peer_statistics import peer_statistics_refresh
from .services import scores_apply

DEMO_EMAIL = "demo@readiness.invalid"
# A known password: the demo login exists only on machines that ran generate_demo_data.
DEMO_PASSWORD = "demo-readiness-2026"  # noqa: S105 - a public demo credential
COUNTRIES = ("IT", "FR", "DE", "ES", "PT", "PL", "NL", "GR", "RO", "SE", "IE", "AT")
SECTORS = ("C", "C", "C", "G", "G", "G", "F", "F", "I", "I", "H", "J", "M", "M", "N", "Q", "S")
SIZES = (("micro", 0.50, 0.30), ("small", 0.30, 0.42), ("medium", 0.15, 0.55), ("large", 0.05, 0.68))


@dataclass(frozen=True)
class DemoOutcome:
    firms: int
    assessments: int
    login_email: str
    login_password: str


# The demo login's colleagues in its team round: addresses that receive nothing, no accounts.
DEMO_COLLEAGUES = (
    ("demo-it@readiness.invalid", Respondent.Role.IT),
    ("demo-ops@readiness.invalid", Respondent.Role.OPERATIONS),
)


def _demo_team_round(assessment: Assessment, owner: User, spec: QuestionnaireSpec, rng: random.Random) -> None:
    """The demo login's latest assessment as a closed team round: the owner gave the agreed
    answers; two colleagues differ on some questions (a step up or down, or "don't know"), so
    the results show the team's disagreements."""
    agreed = dict(Answer.objects.filter(assessment=assessment).values_list("question__code", "choice_codes"))
    ids = dict(Question.objects.filter(version_id=assessment.version_id).values_list("code", "id"))
    now = timezone.now()
    team_round = TeamRound.objects.create(
        assessment=assessment, opened_by=owner, closed_at=assessment.submitted_at, agreed_at=assessment.submitted_at
    )
    TeamRound.objects.filter(pk=team_round.pk).update(opened_at=assessment.submitted_at - timedelta(days=6))
    people = [Respondent(round=team_round, user=owner, email=owner.email, role=Respondent.Role.OWNER, accepted_at=now)]
    people += [
        Respondent(round=team_round, email=email, role=role, accepted_at=now, finished_at=now)
        for email, role in DEMO_COLLEAGUES
    ]
    people = Respondent.objects.bulk_create(people)
    rows = []
    for person in people:
        for question in spec.questions().values():
            codes = agreed.get(question.code) or []
            if person.role != Respondent.Role.OWNER and rng.random() < 0.15:
                codes = _differently(question, codes, rng)
            rows.append(RespondentAnswer(respondent=person, question_id=ids[question.code], choice_codes=codes))
    RespondentAnswer.objects.bulk_create(rows, batch_size=2000)


def _differently(question: QuestionSpec, codes: list[str], rng: random.Random) -> list[str]:
    """Another plausible answer: a neighbouring rung, a tick more or less, or "don't know"."""
    specials = {c.kind: c.code for c in question.choices if c.kind != OPTION}
    options = [c.code for c in question.choices if c.kind == OPTION]
    if rng.random() < 0.3 or not options:
        return [specials["dont_know"]]
    if question.kind == LADDER:
        position = options.index(codes[0]) if codes and codes[0] in options else 0
        step = rng.choice((-1, 1)) if 0 < position < len(options) - 1 else (1 if position == 0 else -1)
        return [options[max(0, min(len(options) - 1, position + step))]]
    flipped = rng.choice(options)
    ticked = [code for code in options if (code in codes) != (code == flipped)]
    return ticked or [specials["none_of_these"]]


def _answer(question: QuestionSpec, maturity: float, rng: random.Random) -> list[str]:
    specials = {c.kind: c.code for c in question.choices if c.kind != OPTION}
    if "not_applicable" in specials and rng.random() < 0.25:
        return [specials["not_applicable"]]
    if rng.random() < 0.04:
        return [specials["dont_know"]]
    options = [c for c in question.choices if c.kind == OPTION]
    if question.kind == LADDER:
        position = min(max(rng.gauss(maturity, 0.2), 0.0), 0.999)
        return [options[int(position * len(options))].code]
    ticked = [c.code for c in options if rng.random() < maturity]
    return ticked or [specials["none_of_these"]]


def demo_population_generate(*, firm_count: int = 200, seed: int = 2026, reassessed_share: float = 0.3) -> DemoOutcome:
    """Create ``firm_count`` demo firms with submitted assessments, and a demo login.

    Idempotent in effect: if demo firms already exist, nothing is added. Assessments are taken
    on the current version; where an earlier version is published too, the first assessment of
    a re-assessed firm is taken on it, as a real firm's would have been, so the version-change
    notes of the progress and agency pages show on demo data.
    """
    version = current_version()
    if version is None:
        raise ValueError("Load a questionnaire first (manage.py load_questionnaire).")
    earlier = (
        QuestionnaireVersion.objects.published()
        .filter(published_at__lte=version.published_at)
        .exclude(pk=version.pk)
        .order_by("-published_at", "-id")
        .first()
    ) or version
    existing = Firm.objects.filter(is_demo=True).count()
    if existing:
        assessed = Assessment.objects.filter(firm__is_demo=True).count()
        return DemoOutcome(existing, assessed, DEMO_EMAIL, DEMO_PASSWORD)

    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    contents = {v.pk: version_content(v.pk) for v in {version, earlier}}
    question_ids = {
        v.pk: dict(Question.objects.filter(version=v).values_list("code", "id")) for v in {version, earlier}
    }
    now = timezone.now()
    with transaction.atomic():
        firms = Firm.objects.bulk_create(
            Firm(
                name=f"Demo firm {i:03d}",
                country=rng.choice(COUNTRIES),
                sector=rng.choice(SECTORS),
                size_class=rng.choices([s[0] for s in SIZES], weights=[s[1] for s in SIZES])[0],
                benchmark_consent=rng.random() < 0.85,
                benchmark_consent_at=now,
                benchmark_consent_version=benchmark_consent_version(),
                is_demo=True,
            )
            for i in range(1, firm_count + 1)
        )
        base_maturity = {name: mean for name, _, mean in SIZES}
        planned: list[tuple[Firm, float, timedelta, QuestionnaireVersion]] = []
        for firm in firms:
            maturity = min(max(rng.gauss(base_maturity[firm.size_class], 0.18), 0.02), 0.98)
            first_age = timedelta(days=rng.randint(200, 700))
            if rng.random() < reassessed_share:
                later = first_age - timedelta(days=rng.randint(120, 190))
                planned.append((firm, maturity, first_age, earlier))
                planned.append((firm, min(maturity + rng.uniform(0.02, 0.2), 0.98), later, version))
            else:
                planned.append((firm, maturity, first_age, version))
        assessments = Assessment.objects.bulk_create(
            Assessment(firm=firm, version=taken_on, status=Assessment.Status.SUBMITTED, submitted_at=now - age)
            for firm, _, age, taken_on in planned
        )
        answers: list[Answer] = []
        scores: list[PillarScore] = []
        for assessment, (_, maturity, _, taken_on) in zip(assessments, planned, strict=True):
            spec, ids = contents[taken_on.pk].spec, question_ids[taken_on.pk]
            drawn = {code: _answer(question, maturity, rng) for code, question in spec.questions().items()}
            answers.extend(
                Answer(assessment=assessment, question_id=ids[code], choice_codes=codes)
                for code, codes in drawn.items()
            )
            scores.extend(scores_apply(assessment, score_assessment(spec, drawn), now))
            # created_at follows the submission date, so histories read naturally.
            assessment.created_at = assessment.submitted_at - timedelta(days=1)
        Answer.objects.bulk_create(answers, batch_size=2000)
        PillarScore.objects.bulk_create(scores, batch_size=2000)
        Assessment.objects.bulk_update(
            assessments, ["overall_score", "overall_level", "method_version", "scored_at", "created_at"], batch_size=500
        )
        firm_summaries_refresh(firm.pk for firm in firms)
        # Its .invalid address can receive nothing: a generated login counts as confirmed.
        user = User.objects.filter(email=DEMO_EMAIL).first() or User.objects.create_user(
            DEMO_EMAIL, DEMO_PASSWORD, email_confirmed_at=now
        )
        Membership.objects.get_or_create(user=user, firm=firms[0], defaults={"role": Membership.Role.OWNER})
        login_latest = max((a for a in assessments if a.firm_id == firms[0].pk), key=lambda a: a.submitted_at)
        _demo_team_round(login_latest, user, contents[login_latest.version_id].spec, rng)
    peer_statistics_refresh(includes_demo=True)
    return DemoOutcome(len(firms), len(assessments), DEMO_EMAIL, DEMO_PASSWORD)
