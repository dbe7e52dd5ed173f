"""The action plan: priorities on the results page, and the PDF — content, charts, cache, access."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from assessments import pdf, plan_delivery, selectors
from assessments.models import Assessment, Firm, StoredActionPlan
from questionnaires.actions import action_set_load
from questionnaires.policies import policy_examples_load
from tests.helpers import answer_everything, best_page, download_action_plan, pdf_text, poppler, run_worker

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent.parent / "data"
HOSTILE_NAME = '<img src="http://127.0.0.1:9/x"><script>alert(1)</script> & Co'


def weak_page(code: str) -> dict[str, object]:
    """Gaps everywhere: the bottom rung, "don't know" on the checklist, no machines."""
    return {f"q-{code}.ladder": "none", f"q-{code}.checklist": ["dont_know"], f"q-{code}.machines": "no"}


@pytest.fixture
def content(version) -> None:  # type: ignore[no-untyped-def]
    policy_examples_load(path=DATA / "policy-examples-small.yaml")
    action_set_load(path=DATA / "actions-small.yaml")


@pytest.fixture
def weak(content: None, draft: Assessment, owner_client: Client) -> Assessment:
    answer_everything(owner_client, draft, page=weak_page)
    owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
    draft.refresh_from_db()
    return draft


def pdf_url(assessment: Assessment) -> str:
    return reverse("assessments:action_plan_pdf", kwargs={"assessment_id": assessment.pk})


def download(client: Client, assessment: Assessment) -> bytes:
    return b"".join(download_action_plan(client, pdf_url(assessment)).streaming_content)


class TestResultsPage:
    def test_top_priorities_and_the_full_list_per_pillar(self, weak: Assessment, owner_client: Client) -> None:
        html = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": weak.pk})).content.decode()
        assert "Your top priorities" in html
        top = html[html.index("Your top priorities") : html.index("All recommended actions")]
        # Cyber scores 0: both cyber actions are high impact on the whole gap, and tie; the
        # cheaper one comes first. Medium-impact actions follow.
        assert top.index("Take the first cyber steps") < top.index("Fix the cyber ladder") < top.index("Try AI")
        assert "Because of your answers" in html
        assert pdf_url(weak) in html  # the download button

    def test_a_checklist_reason_names_what_is_missing(
        self, content: None, draft: Assessment, owner_client: Client
    ) -> None:
        def page(code: str) -> dict[str, object]:
            # Cyber: 0.5, 0.5 (alpha, weight 2, not ticked), 1 -> 66.7, advanced.
            return {f"q-{code}.ladder": "some", f"q-{code}.checklist": ["beta", "gamma"], f"q-{code}.machines": "yes"}

        answer_everything(owner_client, draft, page=page)
        owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
        html = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": draft.pk})).content.decode()
        item = html[html.index("Adopt practice alpha") :]
        item = item[: item.index("</li>")]
        assert "not in place:" in item and "Practice alpha" in item
        assert "Practice beta" not in item  # ticked: no reason for the action

    def test_a_strong_firm_gets_no_level_actions(self, content: None, draft: Assessment, owner_client: Client) -> None:
        answer_everything(owner_client, draft, page=best_page)
        owner_client.post(reverse("assessments:submit", kwargs={"assessment_id": draft.pk}))
        html = owner_client.get(reverse("assessments:results", kwargs={"assessment_id": draft.pk})).content.decode()
        assert "No action is triggered by your answers" in html
        assert "Take the first cyber steps" not in html


class TestPdf:
    def test_contents(self, weak: Assessment, owner_client: Client) -> None:
        data = download(owner_client, weak)
        text = pdf_text(data)
        flat = " ".join(text.split())
        assert weak.firm.name in flat
        for title in ("Digital skills", "Data access and use", "Cybersecurity", "AI adoption", "Green transition"):
            assert title in flat, title
        assert "Overall score" in flat and f"{weak.overall_score:.1f}" in flat
        assert "Fix the cyber ladder" in flat and "Take the first cyber steps" in flat
        assert "A free cyber-risk self-check" in flat  # a policy example ...
        assert "002_50b4064faa11e839.txt, ¶50" in flat  # ... with its citation
        assert "Eurostat" in flat or "cited as" in flat
        pages = len(PdfReader(io.BytesIO(data)).pages)
        assert f"Page {pages} of {pages}" in flat and "Page 2 of" in flat

    def test_fonts_are_embedded(self, weak: Assessment, owner_client: Client) -> None:
        data = download(owner_client, weak)
        fonts = poppler("pdffonts", "-", data=data)
        rows = fonts.splitlines()[2:]
        assert rows and all(re.search(r"\byes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$", row) for row in rows), fonts

    def test_charts_are_vector_graphics(self, weak: Assessment, owner_client: Client) -> None:
        reader = PdfReader(io.BytesIO(download(owner_client, weak)))
        summary = reader.pages[1]
        assert "Summary" in summary.extract_text()
        drawn = _content_with_forms(summary)
        # Paths: move-to/line-to/close, and no raster image anywhere in the document.
        assert len(re.findall(rb"\sl\s", drawn)) > 20
        for page in reader.pages:
            assert not _images(page)

    def test_the_file_name_carries_firm_and_date(self, weak: Assessment, owner_client: Client) -> None:
        Firm.objects.filter(pk=weak.firm_id).update(name="Café Müller & Söhne GmbH")
        response = download_action_plan(owner_client, pdf_url(weak))
        response.close()
        day = weak.submitted_at.date().isoformat()
        expected = f'attachment; filename="readiness-action-plan-cafe-muller-sohne-gmbh-{day}.pdf"'
        assert response["Content-Disposition"] == expected

    def test_hostile_firm_name_is_text_and_nothing_is_fetched(self, weak: Assessment, owner_client: Client) -> None:
        Firm.objects.filter(pk=weak.firm_id).update(name=HOSTILE_NAME)
        requested: list[str] = []
        original = pdf.StaticFilesOnlyFetcher.fetch

        def spy(self, url, headers=None):  # type: ignore[no-untyped-def]
            requested.append(url)
            return original(self, url, headers)

        with mock.patch.object(pdf.StaticFilesOnlyFetcher, "fetch", spy):
            data = download(owner_client, weak)
        # The stylesheet (fetched once per process, so perhaps before this test) and nothing else.
        assert set(requested) <= {pdf.STATIC_PREFIX + pdf.PDF_STYLESHEET}
        # As text (the cover's large type may wrap it: compare without whitespace).
        assert '<imgsrc="http://127.0.0.1:9/x"><script>alert(1)</script>&Co' in "".join(pdf_text(data).split())


class TestFetcher:
    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:9/x",
            "https://example.com/static/css/action-plan.css",
            "file:///etc/passwd",
            "https://readiness.invalid/static/../readiness/settings.py",
            "https://readiness.invalid/static/%2e%2e/%2e%2e/readiness/settings.py",
            "https://readiness.invalid/media/action-plans/1/en/x.pdf",
            "https://readiness.invalid/static/no-such-file.css",
            "data:text/css,body{}",
        ],
    )
    def test_refuses_everything_but_static_files(self, url: str) -> None:
        with pytest.raises(ValueError):
            pdf.StaticFilesOnlyFetcher().fetch(url)

    def test_serves_a_static_file(self) -> None:
        response = pdf.StaticFilesOnlyFetcher().fetch(pdf.STATIC_PREFIX + pdf.PDF_STYLESHEET)
        assert response.content_type == "text/css"
        assert b"@page" in response.read()


class TestCache:
    def test_built_once_then_served_from_storage(self, weak: Assessment, owner_client: Client) -> None:
        with mock.patch.object(pdf, "render_action_plan", wraps=pdf.render_action_plan) as render:
            first = download(owner_client, weak)
            second = download(owner_client, weak)
        assert render.call_count == 1
        assert first == second

    def test_rebuilt_when_the_firm_changes_and_old_file_removed(
        self, weak: Assessment, owner_client: Client, settings
    ) -> None:  # type: ignore[no-untyped-def]
        download(owner_client, weak)
        firm = weak.firm
        firm.name = "Renamed Ltd"
        firm.save()
        text = pdf_text(download(owner_client, weak))
        assert "Renamed Ltd" in text
        files = list((Path(settings.MEDIA_ROOT) / "action-plans" / str(weak.pk) / "en").iterdir())
        assert len(files) == 1

    def test_rebuilt_when_a_new_action_set_is_loaded(self, weak: Assessment, owner_client: Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
        download(owner_client, weak)
        newer = (DATA / "actions-small.yaml").read_text().replace('label: "test-1"', 'label: "test-2"', 1)
        newer = newer.replace("Fix the cyber ladder", "Climb the cyber ladder")
        (tmp_path / "actions-2.yaml").write_text(newer)
        action_set_load(path=tmp_path / "actions-2.yaml")
        assert "Climb the cyber ladder" in " ".join(pdf_text(download(owner_client, weak)).split())

    def test_the_owner_and_an_advisor_name_the_same_file(
        self, weak: Assessment, owner_client: Client, settings
    ) -> None:  # type: ignore[no-untyped-def]
        """The owner's state is read by raw SQL, the advisor's and the ZIP's by the ORM: one file.

        Once, on SQLite, one spelt the firm's last change with "+00:00" and the other without:
        two names, and each build deleted the other's file (a ZIP then lost it mid-way)."""
        owner = weak.firm.members.get()
        as_owner = selectors.results_page_state(owner, weak.pk)
        as_advisor = selectors.results_state_of(Assessment.objects.select_related("firm").get(pk=weak.pk))
        assert as_owner.firm_updated_at == as_advisor.firm_updated_at
        assert as_owner.submitted_at == as_advisor.submitted_at
        assert pdf.document_identity(as_owner, "en") == pdf.document_identity(as_advisor, "en")
        download(owner_client, weak)
        built = list((Path(settings.MEDIA_ROOT) / "action-plans" / str(weak.pk) / "en").iterdir())
        name = pdf.cached_action_plan(None, as_advisor, "en", load=lambda: weak)
        assert [Path(name).name] == [path.name for path in built]  # served from the owner's build

    def test_one_file_per_language(self, weak: Assessment, owner_client: Client, settings) -> None:  # type: ignore[no-untyped-def]
        state = mock.Mock(assessment_id=weak.pk, content_generation="1", firm_updated_at="x")
        assert pdf.document_identity(state, "en") != pdf.document_identity(state, "fr")


