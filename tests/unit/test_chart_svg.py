"""Charts as static SVG for the PDF: the same specs as the browser's, drawn safely and within bounds."""

from __future__ import annotations

import dataclasses
import math
import re
import xml.etree.ElementTree as ET

import pytest

from assessments.charts import spec as charts
from assessments.charts import svg_drawing
from assessments.charts.spec import (
    PILLAR_SYMBOLS,
    ChartSpec,
    PillarFigures,
    ScoresOnDate,
    history_chart,
    percentile_chart,
    quartile_chart,
    radar_chart,
)
from assessments.charts.svg import svg_chart

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = '<img src="http://127.0.0.1:9/x"><script>alert(1)</script> & co'
OVERALL = PillarFigures("overall", "Overall", 55.0, 40.0, 50.0, 62.5)
PILLARS = (
    PillarFigures("skills", "Digital skills", 44.0, 35.0, 51.0, 60.0),
    PillarFigures("data", "Data access and use", None, 30.0, 48.25, 58.0),  # no score of its own
    PillarFigures("cyber", "Cybersecurity", 71.2),  # fewer than K peers: no peer figures
    PillarFigures("ai", "AI adoption", 20.55, 10.0, 22.0, 40.0),
)
COMPLETE = (
    PillarFigures("skills", "Digital skills", 44.0, median=51.0),
    PillarFigures("data", "Data access and use", 80.0, median=48.25),
    PillarFigures("cyber", "Cybersecurity", 71.2, median=60.0),
    PillarFigures("ai", "AI adoption", 20.55, median=22.0),
    PillarFigures("green", "Green transition", 100.0, median=0.0),
)
HISTORY = (
    ScoresOnDate("2026-03-14", 55.0, {"skills": 44.0, "data": None, "cyber": 71.2}),
    ScoresOnDate("2025-03-01", 48.0, {"skills": 40.0, "data": 30.0}),
)
PILLAR_TITLES = tuple((p.code, p.title) for p in PILLARS)
ALLOWED_TAGS = {"svg", "title", "desc", "g", "rect", "line", "polyline", "polygon", "circle", "text", "tspan"}


def all_specs() -> list[ChartSpec]:
    return [
        radar_chart(PILLARS, "Small firms in Italy"),
        radar_chart(COMPLETE, "Small firms in Italy", chart_id="chart-radar-full"),
        quartile_chart((OVERALL, *PILLARS)),
        percentile_chart(62.0, "Small firms in Italy"),
        percentile_chart(None, "Small firms in Italy", chart_id="chart-percentile-none"),
        history_chart(HISTORY, PILLAR_TITLES),
        history_chart(HISTORY[:1], PILLAR_TITLES, chart_id="chart-history-one"),
        radar_chart([PillarFigures("x", "Data", None)], "All firms", chart_id="chart-radar-empty"),
        quartile_chart([], chart_id="chart-quartiles-empty"),
        history_chart([], chart_id="chart-history-empty"),
    ]


def spec_id(spec: ChartSpec) -> str:
    return spec.id


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def tag(element: ET.Element) -> str:
    return element.tag.removeprefix(NS)


def group(root: ET.Element, key: str) -> ET.Element:
    (found,) = [g for g in root.iter(f"{NS}g") if g.get("data-series") == key]
    return found


def parts(element: ET.Element, part: str, shape: str | None = None) -> list[ET.Element]:
    return [e for e in element.iter() if e.get("data-part") == part and (shape is None or tag(e) == shape)]


def points(element: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in element.get("points", "").split())]


def text_of(element: ET.Element) -> str:
    """A text element's words, its lines joined by spaces."""
    tspans = element.findall(f"{NS}tspan")
    return " ".join(t.text or "" for t in tspans) if tspans else element.text or ""


def texts(root: ET.Element) -> list[str]:
    return [text_of(t) for t in root.iter(f"{NS}text")]


def text_x(root: ET.Element, words: str) -> float:
    (found,) = [t for t in root.iter(f"{NS}text") if text_of(t) == words]
    return float(found.get("x", "nan"))


