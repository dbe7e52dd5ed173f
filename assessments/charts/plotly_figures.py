"""Chart specifications as Plotly figures, for the pages (``static/js/charts.js`` draws them).

Only a translation of ``spec.ChartSpec``: every number, word and colour was decided there.
"""

from __future__ import annotations

import textwrap
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from .spec import (
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
)

FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


def plotly_figure(spec: ChartSpec) -> dict[str, Any]:
    """The spec as a Plotly figure, ``{"data": [...], "layout": {...}}``, ready for ``json_script``.

    Plain dicts only: the Plotly Python objects validate every property on construction,
    which costs far more per request than building the dict (the tests validate instead).
    The config (no logo, responsive) is ``static/js/charts.js``'s business.
    """
    build = {
        ChartKind.RADAR: _radar_figure,
        ChartKind.QUARTILES: _quartile_figure,
        ChartKind.PERCENTILE: _percentile_figure,
        ChartKind.HISTORY: _history_figure,
        ChartKind.DISTRIBUTION: _distribution_figure,
        ChartKind.CHANGE: _change_figure,
    }[spec.kind]
    data, layout = build(spec)
    figure_layout = {
        "font": {"family": FONT_FAMILY, "size": 13, "color": TEXT_COLOUR},
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        # Dragging must scroll the page on a phone, not zoom the chart.
        "dragmode": False,
        "separators": _separators(),
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"},
        **layout,
    }
    if spec.is_empty:
        figure_layout["annotations"] = [
            {
                "text": _text(_("No figures to show")),
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
            }
        ]
    return {"data": data, "layout": figure_layout}


# --- Plotly, one function per kind ---------------------------------------------------------


def _radar_figure(spec: ChartSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    # Scatterpolar does not close its line: repeat the first pillar at the end.
    theta = [_wrap(c, 12) for c in spec.categories]
    theta_closed = [*theta, *theta[:1]]
    data = []
    for series in spec.series:
        firm = series.role is Role.FIRM
        values = list(series.values)
        trace: dict[str, Any] = {
            "type": "scatterpolar",
            "name": _text(series.name),
            "r": [*values, *values[:1]],
            "theta": theta_closed,
            "mode": "lines+markers",
            "connectgaps": False,
            "line": {"color": series.colour, "width": 3 if firm else 2, "dash": "solid" if firm else "dash"},
            "marker": {"color": series.colour, "size": 8 if firm else 7, "symbol": "circle" if firm else "square"},
            "hovertemplate": "%{theta}: %{r:.1f}<extra>" + _text(series.name) + "</extra>",
        }
        # A filled area with a gap would join across the missing pillar and suggest a score.
        if firm and None not in values:
            trace |= {"fill": "toself", "fillcolor": FIRM_FILL}
        data.append(trace)
    layout = {
        # No height: the container's CSS keeps the chart about square at any width (app.css).
        "autosize": True,
        # Polar labels get no automatic margin: leave room for a short word each side.
        "margin": {"l": 76, "r": 76, "t": 44, "b": 16},
        "polar": {
            "bgcolor": "#fff",
            "radialaxis": _polar_value_axis(spec.value_axis, len(theta)),
            "angularaxis": {
                "direction": "clockwise",
                "rotation": 90,
                "gridcolor": GRID_COLOUR,
                "linecolor": GRID_COLOUR,
                "tickfont": {"size": 11},
            },
        },
        "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.05, "yanchor": "top"},
    }
    return data, layout


def _polar_value_axis(axis: Axis, spokes: int) -> dict[str, Any]:
    return {
        "range": [axis.minimum, axis.maximum],
        "tickvals": [25, 50, 75, 100],
        # Between the first two spokes, so the scale's numbers do not cover a pillar's line.
        "angle": 90 - 180 / spokes if spokes else 90,
        "gridcolor": GRID_COLOUR,
        "linecolor": GRID_COLOUR,
        "tickfont": {"size": 10, "color": PEER_COLOUR},
    }


def _quartile_figure(spec: ChartSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    categories = [_wrap(c, 16) for c in spec.categories]
    data: list[dict[str, Any]] = []
    for series in spec.series:
        name = _text(series.name)
        if series.lows:
            # A bar from p25 to p75: Plotly bars have a base and a length.
            lengths = [
                None if low is None or high is None else high - low
                for low, high in zip(series.lows, series.highs, strict=True)
            ]
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": name,
                    "y": categories,
                    "x": lengths,
                    "base": list(series.lows),
                    "customdata": [[low, high] for low, high in zip(series.lows, series.highs, strict=True)],
                    "marker": {"color": PEER_RANGE_FILL, "line": {"color": series.colour, "width": 1}},
                    "hovertemplate": "%{y}: %{customdata[0]:.1f}–%{customdata[1]:.1f}<extra>" + name + "</extra>",
                }
            )
            continue
        firm = series.role is Role.FIRM
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "y": categories,
                "x": list(series.values),
                "marker": (
                    {"color": series.colour, "size": 14, "symbol": "diamond", "line": {"color": "#fff", "width": 1}}
                    if firm
                    else {"color": series.colour, "size": 22, "symbol": "line-ns-open", "line": {"width": 3}}
                ),
                "hovertemplate": "%{y}: %{x:.1f}<extra>" + name + "</extra>",
            }
        )
    height = 110 + 46 * len(categories)  # a row per pillar, room for the axis and the legend
    layout = {
        "height": height,
        "margin": {"l": 8, "r": 16, "t": 8, "b": 40},
        "barmode": "overlay",
        "bargap": 0.45,
        "xaxis": _cartesian_value_axis(spec.value_axis),
        "yaxis": {"type": "category", "autorange": "reversed", "automargin": True, "fixedrange": True},
        # Below the axis's numbers whatever the number of rows (y is a fraction of the plot).
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -60 / height, "yanchor": "top"},
    }
    return data, layout