def queued_builds(assessment: Assessment) -> list[tuple[str, list[object]]]:
    return [
        (run.status, run.args_kwargs["args"])
        for run in DBTaskResult.objects.filter(task_path=plan_delivery.build_action_plan.module_path)
        if run.args_kwargs["args"][0] == assessment.pk
    ]


class TestBuiltByTheWorker:
    """The PDF is built off the request path (``plan_delivery``); a request serves the file."""

    def test_submitting_queues_the_build_and_the_download_is_then_served_from_storage(
        self, weak: Assessment, owner_client: Client
    ) -> None:
        assert queued_builds(weak) == [("READY", [weak.pk, "en"])]
        run_worker()
        assert queued_builds(weak) == [("SUCCESSFUL", [weak.pk, "en"])]
        with mock.patch.object(pdf, "render_action_plan") as render:
            response = owner_client.get(pdf_url(weak))
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content).startswith(b"%PDF-")
        render.assert_not_called()

    def test_until_it_is_built_a_progress_page_answers_and_nothing_is_built_in_the_request(
        self, weak: Assessment, owner_client: Client
    ) -> None:
        with mock.patch.object(pdf, "render_action_plan") as render:
            page = owner_client.get(pdf_url(weak))
            status = owner_client.get(pdf_url(weak) + "?status=1")
        render.assert_not_called()
        assert page.status_code == 202 and page["Retry-After"] == "2"
        html = page.content.decode()
        assert "Preparing your action plan" in html and "Your PDF is next in line" in html
        assert 'http-equiv="refresh"' in html  # without scripts, the page reloads itself
        assert status.status_code == 200 and status.json() == {"ready": False, "building": False, "ahead": 0}
        run_worker()
        assert owner_client.get(pdf_url(weak) + "?status=1").json() == {"ready": True, "url": pdf_url(weak)}
        download(owner_client, weak)

    def test_one_build_is_queued_however_often_the_page_is_asked_for(
        self, weak: Assessment, owner_client: Client
    ) -> None:
        for _ in range(3):
            assert owner_client.get(pdf_url(weak)).status_code == 202
            assert owner_client.get(pdf_url(weak) + "?status=1").status_code == 200
        assert queued_builds(weak) == [("READY", [weak.pk, "en"])]
        with translation.override("fr"):
            plan_delivery.plan_build_queue(weak.pk)
        assert sorted(queued_builds(weak)) == [("READY", [weak.pk, "en"]), ("READY", [weak.pk, "fr"])]

    def test_a_file_replaced_between_finding_and_opening_it_is_waited_for(
        self, weak: Assessment, owner_client: Client
    ) -> None:
        run_worker()
        with mock.patch.object(pdf, "file_response", side_effect=FileNotFoundError):
            assert owner_client.get(pdf_url(weak)).status_code == 202
        download(owner_client, weak)

    def test_the_page_says_how_many_documents_come_first(self, weak: Assessment, owner_client: Client) -> None:
        DBTaskResult.objects.all().delete()
        for other in (10_001, 10_002):
            plan_delivery.build_action_plan.enqueue(other, "en")
        html = owner_client.get(pdf_url(weak)).content.decode()
        assert "Your PDF is in the queue: 2 other documents are being prepared first." in html
        assert owner_client.get(pdf_url(weak) + "?status=1").json()["ahead"] == 2

    def test_a_stopped_worker_makes_the_download_slow_not_impossible(
        self, weak: Assessment, owner_client: Client, settings
    ) -> None:  # type: ignore[no-untyped-def]
        settings.PLAN_WORKER_PATIENCE = 20
        waited = timezone.now() - timedelta(seconds=21)
        DBTaskResult.objects.update(enqueued_at=waited)
        # A worker that started something 5 s ago is alive: the request keeps waiting for it.
        DBTaskResult.objects.create(
            task_path="assessments.tasks.publish_peer_statistics",
            args_kwargs={"args": [], "kwargs": {}},
            status="SUCCESSFUL",
            backend_name="default",
            run_after=timezone.now(),
            started_at=timezone.now() - timedelta(seconds=5),
            finished_at=timezone.now() - timedelta(seconds=4),
        )
        assert owner_client.get(pdf_url(weak)).status_code == 202
        # Nothing has touched the queue for longer than the patience: the request builds it.
        DBTaskResult.objects.filter(status="SUCCESSFUL").delete()
        response = owner_client.get(pdf_url(weak))
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
        assert StoredActionPlan.objects.filter(assessment=weak, language="en").count() == 1  # rebuilt after a change

    def test_a_content_change_rebuilds_the_stored_plans_before_anyone_asks(
        self, weak: Assessment, owner_client: Client, tmp_path: Path, django_capture_on_commit_callbacks
    ) -> None:  # type: ignore[no-untyped-def]
        download(owner_client, weak)
        newer = (DATA / "actions-small.yaml").read_text().replace('label: "test-1"', 'label: "test-2"', 1)
        (tmp_path / "actions-2.yaml").write_text(newer.replace("Fix the cyber ladder", "Climb the cyber ladder"))
        with django_capture_on_commit_callbacks(execute=True):
            action_set_load(path=tmp_path / "actions-2.yaml")
        run_worker()  # the rebuild job, then the build it queued
        with mock.patch.object(pdf, "render_action_plan") as render:
            data = download(owner_client, weak)
        render.assert_not_called()
        assert "Climb the cyber ladder" in " ".join(pdf_text(data).split())

    def test_an_older_assessments_stored_plan_is_not_rebuilt_after_a_content_change(
        self, weak: Assessment, owner_client: Client
    ) -> None:
        download(owner_client, weak)  # the plan of what is now the older assessment
        newer = Assessment.objects.create(
            firm=weak.firm, version=weak.version, status=Assessment.Status.SUBMITTED, submitted_at=timezone.now()
        )
        DBTaskResult.objects.all().delete()
        assert plan_delivery.rebuild_stored_action_plans.call() == 0
        Assessment.objects.filter(pk=newer.pk).delete()
        assert plan_delivery.rebuild_stored_action_plans.call() == 1  # now the latest again
        assert queued_builds(weak) == [("READY", [weak.pk, "en"])]

    def test_each_build_records_its_file_and_a_newer_build_replaces_it(
        self, weak: Assessment, owner_client: Client, settings
    ) -> None:  # type: ignore[no-untyped-def]
        def recorded() -> list[tuple[int, str, str]]:
            return list(StoredActionPlan.objects.values_list("assessment_id", "language", "file_name"))

        def on_disk() -> list[str]:
            folder = Path(settings.MEDIA_ROOT) / "action-plans" / str(weak.pk) / "en"
            return [f"action-plans/{weak.pk}/en/{path.name}" for path in folder.iterdir()]

        run_worker()
        assert recorded() == [(weak.pk, "en", name) for name in on_disk()]
        firm = weak.firm
        firm.name = "Renamed Ltd"
        firm.save()
        download(owner_client, weak)
        assert recorded() == [(weak.pk, "en", name) for name in on_disk()]  # the new file, one row

    def test_the_rebuild_reads_the_table_not_the_storage(self, weak: Assessment, owner_client: Client) -> None:
        """Listing the storage folder of each assessment (an object store's LIST per firm) does not
        scale to a million firms: the rebuild finds the stored plans in one table."""
        download(owner_client, weak)
        DBTaskResult.objects.all().delete()
        with mock.patch.object(pdf.default_storage, "listdir", side_effect=AssertionError("storage listed")):
            assert plan_delivery.rebuild_stored_action_plans.call() == 1
        assert queued_builds(weak) == [("READY", [weak.pk, "en"])]

    def test_the_rebuild_queues_no_second_build_beside_a_waiting_one_but_does_beside_a_running_one(
        self, weak: Assessment, owner_client: Client
    ) -> None:
        download(owner_client, weak)
        DBTaskResult.objects.all().delete()
        plan_delivery.plan_build_queue(weak.pk, "en")
        assert plan_delivery.rebuild_stored_action_plans.call() == 0  # the waiting one reads the new content
        DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
        assert plan_delivery.rebuild_stored_action_plans.call() == 1  # that one may have read the old
        assert sorted(queued_builds(weak)) == [("READY", [weak.pk, "en"]), ("RUNNING", [weak.pk, "en"])]

    def test_a_plan_stored_before_the_table_is_rebuilt_on_its_next_download(
        self, weak: Assessment, owner_client: Client, tmp_path: Path
    ) -> None:
        download(owner_client, weak)
        StoredActionPlan.objects.all().delete()  # a file stored before the table existed
        DBTaskResult.objects.all().delete()
        newer = (DATA / "actions-small.yaml").read_text().replace('label: "test-1"', 'label: "test-2"', 1)
        (tmp_path / "actions-2.yaml").write_text(newer.replace("Fix the cyber ladder", "Climb the cyber ladder"))
        action_set_load(path=tmp_path / "actions-2.yaml")
        assert plan_delivery.rebuild_stored_action_plans.call() == 0  # not known ahead...
        assert owner_client.get(pdf_url(weak)).status_code == 202  # ...but stale, so rebuilt when asked for
        assert "Climb the cyber ladder" in " ".join(pdf_text(download(owner_client, weak)).split())
        assert StoredActionPlan.objects.filter(assessment=weak, language="en").exists()

    def test_deleting_a_firm_deletes_its_stored_plans(
        self, weak: Assessment, owner_client: Client, settings, django_capture_on_commit_callbacks
    ) -> None:  # type: ignore[no-untyped-def]
        """However the firm goes (its owner's account, the admin): "your data is deleted" holds for
        the PDFs in storage too."""
        plan_delivery.plan_build_queue(weak.pk, "fr")
        run_worker()
        folder = Path(settings.MEDIA_ROOT) / "action-plans" / str(weak.pk)
        assert len(list(folder.glob("*/*.pdf"))) == 2
        with django_capture_on_commit_callbacks(execute=True):
            Firm.objects.filter(pk=weak.firm_id).delete()
        assert list(folder.glob("*/*.pdf")) == []
        assert not StoredActionPlan.objects.exists()

    def test_a_build_queued_for_a_deleted_assessment_does_nothing(self, weak: Assessment) -> None:
        Assessment.objects.filter(pk=weak.pk).delete()
        run_worker()
        assert queued_builds(weak) == [("SUCCESSFUL", [weak.pk, "en"])]


