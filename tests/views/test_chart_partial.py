"""Charts on a page: plotly.js from our own static files, and a partial a strict CSP accepts."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.test import Client

from assessments.charts.plotly_figures import plotly_figure
from assessments.charts.spec import PillarFigures, quartile_chart, radar_chart
from readiness.staticfinders import PLOTLY_STATIC_PATH, PlotlyFinder, plotly_package_data

PLOTLY_JS = plotly_package_data() / "plotly.min.js"  # type: ignore[operator]
PILLARS = (
    PillarFigures("skills", "Digital skills", 44.0, 35.0, 51.0, 60.0),
    PillarFigures("data", "Data <access> & use", None, 30.0, 48.0, 58.0),
    PillarFigures("cyber", "Cybersecurity", 71.2),
)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


class TestFinder:
    def test_finds_plotly_js_in_the_installed_package(self) -> None:
        finder = PlotlyFinder()
        assert finder.find(PLOTLY_STATIC_PATH) == str(PLOTLY_JS)
        assert finder.find(PLOTLY_STATIC_PATH, find_all=True) == [str(PLOTLY_JS)]
        assert finders.find(PLOTLY_STATIC_PATH) == str(PLOTLY_JS)  # through the configured finders
        assert finder.check() == []

    @pytest.mark.parametrize(
        "path",
        [
            "vendor/plotly/widgetbundle.js",  # shipped beside it, not ours to serve
            "vendor/plotly/../plotly.min.js",
            "plotly.min.js",
            "vendor/plotly/package_data/plotly.min.js",
            "vendor/plotly/",
        ],
    )
    def test_exposes_nothing_else_of_the_package(self, path: str) -> None:
        assert PlotlyFinder().find(path) == []
        assert PlotlyFinder().find(path, find_all=True) == []

    def test_without_plotly_installed_the_system_check_says_so(self, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        monkeypatch.setattr("readiness.staticfinders.plotly_package_data", lambda: tmp_path)
        finder = PlotlyFinder()
        assert [error.id for error in finder.check()] == ["readiness.E001"]
        assert finder.find(PLOTLY_STATIC_PATH) == [] and list(finder.list([])) == []

    def test_lists_exactly_the_one_file(self) -> None:
        listed = list(PlotlyFinder().list([]))
        assert len(listed) == 1
        path, storage = listed[0]
        assert f"{storage.prefix}/{path}" == PLOTLY_STATIC_PATH
        assert storage.path(path) == str(PLOTLY_JS)

    def test_collectstatic_copies_it_under_vendor(self, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        settings.STATIC_ROOT = tmp_path
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        call_command("collectstatic", interactive=False, verbosity=0)
        assert sorted(p.name for p in (tmp_path / "vendor" / "plotly").iterdir()) == ["plotly.min.js"]
        assert (tmp_path / PLOTLY_STATIC_PATH).read_bytes() == PLOTLY_JS.read_bytes()
        assert (tmp_path / "js" / "charts.js").is_file()

    # Requests through the whole stack: their end closes database connections (request_finished).
    @pytest.mark.django_db
    def test_collected_for_whitenoise_it_is_hashed_and_served(self, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        # What production does: DEBUG off, collectstatic, WhiteNoise serving STATIC_ROOT.
        settings.STATIC_ROOT = tmp_path
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        }
        settings.WHITENOISE_USE_FINDERS = False
        settings.WHITENOISE_AUTOREFRESH = False
        call_command("collectstatic", interactive=False, verbosity=0)
        url = static(PLOTLY_STATIC_PATH)
        assert url.startswith("/static/vendor/plotly/plotly.min.") and url != f"/static/{PLOTLY_STATIC_PATH}"
        response = Client().get(url)
        assert response.status_code == 200
        assert "javascript" in response["Content-Type"]
        assert "immutable" in response["Cache-Control"]
        assert b"".join(response.streaming_content).startswith(PLOTLY_JS.read_bytes()[:200])
        response.close()

    @pytest.mark.django_db
    def test_served_by_whitenoise_from_the_finders_in_development(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.WHITENOISE_USE_FINDERS = True
        settings.WHITENOISE_AUTOREFRESH = True
        response = Client().get(f"/static/{PLOTLY_STATIC_PATH}")
        response.close()
        assert response.status_code == 200
        assert "javascript" in response["Content-Type"]
        assert Client().get("/static/vendor/plotly/widgetbundle.js").status_code == 404


class TestChartPartial:
    def render(self) -> tuple[str, Elements, dict[str, object]]:
        spec = radar_chart(PILLARS, "Small firms in Italy")
        figure = plotly_figure(spec)
        html = render_to_string("assessments/_chart.html", {"chart": spec, "figure": figure})
        return html, parse(html), figure

    def test_the_only_script_is_the_figure_as_json(self) -> None:
        _html, page, figure = self.render()
        assert len(page.scripts) == 1
        attrs, text = page.scripts[0]
        assert attrs == {"id": "chart-radar-data", "type": "application/json"}
        assert json.loads(text) == figure

    def test_no_inline_style_or_event_handler(self) -> None:
        html, page, _figure = self.render()
        for _tag, attrs in page.tags:
            assert "style" not in attrs
            assert not any(name.startswith("on") for name in attrs)
        assert "<style" not in html

    def test_the_chart_container_points_at_its_figure_and_is_hidden_from_screen_readers(self) -> None:
        _html, page, _figure = self.render()
        (container,) = [attrs for attrs in page.all("div") if "data-chart-figure" in attrs]
        assert container["id"] == "chart-radar"
        assert container["data-chart-figure"] == "chart-radar-data"
        assert container["aria-hidden"] == "true"

    def test_the_text_alternative_and_a_real_table_with_every_number(self) -> None:
        html, page, _figure = self.render()
        text = " ".join(" ".join(page.text).split())
        assert "Your pillar scores and the peer median" in text  # the caption of the figure
        assert "Digital skills 44.0 (peers 51)" in text  # the description
        assert len(page.all("caption")) == 1
        headers = page.all("th")
        assert [h.get("scope") for h in headers] == ["col", "col", "col", "row", "row", "row"]
        for cell in ("44.0", "51", "no score", "48", "71.2", "not shown"):
            assert f">{cell}</td>" in html
        figure_tag = page.all("figure")[0]
        assert figure_tag["aria-describedby"] == "chart-radar-description"

    def test_titles_are_escaped_in_the_html_and_in_the_json(self) -> None:
        html, page, _figure = self.render()
        assert "<access>" not in html
        assert "Data &lt;access&gt; &amp; use" in html
        # json_script escapes < > & so no title can end its <script> element early.
        _attrs, text = page.scripts[0]
        assert "<" not in text and ">" not in text and "\\u003C" in text

    def test_several_charts_keep_their_own_ids(self) -> None:
        specs = [radar_chart(PILLARS, "All firms"), quartile_chart(PILLARS)]
        html = "".join(
            render_to_string("assessments/_chart.html", {"chart": s, "figure": plotly_figure(s)}) for s in specs
        )
        ids = [attrs["id"] for _tag, attrs in parse(html).tags if attrs.get("id")]
        assert len(ids) == len(set(ids))


class TestChartScripts:
    def test_plotly_and_charts_js_from_our_static_files_and_nothing_inline(self) -> None:
        page = parse(render_to_string("assessments/_chart_scripts.html"))
        assert [attrs.get("src") for attrs, _text in page.scripts] == [
            static(PLOTLY_STATIC_PATH),
            static("js/charts.js"),
        ]
        assert all(text.strip() == "" for _attrs, text in page.scripts)
        assert all(attrs.get("src", "").startswith("/static/") for attrs, _text in page.scripts)  # no CDN
        assert finders.find("js/charts.js")

    def test_the_markers_that_keep_plotly_from_injecting_styles_match_the_pinned_plotly(self) -> None:
        # A plotly upgrade that renames them would bring back blocked <style> elements.
        page = parse(render_to_string("assessments/_chart_scripts.html"))
        markers = [attrs["id"] for attrs in page.all("span")]
        source = PLOTLY_JS.read_text(encoding="utf-8")
        assert markers[0] == "plotly.js-style-global" and "no-inline-styles" in source
        assert 'getElementById("' + markers[1] + '")' in source
