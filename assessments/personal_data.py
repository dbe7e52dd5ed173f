"""A user's own data: everything we hold about them and their firm, to take away or to erase.

The export is the whole record as the user and their firm's members may see it: account,
firm profile and benchmark consent, what other apps keep about the firm or the account (the
agencies app registers its consents, the log of advisors' views and agency memberships in
``plugins``), and every assessment with its answers and scores. Deleting the account
deletes with it each firm of which the user is the only member, all that firm's data (the
database cascades from the firm), its cached PDFs in storage, and its place in the peer
benchmarks and in agencies' dashboards.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from readiness.models import User

from . import pdf, plugins
from .models import Answer, Assessment, Firm, Membership, PillarScore, Respondent, TeamRound
from .peer_statistics import peer_statistics_refresh
from .spreadsheet_cells import spreadsheet_safe


def iso_or_none(value: Any) -> str | None:
    """A timestamp as ISO 8601 text for the export, or None."""
    return value.isoformat() if value is not None else None


def personal_data_export(user: User) -> dict[str, Any]:
    """The user's and their firms' data as plain JSON-ready values."""
    firms = Firm.objects.filter(memberships__user=user).order_by("pk").distinct()
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "date_joined": iso_or_none(user.date_joined),
            "last_login": iso_or_none(user.last_login),
            "language": user.language,
        },
        **{section.key: section.records(user) for section in plugins.account_data_sections()},
        "firms": [_firm_record(firm) for firm in firms],
        # What the person answered in other firms' team assessments, as a colleague.
        "team_answers": [
            {
                "firm": respondent.round.assessment.firm.name,
                "assessment_id": respondent.round.assessment_id,
                "role": respondent.role,
                "answers": {a.question.code: list(a.choice_codes) for a in respondent.answers.all()},
            }
            for respondent in Respondent.objects.filter(user=user)
            .exclude(round__assessment__firm__in=firms)
            .select_related("round__assessment__firm")
            .prefetch_related("answers__question")
        ],
    }


def _firm_record(firm: Firm) -> dict[str, Any]:
    assessments = list(Assessment.objects.filter(firm=firm).select_related("version").order_by("created_at", "pk"))
    scores: dict[int, dict[str, float | None]] = {}
    for assessment_id, code, score in PillarScore.objects.filter(assessment__firm=firm).values_list(
        "assessment_id", "pillar_code", "score"
    ):
        scores.setdefault(assessment_id, {})[code] = score
    answers: dict[int, dict[str, list[str]]] = {}
    trust: dict[int, dict[str, dict[str, Any]]] = {}
    for assessment_id, code, choices, evidence, verified_at, verified_by, agency in Answer.objects.filter(
        assessment__firm=firm
    ).values_list(
        "assessment_id", "question__code", "choice_codes", "evidence", "verified_at", "verified_by__email",
        "verified_agency_name",
    ):  # fmt: skip
        answers.setdefault(assessment_id, {})[code] = list(choices)
        if evidence or verified_at:
            trust.setdefault(assessment_id, {})[code] = {
                "evidence": evidence,
                "verified_at": iso_or_none(verified_at),
                "verified_by": verified_by,
                "verified_for_agency": agency,
            }
    rounds = {
        r.assessment_id: r
        for r in TeamRound.objects.filter(assessment__firm=firm).prefetch_related(
            "respondents__answers__question", "notes__question"
        )
    }
    return {
        "name": firm.name,
        "country": str(firm.country),
        "sector": firm.sector,
        "size_class": firm.size_class,
        "region": firm.region,
        "is_demo": firm.is_demo,
        "members": sorted(firm.members.values_list("email", flat=True)),
        "benchmark_consent": {
            "given": firm.benchmark_consent,
            "at": iso_or_none(firm.benchmark_consent_at),
            "text_version": firm.benchmark_consent_version,
        },
        **{section.key: section.records(firm) for section in plugins.firm_data_sections()},
        "assessments": [
            {
                "id": a.pk,
                "status": a.status,
                "questionnaire_version": a.version.label,
                "created_at": iso_or_none(a.created_at),
                "submitted_at": iso_or_none(a.submitted_at),
                "overall_score": a.overall_score,
                "overall_level": a.overall_level,
                "method_version": a.method_version,
                "pillar_scores": scores.get(a.pk, {}),
                "answers": answers.get(a.pk, {}),
                "answer_evidence_and_verification": trust.get(a.pk, {}),
                "team_round": _team_round_record(rounds[a.pk]) if a.pk in rounds else None,
            }
            for a in assessments
        ],
    }


def _team_round_record(team_round: TeamRound) -> dict[str, Any]:
    return {
        "opened_at": iso_or_none(team_round.opened_at),
        "closed_at": iso_or_none(team_round.closed_at),
        "respondents": [
            {
                "email": r.email,
                "role": r.role,
                "pillars": r.pillars,
                "accepted_at": iso_or_none(r.accepted_at),
                "answers": {a.question.code: list(a.choice_codes) for a in r.answers.all()},
            }
            for r in team_round.respondents.all()
        ],
        "agreed_answer_notes": {n.question.code: n.note for n in team_round.notes.all()},
    }


def personal_data_csv_zip(export: Mapping[str, Any]) -> bytes:
    """The export as a ZIP of CSV files, one per kind of record, for a spreadsheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (header, rows) in _csv_tables(export).items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(header)
            # Firm names, regions and e-mail addresses are typed by people: never a formula.
            writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
            archive.writestr(name, text.getvalue())
    return buffer.getvalue()