class TestAccess:
    def test_outsider_gets_404_and_nothing_is_built(self, weak: Assessment, outsider_client: Client) -> None:
        with mock.patch.object(pdf, "render_action_plan") as render:
            assert outsider_client.get(pdf_url(weak)).status_code == 404
        render.assert_not_called()

    def test_anonymous_is_sent_to_log_in(self, weak: Assessment, client: Client) -> None:
        response = client.get(pdf_url(weak))
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_unknown_assessment_is_404(self, weak: Assessment, owner_client: Client) -> None:
        url = reverse("assessments:action_plan_pdf", kwargs={"assessment_id": 999999})
        assert owner_client.get(url).status_code == 404

    def test_a_draft_has_no_plan_yet(self, content: None, draft: Assessment, owner_client: Client) -> None:
        response = owner_client.get(pdf_url(draft))
        assert response.status_code == 302
        assert response["Location"] == reverse("assessments:review", kwargs={"assessment_id": draft.pk})

    def test_post_is_refused(self, weak: Assessment, owner_client: Client) -> None:
        assert owner_client.post(pdf_url(weak)).status_code == 405

    def test_an_outsider_learns_nothing_from_the_progress_check(
        self, weak: Assessment, outsider_client: Client
    ) -> None:
        DBTaskResult.objects.all().delete()
        assert outsider_client.get(pdf_url(weak) + "?status=1").status_code == 404
        assert outsider_client.get(pdf_url(weak)).status_code == 404
        assert not DBTaskResult.objects.exists()  # and nothing was queued for them


class TestCommand:
    def test_staff_render_from_the_shell(self, weak: Assessment, tmp_path: Path) -> None:
        out = tmp_path / "plan.pdf"
        call_command("render_action_plan", str(weak.pk), str(out), stdout=io.StringIO())
        assert out.read_bytes().startswith(b"%PDF-")
        assert weak.firm.name in pdf_text(out.read_bytes())

    def test_refuses_a_draft_or_unknown_id(self, content: None, draft: Assessment, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="not submitted"):
            call_command("render_action_plan", str(draft.pk), str(tmp_path / "x.pdf"))
        with pytest.raises(CommandError, match="No assessment"):
            call_command("render_action_plan", "999999", str(tmp_path / "x.pdf"))
        assert not (tmp_path / "x.pdf").exists()


def _content_with_forms(page) -> bytes:  # type: ignore[no-untyped-def]
    """The page's drawing operators, including those of the Form XObjects it paints (the SVG)."""
    data = page.get_contents().get_data()
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    for ref in xobjects.values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Form":
            data += b"\n" + xobject.get_data()
    return data


def _images(page) -> list[str]:  # type: ignore[no-untyped-def]
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    return [name for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image"]
