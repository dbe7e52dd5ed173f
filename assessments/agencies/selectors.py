"""Reads for agencies: who may see what, and the portfolio dashboard.

The rule, checked on every request: an advisor (any member of an agency) sees a firm's
submitted assessments only while that firm's consent to that agency is active. Anyone else —
another agency's advisors, an agency the firm never agreed to or has revoked — gets 404, and
no filter or URL parameter can widen that: every query below starts from ``_consenting``.

Aggregates are computed by the database over one summary row per client (``FirmSummary``:
its first and latest submitted assessments), so the number of queries does not grow with the
portfolio and the time grows slowly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import NotSupportedError, connections
from django.db.models import Avg, Count, F, Func, Max, OuterRef, Q, QuerySet, Subquery, Sum, TextField
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from assessments.models import Assessment, Firm, FirmSummary, PeerStatistic, PillarScore
from assessments.selectors import PeerChange, dma_view_for, is_published, peer_change_for, released_quartiles
from assessments.spreadsheet_cells import csv_cells, csv_separated_cells
from questionnaires.dma import DIMENSIONS as DMA_DIMENSIONS
from questionnaires.loader import KNOWN_PILLARS
from questionnaires.models import QuestionnaireVersion
from questionnaires.scoring import level_table, round_score
from questionnaires.selectors import current_version, version_content
from readiness import two_factor
from readiness.models import User
from readiness.streamed_rows import streamed_values

from .consent import consent_version
from .models import (
    AccessLogEntry,
    Agency,
    AgencyConsent,
    AgencyMember,
    ApiToken,
    Invitation,
    PortfolioExport,
    ServiceRecord,
    SupportMeasurement,
    WebhookDelivery,
    WebhookEndpoint,
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
    """The user's membership of the agency, or 404; ``SecondFactorRequired`` when the agency
    requires a second factor and this session was not signed in with one (every agency page
    starts here, so none opens without it)."""
    member = (
        AgencyMember.objects.filter(user=user, agency_id=agency_id).select_related("agency").first()
        if user.is_authenticated
        else None
    )
    if member is None:
        raise Http404("No such agency.")
    if member.agency.require_second_factor and not two_factor.is_verified(user):
        raise two_factor.SecondFactorRequired("This agency requires a second factor.")
    return member


def agencies_requiring_second_factor(user: User) -> list[str]:
    """The names of the person's agencies that require their advisors to sign in with a second step."""
    return list(
        AgencyMember.objects.filter(user=user, agency__require_second_factor=True)
        .order_by("agency__name")
        .values_list("agency__name", flat=True)
    )


def _consenting(agency: Agency, firm: str = "") -> Q:
    """A consent in force to this agency (not revoked, given to today's words:
    ``AgencyConsent.objects.in_force``), on the firm at path ``firm`` ("" from Firm): the rule
    every agency read starts from."""
    return Q(
        **{
            f"{firm}agency_consents__agency": agency,
            f"{firm}agency_consents__revoked_at__isnull": True,
            f"{firm}agency_consents__text_version": consent_version(),
        }
    )


def _clients(agency: Agency) -> QuerySet[Firm]:
    """Firms with an active consent to this agency: the only firms any agency read may touch."""
    return Firm.objects.filter(_consenting(agency))


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


def client_codes(agency: Agency) -> QuerySet[Invitation]:
    """The agency's client codes still working, newest first, with how many firms used each."""
    return (
        Invitation.objects.filter(agency=agency, kind=Invitation.Kind.CLIENT_CODE, withdrawn_at=None)
        .annotate(used=Count("consents"))
        .order_by("-created_at")
    )


def client_code(user: User, agency_id: int, invitation_id: int) -> tuple[AgencyMember, Invitation]:
    """A working client code of the user's agency, or 404."""
    member = agency_member(user, agency_id)
    code = client_codes(member.agency).filter(pk=invitation_id).first()
    if code is None:
        raise Http404("No such code.")
    return member, code


def client_history(firm: Firm) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(firm=firm, status=Assessment.Status.SUBMITTED)
        .select_related("version")
        .order_by("-submitted_at")
    )


# --- The firm's side -----------------------------------------------------------------------------


def consents_of(firm: Firm) -> QuerySet[AgencyConsent]:
    return AgencyConsent.objects.filter(firm=firm).select_related("agency").order_by("revoked_at", "-granted_at")


