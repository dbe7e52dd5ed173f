"""Charts as static SVG for the PDF: the same ``ChartSpec`` the browser draws with Plotly.

WeasyPrint has no browser and runs no JavaScript, so the PDF cannot use Plotly. ``svg_chart``
draws a spec as an inline ``<svg>`` element instead: vector, with real text (selectable and
searchable in the PDF), and no new dependency. It follows ``charts.plotly_figure``: the firm in
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
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .charts import (
    FIRM_FILL,
    GRID_COLOUR,
    PEER_COLOUR,
    PEER_MEDIAN_COLOUR,
    PEER_RANGE_FILL,
    PILLAR_SYMBOLS,
    TEXT_COLOUR,
    TRACK_COLOUR,
    Axis,
    ChartKind,
    ChartSpec,
    Role,
    Series,
)

__all__ = ["svg_chart"]

FONT = "Liberation Sans, DejaVu Sans, sans-serif"  # the PDF's font; widths are estimated for the wider DejaVu
LABEL_SIZE = 11  # category labels, legend, axis titles
SMALL_SIZE = 10  # tick numbers
MESSAGE_SIZE = 13  # "no data"
LINE_HEIGHT = 1.25  # in font sizes
LEGEND_ROW = 18
SWATCH = 28  # width of a legend sample
TICKS = 5  # intervals on the value axis: 0, 20, ..., 100
MIN_WIDTH, MIN_HEIGHT = 160, 60

Attr = str | float | None
Point = tuple[float, float]


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
        "viewBox": f"0 0 {_n(w)} {_n(h)}",
        "width": w,
        "height": h,
        "role": "img",
        "aria-labelledby": title_id,
        "aria-describedby": desc_id,
        "data-chart": spec.kind.value,
    }
    content = "".join(
        [
            _el("title", {"id": title_id}, _esc(spec.title)),
            _el("desc", {"id": desc_id}, _esc(spec.description)),
            *body,
        ]
    )
    return _el("svg", attrs, content)


# --- One function per kind -------------------------------------------------------------------


def _radar(spec: ChartSpec, w: float, h: float) -> list[str]:
    n = len(spec.categories)
    lo, hi = _range(spec.value_axis)
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
    grid = {**_paint("stroke", GRID_COLOUR), "stroke-width": 1, "fill": "none"}
    for tick in _ticks(lo, hi)[1:]:
        r = radius * (tick - lo) / (hi - lo)
        if n >= 3:
            out.append(_el("polygon", {"points": _points(at(i, r) for i in range(n)), **grid}))
        else:
            out.append(_el("circle", {"cx": cx, "cy": cy, "r": r, **grid}))
    for i in range(n):
        x, y = at(i, radius)
        out.append(_el("line", {"x1": cx, "y1": cy, "x2": x, "y2": y, **grid}))
    for i, category in enumerate(spec.categories):
        x, y = at(i, radius + 10)
        cos, sin = math.cos(angle(i)), math.sin(angle(i))
        if cos > 0.2:
            anchor, room = "start", w - 4 - x
        elif cos < -0.2:
            anchor, room = "end", x - 4
        else:
            anchor, room = "middle", 2 * min(x - 4, w - 4 - x)
        lines = _fit(category, LABEL_SIZE, min(room, budget), 2)
        block = len(lines) * LABEL_SIZE * LINE_HEIGHT
        top = y - block if sin < -0.2 else (y if sin > 0.2 else y - block / 2)
        top = min(max(top, 2.0), plot_h - block)
        out.append(_text(x, top + LABEL_SIZE * 0.8, lines, anchor=anchor, extra={"data-part": "category"}))

    for index, series in enumerate(spec.series):
        points = [None if v is None else at(i, _fraction(v, lo, hi) * radius) for i, v in enumerate(series.values)]
        out.append(_series_group(series, _radar_series(series, index, points)))
    # The scale between the first two spokes, on the rings, so it covers no category's spoke;
    # over the lines, on a veil that lets them show through.
    middle = 0.5 if n >= 2 else 0.08
    shrink = math.cos(math.pi / n) if n >= 3 else 1.0
    for tick in _ticks(lo, hi)[1:]:
        x, y = at(middle, shrink * radius * (tick - lo) / (hi - lo))
        label = _n(tick)
        veil = {"x": x + 1, "y": y - 12, "width": _width(label, SMALL_SIZE) + 4, "height": 12, "fill-opacity": 0.7}
        out.append(_el("rect", veil | {"fill": "#fff"}))
        out.append(_text(x + 3, y - 3, label, size=SMALL_SIZE, fill=PEER_COLOUR))
    out += _draw_legend(legend, 8, w - 8, plot_h + 4, centre=True)
    return out


def _radar_series(series: Series, index: int, points: Sequence[Point | None]) -> list[str]:
    firm = series.role is Role.FIRM
    style = _line_style(series, width=3 if firm else 2, dash=None if firm else "6 4")
    out = []
    present = [p for p in points if p is not None]
    if len(present) == len(points) and len(points) >= 2:
        # A closed shape; the firm's is filled. With a gap it is not: the fill would bridge it.
        fill = _paint("fill", FIRM_FILL) if firm and len(points) >= 3 else {"fill": "none"}
        out.append(_el("polygon", {"points": _points(present), **style, **fill, "data-part": "line"}))
    else:
        for run in _cyclic_runs([p is not None for p in points]):
            if len(run) >= 2:
                run_points = [points[i] for i in run]
                out.append(_el("polyline", {"points": _points(run_points), **style, "data-part": "line"}))  # type: ignore[arg-type]
    symbol = _symbol(series, index, default="square")
    out += [_marker(symbol, x, y, 8 if firm else 7, series.colour) for x, y in present]
    return out


def _quartiles(spec: ChartSpec, w: float, h: float) -> list[str]:
    n = len(spec.categories)
    lo, hi = _range(spec.value_axis)
    legend = _legend_rows([_quartile_key(s) for s in spec.series], w - 16)
    legend_h = _legend_height(legend)
    plot_top = 6.0
    plot_bottom = h - legend_h - 46
    row_h = (plot_bottom - plot_top) / max(n, 1)
    max_lines = 2 if row_h >= 2 * LABEL_SIZE * LINE_HEIGHT + 2 else 1
    budget = w * 0.3
    labels = [_fit(c, LABEL_SIZE, budget, max_lines) for c in spec.categories]
    label_w = max((_width(line, LABEL_SIZE) for lines in labels for line in lines), default=0.0)
    plot_left = 8 + min(label_w, budget) + 12
    plot_right = w - 16

    def x_of(value: float) -> float:
        return plot_left + _fraction(value, lo, hi) * (plot_right - plot_left)

    out = []
    grid = {**_paint("stroke", GRID_COLOUR), "stroke-width": 1}
    for tick in _ticks(lo, hi):
        x = x_of(tick)
        out.append(_el("line", {"x1": x, "y1": plot_top, "x2": x, "y2": plot_bottom, **grid}))
        out.append(_text(x, plot_bottom + 14, _n(tick), size=SMALL_SIZE, anchor="middle"))
    out.append(_text((plot_left + plot_right) / 2, plot_bottom + 32, spec.value_axis.title, anchor="middle"))

    bar = min(18.0, row_h * 0.5)
    centres = [plot_top + row_h * (i + 0.5) for i in range(n)]
    for lines, y in zip(labels, centres, strict=True):
        out.append(_text(plot_left - 10, _baseline(y, len(lines), LABEL_SIZE), lines, anchor="end"))
        out.append(
            _el(
                "rect",
                {"x": plot_left, "y": y - bar / 2, "width": plot_right - plot_left, "height": bar}
                | _paint("fill", TRACK_COLOUR),
            )
        )
    for series in spec.series:
        parts = []
        for i, y in enumerate(centres):
            if series.lows:
                low, high = series.lows[i], series.highs[i]
                if _present(low) and _present(high):
                    x0, x1 = sorted((x_of(low), x_of(high)))  # type: ignore[arg-type]
                    attrs = {"x": x0, "y": y - bar / 2, "width": x1 - x0, "height": bar, "data-part": "range"}
                    attrs |= _paint("fill", PEER_RANGE_FILL) | _paint("stroke", series.colour)
                    parts.append(_el("rect", attrs))
                continue
            value = series.values[i]
            if not _present(value):
                continue
            x = x_of(value)  # type: ignore[arg-type]
            if series.role is Role.FIRM:
                parts.append(_marker("circle", x, y, min(13.0, bar + 3), series.colour, outline="#fff"))
            else:
                tick = {"x1": x, "y1": y - bar / 2 - 3, "x2": x, "y2": y + bar / 2 + 3, "stroke-width": 3}
                parts.append(_el("line", tick | _paint("stroke", series.colour) | {"data-part": "median"}))
        out.append(_series_group(series, parts))
    out += _draw_legend(legend, 8, w - 8, h - legend_h + 2, centre=False)
    return out


def _percentile(spec: ChartSpec, w: float, h: float) -> list[str]:
    lo, hi = _range(spec.value_axis)
    series = spec.series[0] if spec.series else None
    value = series.values[0] if series and series.values and _present(series.values[0]) else None
    left, right = 16.0, w - 16
    bar = 30.0
    block = 20 + bar + 48  # reference labels, the bar, the ticks and the axis title
    bar_top = max(2.0, (h - block) / 2) + 20
    bar_bottom = bar_top + bar

    def x_of(v: float) -> float:
        return left + _fraction(v, lo, hi) * (right - left)

    out = [_el("rect", {"x": left, "y": bar_top, "width": right - left, "height": bar} | _paint("fill", TRACK_COLOUR))]
    for tick in _ticks(lo, hi):
        out.append(_text(x_of(tick), bar_bottom + 18, _n(tick), size=SMALL_SIZE, anchor="middle"))
    out.append(_text((left + right) / 2, bar_bottom + 38, spec.value_axis.title, anchor="middle"))
    if value is not None and series is not None:
        x = x_of(value)
        shown = _cell_text(spec) or _n(round(value))
        parts = [
            _el(
                "rect",
                {"x": left, "y": bar_top, "width": x - left, "height": bar, "data-part": "bar"}
                | _paint("fill", series.colour),
            ),
            _el(
                "line",
                {"x1": x, "y1": bar_top - 4, "x2": x, "y2": bar_bottom + 4, "stroke-width": 3}
                | _paint("stroke", series.colour)
                | {"data-part": "marker"},
            ),
        ]
        text_w = _width(shown, LABEL_SIZE + 1)
        baseline = _baseline(bar_top + bar / 2, 1, LABEL_SIZE + 1)
        if x - left > text_w + 14:
            parts.append(_text(x - 7, baseline, shown, size=LABEL_SIZE + 1, anchor="end", fill="#fff", weight="bold"))
        else:
            parts.append(_text(x + 7, baseline, shown, size=LABEL_SIZE + 1, weight="bold"))
        out.append(_series_group(series, parts))
    for ref in spec.references:
        x = x_of(ref.value)
        line = {"x1": x, "y1": bar_top - 5, "x2": x, "y2": bar_bottom + 5, "stroke-width": 2, "stroke-dasharray": "6 4"}
        # A white line under the dashes keeps them visible on the firm's dark bar too.
        out.append(_el("line", line | {"stroke-width": 4, "stroke-dasharray": None} | _paint("stroke", "#fff")))
        out.append(_el("line", line | _paint("stroke", PEER_MEDIAN_COLOUR) | {"data-part": "reference"}))
        label = _truncate(ref.label, LABEL_SIZE, right - left)
        half = _width(label, LABEL_SIZE) / 2
        anchor = "start" if x - half < 4 else ("end" if x + half > w - 4 else "middle")
        out.append(_text(x, bar_top - 9, label, anchor=anchor, fill=PEER_MEDIAN_COLOUR))
    if value is None:
        message = _truncate(_missing_text(spec, fallback="No data"), LABEL_SIZE + 1, right - left - 20)
        text_w = _width(message, LABEL_SIZE + 1)
        centre = (left + right) / 2
        background = {"x": centre - text_w / 2 - 8, "y": bar_top + 3, "width": text_w + 16, "height": bar - 6}
        out.append(_el("rect", background | _paint("fill", TRACK_COLOUR)))
        baseline = _baseline(bar_top + bar / 2, 1, LABEL_SIZE + 1)
        out.append(_text(centre, baseline, message, size=LABEL_SIZE + 1, anchor="middle", extra={"data-part": "empty"}))
    return out


def _history(spec: ChartSpec, w: float, h: float) -> list[str]:
    n = len(spec.categories)
    lo, hi = _range(spec.value_axis)
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
        return plot_bottom - _fraction(value, lo, hi) * (plot_bottom - plot_top)

    out = []
    grid = {**_paint("stroke", GRID_COLOUR), "stroke-width": 1}
    for tick in _ticks(lo, hi):
        y = y_of(tick)
        out.append(_el("line", {"x1": plot_left, "y1": y, "x2": plot_right, "y2": y, **grid}))
        out.append(_text(plot_left - 6, _baseline(y, 1, SMALL_SIZE), _n(tick), size=SMALL_SIZE, anchor="end"))
    middle_y = (plot_top + plot_bottom) / 2
    out.append(
        _text(
            14, middle_y, spec.value_axis.title, anchor="middle", extra={"transform": f"rotate(-90 14 {_n(middle_y)})"}
        )
    )
    for i in _shown_dates(xs, _width("0000-00-00", SMALL_SIZE) + 10):  # a gridline at each labelled date
        out.append(_el("line", {"x1": xs[i], "y1": plot_top, "x2": xs[i], "y2": plot_bottom, **grid}))
        out.append(_text(xs[i], plot_bottom + 16, spec.categories[i], size=SMALL_SIZE, anchor="middle"))
    out.append(_text((plot_left + plot_right) / 2, plot_bottom + 36, spec.category_axis.title, anchor="middle"))

    for index, series in enumerate(spec.series):
        firm = series.role is Role.FIRM
        points = [None if not _present(v) else (xs[i], y_of(v)) for i, v in enumerate(series.values)]  # type: ignore[arg-type]
        style = _line_style(series, width=3 if firm else 2, dash=None if firm else "2 3")
        parts = []
        for run in _runs([p is not None for p in points]):
            if len(run) >= 2:
                run_points = [points[i] for i in run]
                parts.append(_el("polyline", {"points": _points(run_points), **style, "data-part": "line"}))  # type: ignore[arg-type]
        symbol = _symbol(series, index, default="circle")
        parts += [_marker(symbol, p[0], p[1], 9 if firm else 8, series.colour) for p in points if p is not None]
        out.append(_series_group(series, parts))
    out += _draw_legend(legend, 8, w - 8, h - legend_h + 2, centre=False)
    return out


def _empty(spec: ChartSpec, w: float, h: float) -> list[str]:
    """No figure at all: a frame and the words for it, never an empty axis that looks like zeros."""
    message = _truncate(_missing_text(spec, fallback="No data"), MESSAGE_SIZE, w - 40)
    frame = {"x": 0.5, "y": 0.5, "width": w - 1, "height": h - 1, "fill": "none", "stroke-width": 1}
    return [
        _el("rect", frame | _paint("stroke", GRID_COLOUR)),
        _text(
            w / 2,
            _baseline(h / 2, 1, MESSAGE_SIZE),
            message,
            size=MESSAGE_SIZE,
            anchor="middle",
            fill=PEER_MEDIAN_COLOUR,
            extra={"data-part": "empty"},
        ),
    ]


# --- Series helpers --------------------------------------------------------------------------


def _series_group(series: Series, parts: list[str]) -> str:
    return _el("g", {"data-series": series.key, "data-role": series.role.value}, "".join(parts))


def _line_style(series: Series, *, width: float, dash: str | None) -> dict[str, Attr]:
    return {
        **_paint("stroke", series.colour),
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
        line = _el("line", {"x1": x - SWATCH / 2, "y1": y, "x2": x + SWATCH / 2, "y2": y, **style})
        return line + _marker(symbol, x, y, 8, series.colour)

    return _Key(series.name, swatch)


def _quartile_key(series: Series) -> _Key:
    def swatch(x: float, y: float) -> str:
        if series.lows:
            box = {"x": x - 12, "y": y - 5, "width": 24, "height": 10}
            return _el("rect", box | _paint("fill", PEER_RANGE_FILL) | _paint("stroke", series.colour))
        if series.role is Role.FIRM:
            return _marker("circle", x, y, 11, series.colour, outline="#fff")
        return _el(
            "line", {"x1": x, "y1": y - 7, "x2": x, "y2": y + 7, "stroke-width": 3} | _paint("stroke", series.colour)
        )

    return _Key(series.name, swatch)


def _legend_rows(keys: Sequence[_Key], width: float) -> list[list[tuple[_Key, str, float]]]:
    """The keys in rows no wider than ``width``: (key, shown label, item width)."""
    rows: list[list[tuple[_Key, str, float]]] = [[]]
    used = 0.0
    for key in keys:
        label = _truncate(key.label, LABEL_SIZE, min(220.0, width - SWATCH - 6))
        item = SWATCH + 6 + _width(label, LABEL_SIZE) + 16
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
            out.append(_text(x + SWATCH + 6, _baseline(y, 1, LABEL_SIZE), label, extra={"data-part": "legend"}))
            x += item
    return [_el("g", {"data-part": "legend"}, "".join(out))] if out else []


# --- Markers ---------------------------------------------------------------------------------


def _regular(corners: int, radius: float, turn: float = 0.0) -> tuple[Point, ...]:
    return tuple(
        (radius * math.sin(2 * math.pi * k / corners + turn), -radius * math.cos(2 * math.pi * k / corners + turn))
        for k in range(corners)
    )


def _plus(arm: float, reach: float, turn: float = 0.0) -> tuple[Point, ...]:
    a, r = arm, reach
    quarter = ((-a, -r), (a, -r), (a, -a))  # one arm's end and the corner after it; turned for the others
    outline = [(x, y) for k in range(4) for x, y in _turned(quarter, k * math.pi / 2)]
    return _turned(outline, turn)


def _turned(points: Iterable[Point], turn: float) -> tuple[Point, ...]:
    cos, sin = math.cos(turn), math.sin(turn)
    return tuple((x * cos - y * sin, x * sin + y * cos) for x, y in points)


def _star(corners: int, outer: float, inner: float) -> tuple[Point, ...]:
    tips, dips = _regular(corners, outer), _regular(corners, inner, math.pi / corners)
    return tuple(p for pair in zip(tips, dips, strict=True) for p in pair)


# Outlines round (0, 0) in half marker sizes, after Plotly's symbols of the same names.
_SHAPES: dict[str, tuple[Point, ...]] = {
    "square": ((-0.9, -0.9), (0.9, -0.9), (0.9, 0.9), (-0.9, 0.9)),
    "diamond": ((0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)),
    "triangle-up": ((0, -1.25), (1.2, 0.85), (-1.2, 0.85)),
    "triangle-down": ((0, 1.25), (1.2, -0.85), (-1.2, -0.85)),
    "x": _plus(0.38, 1.3, math.pi / 4),
    "cross": _plus(0.38, 1.15),
    "star": _star(5, 1.45, 0.6),
    "pentagon": _regular(5, 1.15),
}


def _marker(symbol: str, x: float, y: float, size: float, colour: str, *, outline: str | None = None) -> str:
    paint = _paint("fill", colour) | {"data-part": "marker", "data-symbol": symbol}
    if outline:
        paint |= _paint("stroke", outline) | {"stroke-width": 1.5}
    half = size / 2
    if symbol == "circle" or symbol not in _SHAPES:
        return _el("circle", {"cx": x, "cy": y, "r": half} | paint)
    return _el("polygon", {"points": _points((x + dx * half, y + dy * half) for dx, dy in _SHAPES[symbol])} | paint)


# --- Numbers, text and elements --------------------------------------------------------------


def _present(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _range(axis: Axis) -> tuple[float, float]:
    lo = 0.0 if axis.minimum is None else float(axis.minimum)
    hi = 100.0 if axis.maximum is None else float(axis.maximum)
    return (lo, hi) if hi > lo else (0.0, 100.0)


def _ticks(lo: float, hi: float) -> list[float]:
    return [lo + k * (hi - lo) / TICKS for k in range(TICKS + 1)]


def _fraction(value: float, lo: float, hi: float) -> float:
    """Where ``value`` lies from ``lo`` to ``hi``, 0 to 1: outside values are kept on the chart."""
    return min(1.0, max(0.0, (value - lo) / (hi - lo)))


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


def _n(value: float) -> str:
    """A number for an attribute: at most 2 decimals, no trailing zeros, never "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _points(points: Iterable[Point]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


