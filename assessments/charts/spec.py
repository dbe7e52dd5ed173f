"""Chart specifications: plain data in, one renderer-neutral description of each chart out.

A results chart is drawn twice: by Plotly in the browser and, later, as static SVG in the PDF
(no browser there). Both must show the same numbers with the same words, so everything a
renderer needs — categories, series, axes, colours, the text alternative and the data table —
is decided here once, in ``ChartSpec``; ``plotly_figures.plotly_figure`` and ``svg.svg_chart``
are only translations of it.

Pure like ``benchmarks``: no models, no request, no database. The inputs are described by
protocol, so the selectors' ``PeerRow`` can be passed as it is; tests, the PDF and the history
use the plain ``PillarFigures`` and ``ScoresOnDate``.

A missing figure (no score, fewer than K peers) is ``None`` all the way through: a gap in the
chart and "no score"/"not shown" in the table, never a 0 that would read as a real score.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

from django.utils import formats
from django.utils.translation import gettext as _

# The site's brand colour (app.css --brand) is the firm; peers are grey.
FIRM_COLOUR = "#0b4f6c"
FIRM_FILL = "rgba(11, 79, 108, 0.15)"
PEER_COLOUR = "#6c757d"
PEER_MEDIAN_COLOUR = "#343a40"
PEER_RANGE_FILL = "rgba(108, 117, 125, 0.3)"
TRACK_COLOUR = "#e9ecef"
GRID_COLOUR = "#dee2e6"
TEXT_COLOUR = "#212529"
# Pillar lines in the history chart: each at least 3:1 against white (WCAG 1.4.11) and told
# apart by marker shape too, so colour is never the only cue (WCAG 1.4.1).
PILLAR_COLOURS = ("#b45309", "#1d6b3a", "#6d28d9", "#b3261e", "#6b6b00", "#be185d", "#0369a1", "#57534e")
PILLAR_SYMBOLS = ("square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down", "pentagon")
# Bootstrap's font stack: the page's own font, no web font to download.

SCORE_DECIMALS = 1  # as the results page shows scores (floatformat:1)
# Peer figures are released as whole points (assessments.disclosure) and shown as such.
PEER_DECIMALS = 0
PERCENTILE_DECIMALS = 0
SAFE_ID = re.compile(r"[a-z][a-z0-9-]*\Z")


class ScoreWithPeers(Protocol):
    """A pillar (or "overall"), the firm's score and the peer quartiles; ``PeerRow`` fits.

    ``None`` where there is no figure: no score, or fewer than K peers.
    """

    @property
    def code(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def score(self) -> float | None: ...
    @property
    def p25(self) -> float | None: ...
    @property
    def median(self) -> float | None: ...
    @property
    def p75(self) -> float | None: ...


@dataclass(frozen=True)
class PillarFigures:
    """Plain-data ``ScoreWithPeers`` for callers without a ``PeerRow`` (tests, the PDF)."""

    code: str
    title: str
    score: float | None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None


@dataclass(frozen=True)
class ScoresOnDate:
    """One submitted assessment in the history: its date (ISO, the user's day) and scores."""

    on: str  # "2026-03-14"
    overall: float | None
    pillars: Mapping[str, float | None] = field(default_factory=dict)  # pillar code -> score

    def __post_init__(self) -> None:
        date.fromisoformat(self.on)  # a malformed date fails here, not in the browser


class ChartKind(StrEnum):
    RADAR = "radar"
    QUARTILES = "quartiles"
    PERCENTILE = "percentile"
    HISTORY = "history"
    DISTRIBUTION = "distribution"
    CHANGE = "change"


class Role(StrEnum):
    """Who a series stands for; renderers style by it (the firm stands out, peers recede)."""

    FIRM = "firm"
    PEERS = "peers"
    PILLAR = "pillar"
    COHORT = "cohort"  # an agency's clients, counted


@dataclass(frozen=True)
class Series:
    key: str  # stable: "firm", "peer_median", "peer_middle_half", "overall" or a pillar code
    name: str  # legend text
    role: Role
    colour: str
    values: tuple[float | None, ...]  # one per category; None is a gap
    # Ranges (the middle half of peers): from lows to highs, one pair per category.
    lows: tuple[float | None, ...] = ()
    highs: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class Axis:
    title: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class ReferenceLine:
    """A fixed mark on the value axis, such as 50 = the middle of the peer group."""

    value: float
    label: str


@dataclass(frozen=True)
class TableCell:
    value: float | None  # exactly the input
    text: str  # as shown: rounded and localised, or words for a missing figure


@dataclass(frozen=True)
class TableRow:
    title: str
    cells: tuple[TableCell, ...]


@dataclass(frozen=True)
class ChartTable:
    """The chart's numbers as a table: the text alternative a sighted keyboard user can scan."""

    caption: str
    row_header: str  # heading of the first column (the row titles)
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class ChartSpec:
    id: str  # HTML id of the chart container; unique on the page
    kind: ChartKind
    title: str
    description: str  # the text alternative, in words, with every number
    categories: tuple[str, ...]  # pillar titles, or ISO dates for the history
    series: tuple[Series, ...]
    category_axis: Axis
    value_axis: Axis
    table: ChartTable
    references: tuple[ReferenceLine, ...] = ()

    def __post_init__(self) -> None:
        if not SAFE_ID.match(self.id):
            raise ValueError(f"chart id {self.id!r} is not a plain lower-case HTML id")
        for series in self.series:
            lengths = {len(series.values), *((len(series.lows), len(series.highs)) if series.lows else ())}
            if lengths != {len(self.categories)}:
                raise ValueError(f"series {series.key!r} does not have one value per category")

    @property
    def data_id(self) -> str:
        """The id of the ``json_script`` element holding the figure."""
        return f"{self.id}-data"

    @property
    def is_empty(self) -> bool:
        return all(v is None for s in self.series for v in (*s.values, *s.lows, *s.highs))


def radar_chart(pillars: Sequence[ScoreWithPeers], peer_label: str, *, chart_id: str = "chart-radar") -> ChartSpec:
    """The firm's pillar scores against the peer median, all pillars at a glance (0–100).

    Pass the pillars only (not the "overall" row of a ``PeerComparison``). A pillar without a
    score, or with fewer than K peers, is a gap in its line.

    >>> spec = radar_chart(
    ...     [
    ...         PillarFigures("skills", "Digital skills", 44.0, median=51.0),
    ...         PillarFigures("data", "Data", None, median=48.0),
    ...     ],
    ...     peer_label="Small firms in Italy",
    ... )
    >>> print(spec.description)  # doctest: +NORMALIZE_WHITESPACE
    Your scores compared with the peer median of Small firms in Italy:
    Digital skills 44.0 (peers 51); Data no score (peers 48).
    >>> [(s.key, s.values) for s in spec.series]
    [('peer_median', (51.0, 48.0)), ('firm', (44.0, None))]
    """
    parts = [
        _("%(pillar)s %(score)s (peers %(median)s)")
        % {"pillar": p.title, "score": _score_words(p.score), "median": _peer_words(p.median)}
        for p in pillars
    ]
    return _radar(
        pillars,
        chart_id=chart_id,
        title=_("Your pillar scores and the peer median"),
        description=_("Your scores compared with the peer median of %(group)s: %(scores)s.")
        % {"group": peer_label, "scores": "; ".join(parts)},
        names=(_("You"), _("Peer median")),
        caption=_("Your pillar scores and the median of %(group)s") % {"group": peer_label},
    )


def _radar(
    pillars: Sequence[ScoreWithPeers],
    *,
    chart_id: str,
    title: str,
    description: str,
    names: tuple[str, str],
    caption: str,
) -> ChartSpec:
    """A radar of ``score`` (the firm's role) against ``median`` (the peers'), in the caller's words."""
    own, peers = names
    return ChartSpec(
        id=chart_id,
        kind=ChartKind.RADAR,
        title=title,
        description=description,
        categories=tuple(p.title for p in pillars),
        series=(
            Series("peer_median", peers, Role.PEERS, PEER_COLOUR, tuple(p.median for p in pillars)),
            Series("firm", own, Role.FIRM, FIRM_COLOUR, tuple(p.score for p in pillars)),
        ),
        category_axis=Axis(_("Pillar")),
        value_axis=Axis(_("Score"), 0, 100),
        table=ChartTable(
            caption=caption,
            row_header=_("Pillar"),
            columns=(own, peers),
            rows=tuple(TableRow(p.title, (_score_cell(p.score), _peer_cell(p.median, PEER_DECIMALS))) for p in pillars),
        ),
    )


def cohort_radar_chart(pillars: Sequence[ScoreWithPeers], *, chart_id: str = "chart-cohort") -> ChartSpec:
    """An agency's clients (average pillar score, as ``score``) against all firms' median.

    Same drawing as ``radar_chart``, in the agency's words. A pillar no client has a score for,
    or where the platform's median is not shown (fewer than K firms), is a gap.

    >>> spec = cohort_radar_chart([PillarFigures("skills", "Digital skills", 44.0, median=51.0)])
    >>> spec.description
    'Your clients’ average scores and the median of all firms: Digital skills 44.0 (all firms 51).'
    """
    parts = [
        _("%(pillar)s %(score)s (all firms %(median)s)")
        % {"pillar": p.title, "score": _score_words(p.score), "median": _peer_words(p.median)}
        for p in pillars
    ]
    return _radar(
        pillars,
        chart_id=chart_id,
        title=_("Your clients and all firms, by pillar"),
        description=_("Your clients’ average scores and the median of all firms: %(scores)s.")
        % {"scores": "; ".join(parts)},
        names=(_("Your clients (average)"), _("All firms (median)")),
        caption=_("Your clients’ average pillar scores and the median of all firms"),
    )


def quartile_chart(rows: Sequence[ScoreWithPeers], *, chart_id: str = "chart-quartiles") -> ChartSpec:
    """Per pillar (and overall, if passed), the firm's score against the middle half of its peers.

    Feed it ``PeerComparison.rows`` as they are; where fewer than K peers have a score the
    peer range is left out (and so is the firm's mark if it has no score).

    >>> spec = quartile_chart([PillarFigures("overall", "Overall", 55.0, 40.0, 50.0, 63.0)])
    >>> spec.description
    'Your scores and the middle half of your peers: Overall: you 55.0; peers 40 to 63, median 50.'
    >>> [cell.text for cell in spec.table.rows[0].cells]
    ['55.0', '40', '50', '63']
    """
    parts = []
    for row in rows:
        if row.p25 is None or row.median is None or row.p75 is None:
            peers = _("peers not shown (too few)")
        else:
            peers = _("peers %(p25)s to %(p75)s, median %(median)s") % {
                "p25": _number(row.p25, PEER_DECIMALS),
                "p75": _number(row.p75, PEER_DECIMALS),
                "median": _number(row.median, PEER_DECIMALS),
            }
        parts.append(
            _("%(pillar)s: you %(score)s; %(peers)s")
            % {"pillar": row.title, "score": _score_words(row.score), "peers": peers}
        )
    return ChartSpec(
        id=chart_id,
        kind=ChartKind.QUARTILES,
        title=_("Where you stand among your peers"),
        description=_("Your scores and the middle half of your peers: %(rows)s.") % {"rows": ". ".join(parts)},
        categories=tuple(row.title for row in rows),
        series=(
            Series(
                "peer_middle_half",
                _("Middle half of peers"),
                Role.PEERS,
                PEER_COLOUR,
                values=tuple(row.median for row in rows),
                lows=tuple(row.p25 for row in rows),
                highs=tuple(row.p75 for row in rows),
            ),
            Series("peer_median", _("Peer median"), Role.PEERS, PEER_MEDIAN_COLOUR, tuple(row.median for row in rows)),
            Series("firm", _("You"), Role.FIRM, FIRM_COLOUR, tuple(row.score for row in rows)),
        ),
        category_axis=Axis(_("Pillar")),
        value_axis=Axis(_("Score"), 0, 100),
        table=ChartTable(
            caption=_("Your scores against the quartiles of your peer group"),
            row_header=_("Pillar"),
            columns=(_("You"), _("Lower quartile"), _("Peer median"), _("Upper quartile")),
            rows=tuple(
                TableRow(
                    row.title,
                    (
                        _score_cell(row.score),
                        _peer_cell(row.p25, PEER_DECIMALS),
                        _peer_cell(row.median, PEER_DECIMALS),
                        _peer_cell(row.p75, PEER_DECIMALS),
                    ),
                )
                for row in rows
            ),
        ),
    )


def percentile_chart(percentile: float | None, label: str, *, chart_id: str = "chart-percentile") -> ChartSpec:
    """The overall score's percentile in the peer group ``label``, on a 0–100 bar.

    ``percentile`` is ``PeerRow.percentile`` of the "overall" row; ``None`` (too few peers)
    gives an empty bar and says so.

    >>> spec = percentile_chart(62.0, "Small firms in Italy")
    >>> spec.description
    'Your overall percentile among Small firms in Italy: 62 of 100. 50 is the middle of the group.'
    >>> spec.series[0].values, spec.references[0].value
    ((62.0,), 50.0)
    """
    title = _("Your overall percentile")
    if percentile is None:
        description = _("Your overall percentile among %(group)s: not shown, too few peers have a score.") % {
            "group": label
        }
    else:
        description = _(
            "Your overall percentile among %(group)s: %(percentile)s of 100. 50 is the middle of the group."
        ) % {
            "group": label,
            "percentile": _number(percentile, PERCENTILE_DECIMALS),
        }
    return ChartSpec(
        id=chart_id,
        kind=ChartKind.PERCENTILE,
        title=title,
        description=description,
        categories=(title,),
        series=(Series("firm", title, Role.FIRM, FIRM_COLOUR, (percentile,)),),
        category_axis=Axis(""),
        value_axis=Axis(_("Percentile"), 0, 100),
        table=ChartTable(
            caption=_("Your overall percentile among %(group)s") % {"group": label},
            row_header=_("Score"),
            columns=(_("Percentile"),),
            rows=(TableRow(_("Overall"), (_peer_cell(percentile, PERCENTILE_DECIMALS),)),),
        ),
        references=(ReferenceLine(50.0, _("Middle of the group")),),
    )


def history_chart(
    points: Sequence[ScoresOnDate], pillars: Sequence[tuple[str, str]] = (), *, chart_id: str = "chart-history"
) -> ChartSpec:
    """Overall and pillar scores over time, one point per submitted assessment.

    ``pillars`` are the (code, title) pairs to draw besides the overall score, in their order
    (the current version's pillars); a pillar an assessment has no score for is a gap.
    Points are drawn in date order whatever order they come in.

    >>> spec = history_chart(
    ...     [ScoresOnDate("2026-03-14", 55.0, {"skills": 60.0}), ScoresOnDate("2025-03-01", 48.0, {"skills": None})],
    ...     pillars=[("skills", "Digital skills")],
    ... )
    >>> spec.categories
    ('2025-03-01', '2026-03-14')
    >>> [(s.key, s.values) for s in spec.series]
    [('overall', (48.0, 55.0)), ('skills', (None, 60.0))]
    >>> print(spec.description)  # doctest: +NORMALIZE_WHITESPACE
    Your scores over time. Overall: March 1, 2025 48.0, March 14, 2026 55.0.
    Digital skills: March 1, 2025 no score, March 14, 2026 60.0.
    """
    ordered = sorted(points, key=lambda p: p.on)
    dates = tuple(p.on for p in ordered)
    shown = tuple(formats.date_format(date.fromisoformat(d), "DATE_FORMAT") for d in dates)
    series = [Series("overall", _("Overall"), Role.FIRM, FIRM_COLOUR, tuple(p.overall for p in ordered))]
    for index, (code, title) in enumerate(pillars):
        colour = PILLAR_COLOURS[index % len(PILLAR_COLOURS)]
        series.append(Series(code, title, Role.PILLAR, colour, tuple(p.pillars.get(code) for p in ordered)))
    parts = [
        _("%(series)s: %(points)s")
        % {
            "series": s.name,
            "points": ", ".join(f"{when} {_score_words(v)}" for when, v in zip(shown, s.values, strict=True)),
        }
        for s in series
    ]
    return ChartSpec(
        id=chart_id,
        kind=ChartKind.HISTORY,
        title=_("Your scores over time"),
        description=_("Your scores over time. %(series)s.") % {"series": ". ".join(parts)},
        categories=dates,
        series=tuple(series),
        category_axis=Axis(_("Submitted")),
        value_axis=Axis(_("Score"), 0, 100),
        table=ChartTable(
            caption=_("Your overall and pillar scores at each submitted assessment"),
            row_header=_("Submitted"),
            columns=tuple(s.name for s in series),
            rows=tuple(TableRow(when, tuple(_score_cell(s.values[i]) for s in series)) for i, when in enumerate(shown)),
        ),
    )


def score_distribution_chart(bands: Sequence[tuple[int, int]], *, chart_id: str = "chart-distribution") -> ChartSpec:
    """How many clients have an overall score in each band of ten points (the top band holds 100).

    ``bands`` are (lower bound, clients) pairs, as ``agencies.selectors.Dashboard.score_buckets``.

    >>> spec = score_distribution_chart([(0, 1), (10, 0), (90, 3)])
    >>> spec.categories
    ('0–10', '10–20', '90–100')
    >>> spec.description
    'Clients by overall score: 0–10: 1, 10–20: 0, 90–100: 3.'
    """
    labels = tuple(f"{low}–{low + 10}" for low, _count in bands)
    counts = tuple(float(count) for _low, count in bands)
    title = _("Clients by overall score")
    return ChartSpec(
        id=chart_id,
        kind=ChartKind.DISTRIBUTION,
        title=title,
        description=_("Clients by overall score: %(bands)s.")
        % {"bands": ", ".join(f"{label}: {count}" for label, (_low, count) in zip(labels, bands, strict=True))},
        categories=labels,
        series=(Series("clients", _("Clients"), Role.COHORT, FIRM_COLOUR, counts),),
        category_axis=Axis(_("Overall score")),
        value_axis=Axis(_("Clients"), 0, None),
        table=ChartTable(
            caption=_("Number of clients in each band of ten points of overall score"),
            row_header=_("Overall score"),
            columns=(_("Clients"),),
            rows=tuple(
                TableRow(label, (TableCell(count, formats.number_format(count)),))
                for label, (_low, count) in zip(labels, bands, strict=True)
            ),
        ),
    )


def median_change_chart(rows: Sequence[tuple[str, float | None, int]], *, title: str, chart_id: str) -> ChartSpec:
    """The median change from T0 to T1, in points, per row (a pillar or DMA dimension).

    ``rows`` are (title, median change or None, clients counted).

    >>> spec = median_change_chart([("Skills", 4.5, 3), ("Data", None, 0)], title="Pillars", chart_id="chart-x")
    >>> spec.description
    'Pillars: median change from T0 to T1: Skills: +4.5 points (3 clients), Data: no figure.'
    """
    values = tuple(median for _title, median, _n in rows)

    def words(median: float | None, counted: int) -> str:
        if median is None:
            return _("no figure")
        return _("%(change)s points (%(n)s clients)") % {"change": _signed(median), "n": counted}

    return ChartSpec(
        id=chart_id,
        kind=ChartKind.CHANGE,
        title=title,
        description=_("%(title)s: median change from T0 to T1: %(rows)s.")
        % {"title": title, "rows": ", ".join(f"{name}: {words(m, n)}" for name, m, n in rows)},
        categories=tuple(name for name, _m, _n in rows),
        series=(Series("change", _("Median change"), Role.COHORT, FIRM_COLOUR, values),),
        category_axis=Axis(""),
        value_axis=Axis(_("Points, T1 minus T0")),
        table=ChartTable(
            caption=_("Median change from T0 to T1, in points, and the clients counted"),
            row_header=title,
            columns=(_("Median change"), _("Clients")),
            rows=tuple(
                TableRow(
                    name,
                    (
                        TableCell(median, _signed(median) if median is not None else "—"),
                        TableCell(float(n), formats.number_format(n)),
                    ),
                )
                for name, median, n in rows
            ),
        ),
    )


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + formats.number_format(value, 1)


# --- Words and numbers ---------------------------------------------------------------------


def _number(value: float, decimals: int) -> str:
    """Rounded half up like the template filter floatformat, in the active locale."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimal_pos=decimals)


def _score_words(score: float | None) -> str:
    return _("no score") if score is None else _number(score, SCORE_DECIMALS)


def _peer_words(value: float | None) -> str:
    return _("not shown") if value is None else _number(value, PEER_DECIMALS)


def _score_cell(score: float | None) -> TableCell:
    return TableCell(score, _score_words(score))


def _peer_cell(value: float | None, decimals: int) -> TableCell:
    return TableCell(value, _("not shown") if value is None else _number(value, decimals))