def consents_to_renew(firm: Firm) -> QuerySet[AgencyConsent]:
    """The firm's consents that are not revoked but were given to other words than today's."""
    return (
        AgencyConsent.objects.filter(firm=firm, revoked_at__isnull=True)
        .exclude(text_version=consent_version())
        .select_related("agency")
    )


def consent_of(firm: Firm, consent_id: int) -> AgencyConsent:
    consent = AgencyConsent.objects.filter(firm=firm, pk=consent_id).select_related("agency").first()
    if consent is None:
        raise Http404("No such consent.")
    return consent


def access_log_of(firm: Firm) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(firm=firm).select_related("agency", "user", "assessment")


def access_log_by_advisor_and_day(firm: Firm) -> QuerySet[AccessLogEntry, dict[str, Any]]:
    """The firm's access log grouped by day (in the reader's time zone), agency, advisor and
    action, newest first: {"day", "agency", "advisor", "action", "times", "last"} per group.
    Exports write one entry per firm each time, so a busy advisor's day reads as one line."""
    return (
        AccessLogEntry.objects.filter(firm=firm)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("day", "action", agency_name=F("agency__name"), advisor=F("user__email"))
        .annotate(times=Count("id"), last=Max("at"))
        .order_by("-day", "-last", "agency_name", "advisor", "action")
    )


def client_export_entries(agency: Agency, filters: DashboardFilters) -> QuerySet[Firm, tuple[int, int | None]]:
    """(firm id, latest submitted assessment id) of every client an export with ``filters`` holds."""
    return clients(agency, filters).order_by().values_list("id", "latest_id")


# --- The dashboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    sector: str = ""
    size_class: str = ""
    country: str = ""
    region: str = ""
    level: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    verified: str = ""  # VERIFIED_SOME or VERIFIED_ALL: answers an advisor verified in the latest assessment

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


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
    reassessed_across_versions: int = 0  # of those, first and latest on different questionnaire versions
    platform_overall_median: float | None = None
    cohort_overall_average: float | None = None


VERIFIED_SOME, VERIFIED_ALL = "some", "all"


def _filter_condition(filters: DashboardFilters, *, firm: str, summary: str) -> Q:
    """The filters as one condition; ``firm`` and ``summary`` are the paths to the firm's and
    its summary's fields from the model queried ("" or "firm__", "summary__" or "")."""
    condition = Q()
    for name in ("sector", "size_class", "country"):
        if value := getattr(filters, name):
            condition &= Q(**{f"{firm}{name}": value})
    if filters.region:
        condition &= Q(**{f"{firm}region__iexact": filters.region})
    if filters.level:
        condition &= Q(**{f"{summary}latest_level": filters.level})
    if filters.verified == VERIFIED_SOME:
        condition &= Q(**{f"{summary}latest_verified__gt": 0})
    elif filters.verified == VERIFIED_ALL:
        condition &= Q(
            **{f"{summary}latest_verified__gt": 0, f"{summary}latest_verified": F(f"{summary}latest_answered")}
        )
    # Whole days in the site's time zone, compared as instants: an index can serve it, where
    # a __date lookup would convert every row first.
    if filters.submitted_from:
        condition &= Q(**{f"{summary}latest_submitted_at__gte": _start_of(filters.submitted_from)})
    if filters.submitted_to:
        condition &= Q(**{f"{summary}latest_submitted_at__lt": _start_of(filters.submitted_to + timedelta(days=1))})
    return condition


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def clients(agency: Agency, filters: DashboardFilters) -> QuerySet[Firm]:
    """The agency's consenting clients matching the filters, with their latest assessment's figures."""
    return (
        _clients(agency)
        .filter(_filter_condition(filters, firm="", summary="summary__"))
        .annotate(
            latest_id=F("summary__latest_id"),
            latest_score=F("summary__latest_score"),
            latest_level=F("summary__latest_level"),
            latest_submitted_at=F("summary__latest_submitted_at"),
        )
    )


def client_table(agency: Agency, filters: DashboardFilters, sort: str) -> QuerySet[Firm]:
    """One page's worth of clients, each with its latest pillar scores (``pillar_<code>``) for the heatmap."""
    return (
        clients(agency, filters)
        .annotate(**{f"pillar_{code}": F(f"summary__latest_{code}") for code in KNOWN_PILLARS})
        .order_by(*CLIENT_SORTS.get(sort, CLIENT_SORTS["name"]))
    )