_RGBA = re.compile(r"rgba\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d*\.?\d+)\s*\)\Z")
_PLAIN_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\Z|rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)\Z|[a-z]+\Z")


def _paint(prop: str, colour: str) -> dict[str, Attr]:
    """``fill`` or ``stroke`` attributes; rgba() becomes rgb() and an opacity, which SVG 1.1 reads."""
    colour = colour.strip()
    match = _RGBA.match(colour)
    if match:
        red, green, blue, alpha = match.groups()
        return {prop: f"rgb({red},{green},{blue})", f"{prop}-opacity": min(1.0, float(alpha))}
    if _PLAIN_COLOUR.match(colour):
        return {prop: colour}
    return {prop: TEXT_COLOUR}  # anything else (a url(), a typo) is not passed on


# Characters XML 1.0 does not allow at all, even escaped: dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _esc(text: str) -> str:
    return escape(_clean(text))


def _el(tag: str, attrs: dict[str, Attr], content: str | None = None) -> str:
    """An element; ``content`` must already be markup (escaped text or elements)."""
    parts = [tag]
    for name, value in attrs.items():
        if value is not None:
            parts.append(f"{name}={quoteattr(_clean(value) if isinstance(value, str) else _n(value))}")
    opening = " ".join(parts)
    return f"<{opening}/>" if content is None else f"<{opening}>{content}</{tag}>"


