"""Time building one PDF action plan, in-process: the work a cold-cache download does.

Run by ``bench/run.py`` in the bench environment (settings from the environment) with the id of
a submitted, complete assessment. Builds the PDF ``BENCH_PDF_RUNS`` times with
``assessments.pdf.render_action_plan`` — the whole build: database reads, plan, SVG charts,
template, WeasyPrint — and prints one JSON line: the first build (a fresh process: imports,
font loading) apart, then every following build and their median.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    import django

    django.setup()

    from assessments.models import Assessment
    from assessments.pdf import render_action_plan

    assessment_id = int(sys.argv[1])
    runs = int(os.environ.get("BENCH_PDF_RUNS", "9"))
    timings = []
    data = b""
    for _ in range(runs + 1):
        # A fresh model instance each time, as a request would have: nothing cached on it.
        assessment = Assessment.objects.select_related("firm", "version").get(pk=assessment_id)
        started = time.perf_counter()
        data = render_action_plan(assessment, "en")
        timings.append(time.perf_counter() - started)
    from pypdf import PdfReader

    print(
        json.dumps(
            {
                "first_build_s": round(timings[0], 3),
                "builds_s": [round(t, 3) for t in timings[1:]],
                "median_s": round(statistics.median(timings[1:]), 3),
                "pages": len(PdfReader(io.BytesIO(data)).pages),
                "bytes": len(data),
            }
        )
    )


if __name__ == "__main__":
    main()
