"""Time building one PDF action plan, in-process: the work a cold-cache download does.

Started by ``bench/run.py`` in the bench environment (settings from the environment) with the
id of a submitted, complete assessment. It builds the PDF once (a fresh process: imports and
font loading, reported apart), prints ``ready`` and then, for each line ``N`` read on stdin,
builds the PDF N times with ``assessments.pdf.render_action_plan`` — the whole build: database
reads, plan, SVG chart, template, WeasyPrint — and prints the timings as one JSON line. The
bench asks for several batches a few seconds apart, so the median covers more than one moment
of a machine whose speed drifts.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    import django

    django.setup()

    from pypdf import PdfReader

    from assessments.models import Assessment
    from assessments.pdf import render_action_plan

    assessment_id = int(sys.argv[1])

    def build() -> tuple[float, bytes]:
        # A fresh model instance each time, as a request would have: nothing cached on it.
        assessment = Assessment.objects.select_related("firm", "version").get(pk=assessment_id)
        started = time.perf_counter()
        data = render_action_plan(assessment, "en")
        return time.perf_counter() - started, data

    first, data = build()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(json.dumps({"ready": True, "first_build_s": round(first, 3), "pages": pages, "bytes": len(data)}), flush=True)
    for line in sys.stdin:
        count = int(line)
        print(json.dumps({"builds_s": [round(build()[0], 3) for _ in range(count)]}), flush=True)


if __name__ == "__main__":
    main()
