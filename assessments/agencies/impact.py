"""The agency's impact report: clients measured before (T0) and after (T1) its support, over a
period, with the median change per pillar and per DMA dimension, overall and by kind of service.

A client counts when its T1 was submitted within the period. Services count for a client when
they were delivered between its T0 and its T1 (both days included). Only clients that consent
now are read, like every agency page. A fixed number of queries whatever the number of clients:
pairs, pillar scores, answers (for the DMA scores) and services are each read in one query.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from assessments.models import Answer, Assessment, PillarScore
from questionnaires.dma import DIMENSIONS, dma_scores
from questionnaires.models import translated
from questionnaires.selectors import current_version, dma_mapping_for, version_content

from .models import Agency, ServiceRecord, SupportMeasurement
from .selectors import _clients, pillar_titles_of_latest_version

OVERALL = "overall"
DMA_AVERAGE = "dma_average"


@dataclass(frozen=True)
class ImpactPair:
    firm_id: int
    firm_name: str
    t0_id: int
    t0_on: date
    t1_id: int
    t1_on: date
    versions_differ: bool
    change: dict[str, float | None]  # "overall", pillar codes, DMA dimension codes, "dma_average"
    services: dict[str, int]  # service kind -> how many between T0 and T1
    hours: Decimal


@dataclass(frozen=True)
class MedianRow:
    code: str
    title: str
    median: float | None  # None: no client has both scores
    counted: int


@dataclass(frozen=True)
class KindRow:
    kind: str
    title: str
    clients: int
    overall: float | None
    dma_average: float | None


@dataclass(frozen=True)
class ImpactReport:
    date_from: date
    date_to: date
    pairs: list[ImpactPair]
    pillars: list[MedianRow]  # overall first
    dma: list[MedianRow]  # the six dimensions, then the DMA average
    by_kind: list[KindRow] = field(default_factory=list)

    @property
    def versions_differ(self) -> int:
        return sum(pair.versions_differ for pair in self.pairs)


def median_of(values: list[float | None]) -> tuple[float | None, int]:
    present = [v for v in values if v is not None]
    return (round(statistics.median(present), 1) if present else None), len(present)


def impact_report(agency: Agency, date_from: date, date_to: date) -> ImpactReport:
    marked = list(
        SupportMeasurement.objects.filter(
            agency=agency,
            firm__in=_clients(agency),
            t1__isnull=False,
            t1__submitted_at__date__gte=date_from,
            t1__submitted_at__date__lte=date_to,
        )
        .select_related("firm", "t0__version", "t1__version")
        .order_by("firm__name", "firm_id")
    )
    assessments: list[Assessment] = [a for m in marked for a in (m.t0, m.t1)]
    scores = _scores_of(assessments)
    services = _services_between(agency, marked)
    pairs = []
    for m in marked:
        before, after = scores[m.t0_id], scores[m.t1_id]
        change = {
            code: None if before.get(code) is None or after.get(code) is None else round(after[code] - before[code], 1)
            for code in {*before, *after}
        }
        kinds = services.get(m.pk, [])
        pairs.append(
            ImpactPair(
                firm_id=m.firm_id,
                firm_name=m.firm.name,
                t0_id=m.t0_id,
                t0_on=m.t0.submitted_at.date(),
                t1_id=m.t1_id,
                t1_on=m.t1.submitted_at.date(),
                versions_differ=m.t0.version_id != m.t1.version_id,
                change=change,
                services={kind: sum(1 for k, _h in kinds if k == kind) for kind in ServiceRecord.Kind.values},
                hours=sum((h for _k, h in kinds if h is not None), Decimal(0)),
            )
        )
    return _summarise(date_from, date_to, pairs)


def _summarise(date_from: date, date_to: date, pairs: list[ImpactPair]) -> ImpactReport:
    pillar_rows = [(OVERALL, _("Overall")), *pillar_titles_of_latest_version()]
    dma_titles = _dma_titles()
    dma_rows = [*((code, dma_titles.get(code, code)) for code in DIMENSIONS), (DMA_AVERAGE, _("DMA average"))]

    def medians(rows: list[tuple[str, str]]) -> list[MedianRow]:
        return [MedianRow(code, title, *median_of([p.change.get(code) for p in pairs])) for code, title in rows]

    by_kind = []
    for kind, title in ServiceRecord.Kind.choices:
        served = [p for p in pairs if p.services.get(kind)]
        by_kind.append(
            KindRow(
                kind,
                str(title),
                len(served),
                median_of([p.change.get(OVERALL) for p in served])[0],
                median_of([p.change.get(DMA_AVERAGE) for p in served])[0],
            )
        )
    unserved = [p for p in pairs if not any(p.services.values())]
    by_kind.append(
        KindRow(
            "none",
            _("No service recorded between T0 and T1"),
            len(unserved),
            median_of([p.change.get(OVERALL) for p in unserved])[0],
            median_of([p.change.get(DMA_AVERAGE) for p in unserved])[0],
        )
    )
    return ImpactReport(date_from, date_to, pairs, medians(pillar_rows), medians(dma_rows), by_kind)


def _dma_titles() -> dict[str, str]:
    """The DMA dimensions' titles, in the reader's language, from the current version's mapping."""
    version = current_version()
    mapping = dma_mapping_for(version.pk, version.label) if version else None
    return {d.code: translated(d.title) for d in mapping.dimensions} if mapping else {}


def _scores_of(assessments: list[Assessment]) -> dict[int, dict[str, float | None]]:
    """Each assessment's overall, pillar, DMA dimension and DMA average scores."""
    scores: dict[int, dict[str, float | None]] = {a.pk: {OVERALL: a.overall_score} for a in assessments}
    for assessment_id, code, score in PillarScore.objects.filter(assessment__in=assessments).values_list(
        "assessment_id", "pillar_code", "score"
    ):
        scores[assessment_id][code] = score
    answers: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for assessment_id, code, choices in Answer.objects.filter(assessment__in=assessments).values_list(
        "assessment_id", "question__code", "choice_codes"
    ):
        answers[assessment_id][code] = choices
    for assessment in assessments:
        mapping = dma_mapping_for(assessment.version_id, assessment.version.label)
        if mapping is None:
            continue
        result = dma_scores(mapping, version_content(assessment.version_id).spec.questions(), answers[assessment.pk])
        scores[assessment.pk].update({d.code: d.score for d in result.dimensions})
        scores[assessment.pk][DMA_AVERAGE] = result.average
    return scores


def _services_between(agency: Agency, marked: list[SupportMeasurement]) -> dict[int, list[tuple[str, Any]]]:
    """Per measurement, the (kind, hours) of the services delivered between its T0 and T1."""
    by_firm: dict[int, list[ServiceRecord]] = defaultdict(list)
    for record in ServiceRecord.objects.filter(agency=agency, firm__in=[m.firm_id for m in marked]).only(
        "firm_id", "delivered_on", "kind", "hours"
    ):
        by_firm[record.firm_id].append(record)
    return {
        m.pk: [
            (r.kind, r.hours)
            for r in by_firm[m.firm_id]
            if m.t0.submitted_at.date() <= r.delivered_on <= m.t1.submitted_at.date()
        ]
        for m in marked
    }
