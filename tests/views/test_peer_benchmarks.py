"""Peer benchmarks: the group fallback, K-suppression from every angle, consent, demo data, latest only,
and when snapshots are published.

The figures themselves are released under differential privacy (``assessments.disclosure``, and
tests/security/test_singling_out.py for the attacks). Here the noise is made negligible
(``exact_figures``) so that the group rules can be checked by hand; figures are whole points.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.firm_summaries import firm_summaries_refresh
from assessments.models import Assessment, Firm, PillarScore
from assessments.peer_statistics import peer_statistics_refresh
from assessments.selectors import peer_comparison_for
from questionnaires.models import QuestionnaireVersion
from questionnaires.services import questionnaire_version_load
from tests.factories import FirmFactory
from tests.helpers import PILLARS, SMALL_QUESTIONNAIRE, answer_everything, submitted_with_scores

pytestmark = pytest.mark.django_db


def peers(version: QuestionnaireVersion, n: int, score: float = 50.0, **profile: object) -> list[Firm]:
    firms = []
    for i in range(n):
        firm = FirmFactory(**{"size_class": "small", "sector": "C", "country": "IT", **profile})
        submitted_with_scores(firm, version, score + i)
        firms.append(firm)
    return firms


@pytest.fixture(autouse=True)
def exact_figures(settings) -> None:  # type: ignore[no-untyped-def]
    settings.BENCHMARK_EPSILON = 1000.0  # a privacy loss no site would set: the released figures are exact


@pytest.fixture
def mine(firm: Firm, version: QuestionnaireVersion) -> Assessment:
    return submitted_with_scores(firm, version, 55.0)


def compare(assessment: Assessment) -> object:
    peer_statistics_refresh(includes_demo=False)
    peer_statistics_refresh(includes_demo=True)
    return peer_comparison_for(assessment)


class TestGroups:
    def test_the_narrowest_group_with_k_firms_besides_the_viewers(
        self, mine: Assessment, version: QuestionnaireVersion
    ) -> None:
        peers(version, 10)  # + mine = 11 small manufacturers in Italy
        result = compare(mine)
        assert result.scope == "size_sector_country" and result.n == 11
        assert "sector C" in result.label and "Italy" in result.label

    def test_the_viewers_own_firm_does_not_count_towards_k(
        self, mine: Assessment, version: QuestionnaireVersion
    ) -> None:
        peers(version, 9)  # + mine = 10: K firms, but only 9 besides the viewer
        assert compare(mine).scope is None

    def test_a_firm_outside_the_benchmarks_sees_a_group_of_k(
        self, mine: Assessment, version: QuestionnaireVersion
    ) -> None:
        peers(version, 10)
        Firm.objects.filter(pk=mine.firm_id).update(benchmark_consent=False)
        mine.firm.refresh_from_db()
        result = compare(mine)
        assert result.scope == "size_sector_country" and result.n == 10

    def test_falls_back_to_size_and_country(self, mine: Assessment, version: QuestionnaireVersion) -> None:
        peers(version, 5)
        peers(version, 6, sector="G")
        result = compare(mine)
        assert result.scope == "size_country" and result.n == 12

    def test_falls_back_to_size_then_all(self, mine: Assessment, version: QuestionnaireVersion) -> None:
        # Two published country groups of 10, each differing from the size group by 11 (>= K).
        peers(version, 10, country="FR")
        peers(version, 10, country="DE")
        result = compare(mine)
        assert result.scope == "size" and result.n == 21
        # Mine's size group (mine + 9) is published but holds 9 firms besides mine: all firms (30),
        # which differs from each published group inside it by at least K.
        Firm.objects.exclude(pk=mine.firm_id).update(size_class="medium")
        peers(version, 9, country="FR")
        assert compare(mine).scope == "all" and compare(mine).n == 30

    def test_nothing_below_k_firms_in_all(
        self, mine: Assessment, version: QuestionnaireVersion, owner_client: Client
    ) -> None:
        peers(version, 8, country="FR", size_class="medium")
        result = compare(mine)
        assert result.scope is None and all(row.median is None for row in result.rows)
        response = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": mine.pk}))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Not enough firms have taken the assessment yet" in html
        assert "Peer median" not in html

    def test_k_is_a_setting(self, mine: Assessment, version: QuestionnaireVersion, settings) -> None:  # type: ignore[no-untyped-def]
        peers(version, 9)
        settings.BENCHMARK_MIN_GROUP = 20
        assert compare(mine).scope is None
        settings.BENCHMARK_MIN_GROUP = 5
        assert compare(mine).scope == "size_sector_country"

    def test_a_raised_k_refuses_statistics_computed_under_a_lower_one(
        self, mine: Assessment, version: QuestionnaireVersion, settings
    ) -> None:  # type: ignore[no-untyped-def]
        peers(version, 20)  # 20 besides mine: enough for K = 10 and for K = 11 alike
        assert compare(mine).scope == "size_sector_country"
        # Computed under K = 10, the snapshot's nested groups may differ by 10 firms: not enough
        # under K = 11, so nothing of it is shown until the next snapshot.
        settings.BENCHMARK_MIN_GROUP = 11
        assert peer_comparison_for(mine).scope is None
        assert compare(mine).scope == "size_sector_country"  # computed again under K = 11

    def test_a_lowered_k_keeps_statistics_computed_under_a_higher_one(
        self, mine: Assessment, version: QuestionnaireVersion, settings
    ) -> None:  # type: ignore[no-untyped-def]
        peers(version, 20)
        assert compare(mine).scope == "size_sector_country"
        settings.BENCHMARK_MIN_GROUP = 5  # the snapshot was stricter than today's rule
        assert peer_comparison_for(mine).scope == "size_sector_country"


class TestFigures:
    def test_median_quartiles_and_percentile(self, mine: Assessment, version: QuestionnaireVersion) -> None:
        peers(version, 10)  # 50..59 and mine 55: 11 firms
        overall = compare(mine).rows[0]
        assert overall.code == "overall" and overall.n == 11
        assert overall.median == pytest.approx(55.0)  # sorted: 50,51,52,53,54,55,55,56,57,58,59
        # Whole points: 52.5 and 56.5 come out as a neighbouring point.
        assert (overall.p25, overall.p75) == (pytest.approx(52.5, abs=0.5), pytest.approx(56.5, abs=0.5))
        assert overall.percentile == pytest.approx(50.0, abs=5)
        assert all(float(value).is_integer() for value in (overall.p25, overall.median, overall.p75))

    def test_a_pillar_with_fewer_than_k_scores_is_suppressed(
        self, mine: Assessment, version: QuestionnaireVersion
    ) -> None:
        for i, firm in enumerate(peers(version, 10)):
            if i < 5:
                PillarScore.objects.filter(assessment__firm=firm, pillar_code="cyber").update(score=None)
                firm_summaries_refresh([firm.pk])  # as rescoring does
        rows = {row.code: row for row in compare(mine).rows}
        assert rows["cyber"].median is None and rows["cyber"].n == 6
        assert rows["skills"].median is not None

    def test_results_page_shows_the_group_and_numbers(
        self, mine: Assessment, version: QuestionnaireVersion, owner_client: Client
    ) -> None:
        peers(version, 10)
        compare(mine)
        response = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": mine.pk}))
        assert response.status_code == 200
        html = response.content.decode()
        overall = peer_comparison_for(mine).rows[0]
        assert "Small firms in sector" in html and "11 firms" in html
        assert f"{overall.p25:.0f}–{overall.p75:.0f}" in html


class TestWhoCounts:
    def test_firms_without_consent_do_not_count(self, mine: Assessment, version: QuestionnaireVersion) -> None:
        firms = peers(version, 13)
        Firm.objects.filter(pk__in=[f.pk for f in firms[:3]]).update(benchmark_consent=False)
        assert compare(mine).n == 11

    def test_firms_whose_owner_did_not_confirm_their_e_mail_do_not_count(
        self, mine: Assessment, version: QuestionnaireVersion
    ) -> None:
        from readiness.models import User

        firms = peers(version, 13)
        User.objects.filter(memberships__firm__in=firms[:3]).update(email_confirmed_at=None)
        assert compare(mine).n == 11
        peers(version, 2, owner=False)  # nobody owns them any more: nobody confirmed
        assert compare(mine).n == 11

    def test_demo_firms_count_only_in_demo_mode(
        self, mine: Assessment, version: QuestionnaireVersion, settings
    ) -> None:  # type: ignore[no-untyped-def]
        peers(version, 12, is_demo=True)
        settings.BENCHMARK_DEMO_MODE = False
        assert compare(mine).scope is None
        settings.BENCHMARK_DEMO_MODE = True
        assert compare(mine).n == 13

    def test_only_each_firms_latest_assessment_counts(self, mine: Assessment, version: QuestionnaireVersion) -> None:
        for firm in peers(version, 10, score=90.0):
            submitted_with_scores(firm, version, 10.0, days_ago=400)
        overall = compare(mine).rows[0]
        assert overall.n == 11 and overall.p25 > 80

    def test_firms_count_whatever_version_their_latest_assessment_was_taken_on(
        self, mine: Assessment, version: QuestionnaireVersion, tmp_path
    ) -> None:  # type: ignore[no-untyped-def]
        """Peer figures pool pillar scores (0-100) across questionnaire versions, as the
        methodology page says: a firm on the newer version is compared with firms whose
        latest assessment is on the older one, and the other way round."""
        newer_file = tmp_path / "questionnaire-small-2.yaml"
        newer_file.write_text(SMALL_QUESTIONNAIRE.read_text().replace("label: test-1", "label: test-2", 1))
        newer = questionnaire_version_load(path=newer_file).version
        peers(version, 5, score=20.0)
        on_newer = peers(newer, 5, score=80.0)
        for viewer in (mine, Assessment.objects.get(firm=on_newer[0])):
            overall = compare(viewer).rows[0]
            assert overall.n == 11, viewer.version.label
            assert overall.p25 < 30 and overall.p75 > 75  # both versions' firms are in the group

    def test_drafts_do_not_count(self, mine: Assessment, version: QuestionnaireVersion) -> None:
        peers(version, 9)
        Assessment.objects.exclude(pk=mine.pk).update(status=Assessment.Status.DRAFT)
        firm_summaries_refresh()  # the peers now have drafts only
        assert compare(mine).scope is None


class TestNoWayAround:
    def test_url_parameters_change_nothing(
        self, mine: Assessment, version: QuestionnaireVersion, owner_client: Client
    ) -> None:
        peers(version, 8)
        compare(mine)
        url = reverse("assessments:results", kwargs={"assessment_id": mine.pk})
        plain = owner_client.get(url).content.decode()
        tampered = owner_client.get(
            url + "?k=1&min_group=1&scope=size_sector_country&BENCHMARK_MIN_GROUP=2"
        ).content.decode()
        assert "Not enough firms" in plain and "Not enough firms" in tampered and "Peer median" not in tampered

    def test_query_count_does_not_grow_with_firms(
        self, mine: Assessment, version: QuestionnaireVersion, owner_client: Client
    ) -> None:
        url = reverse("assessments:results", kwargs={"assessment_id": mine.pk})

        def queries(cold: bool) -> int:
            if cold:
                cache.clear()  # render the results body afresh
            with CaptureQueriesContext(connection) as captured:
                assert owner_client.get(url).status_code == 200
            return len(captured.captured_queries)

        peers(version, 12)
        compare(mine)
        small = (queries(cold=True), queries(cold=False))
        peers(version, 60, country="FR")
        compare(mine)
        assert (queries(cold=True), queries(cold=False)) == small
        assert small[1] <= 3  # session with user, assessment, statistics generation

    def test_a_refresh_shows_new_figures_at_once(
        self, mine: Assessment, version: QuestionnaireVersion, owner_client: Client
    ) -> None:
        url = reverse("assessments:results", kwargs={"assessment_id": mine.pk})
        peers(version, 10)
        compare(mine)
        assert "11 firms" in owner_client.get(url).content.decode()
        peers(version, 5)
        compare(mine)
        assert "16 firms" in owner_client.get(url).content.decode()


def test_chart_data_match_the_page_numbers(
    mine: Assessment, version: QuestionnaireVersion, owner_client: Client
) -> None:
    import json
    import re

    peers(version, 10)
    compare(mine)
    html = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": mine.pk})).content.decode()
    figures = {
        match.group(1): json.loads(match.group(2))
        for match in re.finditer(r'<script id="([\w-]+)" type="application/json">(.*?)</script>', html, re.S)
    }
    radar = next(figure for key, figure in figures.items() if "radar" in key)
    traces = {trace["name"]: trace["r"] for trace in radar["data"]}
    you = next(values for name, values in traces.items() if name == "You")
    median = next(values for name, values in traces.items() if name != "You")
    rows = {row.code: row for row in peer_comparison_for(mine).rows}
    pillars = [code for code in PILLARS]
    assert [v for v in you if v is not None][: len(pillars)] == [rows[c].score for c in pillars]
    assert [v for v in median if v is not None][: len(pillars)] == [rows[c].median for c in pillars]
    assert "55.0" in html and f"{rows['skills'].median:.0f}" in html


class TestSnapshots:
    """Peer figures come from a snapshot the worker publishes on a schedule: a submission changes
    nothing until the next one; withdrawing consent or changing the profile asks for one at once."""

    def submit(self, owner_client: Client, draft: Assessment) -> None:
        answer_everything(owner_client, draft)
        response = owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
        assert response.status_code == 302

    def overall_n(self) -> int:
        from assessments.models import PeerStatistic

        return PeerStatistic.objects.get(scope="all", pillar_code=PeerStatistic.OVERALL, includes_demo=False).n

    def test_a_submission_waits_for_the_next_snapshot(
        self, version: QuestionnaireVersion, draft: Assessment, owner_client: Client
    ) -> None:
        from assessments import tasks
        from readiness.task_queue import runs_of

        peers(version, 10)
        peer_statistics_refresh(includes_demo=False)
        self.submit(owner_client, draft)
        assert self.overall_n() == 10  # not rebuilt by the submission
        assert not runs_of(tasks.publish_peer_statistics, running=False).exists()
        assert tasks.scheduled_peer_statistics.func() == 11  # what the worker runs on schedule
        assert self.overall_n() == 11

    def test_the_scheduled_snapshot_schedules_the_next_one_once(self, settings) -> None:  # type: ignore[no-untyped-def]
        from datetime import timedelta

        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        from assessments import tasks

        settings.PEER_STATISTICS_INTERVAL = 3600
        tasks.scheduled_peer_statistics.func()
        tasks.schedule_peer_statistics()  # the release command, say: no second one
        (waiting,) = DBTaskResult.objects.filter(task_path=tasks.scheduled_peer_statistics.module_path)
        assert waiting.status == "READY"
        assert timedelta(minutes=59) < waiting.run_after - timezone.now() <= timedelta(hours=1)
        assert not DBTaskResult.objects.ready().exists()  # not due yet

    @pytest.mark.parametrize(
        "change", [{"benchmark_consent": "no"}, {"sector": "G"}, {"size_class": "medium"}, {"country": "FR"}]
    )
    def test_withdrawing_consent_or_changing_the_profile_asks_for_a_snapshot(
        self,
        change: dict[str, str],
        mine: Assessment,
        owner_client: Client,
        django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
    ) -> None:
        from assessments import tasks
        from readiness.task_queue import runs_of

        profile = {
            "name": mine.firm.name,
            "country": "IT",
            "sector": "C",
            "size_class": "small",
            "region": "",
            "benchmark_consent": "yes",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(reverse("assessments:firm_profile"), {**profile, "name": "Renamed"})
        assert response.status_code == 302
        assert not runs_of(tasks.publish_peer_statistics, running=False).exists()  # the name counts in no group
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(reverse("assessments:firm_profile"), {**profile, **change})
        assert response.status_code == 302
        assert runs_of(tasks.publish_peer_statistics, running=False).exists()


def test_unchanged_groups_keep_their_figures_so_rereading_teaches_nothing(
    mine: Assessment, version: QuestionnaireVersion, settings
) -> None:  # type: ignore[no-untyped-def]
    """The methodology page's promise: fresh noise is drawn only when a group's contributions
    change, so averaging many readings of the same data gains nothing."""
    from assessments.models import PeerStatistic

    settings.BENCHMARK_EPSILON = 0.05  # very noisy: two independent draws would differ
    firms = peers(version, 30)
    published = {}
    for _ in range(3):
        peer_statistics_refresh(includes_demo=False)
        rows = PeerStatistic.objects.filter(includes_demo=False).exclude(percentiles=[])
        published.setdefault("runs", []).append({(r.scope, r.pillar_code): r.percentiles for r in rows})
    first, *later = published["runs"]
    assert first and all(run == first for run in later)

    def overall() -> PeerStatistic:
        return PeerStatistic.objects.get(includes_demo=False, scope="all", pillar_code=PeerStatistic.OVERALL)

    before = overall().digest
    submitted_with_scores(firms[0], version, 99.0)  # one contribution changes: a new release
    peer_statistics_refresh(includes_demo=False)
    assert overall().digest != before and overall().n == 31
