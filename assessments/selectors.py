"""Reads of firm data. The only place that decides who may see what.

Every view finds firms and assessments through these helpers; anything not visible to the
user is reported as missing (404), so an outsider cannot even learn that it exists.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from questionnaires.dma import DIMENSIONS as DMA_DIMENSIONS
from questionnaires.dma import dma_scores
from questionnaires.loader import KNOWN_PILLARS
from questionnaires.models import Action, Question, QuestionnaireVersion, translated
from questionnaires.official import (
    MICRO_NOTE,
    DigitalIntensity,
    OfficialRow,
    digital_intensity,
    official_comparison,
    source_line_for,
)
from questionnaires.scoring import LEVEL_LABELS
from questionnaires.selectors import VersionContent, dma_mapping_for, official_reference_for, version_content
from readiness.models import User

from . import disclosure, plugins
from .benchmarks import PEER_SCOPES, narrowest_group
from .consent_texts import benchmark_consent_version
from .models import (
    TRUST_EVIDENCE,
    TRUST_LABELS,
    TRUST_VERIFIED,
    Answer,
    Assessment,
    Firm,
    Membership,
    PeerStatistic,
    PillarScore,
    Respondent,
    SizeClass,
    TeamRound,
)


def firms_visible_to(user: User) -> QuerySet[Firm]:
    if not user.is_authenticated:
        return Firm.objects.none()
    return Firm.objects.filter(memberships__user=user)


def firm_of(user: User) -> Firm | None:
    """The firm the user works for (first by membership age), or None before the profile exists."""
    return firms_visible_to(user).order_by("memberships__created_at", "id").first()


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    if not user.is_authenticated:
        return Assessment.objects.none()
    return Assessment.objects.filter(firm__memberships__user=user)


def assessment_for(user: User, assessment_id: int) -> Assessment:
    """The assessment if the user may see it, else Http404."""
    assessment = assessments_visible_to(user).select_related("firm").filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404("No such assessment.")
    return assessment


def answers_of(assessment: Assessment) -> dict[str, list[str]]:
    """Stored answers by question code."""
    return {
        code: list(codes)
        for code, codes in Answer.objects.filter(assessment=assessment).values_list("question__code", "choice_codes")
    }


def team_round_of(assessment: Assessment) -> TeamRound | None:
    return TeamRound.objects.filter(assessment=assessment).first()


def team_round_open(assessment: Assessment) -> bool:
    return TeamRound.objects.filter(assessment=assessment, closed_at__isnull=True).exists()


def own_respondent_id(user: User, assessment_id: int) -> int | None:
    """The user's place in the assessment's open team round, if any."""
    return (
        Respondent.objects.filter(round__assessment_id=assessment_id, round__closed_at__isnull=True, user=user)
        .values_list("pk", flat=True)
        .first()
    )


@dataclass(frozen=True)
class PillarProgress:
    code: str
    title: str
    total: int
    answered: int
    prefilled: int

    @property
    def complete(self) -> bool:
        return self.answered >= self.total


def progress_of(assessment: Assessment, content: VersionContent | None = None) -> list[PillarProgress]:
    content = content or version_content(assessment.version_id)
    stored = (
        Answer.objects.filter(assessment=assessment)
        .exclude(choice_codes=[])
        .values_list("question__code", "is_prefilled")
    )
    is_prefilled_by_code = dict(stored)  # only answered questions are keys
    return [
        PillarProgress(
            code=pillar.code,
            title=pillar.label(),
            total=len(pillar.questions),
            answered=sum(1 for q in pillar.questions if q.code in is_prefilled_by_code),
            prefilled=sum(1 for q in pillar.questions if is_prefilled_by_code.get(q.code)),
        )
        for pillar in content.pillars
    ]


@dataclass(frozen=True)
class UnansweredQuestion:
    pillar_code: str
    pillar_title: str
    code: str
    text: str


def unanswered_questions(assessment: Assessment, content: VersionContent | None = None) -> list[UnansweredQuestion]:
    content = content or version_content(assessment.version_id)
    answered = {code for code, codes in answers_of(assessment).items() if codes}
    return [
        UnansweredQuestion(pillar.code, pillar.label(), q.code, q.label())
        for pillar in content.pillars
        for q in pillar.questions
        if q.code not in answered
    ]


@dataclass(frozen=True)
class PillarScoreRow:
    code: str
    title: str
    score: float | None
    level: str
    level_label: str
    answered: int
    applicable: int
    total: int


def pillar_score_rows(assessment: Assessment) -> list[PillarScoreRow]:
    """The stored pillar scores in the version's pillar order, with titles and level labels."""
    content = version_content(assessment.version_id)
    stored = {row.pillar_code: row for row in PillarScore.objects.filter(assessment=assessment)}
    rows = []
    for pillar in content.pillars:
        row = stored.get(pillar.code)
        if row is None:
            continue
        rows.append(
            PillarScoreRow(
                code=pillar.code,
                title=pillar.label(),
                score=row.score,
                level=row.level,
                level_label=str(LEVEL_LABELS.get(row.level, "")),
                answered=row.answered,
                applicable=row.applicable,
                total=row.total,
            )
        )
    return rows


