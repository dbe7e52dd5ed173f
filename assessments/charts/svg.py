"""Charts as static SVG for the PDF: the same ``ChartSpec`` the browser draws with Plotly.

WeasyPrint has no browser and runs no JavaScript, so the PDF cannot use Plotly. ``svg_chart``
draws a spec as an inline ``<svg>`` element instead: vector, with real text (selectable and
searchable in the PDF), and no new dependency. It follows ``plotly_figures.plotly_figure``: the firm in
the brand colour and solid, peers grey and dashed, pillars told apart by marker shape as well as
colour, and a missing figure a gap, never a 0.

Pure: standard library only, no models, no request, no files. Every piece of text is escaped
(pillar titles and group labels come from content and from users), and the output has no
``<style>``, no ``<image>``, no links and no ``url()``, so WeasyPrint fetches nothing for it.
Styles are presentation attributes, and every ``<text>`` names its font: WeasyPrint does not
reliably pass the page's font on to SVG text.

Sizes are in user units of a ``width`` × ``height`` view box; text is at least 10 units, which
stays readable with the default 640 units printed about 16 cm wide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import svg_drawing
from .spec import (
    FIRM_FILL,
    GRID_COLOUR,
    PEER_COLOUR,
    PEER_MEDIAN_COLOUR,
    PEER_RANGE_FILL,
    PILLAR_SYMBOLS,
    TRACK_COLOUR,
    ChartKind,
    ChartSpec,
    Role,
    Series,
)

__all__ = ["svg_chart"]

LABEL_SIZE = svg_drawing.LABEL_SIZE  # category labels, legend, axis titles
LINE_HEIGHT = svg_drawing.LINE_HEIGHT  # in font sizes
SMALL_SIZE = 10  # tick numbers
MESSAGE_SIZE = 13  # "no data"
LEGEND_ROW = 18
SWATCH = 28  # width of a legend sample
MIN_WIDTH, MIN_HEIGHT = 160, 60

Attr = svg_drawing.Attr
Point = svg_drawing.Point


def svg_chart(spec: ChartSpec, *, width: int = 640, height: int = 360) -> str:
    """An <svg> element (a string) drawing ``spec``: for inline use in the PDF's HTML.

    The quartile chart has a row per category: give it about ``110 + 32 * rows`` of height.
    The percentile bar needs about 100; it is centred in whatever height it gets.
    """
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ValueError(f"a chart needs at least {MIN_WIDTH} × {MIN_HEIGHT} units, not {width} × {height}")
    w, h = float(width), float(height)
    if spec.is_empty and spec.kind is not ChartKind.PERCENTILE:
        body = _empty(spec, w, h)
    else:
        draw = {
            ChartKind.RADAR: _radar,
            ChartKind.QUARTILES: _quartiles,
            ChartKind.PERCENTILE: _percentile,
            ChartKind.HISTORY: _history,
        }[spec.kind]
        body = draw(spec, w, h)
    title_id, desc_id = f"{spec.id}-svg-title", f"{spec.id}-svg-desc"
    attrs: dict[str, Attr] = {
        "xmlns": "http://www.w3.org/2000/svg",
        "viewBox": f"0 0 {svg_drawing.number(w)} {svg_drawing.number(h)}",
        "width": w,
        "height": h,
        "role": "img",
        "aria-labelledby": title_id,
        "aria-describedby": desc_id,
        "data-chart": spec.kind.value,
    }
    content = "".join(
        [
            svg_drawing.element("title", {"id": title_id}, svg_drawing.escaped(spec.title)),
            svg_drawing.element("desc", {"id": desc_id}, svg_drawing.escaped(spec.description)),
            *body,
        ]
    )
    return svg_drawing.element("svg", attrs, content)


# --- One function per kind -------------------------------------------------------------------


def _radar(spec: ChartSpec, w: float, h: float) -> list[str]:
    n = len(spec.categories)
    lo, hi = svg_drawing.axis_range(spec.value_axis)
    legend = _legend_rows([_line_key(s, i) for i, s in enumerate(spec.series)], w - 16)
    legend_h = _legend_height(legend)
    label_h = 2 * LABEL_SIZE * LINE_HEIGHT
    budget = min(150.0, w * 0.24)  # a label's width beside the chart
    plot_h = h - legend_h - 6
    radius = max(10.0, min((w - 2 * (budget + 14)) / 2, (plot_h - 2 * (label_h + 16)) / 2))
    cx, cy = w / 2, plot_h / 2

    def angle(i: float) -> float:  # the first category at the top, then clockwise
        return -math.pi / 2 + 2 * math.pi * i / n

    def at(i: float, r: float) -> Point:
        return cx + r * math.cos(angle(i)), cy + r * math.sin(angle(i))

    out = []
    grid = {**svg_drawing.paint("stroke", GRID_COLOUR), "stroke-width": 1, "fill": "none"}
    for tick in svg_drawing.ticks(lo, hi)[1:]:
        r = radius * (tick - lo) / (hi - lo)
        if n >= 3:
            out.append(
                svg_drawing.element("polygon", {"points": svg_drawing.points(at(i, r) for i in range(n)), **grid})
            )
        else:
            out.append(svg_drawing.element("circle", {"cx": cx, "cy": cy, "r": r, **grid}))
    for i in range(n):
        x, y = at(i, radius)
        out.append(svg_drawing.element("line", {"x1": cx, "y1": cy, "x2": x, "y2": y, **grid}))
    for i, category in enumerate(spec.categories):
        x, y = at(i, radius + 10)
        cos, sin = math.cos(angle(i)), math.sin(angle(i))
        if cos > 0.2:
            anchor, room = "start", w - 4 - x
        elif cos < -0.2:
            anchor, room = "end", x - 4
        else:
            anchor, room = "middle", 2 * min(x - 4, w - 4 - x)
        lines = svg_drawing.fit_lines(category, LABEL_SIZE, min(room, budget), 2)
        block = len(lines) * LABEL_SIZE * LINE_HEIGHT
        top = y - block if sin < -0.2 else (y if sin > 0.2 else y - block / 2)
        top = min(max(top, 2.0), plot_h - block)
        out.append(svg_drawing.text(x, top + LABEL_SIZE * 0.8, lines, anchor=anchor, extra={"data-part": "category"}))

    for index, series in enumerate(spec.series):
        points = [
            None if v is None else at(i, svg_drawing.fraction(v, lo, hi) * radius) for i, v in enumerate(series.values)
        ]
        out.append(_series_group(series, _radar_series(series, index, points)))
    # The scale between the first two spokes, on the rings, so it covers no category's spoke;
    # over the lines, on a veil that lets them show through.
    middle = 0.5 if n >= 2 else 0.08
    shrink = math.cos(math.pi / n) if n >= 3 else 1.0
    for tick in svg_drawing.ticks(lo, hi)[1:]:
        x, y = at(middle, shrink * radius * (tick - lo) / (hi - lo))
        label = svg_drawing.number(tick)
        veil = {
            "x": x + 1,
            "y": y - 12,
            "width": svg_drawing.text_width(label, SMALL_SIZE) + 4,
            "height": 12,
            "fill-opacity": 0.7,
        }
        out.append(svg_drawing.element("rect", veil | {"fill": "#fff"}))
        out.append(svg_drawing.text(x + 3, y - 3, label, size=SMALL_SIZE, fill=PEER_COLOUR))
    out += _draw_legend(legend, 8, w - 8, plot_h + 4, centre=True)
    return out


def _radar_series(series: Series, index: int, points: Sequence[Point | None]) -> list[str]:
    firm = series.role is Role.FIRM
    style = _line_style(series, width=3 if firm else 2, dash=None if firm else "6 4")
    out = []
    present = [p for p in points if p is not None]
    if len(present) == len(points) and len(points) >= 2:
        # A closed shape; the firm's is filled. With a gap it is not: the fill would bridge it.
        fill = svg_drawing.paint("fill", FIRM_FILL) if firm and len(points) >= 3 else {"fill": "none"}
        out.append(
            svg_drawing.element(
                "polygon", {"points": svg_drawing.points(present), **style, **fill, "data-part": "line"}
            )
        )
    else:
        for run in _cyclic_runs([p is not None for p in points]):
            if len(run) >= 2:
                run_points = [points[i] for i in run]
                out.append(
                    svg_drawing.element(
                        "polyline", {"points": svg_drawing.points(run_points), **style, "data-part": "line"}
                    )
                )  # type: ignore[arg-type]
    symbol = _symbol(series, index, default="square")
    out += [svg_drawing.marker(symbol, x, y, 8 if firm else 7, series.colour) for x, y in present]
    return out


def _quartiles(spec: ChartSpec, w: float, h: float) -> list[str]:
    n = len(spec.categories)
    lo, hi = svg_drawing.axis_range(spec.value_axis)
    legend = _legend_rows([_quartile_key(s) for s in spec.series], w - 16)
    legend_h = _legend_height(legend)
    plot_top = 6.0
    plot_bottom = h - legend_h - 46
    row_h = (plot_bottom - plot_top) / max(n, 1)
    max_lines = 2 if row_h >= 2 * LABEL_SIZE * LINE_HEIGHT + 2 else 1
    budget = w * 0.3
    labels = [svg_drawing.fit_lines(c, LABEL_SIZE, budget, max_lines) for c in spec.categories]
    label_w = max((svg_drawing.text_width(line, LABEL_SIZE) for lines in labels for line in lines), default=0.0)
    plot_left = 8 + min(label_w, budget) + 12
    plot_right = w - 16

    def x_of(value: float) -> float:
        return plot_left + svg_drawing.fraction(value, lo, hi) * (plot_right - plot_left)

    out = []
    grid = {**svg_drawing.paint("stroke", GRID_COLOUR), "stroke-width": 1}
    for tick in svg_drawing.ticks(lo, hi):
        x = x_of(tick)
        out.append(svg_drawing.element("line", {"x1": x, "y1": plot_top, "x2": x, "y2": plot_bottom, **grid}))
        out.append(svg_drawing.text(x, plot_bottom + 14, svg_drawing.number(tick), size=SMALL_SIZE, anchor="middle"))
    out.append(svg_drawing.text((plot_left + plot_right) / 2, plot_bottom + 32, spec.value_axis.title, anchor="middle"))

    bar = min(18.0, row_h * 0.5)
    centres = [plot_top + row_h * (i + 0.5) for i in range(n)]
    for lines, y in zip(labels, centres, strict=True):
        out.append(
            svg_drawing.text(plot_left - 10, svg_drawing.baseline(y, len(lines), LABEL_SIZE), lines, anchor="end")
        )
        out.append(
            svg_drawing.element(
                "rect",
                {"x": plot_left, "y": y - bar / 2, "width": plot_right - plot_left, "height": bar}
                | svg_drawing.paint("fill", TRACK_COLOUR),
            )
        )
    for series in spec.series:
        parts = []
        for i, y in enumerate(centres):
            if series.lows:
                low, high = series.lows[i], series.highs[i]
                if svg_drawing.is_present(low) and svg_drawing.is_present(high):
                    x0, x1 = sorted((x_of(low), x_of(high)))  # type: ignore[arg-type]
                    attrs = {"x": x0, "y": y - bar / 2, "width": x1 - x0, "height": bar, "data-part": "range"}
                    attrs |= svg_drawing.paint("fill", PEER_RANGE_FILL) | svg_drawing.paint("stroke", series.colour)
                    parts.append(svg_drawing.element("rect", attrs))
                continue
            value = series.values[i]
            if not svg_drawing.is_present(value):
                continue
            x = x_of(value)  # type: ignore[arg-type]
            if series.role is Role.FIRM:
                parts.append(svg_drawing.marker("circle", x, y, min(13.0, bar + 3), series.colour, outline="#fff"))
            else:
                tick = {"x1": x, "y1": y - bar / 2 - 3, "x2": x, "y2": y + bar / 2 + 3, "stroke-width": 3}
                parts.append(
                    svg_drawing.element(
                        "line", tick | svg_drawing.paint("stroke", series.colour) | {"data-part": "median"}
                    )
                )
        out.append(_series_group(series, parts))
    out += _draw_legend(legend, 8, w - 8, h - legend_h + 2, centre=False)
    return out


def _percentile(spec: ChartSpec, w: float, h: float) -> list[str]:
    lo, hi = svg_drawing.axis_range(spec.value_axis)
    series = spec.series[0] if spec.series else None
    value = series.values[0] if series and series.values and svg_drawing.is_present(series.values[0]) else None
    left, right = 16.0, w - 16
    bar = 30.0
    block = 20 + bar + 48  # reference labels, the bar, the ticks and the axis title
    bar_top = max(2.0, (h - block) / 2) + 20
    bar_bottom = bar_top + bar

    def x_of(v: float) -> float:
        return left + svg_drawing.fraction(v, lo, hi) * (right - left)

    out = [
        svg_drawing.element(
            "rect",
            {"x": left, "y": bar_top, "width": right - left, "height": bar} | svg_drawing.paint("fill", TRACK_COLOUR),
        )
    ]
    for tick in svg_drawing.ticks(lo, hi):
        out.append(
            svg_drawing.text(x_of(tick), bar_bottom + 18, svg_drawing.number(tick), size=SMALL_SIZE, anchor="middle")
        )
    out.append(svg_drawing.text((left + right) / 2, bar_bottom + 38, spec.value_axis.title, anchor="middle"))
    if value is not None and series is not None:
        x = x_of(value)
        shown = _cell_text(spec) or svg_drawing.number(round(value))
        parts = [
            svg_drawing.element(
                "rect",
                {"x": left, "y": bar_top, "width": x - left, "height": bar, "data-part": "bar"}
                | svg_drawing.paint("fill", series.colour),
            ),
            svg_drawing.element(
                "line",
                {"x1": x, "y1": bar_top - 4, "x2": x, "y2": bar_bottom + 4, "stroke-width": 3}
                | svg_drawing.paint("stroke", series.colour)
                | {"data-part": "marker"},
            ),
        ]
        text_w = svg_drawing.text_width(shown, LABEL_SIZE + 1)
        baseline = svg_drawing.baseline(bar_top + bar / 2, 1, LABEL_SIZE + 1)
        if x - left > text_w + 14:
            parts.append(
                svg_drawing.text(x - 7, baseline, shown, size=LABEL_SIZE + 1, anchor="end", fill="#fff", weight="bold")
            )
        else:
            parts.append(svg_drawing.text(x + 7, baseline, shown, size=LABEL_SIZE + 1, weight="bold"))
        out.append(_series_group(series, parts))
    for ref in spec.references:
        x = x_of(ref.value)
        line = {"x1": x, "y1": bar_top - 5, "x2": x, "y2": bar_bottom + 5, "stroke-width": 2, "stroke-dasharray": "6 4"}
        # A white line under the dashes keeps them visible on the firm's dark bar too.
        out.append(
            svg_drawing.element(
                "line", line | {"stroke-width": 4, "stroke-dasharray": None} | svg_drawing.paint("stroke", "#fff")
            )
        )
        out.append(
            svg_drawing.element(
                "line", line | svg_drawing.paint("stroke", PEER_MEDIAN_COLOUR) | {"data-part": "reference"}
            )
        )
        label = svg_drawing.truncate(ref.label, LABEL_SIZE, right - left)
        half = svg_drawing.text_width(label, LABEL_SIZE) / 2
        anchor = "start" if x - half < 4 else ("end" if x + half > w - 4 else "middle")
        out.append(svg_drawing.text(x, bar_top - 9, label, anchor=anchor, fill=PEER_MEDIAN_COLOUR))
    if value is None:
        message = svg_drawing.truncate(_missing_text(spec, fallback="No data"), LABEL_SIZE + 1, right - left - 20)
        text_w = svg_drawing.text_width(message, LABEL_SIZE + 1)
        centre = (left + right) / 2
        background = {"x": centre - text_w / 2 - 8, "y": bar_top + 3, "width": text_w + 16, "height": bar - 6}
        out.append(svg_drawing.element("rect", background | svg_drawing.paint("fill", TRACK_COLOUR)))
        baseline = svg_drawing.baseline(bar_top + bar / 2, 1, LABEL_SIZE + 1)
        out.append(
            svg_drawing.text(
                centre, baseline, message, size=LABEL_SIZE + 1, anchor="middle", extra={"data-part": "empty"}
            )
        )
    return out


def _history(spec: ChartSpec, w: float, h: float) -> list[str]:
    n = len(spec.categories)
    lo, hi = svg_drawing.axis_range(spec.value_axis)
    legend = _legend_rows([_line_key(s, i) for i, s in enumerate(spec.series)], w - 16)
    legend_h = _legend_height(legend)
    plot_left, plot_right = 54.0, w - 14
    plot_top, plot_bottom = 10.0, h - legend_h - 48
    pad = min(40.0, (plot_right - plot_left) / 4)
    if n == 1:
        xs = [(plot_left + plot_right) / 2]
    else:
        step = (plot_right - plot_left - 2 * pad) / (n - 1)
        xs = [plot_left + pad + i * step for i in range(n)]

    def y_of(value: float) -> float:
        return plot_bottom - svg_drawing.fraction(value, lo, hi) * (plot_bottom - plot_top)

    out = []
    grid = {**svg_drawing.paint("stroke", GRID_COLOUR), "stroke-width": 1}
    for tick in svg_drawing.ticks(lo, hi):
        y = y_of(tick)
        out.append(svg_drawing.element("line", {"x1": plot_left, "y1": y, "x2": plot_right, "y2": y, **grid}))
        out.append(
            svg_drawing.text(
                plot_left - 6,
                svg_drawing.baseline(y, 1, SMALL_SIZE),
                svg_drawing.number(tick),
                size=SMALL_SIZE,
                anchor="end",
            )
        )
    middle_y = (plot_top + plot_bottom) / 2
    out.append(
        svg_drawing.text(
            14,
            middle_y,
            spec.value_axis.title,
            anchor="middle",
            extra={"transform": f"rotate(-90 14 {svg_drawing.number(middle_y)})"},
        )
    )
    for i in _shown_dates(
        xs, svg_drawing.text_width("0000-00-00", SMALL_SIZE) + 10
    ):  # a gridline at each labelled date
        out.append(svg_drawing.element("line", {"x1": xs[i], "y1": plot_top, "x2": xs[i], "y2": plot_bottom, **grid}))
        out.append(svg_drawing.text(xs[i], plot_bottom + 16, spec.categories[i], size=SMALL_SIZE, anchor="middle"))
    out.append(
        svg_drawing.text((plot_left + plot_right) / 2, plot_bottom + 36, spec.category_axis.title, anchor="middle")
    )

    for index, series in enumerate(spec.series):
        firm = series.role is Role.FIRM
        points = [None if not svg_drawing.is_present(v) else (xs[i], y_of(v)) for i, v in enumerate(series.values)]  # type: ignore[arg-type]
        style = _line_style(series, width=3 if firm else 2, dash=None if firm else "2 3")
        parts = []
        for run in _runs([p is not None for p in points]):
            if len(run) >= 2:
                run_points = [points[i] for i in run]
                parts.append(
                    svg_drawing.element(
                        "polyline", {"points": svg_drawing.points(run_points), **style, "data-part": "line"}
                    )
                )  # type: ignore[arg-type]
        symbol = _symbol(series, index, default="circle")
        parts += [
            svg_drawing.marker(symbol, p[0], p[1], 9 if firm else 8, series.colour) for p in points if p is not None
        ]
        out.append(_series_group(series, parts))
    out += _draw_legend(legend, 8, w - 8, h - legend_h + 2, centre=False)
    return out


def _empty(spec: ChartSpec, w: float, h: float) -> list[str]:
    """No figure at all: a frame and the words for it, never an empty axis that looks like zeros."""
    message = svg_drawing.truncate(_missing_text(spec, fallback="No data"), MESSAGE_SIZE, w - 40)
    frame = {"x": 0.5, "y": 0.5, "width": w - 1, "height": h - 1, "fill": "none", "stroke-width": 1}
    return [
        svg_drawing.element("rect", frame | svg_drawing.paint("stroke", GRID_COLOUR)),
        svg_drawing.text(
            w / 2,
            svg_drawing.baseline(h / 2, 1, MESSAGE_SIZE),
            message,
            size=MESSAGE_SIZE,
            anchor="middle",
            fill=PEER_MEDIAN_COLOUR,
            extra={"data-part": "empty"},
        ),
    ]


# --- Series helpers --------------------------------------------------------------------------


def _series_group(series: Series, parts: list[str]) -> str:
    return svg_drawing.element("g", {"data-series": series.key, "data-role": series.role.value}, "".join(parts))


def _line_style(series: Series, *, width: float, dash: str | None) -> dict[str, Attr]:
    return {
        **svg_drawing.paint("stroke", series.colour),
        "stroke-width": width,
        "stroke-dasharray": dash,
        "stroke-linejoin": "round",
        "stroke-linecap": "round",
        "fill": "none",
    }


def _symbol(series: Series, index: int, *, default: str) -> str:
    """As ``plotly_figure``: the firm a circle; peers a square; pillar ``i`` the ``i``-th symbol."""
    if series.role is Role.FIRM:
        return "circle"
    if series.role is Role.PILLAR:
        return PILLAR_SYMBOLS[(index - 1) % len(PILLAR_SYMBOLS)]
    return default


def _runs(present: Sequence[bool]) -> list[list[int]]:
    """The indices of consecutive present values, in order."""
    runs: list[list[int]] = []
    run: list[int] = []
    for i, here in enumerate(present):
        if here:
            run.append(i)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def _cyclic_runs(present: Sequence[bool]) -> list[list[int]]:
    """As ``_runs`` round a ring (the radar): the last value joins the first."""
    if all(present):
        return [list(range(len(present)))]
    start = present.index(False)
    order = [(start + k) % len(present) for k in range(1, len(present) + 1)]
    return [[order[i] for i in run] for run in _runs([present[i] for i in order])]


def _shown_dates(xs: Sequence[float], label_w: float) -> list[int]:
    """The dates to label: all if they fit, else every k-th and always the last."""
    if len(xs) < 2:
        return list(range(len(xs)))
    spacing = xs[1] - xs[0]
    step = max(1, math.ceil(label_w / spacing)) if spacing > 0 else len(xs)
    shown = list(range(0, len(xs), step))
    last = len(xs) - 1
    if shown[-1] != last:
        if (last - shown[-1]) * spacing < label_w and len(shown) > 1:
            shown[-1] = last
        elif (last - shown[-1]) * spacing >= label_w:
            shown.append(last)
    return shown


# --- Legend ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    label: str
    swatch: Callable[[float, float], str]  # a sample of the series, centred on (x, y)


def _line_key(series: Series, index: int) -> _Key:
    firm = series.role is Role.FIRM
    dash = None if firm else ("6 4" if series.role is Role.PEERS else "2 3")
    style = _line_style(series, width=3 if firm else 2, dash=dash)
    symbol = _symbol(series, index, default="square")

    def swatch(x: float, y: float) -> str:
        line = svg_drawing.element("line", {"x1": x - SWATCH / 2, "y1": y, "x2": x + SWATCH / 2, "y2": y, **style})
        return line + svg_drawing.marker(symbol, x, y, 8, series.colour)

    return _Key(series.name, swatch)


def _quartile_key(series: Series) -> _Key:
    def swatch(x: float, y: float) -> str:
        if series.lows:
            box = {"x": x - 12, "y": y - 5, "width": 24, "height": 10}
            return svg_drawing.element(
                "rect", box | svg_drawing.paint("fill", PEER_RANGE_FILL) | svg_drawing.paint("stroke", series.colour)
            )
        if series.role is Role.FIRM:
            return svg_drawing.marker("circle", x, y, 11, series.colour, outline="#fff")
        return svg_drawing.element(
            "line",
            {"x1": x, "y1": y - 7, "x2": x, "y2": y + 7, "stroke-width": 3}
            | svg_drawing.paint("stroke", series.colour),
        )

    return _Key(series.name, swatch)


def _legend_rows(keys: Sequence[_Key], width: float) -> list[list[tuple[_Key, str, float]]]:
    """The keys in rows no wider than ``width``: (key, shown label, item width)."""
    rows: list[list[tuple[_Key, str, float]]] = [[]]
    used = 0.0
    for key in keys:
        label = svg_drawing.truncate(key.label, LABEL_SIZE, min(220.0, width - SWATCH - 6))
        item = SWATCH + 6 + svg_drawing.text_width(label, LABEL_SIZE) + 16
        if rows[-1] and used + item > width:
            rows.append([])
            used = 0.0
        rows[-1].append((key, label, item))
        used += item
    return [row for row in rows if row]


def _legend_height(rows: Sequence[object]) -> float:
    return len(rows) * LEGEND_ROW + (6 if rows else 0)


def _draw_legend(
    rows: Sequence[Sequence[tuple[_Key, str, float]]], left: float, right: float, top: float, *, centre: bool
) -> list[str]:
    out = []
    for r, row in enumerate(rows):
        y = top + r * LEGEND_ROW + LEGEND_ROW / 2
        used = sum(item for _, _, item in row) - 16
        x = left + max(0.0, (right - left - used) / 2) if centre else left
        for key, label, item in row:
            out.append(key.swatch(x + SWATCH / 2, y))
            out.append(
                svg_drawing.text(
                    x + SWATCH + 6, svg_drawing.baseline(y, 1, LABEL_SIZE), label, extra={"data-part": "legend"}
                )
            )
            x += item
    return [svg_drawing.element("g", {"data-part": "legend"}, "".join(out))] if out else []


# --- Words from the spec's table ------------------------------------------------------------


def _cell_text(spec: ChartSpec) -> str:
    """The first table cell's words (the percentile chart's only figure)."""
    if spec.table.rows and spec.table.rows[0].cells:
        return spec.table.rows[0].cells[0].text
    return ""


def _missing_text(spec: ChartSpec, *, fallback: str) -> str:
    """The table's words for a missing figure ("not shown", "no score"), as a sentence start."""
    for row in spec.table.rows:
        for cell in row.cells:
            if cell.value is None and cell.text.strip():
                text = cell.text.strip()
                return text[:1].upper() + text[1:]
    return fallback
