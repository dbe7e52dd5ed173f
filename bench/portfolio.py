"""The agency side under a large portfolio: dashboard time and queries, CSV export time and memory.

Run by ``bench/run.py`` in the bench environment (its own throwaway database) with the sizes
to measure, smallest first (``10000 100000``). It creates one agency of each size on the same
platform: consenting clients, each with two submitted assessments half a year apart (DESIGN:
10,000 firms, 20,000 assessments), their pillar scores and every answer, written in bulk. It
then measures in-process with Django's test client (DEBUG off, as served):

- the dashboard of each agency: median of 5 requests, the agencies taken in turn in each
  round, and its number of SQL queries;
- for the smallest agency only, the CSV export of every client: time (median of 3), queries and
  peak Python memory (tracemalloc, in a fourth run), for the whole portfolio and for a fifth of
  it (one country), so "memory flat as rows grow" is a measured ratio.

Answers are drawn from a few hundred random answer sets, each scored once by the real scoring
function, so generating 100,000 clients takes minutes rather than a quarter of an hour; every
client still has all its answers and scores stored as a real submission stores them. The
database's planner statistics are refreshed after each agency (``ANALYZE``), as PostgreSQL's
autovacuum keeps them on a deployed site.

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
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD_RUNS = 5
CSV_RUNS = 3


ANSWER_SETS = 400
REASSESSED_AFTER = timedelta(days=182)


def generate_portfolio(version_id: int, count: int, seed: int = 11) -> tuple[int, int]:
    """A new agency with ``count`` clients; returns (agency id, admin user id)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from assessments.agencies.consent import consent_version
    from assessments.agencies.models import AgencyConsent
    from assessments.agencies.services import agency_create
    from assessments.firm_summaries import firm_summaries_refresh
    from assessments.models import Answer, Assessment, Firm, PillarScore
    from questionnaires.scoring import level_for, round_score, score_assessment
    from questionnaires.selectors import version_content
    from readiness.models import User

    rng = random.Random(seed + count)
    content = version_content(version_id)
    question_ids = content.question_ids
    now = timezone.now()
    admin = User.objects.create_user(f"portfolio-admin-{count}-{seed}@bench.invalid", None)
    agency = agency_create(name=f"Bench agency of {count:,} clients", admin=admin)
    answer_sets = [_draw_answers(content.spec, rng) for _ in range(ANSWER_SETS)]
    scored = [score_assessment(content.spec, answers) for answers in answer_sets]
    answer_rows = [
        [(question_ids[code], connection.ops.adapt_json_value(codes, None)) for code, codes in answers.items()]
        for answers in answer_sets
    ]
    written_at = connection.ops.adapt_datetimefield_value(now)
    answer_sql, score_sql = (
        _insert_sql(
            Answer,
            # evidence and verified_agency_name: empty strings, as the model's defaults (no database default).
            [
                "assessment_id",
                "question_id",
                "choice_codes",
                "is_prefilled",
                "evidence",
                "verified_agency_name",
                "updated_at",
            ],
        ),
        _insert_sql(PillarScore, ["assessment_id", "pillar_code", "score", "level", "total", "answered", "applicable"]),
    )
    offset = Firm.objects.count()
    batch = 5000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        with transaction.atomic():
            firms = Firm.objects.bulk_create(
                Firm(
                    # Names in random order across agencies, as on a real platform (a name index
                    # then serves every agency's first page alike).
                    name=f"Client {rng.randrange(10**9):09d}-{offset + start + i}",
                    country=rng.choice(["IT", "FR", "DE", "ES", "PT"]),
                    sector=rng.choice(["C", "G", "F", "M", "I"]),
                    size_class=rng.choice(["micro", "small", "medium"]),
                    benchmark_consent=True,
                    benchmark_consent_at=now,
                )
                for i in range(size)
            )
            # Two submitted assessments a client, half a year apart (DESIGN: 10,000 firms, 20,000
            # assessments), so the first-to-latest progress has every client to read.
            planned = [
                (firm, rng.randrange(ANSWER_SETS), submitted_at)
                for firm in firms
                for submitted_at in (now - REASSESSED_AFTER, now)
            ]
            assessments = Assessment.objects.bulk_create(
                Assessment(
                    firm=firm,
                    version_id=version_id,
                    status=Assessment.Status.SUBMITTED,
                    submitted_at=submitted_at,
                    overall_score=scored[which].overall,
                    overall_level=scored[which].overall_level or "",
                    method_version=scored[which].method_version,
                )
                for firm, which, submitted_at in planned
            )
            drawn = [which for _firm, which, _at in planned]
            # Raw executemany: model instances for 46 answers a client cost more than the inserts.
            with connection.cursor() as cursor:
                cursor.executemany(
                    answer_sql,
                    [
                        (assessment.pk, question_id, codes, False, "", "", written_at)
                        for assessment, which in zip(assessments, drawn, strict=True)
                        for question_id, codes in answer_rows[which]
                    ],
                )
                cursor.executemany(
                    score_sql,
                    [
                        (
                            assessment.pk,
                            pillar.code,
                            pillar.score,
                            level_for(round_score(pillar.score)) or "" if pillar.score is not None else "",
                            pillar.total,
                            pillar.answered,
                            pillar.applicable,
                        )
                        for assessment, which in zip(assessments, drawn, strict=True)
                        for pillar in scored[which].pillars
                    ],
                )
            AgencyConsent.objects.bulk_create(
                AgencyConsent(
                    firm=firm, agency=agency, granted_at=now, granted_by=admin, text_version=consent_version()
                )
                for firm in firms
            )
            firm_summaries_refresh(firm.pk for firm in firms)
    # Fresh planner statistics, as PostgreSQL's autovacuum would soon have them (SQLite has
    # none until told).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return agency.pk, admin.pk


