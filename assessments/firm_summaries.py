"""Keeps ``FirmSummary`` (one row per firm: first and latest submitted assessment) and
``FirmLatestAnswers`` (that latest assessment's answers) in step.

A summary is derived data, so it is always rebuilt whole from the assessments, never
patched: refreshing twice, or refreshing a firm that did not change, is harmless. Called by
the services that submit or rescore an assessment, by the demo and benchmark generators
after their bulk writes, and by the migration that introduced the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from django.apps import apps as installed_apps
from django.apps.registry import Apps
from django.db import transaction

from questionnaires.dma import DIMENSIONS
from questionnaires.loader import KNOWN_PILLARS

from .models import TRUST_SELF_DECLARED, TRUST_VERIFIED, FirmSummary, trust_level

CHUNK = 2000  # firms per round trip: well under SQLite's limit on query parameters
ANSWER_JOIN = "|"  # a checklist's several choice codes in one export cell


def firm_summaries_refresh(firm_ids: Iterable[int] | None = None, *, apps: Apps | None = None) -> int:
    """Rebuild the summaries of these firms (every firm when None); returns the rows written.

    ``apps`` lets a migration pass its historical models (0007 builds the tables for existing
    data); everyone else leaves it out. Should this function come to need a model that 0007's
    state lacks, give 0007 a frozen copy of today's version.
    """
    registry = apps or installed_apps
    firm_model = registry.get_model("assessments", "Firm")
    ids = firm_ids if firm_ids is not None else firm_model.objects.order_by("pk").values_list("pk", flat=True)
    written = 0
    for chunk in _chunks(ids):
        written += _refresh_chunk(chunk, registry)
    return written


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _refresh_chunk(firm_ids: list[int], registry: Apps) -> int:
    assessment_model = registry.get_model("assessments", "Assessment")
    score_model = registry.get_model("assessments", "PillarScore")
    answer_model = registry.get_model("assessments", "Answer")
    summary_model = registry.get_model("assessments", "FirmSummary")
    latest_answers_model = registry.get_model("assessments", "FirmLatestAnswers")
    # (first, latest, count) per firm, in the order every other read uses for "latest".
    ends: dict[int, list] = {}
    submitted = (
        assessment_model.objects.filter(firm_id__in=firm_ids, status="submitted")
        .order_by("firm_id", "submitted_at", "id")
        .values_list("id", "firm_id", "submitted_at", "overall_score", "overall_level", "version_id", "version__label")
    )
    for row in submitted:
        firm_id = row[1]
        if firm_id in ends:
            ends[firm_id][1] = row
            ends[firm_id][2] += 1
        else:
            ends[firm_id] = [row, row, 1]
    wanted = {end[0][0] for end in ends.values()} | {end[1][0] for end in ends.values()}
    # Migration 0007 builds the first summaries with its historical model, which predates these.
    fields = {field.name for field in summary_model._meta.get_fields()}
    knows_versions, knows_dma = "versions_differ" in fields, FirmSummary.dma_field("latest", DIMENSIONS[0]) in fields
    knows_trust = "latest_verified" in fields
    latest_ids = {end[1][0] for end in ends.values()}
    answers_of: dict[int, dict[str, list[str]]] = {}
    trust_of: dict[int, list[int]] = {}  # assessment -> [answered, evidence noted, verified]
    trust_columns = ("verified_at", "evidence") if knows_trust else ()
    for assessment_id, code, choice_codes, *trust in answer_model.objects.filter(
        assessment_id__in=wanted if knows_dma else latest_ids
    ).values_list("assessment_id", "question__code", "choice_codes", *trust_columns):
        answers_of.setdefault(assessment_id, {})[code] = choice_codes
        if knows_trust and choice_codes:
            counts = trust_of.setdefault(assessment_id, [0, 0, 0])
            counts[0] += 1
            level = trust_level(*trust)
            if level != TRUST_SELF_DECLARED:
                counts[2 if level == TRUST_VERIFIED else 1] += 1
    pillar_scores: dict[int, dict[str, float | None]] = {}
    for assessment_id, code, score in score_model.objects.filter(assessment_id__in=wanted).values_list(
        "assessment_id", "pillar_code", "score"
    ):
        pillar_scores.setdefault(assessment_id, {})[code] = score
    summaries = []
    for firm_id, (first, latest, count) in ends.items():
        versions = {"versions_differ": first[5] != latest[5]} if knows_versions else {}
        dma = _dma_columns(first, latest, answers_of) if knows_dma else {}
        answered, evidence, verified = trust_of.get(latest[0], [0, 0, 0])
        trust = (
            {"latest_answered": answered, "latest_evidence": evidence, "latest_verified": verified}
            if knows_trust
            else {}
        )
        first_scores, latest_scores = pillar_scores.get(first[0], {}), pillar_scores.get(latest[0], {})
        summaries.append(
            summary_model(
                firm_id=firm_id,
                first_id=first[0],
                latest_id=latest[0],
                submitted_count=count,
                latest_submitted_at=latest[2],
                latest_score=latest[3],
                latest_level=latest[4],
                **{f"latest_{code}": latest_scores.get(code) for code in KNOWN_PILLARS},
                **{f"first_{code}": first_scores.get(code) for code in KNOWN_PILLARS},
                **versions,
                **dma,
                **trust,
            )
        )
    latest_answers = [
        latest_answers_model(
            firm_id=firm_id,
            answers={code: ANSWER_JOIN.join(codes) for code, codes in answers_of.get(end[1][0], {}).items()},
        )
        for firm_id, end in ends.items()
    ]
    with transaction.atomic():
        summary_model.objects.filter(firm_id__in=firm_ids).delete()
        summary_model.objects.bulk_create(summaries, batch_size=500)
        latest_answers_model.objects.filter(firm_id__in=firm_ids).delete()
        latest_answers_model.objects.bulk_create(latest_answers, batch_size=500)
    return len(summaries)


def _dma_columns(first: tuple, latest: tuple, answers_of: dict[int, dict[str, list[str]]]) -> dict[str, float | None]:
    """The DMA dimension scores of the first and latest assessments (None without a mapping)."""
    from questionnaires.dma import dma_scores
    from questionnaires.selectors import dma_mapping_for, version_content

    columns: dict[str, float | None] = {}
    for which, row in (("first", first), ("latest", latest)):
        assessment_id, version_id, label = row[0], row[5], row[6]
        mapping = dma_mapping_for(version_id, label)
        scores = {}
        if mapping is not None:
            result = dma_scores(
                mapping, version_content(version_id).spec.questions(), answers_of.get(assessment_id, {})
            )
            scores = {d.code: d.score for d in result.dimensions}
        columns.update({FirmSummary.dma_field(which, code): scores.get(code) for code in DIMENSIONS})
    return columns