def value_scale(root: ET.Element) -> tuple[float, float]:
    """Where 0 and 100 lie on a horizontal value axis, from its tick labels."""
    return text_x(root, "0"), text_x(root, "100")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=0.02)


class TestDocument:
    @pytest.mark.parametrize("spec", all_specs(), ids=spec_id)
    def test_one_svg_element_with_its_title_and_description(self, spec: ChartSpec) -> None:
        svg = svg_chart(spec)
        assert svg.startswith("<svg ") and svg.endswith("</svg>")
        root = parse(svg)
        assert root.tag == f"{NS}svg"
        assert root.get("viewBox") == "0 0 640 360"
        assert (root.get("width"), root.get("height"), root.get("role")) == ("640", "360", "img")
        title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
        assert title is not None and title.text == spec.title
        assert desc is not None and desc.text == spec.description
        assert root.get("aria-labelledby") == title.get("id")
        assert root.get("aria-describedby") == desc.get("id")
        assert title.get("id") != desc.get("id")

    @pytest.mark.parametrize("spec", all_specs(), ids=spec_id)
    def test_only_plain_shapes_and_text_nothing_to_fetch(self, spec: ChartSpec) -> None:
        svg = svg_chart(spec)
        assert {tag(e) for e in parse(svg).iter()} <= ALLOWED_TAGS
        lowered = svg.lower()
        for forbidden in ("<script", "<image", "<style", "href", "url(", "<foreignobject", "rgba("):
            assert forbidden not in lowered

    @pytest.mark.parametrize("spec", all_specs(), ids=spec_id)
    def test_every_text_names_its_font_and_is_readable_in_print(self, spec: ChartSpec) -> None:
        for text in parse(svg_chart(spec)).iter(f"{NS}text"):
            assert text.get("font-family") == svg_drawing.FONT and "DejaVu Sans" in svg_drawing.FONT
            assert float(text.get("font-size", "0")) >= 10

    @pytest.mark.parametrize("spec", all_specs(), ids=spec_id)
    def test_numbers_have_at_most_two_decimals(self, spec: ChartSpec) -> None:
        svg = svg_chart(spec)
        attributes = " ".join(v for e in parse(svg).iter() for v in e.attrib.values() if not v.startswith("#"))
        assert re.findall(r"\d+\.\d{3,}", attributes) == []
        assert re.findall(r"\d[eE][-+]?\d", attributes) == []  # no 1e-05

    @pytest.mark.parametrize("size", [(640, 360), (500, 300), (800, 600)])
    @pytest.mark.parametrize("spec", all_specs(), ids=spec_id)
    def test_every_shape_and_text_stays_in_the_view_box(self, spec: ChartSpec, size: tuple[int, int]) -> None:
        width, height = size
        root = parse(svg_chart(spec, width=width, height=height))
        assert root.get("viewBox") == f"0 0 {width} {height}"
        for element in root.iter():
            xs = [float(element.get(a, "0")) for a in ("x", "x1", "x2", "cx")]
            ys = [float(element.get(a, "0")) for a in ("y", "y1", "y2", "cy")]
            xs += [x for x, _ in points(element)]
            ys += [y for _, y in points(element)]
            if tag(element) == "rect":
                xs.append(float(element.get("x", "0")) + float(element.get("width", "0")))
                ys.append(float(element.get("y", "0")) + float(element.get("height", "0")))
            if tag(element) == "circle":
                r = float(element.get("r", "0"))
                xs += [float(element.get("cx", "0")) - r, float(element.get("cx", "0")) + r]
                ys += [float(element.get("cy", "0")) - r, float(element.get("cy", "0")) + r]
            assert all(0 <= x <= width for x in xs), (tag(element), element.attrib)
            assert all(0 <= y <= height for y in ys), (tag(element), element.attrib)

    @pytest.mark.parametrize("spec", all_specs(), ids=spec_id)
    def test_labels_fit_across_the_view_box(self, spec: ChartSpec) -> None:
        # DejaVu Sans averages a little over half an em per character in these labels.
        for text in parse(svg_chart(spec)).iter(f"{NS}text"):
            if text.get("transform"):
                continue  # the rotated axis title: checked by eye
            size = float(text.get("font-size", "0"))
            lines = text.findall(f"{NS}tspan") or [text]
            for line in lines:
                x = float(line.get("x", text.get("x", "0")))
                width = 0.55 * size * len(line.text or "")
                left = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor", "start")]
                assert left >= 0 and left + width <= 640, text_of(text)

    @pytest.mark.parametrize(
        "spec",
        [
            radar_chart([PillarFigures("a", "A", 150.0, median=-20.0), *COMPLETE], "All firms"),
            quartile_chart([PillarFigures("a", "A", 130.0, -10.0, 50.0, 140.0)]),
            percentile_chart(180.0, "All firms"),
            history_chart([ScoresOnDate("2025-01-01", 250.0), ScoresOnDate("2026-01-01", -40.0)]),
        ],
        ids=lambda spec: spec.kind,
    )
    def test_a_value_off_the_scale_is_drawn_at_its_end_not_off_the_page(self, spec: ChartSpec) -> None:
        root = parse(svg_chart(spec))
        for element in root.iter():
            for x, y in points(element):
                assert 0 <= x <= 640 and 0 <= y <= 360
            for name in ("cx", "x1", "x2"):
                assert 0 <= float(element.get(name, "0")) <= 640
            for name in ("cy", "y1", "y2"):
                assert 0 <= float(element.get(name, "0")) <= 360
            if tag(element) == "rect":
                assert float(element.get("x", "0")) + float(element.get("width", "0")) <= 640

    def test_a_view_box_too_small_to_draw_in_is_refused(self) -> None:
        with pytest.raises(ValueError):
            svg_chart(radar_chart(PILLARS, "All firms"), width=100, height=40)


