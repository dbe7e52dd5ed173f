"""Chart specifications from plain data: the numbers, the gaps, the words, the Plotly figure."""

from __future__ import annotations

import doctest
import json
import re
from typing import Any

import plotly.graph_objects as go
import pytest
from django.utils import translation

from assessments.charts import spec as charts
from assessments.charts.plotly_figures import plotly_figure
from assessments.charts.spec import (
    ChartKind,
    PillarFigures,
    ScoresOnDate,
    history_chart,
    percentile_chart,
    quartile_chart,
    radar_chart,
)
from assessments.selectors import PeerRow

OVERALL = PillarFigures("overall", "Overall", 55.0, 40.0, 50.0, 63.0)
PILLARS = (
    PillarFigures("skills", "Digital skills", 44.0, 35.0, 51.0, 60.0),
    PillarFigures("data", "Data access and use", None, 30.0, 48.0, 58.0),  # no score of its own
    PillarFigures("cyber", "Cybersecurity", 71.2),  # fewer than K peers: no peer figures
    PillarFigures("ai", "AI adoption", 20.55, 10.0, 22.0, 40.0),
)
HISTORY = (
    ScoresOnDate("2026-03-14", 55.0, {"skills": 44.0, "data": None, "cyber": 71.2}),
    ScoresOnDate("2025-03-01", 48.0, {"skills": 40.0, "data": 30.0}),
)
PILLAR_TITLES = tuple((p.code, p.title) for p in PILLARS)


