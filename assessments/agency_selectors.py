"""Reads for agencies: who may see what, and the portfolio dashboard.

The rule, checked on every request: an advisor (any member of an agency) sees a firm's
submitted assessments only while that firm's consent to that agency is active. Anyone else —
another agency's advisors, an agency the firm never agreed to or has revoked — gets 404, and
no filter or URL parameter can widen that: every query below starts from ``_clients``.

Aggregates are computed by the database over the latest submitted assessment of each client
(a subquery), so the number of queries does not grow with the portfolio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, StringAgg, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat, Replace
from django.http import Http404

from questionnaires.scoring import level_table
from questionnaires.selectors import version_content
from readiness.models import User

from .benchmarks import quartiles_from_table
from .models import (
    AccessLogEntry,
    Agency,
    AgencyConsent,
    AgencyMember,
    Answer,
    Assessment,
    Firm,
    Invitation,
    PeerStatistic,
    PillarScore,
    PortfolioExport,
)

CLIENT_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "score": (F("latest_score").asc(nulls_first=True), "id"),
    "-score": (F("latest_score").desc(nulls_last=True), "id"),
    "submitted": (F("latest_submitted_at").asc(nulls_first=True), "id"),
    "-submitted": (F("latest_submitted_at").desc(nulls_last=True), "id"),
}


# --- Access -------------------------------------------------------------------------------------


def agency_memberships_of(user: User) -> list[AgencyMember]:
    if not user.is_authenticated:
        return []
    return list(AgencyMember.objects.filter(user=user).select_related("agency").order_by("agency__name"))


def agency_member(user: User, agency_id: int) -> AgencyMember:
    """The user's membership of the agency, or 404."""
    member = (
        AgencyMember.objects.filter(user=user, agency_id=agency_id).select_related("agency").first()
        if user.is_authenticated
        else None
    )
    if member is None:
        raise Http404("No such agency.")
    return member


def _clients(agency: Agency) -> QuerySet[Firm]:
    """Firms with an active consent to this agency: the only firms any agency read may touch."""
    return Firm.objects.filter(agency_consents__agency=agency, agency_consents__revoked_at__isnull=True)