class TestEscaping:
    @pytest.mark.parametrize(
        "spec",
        [
            radar_chart([PillarFigures("x", HOSTILE, 30.0, median=40.0), *PILLARS], HOSTILE),
            quartile_chart([PillarFigures("x", HOSTILE, 30.0, 20.0, 40.0, 60.0)]),
            history_chart(HISTORY, [("x", HOSTILE)]),
            percentile_chart(40.0, HOSTILE),
        ],
        ids=lambda spec: spec.kind,
    )
    def test_hostile_titles_and_labels_are_text_not_markup(self, spec: ChartSpec) -> None:
        svg = svg_chart(spec)
        lowered = svg.lower()
        assert "<script" not in lowered and "<img" not in lowered and "<image" not in lowered
        assert "href" not in lowered and "url(" not in lowered
        assert "&lt;img src=" in svg  # there, as escaped text
        root = parse(svg)
        assert {tag(e) for e in root.iter()} <= ALLOWED_TAGS
        assert root.find(f"{NS}desc").text == spec.description  # type: ignore[union-attr]
        if spec.kind is not charts.ChartKind.PERCENTILE:  # its group label is in the description only
            assert any(t.startswith('<img src="http://127.0.0.1:9/x') for t in texts(root))

    def test_the_legend_shows_a_hostile_series_name_as_text(self) -> None:
        root = parse(svg_chart(history_chart(HISTORY, [("x", "R&D <b>tools</b>")])))
        assert "R&D <b>tools</b>" in [text_of(t) for t in parts(root, "legend", "text")]

    def test_characters_xml_cannot_hold_are_dropped_not_fatal(self) -> None:
        spec = radar_chart([PillarFigures("x", "Bad\x00 \x1bbytes", 30.0, median=40.0)], "group\x0b")
        root = parse(svg_chart(spec))
        assert "Bad bytes" in texts(root)

    def test_a_colour_that_is_not_a_colour_is_not_passed_on(self) -> None:
        spec = radar_chart(COMPLETE, "All firms")
        firm = dataclasses.replace(spec.series[1], colour='url(http://127.0.0.1:9/x)" onload="alert(1)')
        svg = svg_chart(dataclasses.replace(spec, series=(spec.series[0], firm)))
        assert "url(" not in svg and "onload" not in svg and "127.0.0.1" not in svg
        assert group(parse(svg), "firm").find(f"{NS}polygon").get("stroke") == charts.TEXT_COLOUR  # type: ignore[union-attr]


