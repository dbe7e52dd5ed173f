"""The agency dashboard's figures, checked against a plain computation over the same clients,
and the per-firm summaries (``FirmSummary``) they are read from."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.agencies import selectors as agency_selectors
from assessments.agencies import services as agency_services
from assessments.agencies.consent import consent_version
from assessments.agencies.models import Agency, AgencyConsent
from assessments.agencies.selectors import DashboardFilters
from assessments.firm_summaries import firm_summaries_refresh
from assessments.models import Answer, Assessment, Firm, FirmLatestAnswers, FirmSummary, PillarScore
from assessments.services import assessment_save_answers, assessment_start, assessment_submit
from questionnaires.loader import KNOWN_PILLARS
from questionnaires.models import QuestionnaireVersion
from questionnaires.selectors import version_content
from questionnaires.services import questionnaire_version_load
from readiness.models import User
from tests.factories import FirmFactory, UserFactory
from tests.helpers import SMALL_QUESTIONNAIRE

pytestmark = pytest.mark.django_db


def submit(firm: Firm, user: User, version: QuestionnaireVersion, depth: int) -> Assessment:
    """Submit an assessment answering every question ``depth`` steps up (0: the lowest choice)."""
    content = version_content(version.pk)
    assessment = assessment_start(firm=firm, user=user)
    for pillar in content.pillars:
        answers = {}
        for question in pillar.questions:
            options = [c.code for c in question.choices if c.kind == "option"]
            if question.kind == "ladder":
                answers[question.code] = [options[min(depth, len(options) - 1)]]
            else:
                answers[question.code] = options[:depth] or ["none_of_these"]
        assessment_save_answers(assessment=assessment, answers=answers, confirm=list(answers))
    return assessment_submit(assessment=assessment, user=user)


def new_client(agency: Agency | None, **firm_fields: str) -> tuple[Firm, User]:
    user = UserFactory()
    firm = FirmFactory(owner=user, **firm_fields)
    if agency is not None:
        AgencyConsent.objects.create(
            firm=firm, agency=agency, granted_at=timezone.now(), granted_by=user, text_version=consent_version()
        )
    return firm, user


@pytest.fixture
def agency(db: None) -> Agency:
    return agency_services.agency_create(name="Hub A", admin=UserFactory())


class TestFirmSummary:
    def test_follows_submissions_and_reassessments(self, version: QuestionnaireVersion) -> None:
        firm, user = new_client(None)
        assert not FirmSummary.objects.filter(firm=firm).exists()  # nothing submitted yet

        first = submit(firm, user, version, depth=0)
        summary = FirmSummary.objects.get(firm=firm)
        assert (summary.first_id, summary.latest_id, summary.submitted_count) == (first.pk, first.pk, 1)
        assert summary.latest_score == first.overall_score and summary.latest_level == first.overall_level
        for code, score in PillarScore.objects.filter(assessment=first).values_list("pillar_code", "score"):
            assert getattr(summary, f"latest_{code}") == score == getattr(summary, f"first_{code}")

        assessment_start(firm=firm, user=user)  # a draft in progress changes nothing
        assert FirmSummary.objects.get(firm=firm).latest_id == first.pk

        Assessment.objects.filter(firm=firm, status=Assessment.Status.DRAFT).delete()
        latest = submit(firm, user, version, depth=2)
        summary = FirmSummary.objects.get(firm=firm)
        assert (summary.first_id, summary.latest_id, summary.submitted_count) == (first.pk, latest.pk, 2)
        assert summary.latest_score == latest.overall_score > first.overall_score
        assert summary.latest_submitted_at == latest.submitted_at
        exported = FirmLatestAnswers.objects.get(firm=firm).answers  # the latest answers, as exports write them
        assert exported == {
            answer.question.code: "|".join(answer.choice_codes)
            for answer in Answer.objects.filter(assessment=latest).select_related("question")
        }
        assert "|" in "".join(exported.values())  # a checklist with several items ticked

    def test_a_full_rebuild_gives_the_same_rows(self, version: QuestionnaireVersion) -> None:
        for depth in range(3):
            firm, user = new_client(None)
            submit(firm, user, version, depth)
        before = list(FirmSummary.objects.order_by("pk").values())
        answers_before = list(FirmLatestAnswers.objects.order_by("pk").values())
        FirmSummary.objects.all().delete()
        FirmLatestAnswers.objects.all().delete()
        assert firm_summaries_refresh() == 3
        assert list(FirmSummary.objects.order_by("pk").values()) == before
        assert list(FirmLatestAnswers.objects.order_by("pk").values()) == answers_before

    def test_notes_when_first_and_latest_were_taken_on_different_versions(
        self, agency: Agency, version: QuestionnaireVersion, client_for, tmp_path
    ) -> None:  # type: ignore[no-untyped-def]
        """The dashboard compares re-assessed clients' first and latest pillar scores across a
        version change, and says how many of them changed version (read from the summary row,
        not by joining each client's assessments)."""
        same, same_user = new_client(agency)
        submit(same, same_user, version, depth=0)
        submit(same, same_user, version, depth=1)
        moved, moved_user = new_client(agency)
        first = submit(moved, moved_user, version, depth=0)
        dashboard_url = reverse("agencies:agency_dashboard", args=[agency.pk])
        admin = client_for(agency.members.get())
        response = admin.get(dashboard_url)
        assert response.status_code == 200 and response.request["PATH_INFO"] == dashboard_url
        assert 'id="version-change-note"' not in response.content.decode()

        newer = tmp_path / "questionnaire-small-2.yaml"
        newer.write_text(SMALL_QUESTIONNAIRE.read_text().replace("label: test-1", "label: test-2", 1))
        newer_version = questionnaire_version_load(path=newer).version
        latest = submit(moved, moved_user, newer_version, depth=2)
        assert latest.version_id != first.version_id
        summaries = dict(FirmSummary.objects.values_list("firm_id", "versions_differ"))
        assert summaries == {same.pk: False, moved.pk: True}
        board = agency_selectors.dashboard(
            agency, DashboardFilters(), agency_selectors.pillar_titles_of_latest_version()
        )
        assert (board.reassessed, board.reassessed_across_versions) == (2, 1)
        assert all(p.first_average is not None for p in board.pillars)  # still compared, not hidden

        response = admin.get(dashboard_url)
        assert response.status_code == 200
        page = " ".join(response.content.decode().split())
        assert 'id="version-change-note"' in page
        assert "1 re-assessed client took the first assessment on an earlier version of the questionnaire." in page
        FirmSummary.objects.all().delete()
        firm_summaries_refresh()  # a rebuild keeps the mark
        assert dict(FirmSummary.objects.values_list("firm_id", "versions_differ")) == summaries

    def test_has_a_column_for_every_pillar(self) -> None:
        names = {f.name for f in FirmSummary._meta.get_fields()}
        for code in KNOWN_PILLARS:
            assert (
                FirmSummary.pillar_field("latest", code) in names and FirmSummary.pillar_field("first", code) in names
            )


def expected_figures(firms: list[Firm]) -> dict[str, object]:
    """The dashboard's figures, computed the slow, obvious way from the assessments."""
    latest, first = {}, {}
    for firm in firms:
        history = list(Assessment.objects.filter(firm=firm, status="submitted").order_by("submitted_at", "id"))
        if history:
            first[firm.pk], latest[firm.pk] = history[0], history[-1]

    def pillar_average(assessments: list[Assessment], code: str) -> float | None:
        values = [
            s
            for s in PillarScore.objects.filter(assessment__in=assessments, pillar_code=code).values_list(
                "score", flat=True
            )
            if s is not None
        ]
        return statistics.fmean(values) if values else None

    reassessed = [pk for pk in latest if latest[pk].pk != first[pk].pk]
    scores = [a.overall_score for a in latest.values()]
    return {
        "assessed": len(latest),
        "average": statistics.fmean(scores) if scores else None,
        "levels": {
            code: sum(a.overall_level == code for a in latest.values())
            for code in ("beginner", "developing", "intermediate", "advanced", "leading")
        },
        "bands": [sum(min(int(s // 10), 9) == band for s in scores) for band in range(10)],
        "pillars": {code: pillar_average(list(latest.values()), code) for code in KNOWN_PILLARS},
        "reassessed": len(reassessed),
        "first": {code: pillar_average([first[pk] for pk in reassessed], code) for code in KNOWN_PILLARS},
        "progress": {code: pillar_average([latest[pk] for pk in reassessed], code) for code in KNOWN_PILLARS},
    }


def actual_figures(agency: Agency, filters: DashboardFilters) -> dict[str, object]:
    titles = agency_selectors.pillar_titles_of_latest_version()
    board = agency_selectors.dashboard(agency, filters, titles)
    return {
        "assessed": board.assessed,
        "average": board.cohort_overall_average,
        "levels": {code: n for code, _label, n in board.level_counts},
        "bands": [n for _low, n in board.score_buckets],
        "pillars": {p.code: p.average for p in board.pillars},
        "reassessed": board.reassessed,
        "first": {p.code: p.first_average for p in board.pillars},
        "progress": {p.code: p.latest_average for p in board.pillars},
    }


def assert_same(actual: dict[str, object], expected: dict[str, object]) -> None:
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, dict):
            for code, number in value.items():
                assert actual[key][code] == pytest.approx(number), (key, code)  # type: ignore[index]
        else:
            assert actual[key] == pytest.approx(value), key


def test_the_dashboard_agrees_with_a_plain_computation(agency: Agency, version: QuestionnaireVersion) -> None:
    clients = []
    for depth, region in ((0, "Lombardia"), (1, "Veneto"), (2, "lombardia"), (3, "")):
        firm, user = new_client(agency, region=region)
        submit(firm, user, version, depth)
        clients.append((firm, user))
    firm, user = clients[0]  # re-assessed, and better the second time
    submit(firm, user, version, depth=2)
    new_client(agency)  # a client with nothing submitted yet
    revoked, revoked_user = new_client(agency)
    submit(revoked, revoked_user, version, depth=3)
    AgencyConsent.objects.filter(firm=revoked).update(revoked_at=timezone.now())
    elsewhere, elsewhere_user = new_client(agency_services.agency_create(name="Hub B", admin=UserFactory()))
    submit(elsewhere, elsewhere_user, version, depth=3)

    everyone = [firm for firm, _user in clients]
    assert_same(actual_figures(agency, DashboardFilters()), expected_figures(everyone))
    assert actual_figures(agency, DashboardFilters())["reassessed"] == 1

    lombardy = [clients[0][0], clients[2][0]]  # the region filter ignores case
    assert_same(actual_figures(agency, DashboardFilters(region="LOMBARDIA")), expected_figures(lombardy))

    level = clients[3][0].summary.latest_level
    at_level = [firm for firm in everyone if firm.summary.latest_level == level]
    assert_same(actual_figures(agency, DashboardFilters(level=level)), expected_figures(at_level))

    # The period: whole days, in the site's time zone, of the latest assessment.
    Assessment.objects.filter(firm=clients[1][0]).update(submitted_at=timezone.now() - timedelta(days=40))
    firm_summaries_refresh([clients[1][0].pk])
    today = timezone.localdate()
    recent = DashboardFilters(submitted_from=today - timedelta(days=7), submitted_to=today)
    assert_same(actual_figures(agency, recent), expected_figures([f for f in everyone if f != clients[1][0]]))
    old = DashboardFilters(submitted_to=today - timedelta(days=39))
    assert_same(actual_figures(agency, old), expected_figures([clients[1][0]]))
    assert (
        actual_figures(agency, DashboardFilters(submitted_from=date(2000, 1, 1), submitted_to=date(2000, 1, 2)))[
            "assessed"
        ]
        == 0
    )
