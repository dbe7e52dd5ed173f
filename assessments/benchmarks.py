"""Peer benchmark statistics: pure functions over plain numbers (no database, no request).

Quantiles use linear interpolation between order statistics (Hyndman & Fan type 7, the
default of R, NumPy and spreadsheets), so the figures can be checked by hand. A firm's
percentile is its mid-rank: the share of peers below it plus half of those level with it.

No figure is ever computed from fewer than ``k`` values (``BENCHMARK_MIN_GROUP``): with
small groups a median or a quartile is an individual firm's score.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

# The peer groups, narrowest first; each names the profile fields that must match.
PEER_SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("size_sector_country", ("size_class", "sector", "country")),
    ("size_country", ("size_class", "country")),
    ("size", ("size_class",)),
    ("all", ()),
)
# Stored quantiles per group: every percent, enough to place any firm to within a point.
QUANTILE_STEPS = 100


class TooFewValues(ValueError):
    """Fewer values than the minimum group size: nothing may be computed or shown."""


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0 <= q <= 1) of already sorted values, linearly interpolated."""
    if not sorted_values:
        raise TooFewValues("no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q={q} outside [0, 1]")
    position = q * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    fraction = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * fraction


def quantile_table(values: Sequence[float], k: int) -> list[float]:
    """The 0th..100th percentiles of ``values``; refuses groups smaller than ``k``."""
    if len(values) < k or not values:
        raise TooFewValues(f"{len(values)} values, fewer than the minimum of {k}")
    ordered = sorted(values)
    return [quantile(ordered, step / QUANTILE_STEPS) for step in range(QUANTILE_STEPS + 1)]


def percentile_rank(sorted_values: Sequence[float], value: float) -> float:
    """Mid-rank percentile of ``value`` among sorted values, in [0, 100]."""
    if not sorted_values:
        raise TooFewValues("no values")
    below = bisect.bisect_left(sorted_values, value)
    level = bisect.bisect_right(sorted_values, value) - below
    return 100.0 * (below + level / 2) / len(sorted_values)


def percentile_from_table(table: Sequence[float], value: float) -> float:
    """Where ``value`` falls in a group described by its percentile table, in [0, 100].

    Between two stored percentiles the position is interpolated; within a run of equal
    percentiles (many firms on the same score) the middle of the run is taken, as a mid-rank.
    """
    if len(table) != QUANTILE_STEPS + 1:
        raise ValueError("a percentile table has 101 entries")
    if value < table[0]:
        return 0.0
    if value > table[-1]:
        return 100.0
    low = bisect.bisect_left(table, value)
    high = bisect.bisect_right(table, value)
    if high > low:  # value equals one or more stored percentiles
        return float(low + high - 1) / 2 * (100 / QUANTILE_STEPS)
    # table[low - 1] < value < table[low]
    span = table[low] - table[low - 1]
    return (low - 1 + (value - table[low - 1]) / span) * (100 / QUANTILE_STEPS)


@dataclass(frozen=True)
class Quartiles:
    n: int
    p25: float
    median: float
    p75: float


def quartiles_from_table(table: Sequence[float], n: int, k: int) -> Quartiles:
    if n < k:
        raise TooFewValues(f"{n} firms, fewer than the minimum of {k}")
    step = QUANTILE_STEPS // 4
    return Quartiles(n=n, p25=table[step], median=table[2 * step], p75=table[3 * step])


def narrowest_group(counts: Sequence[tuple[str, int]], k: int) -> str | None:
    """The first scope (narrowest first) with at least ``k`` firms, or None if none has."""
    for scope, n in counts:
        if n >= k:
            return scope
    return None
