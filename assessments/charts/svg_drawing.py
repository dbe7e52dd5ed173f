"""Drawing primitives for the SVG charts (``svg``): elements, escaped text, paint and markers.

Every string that reaches the SVG passes ``escaped`` or ``element``'s attribute quoting, and
colours pass ``paint``, which accepts only plain colour syntax: the output can carry no markup,
``url()`` or link from content or users.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

from .spec import TEXT_COLOUR, Axis

FONT = "Liberation Sans, DejaVu Sans, sans-serif"  # the PDF's font; widths are estimated for the wider DejaVu
LABEL_SIZE = 11  # category labels, legend, axis titles
LINE_HEIGHT = 1.25  # in font sizes
TICKS = 5  # intervals on a value axis: 0, 20, ..., 100

Attr = str | float | None
Point = tuple[float, float]


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


def marker(symbol: str, x: float, y: float, size: float, colour: str, *, outline: str | None = None) -> str:
    style = paint("fill", colour) | {"data-part": "marker", "data-symbol": symbol}
    if outline:
        style |= paint("stroke", outline) | {"stroke-width": 1.5}
    half = size / 2
    if symbol == "circle" or symbol not in _SHAPES:
        return element("circle", {"cx": x, "cy": y, "r": half} | style)
    outline_points = points((x + dx * half, y + dy * half) for dx, dy in _SHAPES[symbol])
    return element("polygon", {"points": outline_points} | style)


# --- Axes --------------------------------------------------------------------------------------


def is_present(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def axis_range(axis: Axis) -> tuple[float, float]:
    lo = 0.0 if axis.minimum is None else float(axis.minimum)
    hi = 100.0 if axis.maximum is None else float(axis.maximum)
    return (lo, hi) if hi > lo else (0.0, 100.0)


def ticks(lo: float, hi: float) -> list[float]:
    return [lo + k * (hi - lo) / TICKS for k in range(TICKS + 1)]


def fraction(value: float, lo: float, hi: float) -> float:
    """Where ``value`` lies from ``lo`` to ``hi``, 0 to 1: outside values are kept on the chart."""
    return min(1.0, max(0.0, (value - lo) / (hi - lo)))


# --- Numbers, text and elements --------------------------------------------------------------


def number(value: float) -> str:
    """A number for an attribute: at most 2 decimals, no trailing zeros, never "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def points(points: Iterable[Point]) -> str:
    return " ".join(f"{number(x)},{number(y)}" for x, y in points)


_RGBA = re.compile(r"rgba\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d*\.?\d+)\s*\)\Z")
_PLAIN_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\Z|rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)\Z|[a-z]+\Z")


def paint(prop: str, colour: str) -> dict[str, Attr]:
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


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def escaped(text: str) -> str:
    return escape(clean(text))


def element(tag: str, attrs: dict[str, Attr], content: str | None = None) -> str:
    """An element; ``content`` must already be markup (escaped text or elements)."""
    parts = [tag]
    for name, value in attrs.items():
        if value is not None:
            parts.append(f"{name}={quoteattr(clean(value) if isinstance(value, str) else number(value))}")
    opening = " ".join(parts)
    return f"<{opening}/>" if content is None else f"<{opening}>{content}</{tag}>"


def text(
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
        **paint("fill", fill),
        **(extra or {}),
    }
    if len(lines) == 1:
        content = escaped(lines[0])
    else:
        content = "".join(
            element("tspan", {"x": x, "y": y + i * size * LINE_HEIGHT}, escaped(line)) for i, line in enumerate(lines)
        )
    return element("text", attrs, content)


def baseline(centre: float, lines: int, size: float) -> float:
    """The first baseline that centres ``lines`` lines of text on ``centre``."""
    return centre - (lines - 1) * size * LINE_HEIGHT / 2 + 0.36 * size


def text_width(text: str, size: float) -> float:
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


def truncate(text: str, size: float, max_width: float, *, cut: bool = False) -> str:
    """``text`` if it fits in ``max_width`` (and ``cut`` is not asked), else shortened with "…"."""
    text = clean(text)
    if not cut and text_width(text, size) <= max_width:
        return text
    while text and text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def fit_lines(text: str, size: float, max_width: float, max_lines: int) -> list[str]:
    """``text`` wrapped at spaces into at most ``max_lines`` lines of ``max_width``, cut with "…"."""
    words = clean(text).split()
    if not words:
        return [""]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if not current or text_width(candidate, size) <= max_width:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    lines = [truncate(line, size, max_width) for line in lines]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], truncate(lines[max_lines - 1], size, max_width, cut=True)]
    return lines