class TestRadar:
    def test_a_complete_firm_line_is_a_filled_polygon_one_corner_per_pillar(self) -> None:
        root = parse(svg_chart(radar_chart(COMPLETE, "All firms")))
        (area,) = parts(group(root, "firm"), "line")
        assert tag(area) == "polygon" and len(points(area)) == len(COMPLETE)
        assert area.get("fill") == "rgb(11,79,108)" and area.get("fill-opacity") == "0.15"
        assert area.get("stroke") == charts.FIRM_COLOUR and area.get("stroke-dasharray") is None

    def test_each_corner_lies_at_its_score_on_its_spoke(self) -> None:
        root = parse(svg_chart(radar_chart(COMPLETE, "All firms")))
        spokes = root.findall(f"{NS}line")  # the legend's lines are in its group
        assert len(spokes) == len(COMPLETE)
        centre = (float(spokes[0].get("x1", "0")), float(spokes[0].get("y1", "0")))
        ends = [(float(s.get("x2", "0")), float(s.get("y2", "0"))) for s in spokes]
        radius = math.dist(centre, ends[0])
        (area,) = parts(group(root, "firm"), "line")
        for corner, end, pillar in zip(points(area), ends, COMPLETE, strict=True):
            expected = (
                centre[0] + (end[0] - centre[0]) * pillar.score / 100,  # type: ignore[operator]
                centre[1] + (end[1] - centre[1]) * pillar.score / 100,  # type: ignore[operator]
            )
            assert math.dist(corner, expected) < 0.05, pillar.title
        # The first pillar straight up, the rest clockwise.
        assert close(ends[0][0], centre[0]) and ends[0][1] < centre[1]
        assert ends[1][0] > centre[0]
        assert math.isclose(radius, math.dist(centre, ends[2]), abs_tol=0.05)

    def test_a_missing_score_breaks_the_line_and_nothing_is_filled(self) -> None:
        root = parse(svg_chart(radar_chart(PILLARS, "All firms")))  # firm: 44, None, 71.2, 20.55
        firm = group(root, "firm")
        (line,) = parts(firm, "line")
        assert tag(line) == "polyline" and line.get("fill") == "none"
        # From Cybersecurity round to Digital skills, never through Data.
        assert len(points(line)) == 3
        assert len(parts(firm, "marker", "circle")) == 3
        markers = [(float(c.get("cx", "0")), float(c.get("cy", "0"))) for c in parts(firm, "marker")]
        assert markers[0] == points(line)[-1]  # Digital skills closes the run
        peers = group(root, "peer_median")  # 51, 48.25, None, 22
        (peer_line,) = parts(peers, "line")
        assert len(points(peer_line)) == 3 and peer_line.get("stroke-dasharray")
        assert {m.get("data-symbol") for m in parts(peers, "marker")} == {"square"}

    def test_a_lone_point_between_gaps_is_a_marker_only(self) -> None:
        scores = (10.0, None, 30.0, None, 50.0, 60.0)
        pillars = [PillarFigures(str(i), f"P{i}", score) for i, score in enumerate(scores)]
        firm = group(parse(svg_chart(radar_chart(pillars, "All firms"))), "firm")
        lines = parts(firm, "line")
        assert [len(points(line)) for line in lines] == [3]  # 50, 60 and round to 10
        assert len(parts(firm, "marker")) == 4  # 30 stands alone, as a marker

    def test_category_labels_are_all_there_long_ones_on_two_lines(self) -> None:
        pillars = [*PILLARS, PillarFigures("green", "Green transition and sustainable operations", 50.0)]
        root = parse(svg_chart(radar_chart(pillars, "All firms")))
        labels = parts(root, "category", "text")
        assert [text_of(t) for t in labels][:4] == [p.title for p in PILLARS]
        long = labels[-1]
        assert 1 < len(long.findall(f"{NS}tspan")) <= 2
        assert text_of(long).startswith("Green transition")

    def test_the_legend_names_both_series(self) -> None:
        root = parse(svg_chart(radar_chart(PILLARS, "All firms")))
        assert [text_of(t) for t in parts(root, "legend", "text")] == ["Peer median", "You"]