def client_assessment(user: User, agency_id: int, assessment_id: int) -> tuple[AgencyMember, Assessment]:
    """A submitted assessment of a consenting client, for a member of the agency; else 404."""
    member = agency_member(user, agency_id)
    assessment = (
        Assessment.objects.select_related("firm", "version")
        .filter(
            pk=assessment_id,
            status=Assessment.Status.SUBMITTED,
            firm__in=_clients(member.agency),
        )
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment.")
    return member, assessment


def client_firm(user: User, agency_id: int, firm_id: int) -> tuple[AgencyMember, Firm]:
    member = agency_member(user, agency_id)
    firm = _clients(member.agency).filter(pk=firm_id).first()
    if firm is None:
        raise Http404("No such client.")
    return member, firm


def agency_export(user: User, agency_id: int, export_id: int) -> tuple[AgencyMember, PortfolioExport]:
    member = agency_member(user, agency_id)
    export = PortfolioExport.objects.filter(agency=member.agency, pk=export_id).first()
    if export is None:
        raise Http404("No such export.")
    return member, export


def client_history(firm: Firm) -> QuerySet[Assessment]:
    return Assessment.objects.filter(firm=firm, status=Assessment.Status.SUBMITTED).order_by("-submitted_at")


# --- The firm's side -----------------------------------------------------------------------------


def consents_of(firm: Firm) -> QuerySet[AgencyConsent]:
    return AgencyConsent.objects.filter(firm=firm).select_related("agency").order_by("revoked_at", "-granted_at")


def consent_of(firm: Firm, consent_id: int) -> AgencyConsent:
    consent = AgencyConsent.objects.filter(firm=firm, pk=consent_id).select_related("agency").first()
    if consent is None:
        raise Http404("No such consent.")
    return consent


def access_log_of(firm: Firm) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(firm=firm).select_related("agency", "user", "assessment")


# --- The dashboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    sector: str = ""
    size_class: str = ""
    country: str = ""
    level: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None

    @property
    def active(self) -> bool:
        return any((self.sector, self.size_class, self.country, self.level, self.submitted_from, self.submitted_to))


@dataclass(frozen=True)
class PillarAverage:
    code: str
    title: str
    average: float | None
    platform_median: float | None = None
    first_average: float | None = None  # re-assessed clients: their first assessment
    latest_average: float | None = None  # ... and their latest


@dataclass(frozen=True)
class Dashboard:
    invited: int
    accepted: int
    assessed: int
    level_counts: list[tuple[str, str, int]]  # (level code, label, clients)
    score_buckets: list[tuple[int, int]]  # (lower bound of a 10-point band, clients)
    pillars: list[PillarAverage] = field(default_factory=list)
    reassessed: int = 0
    platform_overall_median: float | None = None
    cohort_overall_average: float | None = None


def _submitted(*, latest: bool) -> Subquery:
    """The firm's latest (or first) submitted assessment, as a subquery on each firm row."""
    order = ("-submitted_at", "-id") if latest else ("submitted_at", "id")
    return Subquery(
        Assessment.objects.filter(firm=OuterRef("pk"), status=Assessment.Status.SUBMITTED)
        .order_by(*order)
        .values("pk")[:1]
    )


def clients(agency: Agency, filters: DashboardFilters) -> QuerySet[Firm]:
    """The agency's consenting clients matching the filters, with their latest assessment's figures."""
    latest = Assessment.objects.filter(pk=OuterRef("latest_id"))
    firms = (
        _clients(agency)
        .annotate(latest_id=_submitted(latest=True))
        .annotate(
            latest_score=Subquery(latest.values("overall_score")[:1]),
            latest_level=Subquery(latest.values("overall_level")[:1]),
            latest_submitted_at=Subquery(latest.values("submitted_at")[:1]),
            latest_version=Subquery(latest.values("version__label")[:1]),
        )
    )
    if filters.sector:
        firms = firms.filter(sector=filters.sector)
    if filters.size_class:
        firms = firms.filter(size_class=filters.size_class)
    if filters.country:
        firms = firms.filter(country=filters.country)
    if filters.level:
        firms = firms.filter(latest_level=filters.level)
    if filters.submitted_from:
        firms = firms.filter(latest_submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to:
        firms = firms.filter(latest_submitted_at__date__lte=filters.submitted_to)
    return firms


def client_table(agency: Agency, filters: DashboardFilters, sort: str) -> QuerySet[Firm]:
    return clients(agency, filters).order_by(*CLIENT_SORTS.get(sort, CLIENT_SORTS["name"]))


def dashboard(agency: Agency, filters: DashboardFilters, pillar_titles: list[tuple[str, str]]) -> Dashboard:
    """Every figure of the dashboard, in a fixed number of queries whatever the portfolio size."""
    matching = clients(agency, filters)
    latest_ids = matching.filter(latest_id__isnull=False).values("latest_id")
    latest = Assessment.objects.filter(pk__in=latest_ids)

    invited = Invitation.objects.filter(agency=agency, kind=Invitation.Kind.CLIENT).count()
    accepted = _clients(agency).count()  # active consents: a firm that revoked is no longer a client
    # One pass over the latest assessments for the count, levels, score bands and the average.
    levels = level_table()
    figures = latest.aggregate(
        assessed=Count("id"),
        average=Avg("overall_score"),
        **{f"level_{code}": Count("id", filter=Q(overall_level=code)) for code, _label, _range in levels},
        **{
            f"band_{low}": Count("id", filter=Q(overall_score__gte=low * 10, overall_score__lt=low * 10 + 10))
            for low in range(9)
        },
        band_9=Count("id", filter=Q(overall_score__gte=90)),  # 100 belongs to the top band, as to Leading
    )
    assessed = figures["assessed"]
    level_counts = [(code, label, figures[f"level_{code}"]) for code, label, _range in levels]
    score_buckets = [(low * 10, figures[f"band_{low}"]) for low in range(10)]

    averages = dict(
        PillarScore.objects.filter(assessment__in=latest)
        .values_list("pillar_code")
        .annotate(avg=Avg("score"))
        .values_list("pillar_code", "avg")
    )
    # Progress: clients with two or more submitted assessments, first against latest.
    reassessed_firms = (
        matching.annotate(first_id=_submitted(latest=False)).exclude(first_id=F("latest_id")).filter(latest_id__isnull=False)
    )
    first_avg = dict(
        PillarScore.objects.filter(assessment__in=reassessed_firms.values("first_id"))
        .values_list("pillar_code")
        .annotate(avg=Avg("score"))
        .values_list("pillar_code", "avg")
    )
    latest_avg = dict(
        PillarScore.objects.filter(assessment__in=reassessed_firms.values("latest_id"))
        .values_list("pillar_code")
        .annotate(avg=Avg("score"))
        .values_list("pillar_code", "avg")
    )
    reassessed = reassessed_firms.count()
    platform = _platform_medians()
    return Dashboard(
        invited=invited,
        accepted=accepted,
        assessed=assessed,
        level_counts=level_counts,
        score_buckets=score_buckets,
        pillars=[
            PillarAverage(
                code=code,
                title=title,
                average=averages.get(code),
                platform_median=platform.get(code),
                first_average=first_avg.get(code),
                latest_average=latest_avg.get(code),
            )
            for code, title in pillar_titles
        ],
        reassessed=reassessed,
        platform_overall_median=platform.get(PeerStatistic.OVERALL),
        cohort_overall_average=figures["average"],
    )


def _platform_medians() -> dict[str, float | None]:
    """All-platform medians per pillar, from the peer statistics (scope "all"; never below K)."""
    k = settings.BENCHMARK_MIN_GROUP
    medians: dict[str, float | None] = {}
    for statistic in PeerStatistic.objects.filter(scope="all", includes_demo=settings.BENCHMARK_DEMO_MODE):
        if statistic.n >= k and statistic.percentiles and statistic.min_group <= k:
            medians[statistic.pillar_code] = quartiles_from_table(statistic.percentiles, statistic.n, k).median
    return medians


def weakest_pillars(board: Dashboard, count: int = 2) -> list[PillarAverage]:
    scored = [p for p in board.pillars if p.average is not None]
    return sorted(scored, key=lambda p: p.average)[:count]


def pillar_scores_for(assessment_ids: list[int]) -> dict[int, dict[str, float | None]]:
    """Pillar scores of one page of the client table, for its heatmap: one query."""
    table: dict[int, dict[str, float | None]] = {}
    for assessment_id, code, score in PillarScore.objects.filter(assessment_id__in=assessment_ids).values_list(
        "assessment_id", "pillar_code", "score"
    ):
        table.setdefault(assessment_id, {})[code] = score
    return table


def pillar_titles_of_latest_version() -> list[tuple[str, str]]:
    from questionnaires.selectors import current_version

    version = current_version()
    if version is None:
        return []
    return [(p.code, p.label()) for p in version_content(version.pk).pillars]


# --- Export ---------------------------------------------------------------------------------------


def export_rows(agency: Agency, filters: DashboardFilters) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows (one per client's latest assessment) of the portfolio export.

    Three queries whatever the number of clients — firms, pillar scores, answers — each read
    in chunks and ordered by assessment, and merged as they stream: memory stays flat. The
    database folds each assessment's scores and answers into one string (``StringAgg``), so
    Python handles one row per client rather than 46 (the export's time is mostly there).
    Columns: profile, scores, then one per question of the current version, headed by its
    stable code, holding the choice code (several, for a checklist, joined by "|").
    """
    titles = pillar_titles_of_latest_version()
    pillar_codes = [code for code, _title in titles]
    question_codes = list(_current_question_codes())
    header = [
        "firm_id", "firm_name", "country", "sector", "size_class", "region", "assessment_id", "submitted_at",
        "questionnaire_version", "overall_score", "overall_level",
        *(f"score_{code}" for code in pillar_codes),
        *question_codes,
    ]  # fmt: skip
    matching = clients(agency, filters).filter(latest_id__isnull=False)
    latest_ids = matching.values("latest_id")
    firms = matching.order_by("latest_id").values_list(
        "id", "name", "country", "sector", "size_class", "region", "latest_id", "latest_submitted_at",
        "latest_score", "latest_level", "latest_version",
    )  # fmt: skip
    scores = _folded(
        PillarScore.objects.filter(assessment__in=latest_ids),
        Concat(F("pillar_code"), Value(CELL_KEY), Cast("score", TextField())),
    )
    answers = _folded(
        Answer.objects.filter(assessment__in=latest_ids),
        Concat(F("question__code"), Value(CELL_KEY), _choice_text("choice_codes")),
    )

    def rows() -> Iterator[list[Any]]:
        score_stream = scores.iterator(chunk_size=EXPORT_CHUNK)
        answer_stream = answers.iterator(chunk_size=EXPORT_CHUNK)
        next_scores = next(score_stream, None)
        next_answers = next(answer_stream, None)
        for firm_id, name, country, sector, size, region, latest, submitted, score, level, version in firms.iterator(
            chunk_size=EXPORT_CHUNK
        ):
            own_scores: dict[str, str] = {}
            while next_scores is not None and next_scores[0] <= latest:
                if next_scores[0] == latest:
                    own_scores = _unfold(next_scores[1])
                next_scores = next(score_stream, None)
            own_answers: dict[str, str] = {}
            while next_answers is not None and next_answers[0] <= latest:
                if next_answers[0] == latest:
                    own_answers = _unfold(next_answers[1])
                next_answers = next(answer_stream, None)
            yield [
                firm_id, name, str(country), sector, size, region, latest,
                submitted.isoformat() if submitted else "", version or "",
                "" if score is None else score, level,
                *(own_scores.get(code, "") for code in pillar_codes),
                *(own_answers.get(code, "") for code in question_codes),
            ]  # fmt: skip

    return header, rows()


EXPORT_CHUNK = 2000
# Separators inside the database's folded strings: control characters no code or score contains.
CELL_KEY = "\x1e"
CELL_SEPARATOR = "\x1f"


def _folded(rows: QuerySet[Any], cell: Any) -> QuerySet[Any]:
    """(assessment id, "key\x1evalue\x1f...") per assessment, ordered by assessment id."""
    return (
        rows.values("assessment_id")
        .annotate(cells=StringAgg(cell, Value(CELL_SEPARATOR)))
        .order_by("assessment_id")
        .values_list("assessment_id", "cells")
    )


def _unfold(folded: str | None) -> dict[str, str]:
    if not folded:
        return {}
    return dict(cell.split(CELL_KEY, 1) for cell in folded.split(CELL_SEPARATOR) if CELL_KEY in cell)


def _choice_text(field_name: str) -> Replace:
    """A stored answer's JSON text, '["a", "b"]', as the export's "a|b", in the database.

    Both SQLite and PostgreSQL write a JSON list of strings as '["a", "b"]'; choice codes are
    slugs, so no quote, comma or bracket can occur inside one.
    """
    text = Replace(Cast(field_name, TextField()), Value("[]"), Value(""))  # no answer stored
    without_brackets = Replace(Replace(text, Value('["'), Value("")), Value('"]'), Value(""))
    return Replace(without_brackets, Value('", "'), Value("|"))


def _current_question_codes() -> tuple[str, ...]:
    from questionnaires.selectors import current_version

    version = current_version()
    return version_content(version.pk).question_codes() if version else ()


def consent_active(agency: Agency, firm: Firm) -> bool:
    return AgencyConsent.objects.filter(agency=agency, firm=firm, revoked_at__isnull=True).exists()
