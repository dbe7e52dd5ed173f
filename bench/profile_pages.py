"""Where the time of a page goes: cProfile over the bench's own pages, in-process.

    .venv/bin/python bench/profile_pages.py [--requests 300] [--top 25] [--pdf]

Builds the bench's throwaway environment (the same fixture as ``make bench``: a user with an
assessment in progress, a submitted one among 10,000 peers; ``BENCH_PEERS`` to change), then,
in a child process with production settings (DEBUG off), sends each page's request through
Django's test client: a warm-up, then ``--requests`` requests under cProfile. Prints, per page,
the time per request and the functions that take it (own time and cumulative), with the SQL
queries of one request. ``--pdf`` adds a cold-cache build of the PDF action plan. No server and
no network: the figures leave out gunicorn and the socket, which the trivial view of ``make
bench`` measures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parent(args: argparse.Namespace) -> None:
    import run as bench

    with tempfile.TemporaryDirectory(prefix="readiness-profile-") as tmp:
        env = bench.bench_env(Path(tmp))
        if os.environ.get("BENCH_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        bench.prepare_database(env)
        fixture = bench.create_fixture(env, "profile@example.com", secrets.token_urlsafe(16))
        (Path(tmp) / "fixture.json").write_text(json.dumps(fixture))
        command = [str(Path(tmp) / "fixture.json"), str(args.requests), str(args.top), "1" if args.pdf else "0"]
        print(bench.run_python(env, __file__, "--child", *command))


def child(fixture_path: str, requests: int, top: int, with_pdf: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from readiness.models import User

    fixture = json.loads(Path(fixture_path).read_text())
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email="profile@example.com"))
    pillar_path = f"/app/assessments/{fixture['assessment_id']}/{fixture['pillar_code']}/"
    save_body = {f"q-{code}": choices for code, choices in fixture["answers"].items()} | {"action": "stay"}
    pages = {
        "trivial view": (lambda: client.get("/healthz/"), 200),
        "questionnaire page": (lambda: client.get(pillar_path), 200),
        "save page": (lambda: client.post(pillar_path, save_body), 302),
        "results page": (lambda: client.get(f"/app/assessments/{fixture['results_assessment_id']}/results/"), 200),
    }
    for name, (send, status) in pages.items():
        for _ in range(20):
            assert send().status_code == status, name
        with CaptureQueriesContext(connection) as queries:
            send()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            send()
        profiler.disable()
        per_request_ms = (time.perf_counter() - started) / requests * 1000
        print(f"\n=== {name}: {per_request_ms:.2f} ms a request (under cProfile), {len(queries)} queries")
        for query in queries.captured_queries:
            print(f"    SQL {query['time']}s {query['sql'][:220]}")
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
            print(f"--- by {order}")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip()[:1].isdigit()))
    if with_pdf:
        from assessments.models import Assessment
        from assessments.pdf import render_action_plan

        assessment = Assessment.objects.select_related("firm", "version").get(pk=fixture["results_assessment_id"])
        render_action_plan(assessment, "en")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(3):
            assessment = Assessment.objects.select_related("firm", "version").get(pk=fixture["results_assessment_id"])
            render_action_plan(assessment, "en")
        profiler.disable()
        print(f"\n=== PDF build: {(time.perf_counter() - started) / 3 * 1000:.0f} ms a build (under cProfile)")
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top * 2)
            print(f"--- by {order}")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip()[:1].isdigit()))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1")
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--pdf", action="store_true")
    parent(parser.parse_args())


if __name__ == "__main__":
    main()
