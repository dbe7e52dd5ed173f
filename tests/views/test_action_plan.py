"""The action plan: priorities on the results page, and the PDF — content, charts, cache, access."""

from __future__ import annotations

import io
import re
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from assessments import pdf, selectors
from assessments.models import Assessment, Firm
from questionnaires.actions import action_set_load
from questionnaires.policies import policy_examples_load
from tests.helpers import answer_everything, best_page, pdf_text, poppler

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
    response = client.get(pdf_url(assessment))
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


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
        response = owner_client.get(pdf_url(weak))
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
        assert requested == [pdf.STATIC_PREFIX + pdf.PDF_STYLESHEET]
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