def _summaries(agency: Agency, filters: DashboardFilters) -> QuerySet[FirmSummary]:
    """The summaries (latest and first assessment) of the agency's consenting, matching clients."""
    matching = _filter_condition(filters, firm="firm__", summary="")
    return FirmSummary.objects.filter(_consenting(agency, firm="firm__") & matching)


def dashboard(agency: Agency, filters: DashboardFilters, pillar_titles: list[tuple[str, str]]) -> Dashboard:
    """Every figure of the dashboard, in a fixed number of queries whatever the portfolio size.

    One pass of the database over one summary row per client gives the counts, the levels,
    the score bands, the pillar averages and the progress of re-assessed clients.
    """
    levels = level_table()
    reassessed = Q(submitted_count__gte=2)
    figures = _summaries(agency, filters).aggregate(
        assessed=Count("pk"),
        average=Avg("latest_score"),
        reassessed=Count("pk", filter=reassessed),
        across_versions=Count("pk", filter=reassessed & Q(versions_differ=True)),
        **{f"level_{code}": Count("pk", filter=Q(latest_level=code)) for code, _label, _range in levels},
        **{
            f"band_{low}": Count("pk", filter=Q(latest_score__gte=low * 10, latest_score__lt=low * 10 + 10))
            for low in range(9)
        },
        band_9=Count("pk", filter=Q(latest_score__gte=90)),  # 100 belongs to the top band, as to Leading
        **{f"average_{code}": Avg(f"latest_{code}") for code in KNOWN_PILLARS},
        **{f"first_{code}": Avg(f"first_{code}", filter=reassessed) for code in KNOWN_PILLARS},
        **{f"progress_{code}": Avg(f"latest_{code}", filter=reassessed) for code in KNOWN_PILLARS},
    )
    invited = Invitation.objects.filter(agency=agency, kind=Invitation.Kind.CLIENT).count()
    # Consents in force: a firm that revoked, or has yet to agree to new terms, is not a client.
    accepted = AgencyConsent.objects.in_force().filter(agency=agency).count()
    platform = _platform_medians()
    return Dashboard(
        invited=invited,
        accepted=accepted,
        assessed=figures["assessed"],
        level_counts=[(code, label, figures[f"level_{code}"]) for code, label, _range in levels],
        score_buckets=[(low * 10, figures[f"band_{low}"]) for low in range(10)],
        pillars=[
            PillarAverage(
                code=code,
                title=title,
                average=figures.get(f"average_{code}"),
                platform_median=platform.get(code),
                first_average=figures.get(f"first_{code}"),
                latest_average=figures.get(f"progress_{code}"),
            )
            for code, title in pillar_titles
        ],
        reassessed=figures["reassessed"],
        reassessed_across_versions=figures["across_versions"],
        platform_overall_median=platform.get(PeerStatistic.OVERALL),
        cohort_overall_average=figures["average"],
    )


def _platform_medians() -> dict[str, float | None]:
    """All-platform medians per pillar, as published in the peer snapshot (scope "all"; never
    below K, released under differential privacy: ``assessments.disclosure``)."""
    k = settings.BENCHMARK_MIN_GROUP
    medians: dict[str, float | None] = {}
    for statistic in PeerStatistic.objects.filter(scope="all", includes_demo=settings.BENCHMARK_DEMO_MODE):
        if is_published(statistic, k):
            medians[statistic.pillar_code] = released_quartiles(statistic.percentiles)[1]
    return medians


def weakest_pillars(board: Dashboard, count: int = 2) -> list[PillarAverage]:
    scored = [p for p in board.pillars if p.average is not None]
    return sorted(scored, key=lambda p: p.average)[:count]


def pillar_titles_of_latest_version() -> list[tuple[str, str]]:
    version = current_version()
    if version is None:
        return []
    return [(p.code, p.label()) for p in version_content(version.pk).pillars]


# --- Export ---------------------------------------------------------------------------------------


# Columns of the export holding text a user typed: the only ones a spreadsheet could take for a formula.
EXPORT_FREE_TEXT_COLUMNS = ("firm_name", "region")