class TestQuartiles:
    def test_each_row_draws_what_it_has(self) -> None:
        root = parse(svg_chart(quartile_chart((OVERALL, *PILLARS)), height=300))
        # Cybersecurity has no peer figures; Data access has no score.
        assert len(parts(group(root, "peer_middle_half"), "range", "rect")) == 4
        assert len(parts(group(root, "peer_median"), "median", "line")) == 4
        assert len(parts(group(root, "firm"), "marker", "circle")) == 4

    def test_ranges_ticks_and_marks_sit_at_their_values(self) -> None:
        root = parse(svg_chart(quartile_chart((OVERALL, *PILLARS)), height=300))
        zero, hundred = value_scale(root)

        def x(value: float) -> float:
            return zero + (hundred - zero) * value / 100

        overall_range = parts(group(root, "peer_middle_half"), "range")[0]
        assert close(float(overall_range.get("x", "0")), x(40.0))
        assert close(float(overall_range.get("x", "0")) + float(overall_range.get("width", "0")), x(62.5))
        assert overall_range.get("fill") == "rgb(108,117,125)" and overall_range.get("fill-opacity") == "0.3"
        assert close(float(parts(group(root, "peer_median"), "median")[0].get("x1", "0")), x(50.0))
        you = parts(group(root, "firm"), "marker")
        assert [round(float(c.get("cx", "0")), 1) for c in you] == [round(x(v), 1) for v in (55.0, 44.0, 71.2, 20.55)]
        assert all(c.get("fill") == charts.FIRM_COLOUR for c in you)
        # One row each, top to bottom in the given order: Cybersecurity's mark is below Digital skills'.
        ys = [float(c.get("cy", "0")) for c in you]
        assert ys == sorted(ys)

    def test_labels_axis_and_legend(self) -> None:
        root = parse(svg_chart(quartile_chart((OVERALL, *PILLARS)), height=300))
        words = texts(root)
        for title in ("Overall", "Digital skills", "Data access and use", "Cybersecurity", "AI adoption"):
            assert title in words
        assert [w for w in words if w.isdigit()] == ["0", "20", "40", "60", "80", "100"]
        assert "Score" in words
        legend = [text_of(t) for t in parts(root, "legend", "text")]
        assert legend == ["Middle half of peers", "Peer median", "You"]


class TestPercentile:
    def test_the_bar_reaches_the_percentile_and_the_middle_is_marked(self) -> None:
        root = parse(svg_chart(percentile_chart(62.0, "Small firms"), height=120))
        zero, hundred = value_scale(root)
        (bar,) = parts(root, "bar")
        assert close(float(bar.get("x", "0")), zero)
        assert close(float(bar.get("x", "0")) + float(bar.get("width", "0")), zero + 0.62 * (hundred - zero))
        assert bar.get("fill") == charts.FIRM_COLOUR
        (middle,) = parts(root, "reference")
        assert close(float(middle.get("x1", "0")), (zero + hundred) / 2) and middle.get("stroke-dasharray")
        assert "Middle of the group" in texts(root) and "62" in texts(root) and "Percentile" in texts(root)

    def test_no_percentile_draws_the_empty_track_and_says_not_shown(self) -> None:
        spec = percentile_chart(None, "Small firms")
        root = parse(svg_chart(spec, height=120))
        assert parts(root, "bar") == [] and parts(root, "marker") == []
        assert len(parts(root, "reference")) == 1
        (message,) = parts(root, "empty")
        assert text_of(message).lower() == spec.table.rows[0].cells[0].text.lower() == "not shown"