def submitted_assessments_of(firm: Firm) -> QuerySet[Assessment]:
    return firm.assessments.filter(status=Assessment.Status.SUBMITTED).order_by("-submitted_at", "-id")


def draft_of(firm: Firm) -> Assessment | None:
    return firm.assessments.filter(status=Assessment.Status.DRAFT).first()


@dataclass(frozen=True)
class AnswerReviewRow:
    question_code: str
    question_text: str
    answer_texts: tuple[str, ...]  # empty: unanswered
    is_prefilled: bool


@dataclass(frozen=True)
class PillarReview:
    code: str
    title: str
    rows: tuple[AnswerReviewRow, ...]


def answer_review_rows(assessment: Assessment, content: VersionContent | None = None) -> list[PillarReview]:
    """Every question of the assessment with the text of its answer, pillar by pillar."""
    content = content or version_content(assessment.version_id)
    stored = {
        code: (codes, prefilled)
        for code, codes, prefilled in Answer.objects.filter(assessment=assessment).values_list(
            "question__code", "choice_codes", "is_prefilled"
        )
    }
    reviews = []
    for pillar in content.pillars:
        rows = []
        for q in pillar.questions:
            codes, prefilled = stored.get(q.code, ([], False))
            texts = tuple(c.label() for c in q.choices if c.code in codes)
            rows.append(AnswerReviewRow(q.code, q.label(), texts, bool(prefilled and texts)))
        reviews.append(PillarReview(pillar.code, pillar.label(), tuple(rows)))
    return reviews


@dataclass(frozen=True)
class TrustRow:
    """One answered question and how far its answer can be trusted."""

    code: str
    pillar_title: str
    question_text: str
    answer_texts: tuple[str, ...]
    trust: str  # models.TRUST_*
    evidence: str
    verified_at: datetime | None = None
    verified_by: str = ""
    verified_agency: str = ""
    verified_agency_id: int | None = None

    @property
    def trust_label(self) -> str:
        return str(TRUST_LABELS[self.trust])

    @property
    def evidence_is_link(self) -> bool:
        return self.evidence.startswith(("https://", "http://")) and " " not in self.evidence

    def with_evidence(self, text: str) -> TrustRow:
        return replace(self, evidence=text)


def trust_rows(assessment: Assessment, content: VersionContent | None = None) -> list[TrustRow]:
    """Every answered question of the assessment, with its trust level, in questionnaire order."""
    content = content or version_content(assessment.version_id)
    stored = {
        a.question.code: a
        for a in Answer.objects.filter(assessment=assessment)
        .exclude(choice_codes=[])
        .select_related("question", "verified_by")
    }
    rows = []
    for pillar in content.pillars:
        for q in pillar.questions:
            answer = stored.get(q.code)
            if answer is None:
                continue
            rows.append(
                TrustRow(
                    q.code,
                    pillar.label(),
                    q.label(),
                    tuple(c.label() for c in q.choices if c.code in answer.choice_codes),
                    answer.trust,
                    answer.evidence,
                    answer.verified_at,
                    answer.verified_by.email if answer.verified_by else "",
                    answer.verified_agency_name,
                    answer.verified_agency_id,
                )
            )
    return rows


@dataclass(frozen=True)
class TrustSummary:
    answered: int
    evidence: int
    verified: int

    @property
    def self_declared(self) -> int:
        return self.answered - self.evidence - self.verified