def export_rows(
    agency: Agency, filters: DashboardFilters, *, answers_as_csv: bool = False
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows (one per client's latest assessment) of the portfolio export.

    One query whatever the number of clients, read in chunks so memory stays flat: every
    figure comes from the client's summary rows (``FirmSummary``, ``FirmLatestAnswers``).
    Columns: profile, scores, the six DMA dimensions and their average (``questionnaires.dma``;
    empty for a version without a DMA mapping), T0/T1 and services, the answers by trust level
    (verified by an advisor, evidence noted, self-declared), then one per question, headed by its stable
    code, holding the choice code (several, for a checklist, joined by "|"): the current
    version's questions first, then those only earlier versions ask, so a client whose latest
    assessment is on an earlier version keeps its answers. A cell the client has no value for is
    None, which csv writes as an empty cell, as does ``xlsx_file``.

    ``answers_as_csv``: each row ends instead with its answer cells already written as CSV (one
    text, the cells comma-separated, quoted where they need it), for ``csv_record``'s
    ``written_tail``: the CSV export then never handles the answers cell by cell.
    """
    titles = pillar_titles_of_latest_version()
    pillar_codes = [code for code, _title in titles]
    question_codes = list(_export_question_codes())
    header = [
        "firm_id", "firm_name", "country", "sector", "size_class", "region", "assessment_id", "submitted_at",
        "questionnaire_version", "overall_score", "overall_level",
        *(f"score_{code}" for code in pillar_codes),
        *(f"dma_{code}" for code in DMA_DIMENSIONS), "dma_average",
        "t0_assessment_id", "t1_assessment_id", "services_count", "services_hours", "services_value_eur",
        "answers_verified", "answers_with_evidence", "answers_self_declared",
        *question_codes,
    ]  # fmt: skip
    columns = (
        "id", "name", "country", "sector", "size_class", "region", "latest_id", "latest_submitted_at",
        "latest_version", "latest_score", "latest_level", "answer_cells", "summary__latest__version_id",
        "t0_id", "t1_id", "services_count", "services_hours", "services_value",
        "summary__latest_answered", "summary__latest_evidence", "summary__latest_verified",
        *(f"summary__{FirmSummary.dma_field('latest', code)}" for code in DMA_DIMENSIONS),
        *(f"summary__latest_{code}" for code in pillar_codes),
    )  # fmt: skip
    answers_column, answer_cells = _answers_reader(
        question_codes, connections[Firm.objects.db].vendor, as_csv=answers_as_csv
    )
    measurement = SupportMeasurement.objects.filter(agency=agency, firm=OuterRef("pk"))
    services = ServiceRecord.objects.filter(agency=agency, firm=OuterRef("pk")).order_by().values("firm")
    firms = (
        clients(agency, filters)
        .filter(latest_id__isnull=False)
        .annotate(
            latest_version=F("summary__latest__version__label"),
            answer_cells=answers_column,
            t0_id=Subquery(measurement.values("t0_id")[:1]),
            t1_id=Subquery(measurement.values("t1_id")[:1]),
            services_count=Coalesce(Subquery(services.annotate(n=Count("pk")).values("n")), 0),
            services_hours=Subquery(services.annotate(total=Sum("hours")).values("total")),
            services_value=Subquery(services.annotate(total=Sum("value_eur")).values("total")),
        )
        .order_by("latest_id")
        .values_list(*columns)
    )

    def rows() -> Iterator[list[Any]]:
        for (
            firm_id,
            name,
            country,
            sector,
            size,
            region,
            latest,
            submitted,
            version,
            score,
            level,
            *rest,
        ) in streamed_values(firms, EXPORT_CHUNK):
            answers, _version_id, t0, t1, service_count, hours, value, answered, evidence, verified, *figures = rest
            dma, scores = figures[: len(DMA_DIMENSIONS)], figures[len(DMA_DIMENSIONS) :]
            yield [
                firm_id, name, str(country), sector, size, region, latest,
                submitted.isoformat() if submitted else "", version or "",
                score, level,
                *scores,
                *dma, dma_average(dma),
                t0, t1, service_count, hours, value,
                verified, evidence, answered - verified - evidence,
                *answer_cells(answers),
            ]  # fmt: skip

    return header, rows()


EXPORT_CHUNK = 2000
# Between the answer cells PostgreSQL reads out for an export: choice codes never hold it.
ANSWER_CELL_SEPARATOR = "\x1f"  # the ASCII unit separator


class AnswersInOrder(Func):
    """PostgreSQL: a client's stored latest answers to ``codes``, in that order, as one text of
    cells joined by ``ANSWER_CELL_SEPARATOR`` ("" where there is no answer).

    The document is read once (``jsonb_strip_nulls`` makes the one uncompressed copy the codes
    are then taken from): taken code by code from the stored column, each ``->>`` would
    decompress it again, which made a 100,000-client export take 32 s. Read out whole instead,
    each 2.6 KB document is written out as JSON by the server and parsed again in Python, about
    2 s of a 100,000-client export that this saves."""

    output_field = TextField()

    def __init__(self, document: Any, codes: list[str]) -> None:
        super().__init__(document)
        self.codes = codes

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        raise NotSupportedError("AnswersInOrder reads PostgreSQL's jsonb")

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple[Any, ...]]:
        document, params = compiler.compile(self.source_expressions[0])
        cells = ", ".join(["COALESCE(d ->> %s, '')"] * len(self.codes))
        return (
            f"(SELECT array_to_string(ARRAY[{cells}], %s) "  # noqa: S608 - placeholders and a compiled column
            f"FROM (SELECT jsonb_strip_nulls({document}) AS d OFFSET 0) AS document)",
            (*self.codes, ANSWER_CELL_SEPARATOR, *params),
        )


def _answers_reader(codes: list[str], vendor: str, *, as_csv: bool) -> tuple[Any, Any]:
    """The column of a client's latest answers an export selects, and how a row's value becomes
    its answer cells: one per code (None where there is no answer) or, ``as_csv``, one text of
    them written as CSV. On PostgreSQL the cells come out of the database in order
    (``AnswersInOrder``); elsewhere the stored document is decoded."""
    if not codes:  # nothing to write; as CSV, no text after the row's other cells (None)
        return F("latest_answers__answers"), (lambda _answers: [None]) if as_csv else (lambda _answers: [])
    document = F("latest_answers__answers")
    if vendor == "postgresql":
        in_order = AnswersInOrder(document, codes)
        if as_csv:
            return in_order, lambda text: [csv_separated_cells(text, ANSWER_CELL_SEPARATOR)]
        return in_order, lambda text: [cell or None for cell in text.split(ANSWER_CELL_SEPARATOR)]
    if as_csv:
        return document, lambda answers: [csv_cells([answers.get(code) for code in codes])]
    return document, lambda answers: [answers.get(code) or None for code in codes]


def _export_question_codes() -> list[str]:
    """The current version's question codes, then those that only earlier versions ask."""
    codes: dict[str, None] = {}
    for version_id in (
        QuestionnaireVersion.objects.published().order_by("-published_at", "-id").values_list("pk", flat=True)
    ):
        codes.update(dict.fromkeys(version_content(version_id).question_codes()))
    return list(codes)


def dma_average(dimensions: list[float | None]) -> float | None:
    """The DMA overall from the summary's six dimension scores: their average, when all six have one."""
    if not dimensions or None in dimensions:
        return None
    return round_score(sum(dimensions) / len(dimensions))  # type: ignore[arg-type]


def consent_active(agency: Agency, firm: Firm) -> bool:
    return AgencyConsent.objects.in_force().filter(agency=agency, firm=firm).exists()


# --- Before and after support, and the service log -------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    code: str
    title: str
    before: float | None
    after: float | None
    peer_change: float | None = None  # comparable firms' median change over as long a period, when published

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else round(self.after - self.before, 1)


@dataclass(frozen=True)
class Measurement:
    t0: Assessment
    t1: Assessment | None
    pillars: list[ChangeRow]  # overall first
    dma: list[ChangeRow]  # the six dimensions, then the DMA average; [] without a mapping
    versions_differ: bool
    peers: PeerChange | None = None  # the group the peer changes come from
    months: int | None = None  # from T0 to T1, rounded


def client_measurement(agency: Agency, firm: Firm) -> Measurement | None:
    """The client's T0 and T1 for this agency, and the change per pillar and per DMA dimension."""
    marked = SupportMeasurement.objects.filter(agency=agency, firm=firm).select_related("t0__version", "t1__version")
    measurement = marked.first()
    if measurement is None:
        return None
    t0, t1 = measurement.t0, measurement.t1
    scores = {
        (row["assessment_id"], row["pillar_code"]): row["score"]
        for row in PillarScore.objects.filter(assessment__in=[a for a in (t0, t1) if a]).values(
            "assessment_id", "pillar_code", "score"
        )
    }
    pillars = [ChangeRow("overall", str(gettext("Overall")), t0.overall_score, t1.overall_score if t1 else None)]
    peers = peer_change_for(firm) if t1 else None
    days = (t1.submitted_at - t0.submitted_at).total_seconds() / 86400 if t1 else 0
    pillars += [
        ChangeRow(
            code,
            title,
            scores.get((t0.pk, code)),
            scores.get((t1.pk, code)) if t1 else None,
            peers.over(code, days) if peers else None,
        )
        for code, title in pillar_titles_of_latest_version()
    ]
    before, after = dma_view_for(t0), (dma_view_for(t1) if t1 else None)
    dma: list[ChangeRow] = []
    if before is not None:
        later = {row.code: row.score for row in after.rows} if after else {}
        dma = [
            ChangeRow(
                row.code,
                row.title,
                row.score,
                later.get(row.code),
                peers.over(row.code, days) if peers else None,
            )
            for row in before.rows
        ]
        dma.append(ChangeRow("average", str(gettext("DMA average")), before.average, after.average if after else None))
    return Measurement(
        t0=t0,
        t1=t1,
        pillars=pillars,
        dma=dma,
        versions_differ=bool(t1) and t0.version_id != t1.version_id,
        peers=peers,
        months=round(days / 30.44) if t1 else None,
    )


def client_services(agency: Agency, firm: Firm) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(agency=agency, firm=firm).select_related("recorded_by")


def records_about(firm: Firm) -> tuple[QuerySet[SupportMeasurement], QuerySet[ServiceRecord]]:
    """What agencies have recorded about the firm (T0/T1 marks, services), for the firm to see."""
    marks = SupportMeasurement.objects.filter(firm=firm).select_related("agency", "t0", "t1").order_by("agency__name")
    services = ServiceRecord.objects.filter(firm=firm).select_related("agency").order_by("-delivered_on", "-id")
    return marks, services


SERVICE_EXPORT_HEADER = ["firm_id", "firm_name", "delivered_on", "kind", "hours", "value_eur", "note", "recorded_by"]


def service_export_rows(agency: Agency) -> Iterator[list[Any]]:
    """The service log of the agency's consenting clients, oldest first, one row per service."""
    records = (
        ServiceRecord.objects.filter(agency=agency, firm__in=_clients(agency))
        .order_by("delivered_on", "id")
        .values_list(
            "firm_id", "firm__name", "delivered_on", "kind", "hours", "value_eur", "note", "recorded_by__email"
        )
    )
    for firm_id, name, day, kind, hours, value, note, by in records.iterator(chunk_size=EXPORT_CHUNK):
        yield [firm_id, name, day.isoformat(), kind, hours, value, note, by or ""]


def service_export_firms(agency: Agency) -> QuerySet[Firm, tuple[int, int | None]]:
    """The firms a service-log export holds, with their latest assessment, for the access log."""
    firms = _clients(agency).filter(services_received__agency=agency).distinct()
    return firms.values_list("pk", "summary__latest_id")


def api_clients(agency: Agency) -> QuerySet[Firm]:
    """The agency's consenting clients as the API lists them: profile, since when they consent,
    and their latest assessment's figures from the summary row."""
    consent = AgencyConsent.objects.in_force().filter(agency=agency, firm=OuterRef("pk")).order_by("-granted_at")
    return _clients(agency).annotate(
        consent_since=Subquery(consent.values("granted_at")[:1]),
        latest_assessment_id=F("summary__latest_id"),
        latest_submitted_at=F("summary__latest_submitted_at"),
        latest_score=F("summary__latest_score"),
        latest_level=F("summary__latest_level"),
        questionnaire_version=F("summary__latest__version__label"),
    )


def agency_admin(user: User, agency_id: int) -> AgencyMember:
    """The user's membership of the agency if they are its admin; else 404."""
    member = agency_member(user, agency_id)
    if member.role != AgencyMember.Role.ADMIN:
        raise Http404("Only the agency's admin manages this.")
    return member


def api_keys(agency: Agency) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(agency=agency).select_related("created_by", "revoked_by")


def webhooks_of(agency: Agency) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(agency=agency)


def webhook_deliveries(agency: Agency) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint__agency=agency).select_related("endpoint")