def _text(
    x: float,
    y: float,
    text: str | Sequence[str],
    *,
    size: float = LABEL_SIZE,
    anchor: str = "start",
    fill: str = TEXT_COLOUR,
    weight: str | None = None,
    extra: dict[str, Attr] | None = None,
) -> str:
    """Text with its first baseline at ``y``; several lines become ``<tspan>`` elements."""
    lines = [text] if isinstance(text, str) else list(text)
    attrs: dict[str, Attr] = {
        "x": x,
        "y": y,
        "font-family": FONT,
        "font-size": size,
        "font-weight": weight,
        "text-anchor": anchor,
        **_paint("fill", fill),
        **(extra or {}),
    }
    if len(lines) == 1:
        content = _esc(lines[0])
    else:
        content = "".join(
            _el("tspan", {"x": x, "y": y + i * size * LINE_HEIGHT}, _esc(line)) for i, line in enumerate(lines)
        )
    return _el("text", attrs, content)


def _baseline(centre: float, lines: int, size: float) -> float:
    """The first baseline that centres ``lines`` lines of text on ``centre``."""
    return centre - (lines - 1) * size * LINE_HEIGHT / 2 + 0.36 * size


def _width(text: str, size: float) -> float:
    """About how wide DejaVu Sans sets ``text``; a little generous, so labels never run off."""
    total = 0.0
    for char in text:
        if char in "iljI.,:;'|!":
            total += 0.3
        elif char in " ftr()[]-/":
            total += 0.4
        elif char in "mwMW":
            total += 0.92
        elif char.isupper() or char in "&%@#":
            total += 0.74
        else:
            total += 0.63
    return total * size


def _truncate(text: str, size: float, max_width: float, *, cut: bool = False) -> str:
    """``text`` if it fits in ``max_width`` (and ``cut`` is not asked), else shortened with "…"."""
    text = _clean(text)
    if not cut and _width(text, size) <= max_width:
        return text
    while text and _width(text + "…", size) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def _fit(text: str, size: float, max_width: float, max_lines: int) -> list[str]:
    """``text`` wrapped at spaces into at most ``max_lines`` lines of ``max_width``, cut with "…"."""
    words = _clean(text).split()
    if not words:
        return [""]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if not current or _width(candidate, size) <= max_width:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    lines = [_truncate(line, size, max_width) for line in lines]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _truncate(lines[max_lines - 1], size, max_width, cut=True)]
    return lines