def _percentile_figure(spec: ChartSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    (series,) = spec.series
    name = _text(series.name)
    data = [
        # The grey track shows the whole 0–100 range the firm's bar fills part of.
        {
            "type": "bar",
            "orientation": "h",
            "y": [name],
            "x": [spec.value_axis.maximum],
            "marker": {"color": TRACK_COLOUR},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": [name],
            "x": list(series.values),
            "marker": {"color": series.colour},
            "hovertemplate": "%{x:.0f}<extra>" + name + "</extra>",
            "showlegend": False,
        },
    ]
    layout = {
        "height": 150,
        "margin": {"l": 8, "r": 16, "t": 36, "b": 40},
        "barmode": "overlay",
        "bargap": 0.35,
        "showlegend": False,
        "xaxis": _cartesian_value_axis(spec.value_axis),
        "yaxis": {"showticklabels": False, "fixedrange": True},
        "shapes": [
            {
                "type": "line",
                "x0": ref.value,
                "x1": ref.value,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": PEER_MEDIAN_COLOUR, "width": 2, "dash": "dash"},
            }
            for ref in spec.references
        ],
        "annotations": [
            {
                "text": _text(ref.label),
                "x": ref.value,
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": PEER_MEDIAN_COLOUR},
            }
            for ref in spec.references
        ],
    }
    return data, layout


def _history_figure(spec: ChartSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dates = list(spec.categories)
    data = []
    for index, series in enumerate(spec.series):
        firm = series.role is Role.FIRM
        name = _text(series.name)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": dates,
                "y": list(series.values),
                "connectgaps": False,
                "line": {"color": series.colour, "width": 3 if firm else 1.5, "dash": "solid" if firm else "dot"},
                "marker": {
                    "color": series.colour,
                    "size": 9 if firm else 7,
                    "symbol": "circle" if firm else PILLAR_SYMBOLS[(index - 1) % len(PILLAR_SYMBOLS)],
                },
                "hovertemplate": "%{x|%Y-%m-%d}: %{y:.1f}<extra>" + name + "</extra>",
            }
        )
    layout = {
        "height": 420,
        # Room on the right for half of the last date's label.
        "margin": {"l": 36, "r": 40, "t": 16, "b": 40},
        "hovermode": "closest",
        # Ticks at the assessments' dates only: a sparse history gets no empty months.
        "xaxis": {
            "type": "date",
            "tickvals": dates,
            "tickformat": "%Y-%m-%d",
            "fixedrange": True,
            "gridcolor": GRID_COLOUR,
            "automargin": True,
        },
        # No "0" label: on a phone it runs into the first date's.
        "yaxis": {**_cartesian_value_axis(spec.value_axis), "tickvals": [25, 50, 75, 100]},
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.18, "yanchor": "top"},
    }
    return data, layout