def trust_summary(rows: list[TrustRow]) -> TrustSummary:
    return TrustSummary(
        len(rows),
        sum(1 for r in rows if r.trust == TRUST_EVIDENCE),
        sum(1 for r in rows if r.trust == TRUST_VERIFIED),
    )


def _visible_assessment_rows(
    user: User, assessment_id: int, columns: str, joins: Callable[[Callable[[str], str]], str]
) -> list[tuple[Any, ...]]:
    """Rows of one plain SQL statement about an assessment the user may see; else Http404.

    For the hot pages (``bench/``), where one statement replaces several ORM queries. The
    access rule is ``assessments_visible_to``'s (membership of the firm), written once here.
    ``joins`` receives the database's quote function and returns the extra JOIN clauses.
    """
    if not user.is_authenticated:
        raise Http404("No such assessment.")
    connection = connections[router.db_for_read(Assessment)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {columns} FROM {quote(Assessment._meta.db_table)} a "  # noqa: S608 - names from the models
        f"JOIN {quote(Membership._meta.db_table)} m ON m.firm_id = a.firm_id "
        f"{joins(quote)} WHERE a.id = %s AND m.user_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [assessment_id, user.pk])
        rows = cursor.fetchall()
    if not rows:
        raise Http404("No such assessment.")
    return rows


@dataclass(frozen=True)
class QuestionnairePageState:
    """What one questionnaire page needs of an assessment, read in a single query."""

    assessment_id: int
    version_id: int
    is_submitted: bool
    answers: dict[str, list[str]]
    prefilled: frozenset[str]
    texts_revision: int = 0  # the version's, for ``version_content``: translations loaded in place
    team_round_open: bool = False  # the firm answers as a team: each respondent on their own pages


def questionnaire_page_state(user: User, assessment_id: int) -> QuestionnairePageState:
    """The assessment and all its answers if the user is a member of its firm, else Http404.

    The questionnaire page is the hottest path of the product and has a throughput budget
    (``bench/``): one plain SQL statement here replaces three ORM queries; the outsider
    tests of the page check its access rule.
    """
    rows = _visible_assessment_rows(
        user,
        assessment_id,
        "a.id, a.version_id, a.status, v.texts_revision, tr.id, q.code, ans.choice_codes, ans.is_prefilled",
        lambda quote: (
            f"JOIN {quote(QuestionnaireVersion._meta.db_table)} v ON v.id = a.version_id "
            f"LEFT JOIN {quote(TeamRound._meta.db_table)} tr ON tr.assessment_id = a.id AND tr.closed_at IS NULL "
            f"LEFT JOIN {quote(Answer._meta.db_table)} ans ON ans.assessment_id = a.id "
            f"LEFT JOIN {quote(Question._meta.db_table)} q ON q.id = ans.question_id"
        ),
    )
    answers: dict[str, list[str]] = {}
    prefilled: set[str] = set()
    for _id, _version, _status, _revision, _round, code, codes, is_prefilled in rows:
        if code is None:
            continue
        # SQLite hands JSON back as text, PostgreSQL's driver as Python objects.
        answers[code] = json.loads(codes) if isinstance(codes, str) else list(codes)
        if is_prefilled:
            prefilled.add(code)
    first = rows[0]
    return QuestionnairePageState(
        assessment_id=first[0],
        version_id=first[1],
        is_submitted=first[2] == Assessment.Status.SUBMITTED,
        answers=answers,
        prefilled=frozenset(prefilled),
        texts_revision=first[3],
        team_round_open=first[4] is not None,
    )


@dataclass(frozen=True)
class PeerRow:
    code: str  # pillar code, or "overall"
    title: str
    score: float | None  # the firm's
    n: int
    p25: float | None  # None: fewer than K peers have a score here, nothing is shown
    median: float | None
    p75: float | None
    percentile: float | None


@dataclass(frozen=True)
class PeerComparison:
    scope: str | None  # None: not even all firms together reach K
    label: str
    n: int
    min_group: int
    rows: tuple[PeerRow, ...]


def peer_groups_of(firm: Firm) -> Q:
    """The snapshot rows of every peer group this firm belongs to (``PEER_SCOPES``)."""
    profile = {"size_class": firm.size_class, "sector": firm.sector, "country": str(firm.country)}
    groups = Q()
    for scope, fields in PEER_SCOPES:
        groups |= Q(
            scope=scope, **{f: (profile[f] if f in fields else "") for f in ("size_class", "sector", "country")}
        )
    return groups


def peer_comparison_for(assessment: Assessment) -> PeerComparison:
    """How a submitted assessment compares with its peer group (DESIGN, "Benchmarks").

    The group is the narrowest of size x sector x country, size x country, size, all firms
    whose figures were published (``disclosure``) and that has at least ``BENCHMARK_MIN_GROUP``
    firms besides the viewer's own; no figure comes from fewer. One query, on the published
    snapshot (``peer_statistics.peer_statistics_refresh``).
    """
    k = settings.BENCHMARK_MIN_GROUP
    firm = assessment.firm
    # Counted out of every group whether or not it made the snapshot: failing closed costs a
    # firm that just consented one peer, never a figure from fewer than K others.
    viewer_contributes = bool(firm.benchmark_consent)
    groups = peer_groups_of(firm)
    stored = {
        (s.scope, s.pillar_code): s
        for s in PeerStatistic.objects.filter(groups, includes_demo=settings.BENCHMARK_DEMO_MODE)
    }

    def publishable(statistic: PeerStatistic | None) -> bool:
        return (
            statistic is not None
            and is_published(statistic, k)
            and disclosure.visible_count(statistic.n, viewer_contributes=viewer_contributes) >= k
        )

    counts = []
    for scope, _fields in PEER_SCOPES:
        overall = stored.get((scope, PeerStatistic.OVERALL))
        counts.append((scope, overall.n if publishable(overall) else 0))
    scope = narrowest_group(counts, k)
    content = version_content(assessment.version_id)
    own = {row.pillar_code: row.score for row in PillarScore.objects.filter(assessment=assessment)}
    own[PeerStatistic.OVERALL] = assessment.overall_score
    titles = [(PeerStatistic.OVERALL, str(_("Overall"))), *((p.code, p.label()) for p in content.pillars)]
    rows = []
    for code, title in titles:
        statistic = stored.get((scope, code)) if scope else None
        score = own.get(code)
        if not publishable(statistic):
            rows.append(PeerRow(code, title, score, statistic.n if statistic else 0, None, None, None, None))
            continue
        quartiles = released_quartiles(statistic.percentiles)
        percentile = disclosure.percentile_from_released(statistic.percentiles, score) if score is not None else None
        rows.append(PeerRow(code, title, score, statistic.n, *quartiles, percentile))
    n = dict(counts).get(scope, 0) if scope else 0
    return PeerComparison(scope, peer_group_label(scope, firm), n, k, tuple(rows))


@dataclass(frozen=True)
class PeerChange:
    """Comparable firms' median change a year from their first to their latest assessment, per
    pillar and DMA dimension (firms re-assessed at least ``PeerStatistic.CHANGE_MIN_DAYS`` apart)."""

    scope: str
    label: str
    n: int
    median_yearly_change: dict[str, float]  # pillar or DMA dimension code -> points a year

    def over(self, code: str, days: float) -> float | None:
        """The median change scaled to a period of this many days: what similar firms changed by
        over a period as long as a client's T0 -> T1, were their change spread evenly in time."""
        yearly = self.median_yearly_change.get(code)
        return None if yearly is None else yearly * days / PeerStatistic.DAYS_PER_YEAR


def peer_change_for(firm: Firm) -> PeerChange | None:
    """The narrowest published group of re-assessed firms like this one (size, sector, country,
    as for the peer benchmarks, under the same disclosure rules) and its median change a year per
    pillar and DMA dimension; None when no group is big enough. One query, on the published snapshot."""
    k = settings.BENCHMARK_MIN_GROUP
    groups = peer_groups_of(firm)
    observed = (*KNOWN_PILLARS, *DMA_DIMENSIONS)  # pillars and the EU DMA's dimensions
    codes = [PeerStatistic.change_code(code) for code in observed]
    stored = {
        (s.scope, s.pillar_code): s
        for s in PeerStatistic.objects.filter(groups, pillar_code__in=codes, includes_demo=settings.BENCHMARK_DEMO_MODE)
    }

    def publishable(statistic: PeerStatistic | None) -> bool:
        return (
            statistic is not None
            and is_published(statistic, k)
            and disclosure.visible_count(statistic.n, viewer_contributes=bool(firm.benchmark_consent)) >= k
        )

    counts = []
    for scope, _fields in PEER_SCOPES:
        first = stored.get((scope, codes[0]))
        counts.append((scope, first.n if publishable(first) else 0))
    scope = narrowest_group(counts, k)
    if scope is None:
        return None
    medians = {
        code: PeerStatistic.score_as_change(released_quartiles(statistic.percentiles)[1])
        for code, change in zip(observed, codes, strict=True)
        if publishable(statistic := stored.get((scope, change)))
    }
    return PeerChange(scope, peer_group_label(scope, firm), dict(counts)[scope], medians)


def is_published(statistic: PeerStatistic, k: int) -> bool:
    """The snapshot released figures for this group and score, under a K no smaller than today's.

    A snapshot computed under a smaller K applied the nested-group rule with that K: two of its
    groups may differ by fewer than today's K firms, so none of its figures is shown until the
    next snapshot. One computed under a larger K was stricter, and stands."""
    return (
        statistic.n >= k
        and len(statistic.percentiles) == len(disclosure.RELEASED_PERCENTS)
        and statistic.min_group >= k
    )


def released_quartiles(released: list[int]) -> tuple[float, float, float]:
    """The lower quartile, median and upper quartile among a group's released quantiles."""
    by_percent = dict(zip(disclosure.RELEASED_PERCENTS, released, strict=True))
    return float(by_percent[25]), float(by_percent[50]), float(by_percent[75])


def peer_statistics_generation() -> str:
    """Changes whenever the peer statistics in use are rebuilt (part of cache keys).

    Plain SQL: it runs on every results page view (see ``questionnaire_page_state`` for why).
    """
    connection = connections[router.db_for_read(PeerStatistic)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_newest_peer_statistics(connection.ops.quote_name)}")
        (newest,) = cursor.fetchone()
    return _generation_text(newest)


def _newest_peer_statistics(quote: Callable[[str], str]) -> str:
    """A scalar subquery: when the snapshot in use was published (index ``peer_statistic_newest``).
    The demo flag is a setting, written into the statement: no parameter to thread through."""
    flag = "ps.includes_demo" if settings.BENCHMARK_DEMO_MODE else "NOT ps.includes_demo"
    return f"(SELECT MAX(ps.computed_at) FROM {quote(PeerStatistic._meta.db_table)} ps WHERE {flag})"  # noqa: S608


def _generation_text(newest: Any) -> str:
    return str(newest) if newest else "none"


def _in_utc(value: datetime | str | None) -> datetime | None:
    """A timestamp as the ORM gives it (aware, UTC), also when a raw query read it as text (SQLite)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return None
    return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value.astimezone(UTC)


def _instant_text(value: datetime | None) -> str:
    """One spelling of an instant, whichever way it was read: part of the cached pages' and PDFs'
    names, which the owner's path (raw SQL) and the advisor's (the ORM) must build alike."""
    return value.isoformat() if value is not None else ""


@dataclass(frozen=True)
class ResultsPageState:
    assessment_id: int
    is_submitted: bool
    firm_updated_at: str
    # The newest action of the version and the version's texts revision: changes when a new
    # action set is loaded or translations are updated (``questionnaires.services``).
    content_generation: str
    firm_name: str = ""
    submitted_at: datetime | None = None
    version_id: int = 0
    texts_revision: int = 0  # the version's, for ``version_content`` (also in ``content_generation``)
    assessment_updated_at: str = ""  # evidence and verification marks change it after submission
    # ``peer_statistics_generation()`` when the state was read (read with it, in the same statement).
    peer_generation: str = ""


def results_page_state(user: User, assessment_id: int) -> ResultsPageState:
    """What a results page needs to find its cached body, if the user may see it; else Http404.

    One plain SQL statement, with the access rule of ``_visible_assessment_rows``.
    """
    quote = connections[router.db_for_read(Action)].ops.quote_name
    action_table, version_table = quote(Action._meta.db_table), quote(QuestionnaireVersion._meta.db_table)
    # A new action set or updated translations change these, and with them the cache keys.
    newest_action = f"(SELECT MAX(x.id) FROM {action_table} x WHERE x.version_id = a.version_id)"  # noqa: S608
    texts_revision = f"(SELECT v.texts_revision FROM {version_table} v WHERE v.id = a.version_id)"  # noqa: S608
    (row,) = _visible_assessment_rows(
        user,
        assessment_id,
        f"a.id, a.status, f.updated_at, {newest_action}, f.name, a.submitted_at, {texts_revision}, a.version_id, "
        f"a.updated_at, {_newest_peer_statistics(quote)}",
        lambda quote: f"JOIN {quote(Firm._meta.db_table)} f ON f.id = a.firm_id",
    )
    return ResultsPageState(
        row[0],
        row[1] == Assessment.Status.SUBMITTED,
        _instant_text(_in_utc(row[2])),
        f"{row[3]}.{row[6]}",
        row[4],
        _in_utc(row[5]),
        version_id=row[7],
        texts_revision=row[6],
        assessment_updated_at=_instant_text(_in_utc(row[8])),
        peer_generation=_generation_text(row[9]),
    )


def results_state_of(assessment: Assessment) -> ResultsPageState:
    """``results_page_state`` for an assessment whose access the caller checked (advisors)."""
    newest_action = Action.objects.filter(version_id=assessment.version_id).order_by("-id").values_list("id", flat=True)
    texts_revision = QuestionnaireVersion.objects.values_list("texts_revision", flat=True).get(pk=assessment.version_id)
    return ResultsPageState(
        assessment.pk,
        assessment.is_submitted,
        _instant_text(_in_utc(assessment.firm.updated_at)),
        f"{newest_action.first()}.{texts_revision}",
        assessment.firm.name,
        assessment.submitted_at,
        version_id=assessment.version_id,
        texts_revision=texts_revision,
        assessment_updated_at=_instant_text(_in_utc(assessment.updated_at)),
        peer_generation=peer_statistics_generation(),
    )


# A size class as the name of a group of firms ("Small firms"): a phrase of its own in each
# language, not a piece cut out of the size's label.
SIZE_GROUP_NAMES = {
    SizeClass.MICRO: gettext_lazy("Micro firms"),
    SizeClass.SMALL: gettext_lazy("Small firms"),
    SizeClass.MEDIUM: gettext_lazy("Medium-sized firms"),
    SizeClass.LARGE: gettext_lazy("Large firms"),
}


def firm_notices(firm: Firm) -> list[plugins.FirmNotice]:
    """What the firm must act on, on the firm's side: a benchmark consent given to other words."""
    if firm.benchmark_consent and firm.benchmark_consent_version != benchmark_consent_version():
        return [
            plugins.FirmNotice(
                _(
                    "We have changed the wording of the peer-benchmark consent. Your results do not count in the "
                    "benchmarks until you read it and confirm your choice."
                ),
                plugins.Link(
                    _("Review the consent"), reverse("assessments:firm_profile") + "#div_id_benchmark_consent"
                ),
            )
        ]
    return []


def peer_group_label(scope: str | None, firm: Firm) -> str:
    firms = SIZE_GROUP_NAMES.get(firm.size_class, _("Firms"))
    if scope == "size_sector_country":
        return _("%(firms)s in sector %(sector)s in %(country)s") % {
            "firms": firms,
            "sector": firm.get_sector_display(),
            "country": firm.country.name,
        }
    if scope == "size_country":
        return _("%(firms)s in %(country)s") % {"firms": firms, "country": firm.country.name}
    if scope == "size":
        return _("%(firms)s in all countries") % {"firms": firms}
    if scope == "all":
        return _("All firms")
    return _("Not enough firms yet")


@dataclass(frozen=True)
class HistoryPoint:
    assessment_id: int
    submitted_at: datetime
    overall: float | None
    pillars: dict[str, float | None]  # pillar code -> score
    version_label: str = ""  # the questionnaire version it was taken on


@dataclass(frozen=True)
class PillarChange:
    code: str
    title: str
    previous: float | None
    current: float | None
    delta: float | None  # None when either score is missing

    @property
    def magnitude(self) -> float | None:
        return None if self.delta is None else abs(self.delta)

    @property
    def direction(self) -> str:
        """ "up", "down", "unchanged", or "" when there is nothing to compare."""
        if self.delta is None:
            return ""
        if abs(self.delta) < 0.05:  # scores are shown to one decimal
            return "unchanged"
        return "up" if self.delta > 0 else "down"


def history_until(assessment: Assessment) -> list[HistoryPoint]:
    """The firm's submitted assessments up to and including this one, oldest first (two queries)."""
    assessments = list(
        Assessment.objects.filter(
            firm_id=assessment.firm_id, status=Assessment.Status.SUBMITTED, submitted_at__lte=assessment.submitted_at
        )
        .order_by("submitted_at", "id")
        .values_list("id", "submitted_at", "overall_score", "version__label")
    )
    scores: dict[int, dict[str, float | None]] = {}
    for assessment_id, code, score in PillarScore.objects.filter(
        assessment_id__in=[a[0] for a in assessments]
    ).values_list("assessment_id", "pillar_code", "score"):
        scores.setdefault(assessment_id, {})[code] = score
    return [HistoryPoint(pk, when, overall, scores.get(pk, {}), label) for pk, when, overall, label in assessments]


def version_change(history: list[HistoryPoint]) -> tuple[str, str] | None:
    """(previous version, this version) when the last two assessments were taken on different
    questionnaire versions: their scores measure partly different questions, and the page says so."""
    if len(history) < 2 or history[-2].version_label == history[-1].version_label:
        return None
    return history[-2].version_label, history[-1].version_label


def changes_since_previous(history: list[HistoryPoint], assessment: Assessment) -> list[PillarChange]:
    """Per pillar (and overall), the change from the previous submitted assessment; [] for the first."""
    if len(history) < 2:
        return []
    previous, current = history[-2], history[-1]
    content = version_content(assessment.version_id)

    def change(code: str, title: str, before: float | None, now: float | None) -> PillarChange:
        delta = None if before is None or now is None else round(now - before, 1)
        return PillarChange(code, title, before, now, delta)

    rows = [change("overall", str(_("Overall")), previous.overall, current.overall)]
    rows += [
        change(p.code, p.label(), previous.pillars.get(p.code), current.pillars.get(p.code)) for p in content.pillars
    ]
    return rows


@dataclass(frozen=True)
class OfficialComparison:
    rows: tuple[OfficialRow, ...]
    digital_intensity: DigitalIntensity
    source: str  # the Eurostat acknowledgement for the figures shown
    micro_note: str  # "" unless the firm is a micro-firm


def official_comparison_for(assessment: Assessment) -> OfficialComparison:
    """The firm's answers beside official statistics for its country and size class (two queries)."""
    firm = assessment.firm
    country = firm.country.code
    answers = answers_of(assessment)
    reference = official_reference_for(country=country, size_class=firm.size_class)
    rows = tuple(official_comparison(answers, country, firm.size_class, reference.catalogue.links, reference.figures))
    dii = digital_intensity(answers, country, firm.size_class, reference.catalogue.digital_intensity, reference.figures)
    return OfficialComparison(
        rows=rows,
        digital_intensity=dii,
        source=source_line_for(rows, dii),
        micro_note=str(MICRO_NOTE) if firm.size_class == "micro" else "",
    )


@dataclass(frozen=True)
class DmaDimensionRow:
    code: str
    title: str
    score: float | None
    coverage_pct: int  # the share of the DMA dimension's items that Readiness observes
    is_partial: bool
    covered: str
    not_covered: str


@dataclass(frozen=True)
class DmaView:
    mapping: str
    rows: tuple[DmaDimensionRow, ...]
    average: float | None

    @property
    def partial(self) -> list[DmaDimensionRow]:
        return [row for row in self.rows if row.is_partial]


def dma_view_for(assessment: Assessment) -> DmaView | None:
    """The assessment's answers on the EU DMA's six dimensions, in the reader's language; None
    when its questionnaire version has no DMA mapping."""
    version = QuestionnaireVersion.objects.values_list("label", flat=True).get(pk=assessment.version_id)
    mapping = dma_mapping_for(assessment.version_id, version)
    if mapping is None:
        return None
    result = dma_scores(mapping, version_content(assessment.version_id).spec.questions(), answers_of(assessment))
    rows = tuple(
        DmaDimensionRow(
            code=dimension.code,
            title=translated(dimension.title),
            score=result.dimension(dimension.code).score,
            coverage_pct=round(100 * dimension.coverage),
            is_partial=dimension.is_partial,
            covered=translated(dimension.covered),
            not_covered=translated(dimension.not_covered),
        )
        for dimension in mapping.dimensions
    )
    return DmaView(mapping=mapping.label, rows=rows, average=result.average)