def all_specs() -> list[charts.ChartSpec]:
    return [
        radar_chart(PILLARS, "Small firms in Italy"),
        quartile_chart((OVERALL, *PILLARS)),
        percentile_chart(62.0, "Small firms in Italy"),
        history_chart(HISTORY, PILLAR_TITLES),
        charts.score_distribution_chart([(low, low // 10) for low in range(0, 100, 10)]),
    ]


def series(spec: charts.ChartSpec, key: str) -> charts.Series:
    return next(s for s in spec.series if s.key == key)


def trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in figure["data"] if t.get("name") == name)


def test_the_docstring_examples_hold() -> None:
    result = doctest.testmod(charts, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8 and result.failed == 0


class TestRadar:
    def test_the_scores_and_peer_medians_are_the_inputs_with_gaps_kept(self) -> None:
        spec = radar_chart(PILLARS, "Small firms in Italy")
        assert spec.kind is ChartKind.RADAR
        assert spec.categories == ("Digital skills", "Data access and use", "Cybersecurity", "AI adoption")
        assert series(spec, "firm").values == (44.0, None, 71.2, 20.55)
        assert series(spec, "peer_median").values == (51.0, 48.0, None, 22.0)

    def test_a_missing_figure_is_a_gap_in_the_drawing_never_zero(self) -> None:
        figure = plotly_figure(radar_chart(PILLARS, "Small firms in Italy"))
        you, peers = trace(figure, "You"), trace(figure, "Peer median")
        # The line is closed by repeating the first pillar.
        assert you["r"] == [44.0, None, 71.2, 20.55, 44.0]
        assert peers["r"] == [51.0, 48.0, None, 22.0, 51.0]
        assert you["connectgaps"] is False
        assert "fill" not in you  # a filled area would bridge the gap

    def test_the_text_alternative_and_the_table_carry_every_number(self) -> None:
        spec = radar_chart(PILLARS, "Small firms in Italy")
        assert spec.description == (
            "Your scores compared with the peer median of Small firms in Italy: "
            "Digital skills 44.0 (peers 51); Data access and use no score (peers 48); "
            "Cybersecurity 71.2 (peers not shown); AI adoption 20.6 (peers 22)."
        )
        assert [row.title for row in spec.table.rows] == [p.title for p in PILLARS]
        assert [[cell.value for cell in row.cells] for row in spec.table.rows] == [[p.score, p.median] for p in PILLARS]
        assert [cell.text for cell in spec.table.rows[1].cells] == ["no score", "48"]
        assert spec.table.columns == ("You", "Peer median")

    def test_takes_the_peer_rows_of_a_comparison_as_they_are(self) -> None:
        row = PeerRow("skills", "Digital skills", 44.0, 12, 35.0, 51.0, 60.0, 38.0)
        spec = radar_chart([row], "All firms")
        assert series(spec, "firm").values == (44.0,) and series(spec, "peer_median").values == (51.0,)


class TestQuartiles:
    def test_each_row_has_the_peer_range_median_and_the_firm(self) -> None:
        spec = quartile_chart((OVERALL, *PILLARS))
        middle = series(spec, "peer_middle_half")
        assert middle.lows == (40.0, 35.0, 30.0, None, 10.0)
        assert middle.highs == (63.0, 60.0, 58.0, None, 40.0)
        assert series(spec, "peer_median").values == (50.0, 51.0, 48.0, None, 22.0)
        assert series(spec, "firm").values == (55.0, 44.0, None, 71.2, 20.55)

    def test_the_bars_run_from_the_lower_to_the_upper_quartile(self) -> None:
        figure = plotly_figure(quartile_chart((OVERALL, *PILLARS)))
        bars = trace(figure, "Middle half of peers")
        assert bars["base"] == [40.0, 35.0, 30.0, None, 10.0]
        assert bars["x"] == [23.0, 25.0, 28.0, None, 30.0]  # lengths: p75 - p25
        assert trace(figure, "You")["x"] == [55.0, 44.0, None, 71.2, 20.55]

    def test_words_and_table(self) -> None:
        spec = quartile_chart((OVERALL, PILLARS[2]))
        assert spec.description == (
            "Your scores and the middle half of your peers: Overall: you 55.0; peers 40 to 63, median 50. "
            "Cybersecurity: you 71.2; peers not shown (too few)."
        )
        assert [[c.value for c in row.cells] for row in spec.table.rows] == [
            [55.0, 40.0, 50.0, 63.0],
            [71.2, None, None, None],
        ]
        assert [c.text for c in spec.table.rows[1].cells] == ["71.2", "not shown", "not shown", "not shown"]


class TestPercentile:
    def test_the_percentile_on_a_0_to_100_bar_with_the_middle_marked(self) -> None:
        spec = percentile_chart(61.5, "Small firms in Italy")
        assert series(spec, "firm").values == (61.5,)
        assert spec.description == (
            "Your overall percentile among Small firms in Italy: 62 of 100. 50 is the middle of the group."
        )
        assert spec.table.rows[0].cells[0].value == 61.5 and spec.table.rows[0].cells[0].text == "62"
        figure = plotly_figure(spec)
        assert figure["layout"]["xaxis"]["range"] == [0, 100]
        assert figure["layout"]["shapes"][0]["x0"] == 50.0

    def test_too_few_peers_shows_nothing_and_says_so(self) -> None:
        spec = percentile_chart(None, "All firms")
        assert spec.is_empty
        assert "not shown" in spec.description
        assert spec.table.rows[0].cells[0].value is None
        figure = plotly_figure(spec)
        assert trace(figure, spec.title)["x"] == [None]
        assert "No figures to show" in [a["text"] for a in figure["layout"]["annotations"]]


class TestHistory:
    def test_points_in_date_order_with_gaps_where_a_pillar_has_no_score(self) -> None:
        spec = history_chart(HISTORY, PILLAR_TITLES)
        assert spec.categories == ("2025-03-01", "2026-03-14")
        assert [s.key for s in spec.series] == ["overall", "skills", "data", "cyber", "ai"]
        assert series(spec, "overall").values == (48.0, 55.0)
        assert series(spec, "data").values == (30.0, None)
        assert series(spec, "cyber").values == (None, 71.2)
        assert series(spec, "ai").values == (None, None)

    def test_the_figure_has_iso_dates_and_the_same_numbers(self) -> None:
        figure = plotly_figure(history_chart(HISTORY, PILLAR_TITLES))
        overall = trace(figure, "Overall")
        assert overall["x"] == ["2025-03-01", "2026-03-14"] and overall["y"] == [48.0, 55.0]
        assert trace(figure, "Cybersecurity")["y"] == [None, 71.2]
        assert figure["layout"]["xaxis"]["type"] == "date"

    def test_table_rows_are_dates_and_columns_the_series(self) -> None:
        spec = history_chart(HISTORY, PILLAR_TITLES)
        assert spec.table.columns == (
            "Overall",
            "Digital skills",
            "Data access and use",
            "Cybersecurity",
            "AI adoption",
        )
        assert [row.title for row in spec.table.rows] == ["March 1, 2025", "March 14, 2026"]
        assert [c.value for c in spec.table.rows[1].cells] == [55.0, 44.0, None, 71.2, None]
        assert "Cybersecurity: March 1, 2025 no score, March 14, 2026 71.2" in spec.description

    def test_a_malformed_date_is_refused_at_once(self) -> None:
        with pytest.raises(ValueError):
            ScoresOnDate("14/03/2026", 55.0)


class TestIds:
    def test_default_ids_are_unique_and_safe_in_html(self) -> None:
        ids = [spec.id for spec in all_specs()]
        data_ids = [spec.data_id for spec in all_specs()]
        assert len(set(ids + data_ids)) == 2 * len(ids)
        assert all(re.fullmatch(r"[a-z][a-z0-9-]*", i) for i in ids + data_ids)

    def test_a_second_chart_of_a_kind_gets_its_own_id(self) -> None:
        assert percentile_chart(50.0, "All firms", chart_id="chart-percentile-2").id == "chart-percentile-2"

    @pytest.mark.parametrize("unsafe", ["", "Chart", "chart radar", 'x"><script>', "1chart", "chart_radar"])
    def test_an_unsafe_id_is_refused(self, unsafe: str) -> None:
        with pytest.raises(ValueError):
            radar_chart(PILLARS, "All firms", chart_id=unsafe)


class TestPlotlyFigure:
    @pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.kind)
    def test_json_serialisable_and_valid_for_plotly(self, spec: charts.ChartSpec) -> None:
        figure = plotly_figure(spec)
        assert set(figure) == {"data", "layout"}
        assert json.loads(json.dumps(figure, allow_nan=False)) == figure
        go.Figure(figure)  # Plotly's schema: raises on any unknown or invalid property

    @pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.kind)
    def test_the_firm_in_brand_colour_and_no_drag_zoom(self, spec: charts.ChartSpec) -> None:
        key = {ChartKind.HISTORY: "overall", ChartKind.DISTRIBUTION: "clients"}.get(spec.kind, "firm")
        assert series(spec, key).colour == "#0b4f6c"
        layout = plotly_figure(spec)["layout"]
        assert layout["dragmode"] is False
        for axis in ("xaxis", "yaxis"):
            if axis in layout:
                assert layout[axis]["fixedrange"] is True

    def test_peers_are_grey(self) -> None:
        spec = radar_chart(PILLARS, "All firms")
        assert series(spec, "peer_median").colour == "#6c757d"

    def test_titles_are_text_not_markup_for_plotly(self) -> None:
        figure = plotly_figure(radar_chart([PillarFigures("x", "R&D <b>tools</b>", 10.0, median=20.0)], "All firms"))
        theta = trace(figure, "You")["theta"][0]
        assert "<b>" not in theta and "&lt;b&gt;" in theta and "R&amp;D" in theta

    def test_long_titles_wrap_for_narrow_screens(self) -> None:
        figure = plotly_figure(quartile_chart([PillarFigures("data", "Data access and use", 40.0)]))
        assert trace(figure, "You")["y"] == ["Data access and<br>use"]

    def test_numbers_follow_the_active_locale(self) -> None:
        with translation.override("de"):
            spec = radar_chart([PillarFigures("skills", "Digital skills", 44.5, median=51.0)], "All firms")
            figure = plotly_figure(spec)
        assert spec.table.rows[0].cells[0].text == "44,5"
        assert figure["layout"]["separators"].startswith(",")


def test_cohort_radar_names_the_agency_side_and_keeps_gaps() -> None:
    from assessments.charts.spec import cohort_radar_chart

    spec = cohort_radar_chart(
        [
            PillarFigures("skills", "Digital skills", 44.04, median=51.0),
            PillarFigures("data", "Data", None, median=48.0),
        ]
    )
    assert spec.kind == "radar"
    assert [(s.key, s.name, s.values) for s in spec.series] == [
        ("peer_median", "All firms (median)", (51.0, 48.0)),
        ("firm", "Your clients (average)", (44.04, None)),
    ]
    assert "Digital skills 44.0 (all firms 51)" in spec.description
    assert [cell.text for cell in spec.table.rows[1].cells][1] == "48"


def test_score_distribution_counts_clients_per_band_with_the_top_band_to_100() -> None:
    spec = charts.score_distribution_chart([(low, 2 if low == 90 else 0) for low in range(0, 100, 10)])
    assert spec.categories[-1] == "90–100" and spec.series[0].values[-1] == 2.0
    assert spec.table.rows[-1].cells[0].text == "2" and "90–100: 2" in spec.description
    figure = plotly_figure(spec)
    assert figure["data"][0]["y"] == [0.0] * 9 + [2.0]
    assert figure["layout"]["yaxis"]["tickformat"] == ",d"  # whole clients, never 0.5