def _csv_tables(export: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    firms = export["firms"]
    account = export["account"]
    firm_rows = []
    for f in firms:
        consent = f["benchmark_consent"]
        profile = [f["name"], f["country"], f["sector"], f["size_class"], f["region"], " ".join(f["members"])]
        firm_rows.append([*profile, consent["given"], consent["at"], consent["text_version"]])
    assessment_rows = []
    for f in firms:
        for a in f["assessments"]:
            facts = [f["name"], a["id"], a["status"], a["questionnaire_version"], a["created_at"], a["submitted_at"]]
            facts += [a["overall_score"], a["overall_level"], a["method_version"]]
            for pillar, score in a["pillar_scores"].items() or [("", "")]:
                assessment_rows.append([*facts, pillar, score])
    return {
        "account.csv": (list(account), [list(account.values())]),
        "firms.csv": (
            [
                "firm",
                "country",
                "sector",
                "size_class",
                "region",
                "members",
                "benchmark_consent",
                "consent_at",
                "consent_text_version",
            ],
            firm_rows,
        ),
        **{
            f"{section.key}.csv": (
                ["firm", *section.columns],
                [[f["name"], *(r[c] for c in section.columns)] for f in firms for r in f[section.key]],
            )
            for section in plugins.firm_data_sections()
        },
        "assessments.csv": (
            [
                "firm",
                "assessment_id",
                "status",
                "questionnaire_version",
                "created_at",
                "submitted_at",
                "overall_score",
                "overall_level",
                "method_version",
                "pillar",
                "pillar_score",
            ],
            assessment_rows,
        ),
        "answers.csv": (
            ["firm", "assessment_id", "question", "choices"],
            [
                [f["name"], a["id"], code, "|".join(choices)]
                for f in firms
                for a in f["assessments"]
                for code, choices in a["answers"].items()
            ],
        ),
    }


def account_delete(user: User) -> int:
    """Delete the user and each firm of which they are the only member; returns the firms deleted.

    A firm shared with colleagues stays theirs; the user only leaves it. Stored PDFs of the
    deleted firms' assessments are removed once the deletion is committed, and the peer
    benchmarks are rebuilt without them (agencies' dashboards read the database, so the firm
    is gone from them at once).
    """
    with transaction.atomic():
        # Count each firm's members over all its memberships (not only the user's, as counting
        # through the user's join would).
        alone = list(
            Membership.objects.filter(firm__memberships__user=user)
            .values("firm_id")
            .annotate(members=Count("pk", distinct=True))
            .filter(members=1)
            .values_list("firm_id", flat=True)
        )
        assessment_ids = list(Assessment.objects.filter(firm_id__in=alone).values_list("pk", flat=True))
        counted = Firm.objects.filter(pk__in=alone, benchmark_consent=True).exists()
        Firm.objects.filter(pk__in=alone).delete()
        # Answers given in another firm's team round are that firm's; the person's address goes.
        Respondent.objects.filter(user=user).update(
            email=Concat(Value("deleted-account-"), Cast("pk", CharField()), Value("@invalid"))
        )
        user.delete()
        transaction.on_commit(lambda: pdf.stored_plans_delete(assessment_ids))
        if counted:
            transaction.on_commit(_benchmarks_rebuild)
    return len(alone)


def _benchmarks_rebuild() -> None:
    peer_statistics_refresh(includes_demo=False)
    if settings.BENCHMARK_DEMO_MODE:
        peer_statistics_refresh(includes_demo=True)
