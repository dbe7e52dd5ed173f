"""The agency side under a large portfolio: dashboard time and queries, CSV export time and memory.

Run by ``bench/run.py`` in the bench environment (its own throwaway database) with the number
of client firms. It generates that many consenting clients of one agency, each with a
submitted assessment, its pillar scores and every answer (written in bulk), then measures
in-process with Django's test client (DEBUG off, as served):

- the dashboard: median of 5 requests, and its number of SQL queries;
- the CSV export of every client: time, queries and peak Python memory (tracemalloc, in a
  second run), for the whole portfolio and for a fifth of it (one country), so "memory flat as
  rows grow" is a measured ratio.

Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_RUNS = 5


def generate_portfolio(version_id: int, count: int, seed: int = 11) -> tuple[int, int]:
    """``count`` clients of a new agency; returns (agency id, admin user id)."""
    from django.utils import timezone

    from assessments.agency_services import CONSENT_TEXT_VERSION, agency_create
    from assessments.models import AgencyConsent, Answer, Assessment, Firm, PillarScore
    from questionnaires.scoring import level_for, round_score, score_assessment
    from questionnaires.selectors import version_content
    from readiness.models import User

    rng = random.Random(seed)
    content = version_content(version_id)
    questions = list(content.spec.questions().values())
    question_ids = content.question_ids
    now = timezone.now()
    admin = User.objects.create_user("portfolio-admin@bench.invalid", None)
    agency = agency_create(name="Bench agency", admin=admin)
    batch = 2000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        firms = Firm.objects.bulk_create(
            Firm(
                name=f"Client {start + i:06d}",
                country=rng.choice(["IT", "FR", "DE", "ES", "PT"]),
                sector=rng.choice(["C", "G", "F", "M", "I"]),
                size_class=rng.choice(["micro", "small", "medium"]),
                benchmark_consent=True,
                benchmark_consent_at=now,
            )
            for i in range(size)
        )
        drawn = []
        for _firm in firms:
            answers = {}
            for question in questions:
                options = [c.code for c in question.choices if c.kind == "option"]
                if question.kind == "ladder":
                    answers[question.code] = [rng.choice(options)]
                else:
                    answers[question.code] = [code for code in options if rng.random() < 0.5] or ["none_of_these"]
            drawn.append(answers)
        results = [score_assessment(content.spec, answers) for answers in drawn]
        assessments = Assessment.objects.bulk_create(
            Assessment(
                firm=firm,
                version_id=version_id,
                status=Assessment.Status.SUBMITTED,
                submitted_at=now,
                overall_score=result.overall,
                overall_level=result.overall_level or "",
                method_version=result.method_version,
            )
            for firm, result in zip(firms, results, strict=True)
        )
        Answer.objects.bulk_create(
            (
                Answer(assessment=assessment, question_id=question_ids[code], choice_codes=codes)
                for assessment, answers in zip(assessments, drawn, strict=True)
                for code, codes in answers.items()
            ),
            batch_size=5000,
        )
        PillarScore.objects.bulk_create(
            (
                PillarScore(
                    assessment=assessment,
                    pillar_code=pillar.code,
                    score=pillar.score,
                    level=level_for(round_score(pillar.score)) if pillar.score is not None else "",
                    total=pillar.total,
                    answered=pillar.answered,
                    applicable=pillar.applicable,
                )
                for assessment, result in zip(assessments, results, strict=True)
                for pillar in result.pillars
            ),
            batch_size=5000,
        )
        AgencyConsent.objects.bulk_create(
            AgencyConsent(firm=firm, agency=agency, granted_at=now, granted_by=admin, text_version=CONSENT_TEXT_VERSION)
            for firm in firms
        )
    return agency.pk, admin.pk


def measure(agency_id: int, admin_id: int) -> dict[str, object]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from readiness.models import User

    client = Client()
    client.force_login(User.objects.get(pk=admin_id))
    dashboard = f"/app/agency/{agency_id}/"
    export = f"/app/agency/{agency_id}/export.csv"

    def timed(url: str) -> tuple[float, int, int]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            if response.streaming:
                size = sum(len(chunk) for chunk in response.streaming_content)
            else:
                size = len(response.content)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, len(queries), size

    timed(dashboard)  # warm caches (content, templates), as a running server has them
    runs = [timed(dashboard) for _ in range(DASHBOARD_RUNS)]

    def export_figures(query: str) -> dict[str, float | int]:
        # Time first (tracemalloc slows Python down several times), then memory in a second run.
        elapsed, queries, size = timed(export + query)
        tracemalloc.start()
        timed(export + query)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak_mb = round(peak / 2**20, 1)
        return {"seconds": round(elapsed, 3), "queries": queries, "bytes": size, "peak_memory_mb": peak_mb}

    return {
        "dashboard_median_s": round(statistics.median(r[0] for r in runs), 3),
        "dashboard_runs_s": [round(r[0], 3) for r in runs],
        "dashboard_queries": runs[0][1],
        "csv_all": export_figures(""),
        # A filter that keeps about a fifth of the clients: same code path, fewer rows.
        "csv_fifth": export_figures("?country=IT"),
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    import django

    django.setup()
    from questionnaires.models import QuestionnaireVersion

    count = int(sys.argv[1])
    started = time.perf_counter()
    agency_id, admin_id = generate_portfolio(QuestionnaireVersion.objects.published().get().pk, count)
    figures = {"clients": count, "generated_in_s": round(time.perf_counter() - started, 1)}
    figures.update(measure(agency_id, admin_id))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
