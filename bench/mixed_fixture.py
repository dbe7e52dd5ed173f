"""Creates the users of the mixed-load scenario (``bench/mixed_load.py``); prints them as JSON.

Run by bench/run.py in the bench environment (its own throwaway database) after
``bench/portfolio.py``: ``mixed_fixture.py AGENCY_ID FIRMS ADVISORS``.

- FIRMS firm owners, each with a firm (consenting to benchmarks) and an assessment in progress
  with every question answered, made through the app's own services;
- ADVISORS advisors of agency AGENCY_ID (the portfolio's 10,000-client agency).

Each user gets a logged-in session made here (``Client.force_login``), not through the login
form: hashing a password costs ~0.3 s of CPU by design, and hundreds of logins would measure
the hasher instead of the site (the login form itself is exercised by the wrk scenarios).
Output (last stdout line): {"firms": [{"session": ..., "assessment_id": ...}], "advisors":
[{"session": ...}], "agency_id": ..., "pillars": [codes]}.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

from fixture import pick_answer

ROOT = Path(__file__).resolve().parent.parent
SESSION_BACKEND = "readiness.backends.EmailBackend"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.test import Client

    from assessments import services
    from assessments.agencies.models import Agency, AgencyMember
    from questionnaires.selectors import current_version, version_content
    from readiness.models import User

    agency_id, firm_count, advisor_count = (int(arg) for arg in sys.argv[1:4])
    agency = Agency.objects.get(pk=agency_id)
    rng = random.Random(5)
    password = make_password(None)  # unusable: these users only ever have the session made here

    def session_of(user: User) -> str:
        client = Client()
        client.force_login(user, backend=SESSION_BACKEND)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    version = current_version()
    assert version is not None
    spec = version_content(version.pk).spec.questions()
    firms = []
    for number in range(firm_count):
        user = User.objects.create(email=f"mixed-firm-{number}@bench.invalid", password=password)
        firm = services.firm_save(
            user=user,
            firm=None,
            data={
                "name": f"Mixed-load firm {number}",
                "country": rng.choice(["IT", "FR", "DE", "ES"]),
                "sector": rng.choice(["C", "G", "F", "M"]),
                "size_class": rng.choice(["micro", "small", "medium"]),
                "region": "",
                "benchmark_consent": True,
            },
        )
        assessment = services.assessment_start(firm=firm, user=user)
        # Every page answered already: a firm may start anywhere in its round (see mixed_load).
        services.assessment_save_answers(
            assessment=assessment, answers={code: pick_answer(q) for code, q in spec.items()}
        )
        firms.append({"session": session_of(user), "assessment_id": assessment.pk})
    advisors = []
    for number in range(advisor_count):
        user = User.objects.create(email=f"mixed-advisor-{number}@bench.invalid", password=password)
        AgencyMember.objects.create(agency=agency, user=user, role=AgencyMember.Role.ADVISOR)
        advisors.append({"session": session_of(user)})
    print(
        json.dumps(
            {
                "firms": firms,
                "advisors": advisors,
                "agency_id": agency.pk,
                "pillars": list(version_content(version.pk).pillar_codes()),
            }
        )
    )


if __name__ == "__main__":
    main()