class TestHistory:
    def test_one_line_per_series_broken_where_a_score_is_missing(self) -> None:
        root = parse(svg_chart(history_chart(HISTORY, PILLAR_TITLES)))
        overall = group(root, "overall")
        (line,) = parts(overall, "line")
        assert len(points(line)) == 2 and line.get("stroke") == charts.FIRM_COLOUR and line.get("stroke-width") == "3"
        assert len(parts(group(root, "skills"), "line")) == 1
        for key in ("data", "cyber"):  # one score each: a marker, no line
            assert parts(group(root, key), "line") == [] and len(parts(group(root, key), "marker")) == 1
        assert parts(group(root, "ai"), "marker") == []  # no score at all

    def test_values_on_the_y_axis_dates_evenly_along_x(self) -> None:
        root = parse(svg_chart(history_chart(HISTORY, PILLAR_TITLES)))
        (line,) = parts(group(root, "overall"), "line")
        (first, second) = points(line)
        ticks = {text_of(t): float(t.get("y", "0")) for t in root.iter(f"{NS}text") if text_of(t).isdigit()}
        assert set(ticks) == {"0", "20", "40", "60", "80", "100"}
        assert first[1] > second[1]  # 48 then 55: upwards
        # The tick labels sit alike on their gridlines, so their spacing is the scale: 7 points apart.
        assert abs((first[1] - second[1]) - (ticks["0"] - ticks["100"]) * 7 / 100) < 0.1
        assert close(first[0], text_x(root, "2025-03-01")) and close(second[0], text_x(root, "2026-03-14"))

    def test_each_pillar_has_its_colour_and_its_own_marker_shape(self) -> None:
        spec = history_chart(HISTORY, PILLAR_TITLES)
        root = parse(svg_chart(spec))
        symbols = []
        for series in spec.series:
            markers = parts(group(root, series.key), "marker")
            assert all(m.get("fill") == series.colour for m in markers)
            symbols += list({m.get("data-symbol") for m in markers})
        assert symbols == ["circle", *PILLAR_SYMBOLS[:3]]  # "ai" has no marker
        (legend,) = [g for g in root.iter(f"{NS}g") if g.get("data-part") == "legend"]
        legend_symbols = [m.get("data-symbol") for m in parts(legend, "marker")]
        assert legend_symbols == ["circle", *PILLAR_SYMBOLS[:4]]
        assert len({m.get("points") for m in parts(root, "marker", "polygon")}) >= 3  # not one shape recoloured

    def test_a_single_assessment_is_markers_only(self) -> None:
        root = parse(svg_chart(history_chart(HISTORY[:1], PILLAR_TITLES)))
        assert parts(root, "line") == []
        drawn = [m for g in root.iter(f"{NS}g") if g.get("data-series") for m in parts(g, "marker")]
        assert len(drawn) == 3  # overall, Digital skills and Cybersecurity have a score
        assert "2026-03-14" in texts(root)

    def test_runs_either_side_of_a_gap_are_separate_lines(self) -> None:
        points_ = [
            ScoresOnDate(f"2025-0{m}-01", 50.0, {"skills": score})
            for m, score in zip(range(1, 6), (40.0, 45.0, None, 50.0, 55.0), strict=True)
        ]
        skills = group(parse(svg_chart(history_chart(points_, [("skills", "Digital skills")]))), "skills")
        assert [len(points(line)) for line in parts(skills, "line")] == [2, 2]
        assert all(line.get("stroke-dasharray") for line in parts(skills, "line"))  # pillars recede


class TestEmpty:
    @pytest.mark.parametrize(
        ("spec", "words"),
        [
            (radar_chart([PillarFigures("x", "Data", None)], "All firms"), "No score"),
            (radar_chart([], "All firms"), "No data"),
            (quartile_chart([]), "No data"),
            (quartile_chart([PillarFigures("x", "Data", None)]), "No score"),
            (history_chart([]), "No data"),
            (history_chart([ScoresOnDate("2025-01-01", None)]), "No score"),
        ],
        ids=lambda value: value if isinstance(value, str) else value.kind,
    )
    def test_a_frame_and_the_words_for_no_data(self, spec: ChartSpec, words: str) -> None:
        root = parse(svg_chart(spec))
        (message,) = parts(root, "empty")
        assert text_of(message) == words and message.get("text-anchor") == "middle"
        assert close(float(message.get("x", "0")), 320)
        assert [g for g in root.iter(f"{NS}g") if g.get("data-series")] == []  # nothing drawn as if it were data
