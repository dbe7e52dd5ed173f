"""A full round trip through Django's fixtures (dumpdata, an empty database, loaddata) keeps
every assessment's stored scores, and its answers still score to the same numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from assessments.models import Assessment, PillarScore
from assessments.services import assessment_scores
from questionnaires.models import QuestionnaireVersion

pytestmark = pytest.mark.django_db(transaction=True)


def scores() -> dict[int, tuple[object, ...]]:
    return {
        a.pk: (
            a.status,
            a.overall_score,
            a.overall_level,
            a.method_version,
            tuple(PillarScore.objects.filter(assessment=a).order_by("pillar_code").values_list("pillar_code", "score")),
        )
        for a in Assessment.objects.order_by("pk")
    }


def test_dumpdata_then_loaddata_keeps_every_score(version: QuestionnaireVersion, tmp_path: Path) -> None:
    call_command("generate_demo_data", "--firms", "12")
    before = scores()
    assert len(before) >= 12
    dump = tmp_path / "all.json"
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        "--exclude=readiness.session",
        "--exclude=admin.logentry",
        output=str(dump),
        verbosity=0,
    )
    call_command("flush", "--no-input", verbosity=0)
    assert not Assessment.objects.exists()
    call_command("loaddata", str(dump), verbosity=0)
    assert scores() == before
    for assessment in Assessment.objects.filter(status=Assessment.Status.SUBMITTED):
        result = assessment_scores(assessment)
        assert result.overall == assessment.overall_score, assessment.pk
