"""Creates the benchmark's user, firm and assessment in progress; prints them as JSON.

Run by bench/run.py with the throwaway environment (DATABASE_URL etc.) after the database is
migrated and the questionnaire loaded; not meant to run against a real database. Goes through
the app's own services so the data is exactly what a browser session would have created.

Environment: BENCH_EMAIL, BENCH_PASSWORD, BENCH_PEERS (consenting peer firms to generate, default
10000). Output (last stdout line): {"assessment_id": ..., "pillar_code": ..., "answers":
{question code: [choice codes]}, "results_assessment_id": ...}.
"""

from __future__ import annotations

import json
import os
import random
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


def generate_peers(version_id: int, count: int, seed: int = 7) -> None:
    """``count`` consenting firms, each with one submitted assessment and its scores.

    Only what the peer statistics read (profile, overall and pillar scores), written in bulk:
    the results page is measured against a population of this size.
    """
    from django.utils import timezone

    from assessments.consent_texts import benchmark_consent_version
    from assessments.firm_summaries import firm_summaries_refresh
    from assessments.models import Assessment, Firm, Membership, PillarScore
    from questionnaires.scoring import level_for, round_score
    from questionnaires.selectors import version_content
    from readiness.models import User

    consent_version = benchmark_consent_version()
    rng = random.Random(seed)
    pillar_codes = version_content(version_id).pillar_codes()
    now = timezone.now()
    firms = Firm.objects.bulk_create(
        [
            Firm(
                name=f"Bench peer {i}",
                country=rng.choice(["IT", "IT", "FR", "DE", "ES"]),
                sector=rng.choice(["C", "C", "G", "F", "M"]),
                size_class=rng.choice(["micro", "small", "small", "medium"]),
                benchmark_consent=True,
                benchmark_consent_at=now,
                benchmark_consent_version=consent_version,
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    scores = [[round_score(min(max(rng.gauss(45, 18), 0), 100)) for _ in pillar_codes] for _ in firms]
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                firm=firm,
                version_id=version_id,
                status=Assessment.Status.SUBMITTED,
                submitted_at=now,
                overall_score=round_score(sum(pillars) / len(pillars)),
                overall_level=level_for(round_score(sum(pillars) / len(pillars))) or "",
                method_version="1.0",
            )
            for firm, pillars in zip(firms, scores, strict=True)
        ],
        batch_size=2000,
    )
    PillarScore.objects.bulk_create(
        [
            PillarScore(
                assessment=assessment,
                pillar_code=code,
                score=score,
                level=level_for(score) or "",
                total=9,
                answered=9,
                applicable=9,
            )
            for assessment, pillars in zip(assessments, scores, strict=True)
            for code, score in zip(pillar_codes, pillars, strict=True)
        ],
        batch_size=5000,
    )
    # Each peer firm's owner confirmed their e-mail address: only such firms count as peers.
    owners = User.objects.bulk_create(
        [User(email=f"bench-peer-{i}@example.invalid", password="!", email_confirmed_at=now) for i in range(count)],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [Membership(user=owner, firm=firm) for owner, firm in zip(owners, firms, strict=True)], batch_size=2000
    )
    firm_summaries_refresh(firm.pk for firm in firms)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    import django

    django.setup()

    from django.utils import timezone

    from assessments import peer_statistics, services
    from questionnaires.selectors import version_content
    from readiness.models import User

    user = User.objects.create_user(
        email=os.environ["BENCH_EMAIL"], password=os.environ["BENCH_PASSWORD"], email_confirmed_at=timezone.now()
    )
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
    # A second firm of the same user with a submitted assessment: the results page measured.
    # (A separate firm, so that the questionnaire page keeps no answers pre-filled from it.)
    results_firm = services.firm_save(
        user=user,
        firm=None,
        data={
            "name": "Benchmark Results Firm",
            "country": "IT",
            "sector": "C",
            "size_class": "small",
            "region": "",
            "benchmark_consent": True,
        },
    )
    finished = services.assessment_start(firm=results_firm, user=user)
    content = version_content(finished.version_id)
    for page in content.pillars:
        services.assessment_save_answers(assessment=finished, answers={q.code: pick_answer(q) for q in page.questions})
    generate_peers(finished.version_id, int(os.environ.get("BENCH_PEERS", "10000")))
    services.assessment_submit(assessment=finished, user=user)
    peer_statistics.peer_statistics_refresh(includes_demo=False)

    assessment = services.assessment_start(firm=firm, user=user)
    pillar = version_content(assessment.version_id).pillars[0]
    answers = {question.code: pick_answer(question) for question in pillar.questions}
    # Answers already stored, so the measured page renders checked inputs.
    services.assessment_save_answers(assessment=assessment, answers=answers)
    print(
        json.dumps(
            {
                "assessment_id": assessment.pk,
                "pillar_code": pillar.code,
                "answers": answers,
                "results_assessment_id": finished.pk,
            }
        )
    )


if __name__ == "__main__":
    main()