def _distribution_figure(spec: ChartSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    (series,) = spec.series
    name = _text(series.name)
    data = [
        {
            "type": "bar",
            "name": name,
            "x": list(spec.categories),
            "y": list(series.values),
            "marker": {"color": series.colour},
            "hovertemplate": "%{x}: %{y:,.0f}<extra>" + name + "</extra>",
            "showlegend": False,
        }
    ]
    layout = {
        "height": 300,
        "margin": {"l": 48, "r": 8, "t": 16, "b": 56},
        "bargap": 0.15,
        "showlegend": False,
        "xaxis": {"title": {"text": _text(spec.category_axis.title)}, "fixedrange": True, "tickangle": 0},
        # Counts: whole numbers only, from 0 to the fullest band.
        "yaxis": {
            "title": {"text": _text(spec.value_axis.title)},
            "rangemode": "tozero",
            "tickformat": ",d",
            "fixedrange": True,
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
        },
    }
    return data, layout


def _cartesian_value_axis(axis: Axis) -> dict[str, Any]:
    return {
        "range": [axis.minimum, axis.maximum],
        "tickvals": [0, 25, 50, 75, 100],
        "fixedrange": True,
        "gridcolor": GRID_COLOUR,
        "zeroline": False,
    }


# --- Text for Plotly -------------------------------------------------------------------------


def _separators() -> str:
    """Plotly's decimal and thousands separators, so hover numbers match the page's."""
    return f"{formats.get_format('DECIMAL_SEPARATOR')}{formats.get_format('THOUSAND_SEPARATOR')}"


def _text(value: str) -> str:
    """Text for Plotly, which reads a small subset of HTML in labels: escape it as text."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap(value: str, width: int) -> str:
    """A long label on several lines (Plotly's <br>), so it fits a 320 px wide screen."""
    return "<br>".join(textwrap.wrap(_text(value), width, break_long_words=False)) or _text(value)


def _change_figure(spec: ChartSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Horizontal bars from zero: a gain to the right, a loss to the left."""
    (series,) = spec.series
    name = _text(series.name)
    categories = [_wrap(c, 18) for c in reversed(spec.categories)]  # the first row on top; fits a phone
    values = list(reversed(series.values))
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": categories,
            "x": values,
            "marker": {"color": [series.colour if (v or 0) >= 0 else "#b02a37" for v in values]},
            "hovertemplate": "%{y}: %{x:+.1f}<extra>" + name + "</extra>",
            "showlegend": False,
        }
    ]
    layout = {
        "height": 50 + 44 * len(categories),
        "margin": {"l": 8, "r": 16, "t": 8, "b": 50},
        "showlegend": False,
        "yaxis": {"automargin": True, "fixedrange": True},
        "xaxis": {
            "title": {"text": _text(spec.value_axis.title)},
            "fixedrange": True,
            "zeroline": True,
            "zerolinecolor": "#343a40",
            "gridcolor": GRID_COLOUR,
        },
    }
    return data, layout
