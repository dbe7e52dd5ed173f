"""Creates the benchmark's user, firm and assessment in progress; prints them as JSON.

Run by bench/run.py with the throwaway environment (DATABASE_URL etc.) after the database is
migrated and the questionnaire loaded; not meant to run against a real database. Goes through
the app's own services so the data is exactly what a browser session would have created.

Environment: BENCH_EMAIL, BENCH_PASSWORD. Output (last stdout line): {"assessment_id": ...,
"pillar_code": ..., "answers": {question code: [choice codes]}}.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def pick_answer(question: Any) -> list[str]:
    """A valid, realistic answer: the second rung of a ladder, the first two items of a checklist.

    Only ordinary options are used ("don't know" and the like are exclusive), and a checklist
    gets two items so the posted form repeats its field as a browser would.
    """
    options = [choice.code for choice in question.choices if choice.kind == "option"]
    if question.kind == "checklist":
        return options[:2]
    return [options[min(1, len(options) - 1)]]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    import django

    django.setup()

    from assessments import services
    from questionnaires.selectors import version_content
    from readiness.models import User

    user = User.objects.create_user(email=os.environ["BENCH_EMAIL"], password=os.environ["BENCH_PASSWORD"])
    firm = services.firm_save(
        user=user,
        firm=None,
        data={
            "name": "Benchmark Firm",
            "country": "IT",
            "sector": "C",
            "size_class": "small",
            "region": "",
            "benchmark_consent": True,
        },
    )
    assessment = services.assessment_start(firm=firm, user=user)
    pillar = version_content(assessment.version_id).pillars[0]
    answers = {question.code: pick_answer(question) for question in pillar.questions}
    # Answers already stored, so the measured page renders checked inputs.
    services.assessment_save_answers(assessment=assessment, answers=answers)
    print(json.dumps({"assessment_id": assessment.pk, "pillar_code": pillar.code, "answers": answers}))


if __name__ == "__main__":
    main()