def _draw_answers(spec, rng: random.Random) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    answers = {}
    for question in spec.questions().values():
        options = [c.code for c in question.choices if c.kind == "option"]
        if question.kind == "ladder":
            answers[question.code] = [rng.choice(options)]
        else:
            answers[question.code] = [code for code in options if rng.random() < 0.5] or ["none_of_these"]
    return answers


def _insert_sql(model, columns: list[str]) -> str:  # type: ignore[no-untyped-def]
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - our own names


def logged_in_client(admin_id: int):  # type: ignore[no-untyped-def]
    from django.test import Client

    from readiness.models import User

    client = Client()
    client.force_login(User.objects.get(pk=admin_id))
    return client


def timed(client, url: str) -> tuple[float, list[dict[str, str]], int]:  # type: ignore[no-untyped-def]
    """(seconds, the SQL queries with their times, bytes) of one GET, the body read to its end."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        body = response.streaming_content if response.streaming else [response.content]
        size = sum(len(chunk) for chunk in body)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, list(queries.captured_queries), size


def measure_dashboards(agencies: list[tuple[int, int]]) -> list[dict[str, object]]:
    """Each agency's dashboard, timed in interleaved rounds (this machine's speed drifts by tens of
    percent within minutes: interleaving lets the sizes be compared like the wrk scenarios)."""
    pages = [(logged_in_client(admin_id), f"/app/agency/{agency_id}/") for agency_id, admin_id in agencies]
    for client, url in pages:
        timed(client, url)  # warm caches (content, templates), as a running server has them
    runs: list[list[tuple[float, list[dict[str, str]], int]]] = [[] for _ in pages]
    for _round in range(DASHBOARD_RUNS):
        for index, (client, url) in enumerate(pages):
            runs[index].append(timed(client, url))
    return [
        {
            "dashboard_median_s": round(statistics.median(r[0] for r in own), 3),
            "dashboard_runs_s": [round(r[0], 3) for r in own],
            "dashboard_queries": len(own[0][1]),
        }
        for own in runs
    ]


def measure_csv(agency_id: int, admin_id: int) -> dict[str, object]:
    client = logged_in_client(admin_id)
    export = f"/app/agency/{agency_id}/export.csv"

    def export_figures(query: str) -> dict[str, float | int]:
        # Time first, the median of 3 as for the dashboard (tracemalloc slows Python down several
        # times), then memory in a fourth run.
        runs = [timed(client, export + query) for _ in range(CSV_RUNS)]
        elapsed = statistics.median(run[0] for run in runs)
        _elapsed, queries, size = runs[0]
        tracemalloc.start()
        timed(client, export + query)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak_mb = round(peak / 2**20, 1)
        return {"seconds": round(elapsed, 3), "queries": len(queries), "bytes": size, "peak_memory_mb": peak_mb}

    # A filter that keeps about a fifth of the clients: same code path, fewer rows.
    return {"csv_all": export_figures(""), "csv_fifth": export_figures("?country=IT")}


def measure_api(agency_id: int) -> dict[str, object]:
    """Every client of the agency listed through the API with one key, following the cursor
    pages of 1,000 (the largest page a key may ask for), as a reporting system would."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from assessments.agencies.models import AgencyMember
    from assessments.agencies.services import api_key_create

    settings.API_CALLS_PER_MINUTE = 10**6  # the limit is tested elsewhere; here, the listing's speed
    admin = AgencyMember.objects.filter(agency_id=agency_id, role=AgencyMember.Role.ADMIN).first()
    key = api_key_create(member=admin, name="bench", scopes=["clients"]).key
    client = Client(headers={"Authorization": f"Bearer {key}", "Host": "127.0.0.1"})

    def list_all() -> tuple[float, int, int, int]:
        url, listed, calls = "/api/v1/clients/?page_size=1000", 0, 0
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            while url:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                body = response.json()
                listed, calls = listed + len(body["results"]), calls + 1
                url = body["next"]
            elapsed = time.perf_counter() - started
        return elapsed, listed, calls, len(queries)

    list_all()  # warm
    runs = [list_all() for _ in range(CSV_RUNS)]
    _elapsed, listed, calls, queries = runs[0]
    return {
        "api_list_s": round(statistics.median(run[0] for run in runs), 3),
        "api_listed": listed,
        "api_calls": calls,
        "api_queries_per_call": round(queries / calls, 1),
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    import django

    django.setup()
    from questionnaires.models import QuestionnaireVersion

    version_id = QuestionnaireVersion.objects.published().get().pk
    if sys.argv[1] == "--generate-only":  # an agency for the mixed load, nothing measured
        agency_id, admin_id = generate_portfolio(version_id, int(sys.argv[2]), seed=29)
        print(json.dumps({"agency_id": agency_id, "admin_id": admin_id}))
        return
    sizes = sorted(int(arg) for arg in sys.argv[1:])
    agencies, generated = [], []
    for size in sizes:  # one agency of each size, on one platform
        started = time.perf_counter()
        agencies.append(generate_portfolio(version_id, size))
        generated.append(round(time.perf_counter() - started, 1))
    boards = measure_dashboards(agencies)
    report: dict[str, object] = {
        "sizes": [
            {"clients": size, "agency_id": agency_id, "generated_in_s": seconds, **board}
            for size, (agency_id, _admin), seconds, board in zip(sizes, agencies, generated, boards, strict=True)
        ],
        "csv_clients": sizes[0],
        **measure_csv(*agencies[0]),
        **measure_api(agencies[0][0]),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
