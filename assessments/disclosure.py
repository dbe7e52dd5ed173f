"""Disclosure control for published peer figures: pure functions over plain numbers.

Designed against one person who controls up to K - 1 accounts in a peer group and reads every
figure before and after each change (DESIGN, "Benchmarks"; the methodology page says it in
plain words). Four rules, each defeating one way of singling a firm out:

1. **Minimum group (K).** No figure from fewer than K contributors, and the viewer's own firm
   does not count towards K (``visible_count``): K - 1 accounts of one person plus the victim
   never make a group on their own.
2. **Nested groups.** A published group and a published group inside it differ by 0 or by at
   least K contributors (``publishable_groups``): otherwise the difference of their figures
   describes fewer than K firms.
3. **Differential privacy.** Each released quantile is chosen by OpenDP's exponential-mechanism
   quantile (``release_quantiles``) among whole points 0..100, with a privacy loss of
   ``epsilon`` per figure when one firm joins or leaves. Nothing finer than a whole point is
   released, and a figure says little about any one firm, however the other firms were chosen.
4. **No fresh noise for unchanged data.** A group whose contributions did not change keeps its
   released figures (``contributions_digest``): reading the same release every day and averaging
   gains nothing.

OpenDP rather than our own sampler: it samples exactly (no floating-point leak of the kind that
broke naive Laplace samplers) and its privacy maps are checked by its authors.
"""

from __future__ import annotations

import bisect
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from itertools import accumulate

import opendp.prelude as dp

dp.enable_features("contrib")

# The quantiles released per group and score, in percent. The quartiles are what the pages show;
# the deciles place a firm within its group ("your percentile") without releasing more.
RELEASED_PERCENTS: tuple[int, ...] = (10, 25, 50, 75, 90)
# Candidate values of a released quantile: whole points, the finest the site ever shows.
CANDIDATES: tuple[float, ...] = tuple(float(point) for point in range(101))


def _private_quantile(alpha: float, scale: float) -> dp.Measurement:
    domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
    return dp.m.make_private_quantile(
        domain, dp.symmetric_distance(), dp.max_divergence(), candidates=list(CANDIDATES), alpha=alpha, scale=scale
    )


@cache
def _quantile_scale(alpha: float, epsilon: float) -> float:
    """The noise scale at which the private quantile at ``alpha`` loses ``epsilon`` when one firm
    joins or leaves the group (symmetric distance 1): the loss is proportional to 1 / scale, so it
    is measured at scale 1, then scaled to the target."""
    return _private_quantile(alpha, 1.0).map(1) / epsilon


@cache
def _quantile_mechanism(alpha: float, epsilon: float) -> dp.Measurement:
    """OpenDP's private quantile at ``alpha`` whose privacy loss is ``epsilon``."""
    measurement = _private_quantile(alpha, _quantile_scale(alpha, epsilon))
    if measurement.map(1) > epsilon * (1 + 1e-9):
        raise AssertionError("the quantile mechanism spends more than its budget")
    return measurement


@cache
def _quantile_selection(alpha: float, epsilon: float) -> tuple[dp.Measurement, int, int]:
    """The same private quantile as ``_quantile_mechanism``, split in two so a group can be given
    as counts of values (``release_quantiles_counted``): OpenDP's noisy-max selection over the
    candidates' scores, with the scorer's two weights.

    OpenDP scores a candidate ``c`` as ``|below_weight * #(x < c) - above_weight * #(x > c)|``
    (``make_quantile_score_candidates``; alpha as a fraction num/den: below_weight = den - num,
    above_weight = num). The weights are read from OpenDP's own scorer, the selection is OpenDP's,
    at the scale ``_quantile_mechanism`` uses (its loss is checked on the chain scorer >> selection,
    which is what ``make_private_quantile`` builds).
    tests/unit/test_benchmark_statistics.py holds the counted scores equal to OpenDP's scorer.
    """
    domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
    scorer = dp.t.make_quantile_score_candidates(domain, dp.symmetric_distance(), list(CANDIDATES), alpha)
    probe = scorer([0.5])  # one value between the first two candidates
    above_weight, below_weight = probe[0], probe[1]
    # OpenDP's private quantile draws on scores in units of 1/den (den = the two weights' sum).
    scale = _quantile_scale(alpha, epsilon) * (below_weight + above_weight)
    selection = dp.m.make_noisy_max(scorer.output_domain, scorer.output_metric, dp.max_divergence(), scale, negate=True)
    if (scorer >> selection).map(1) > epsilon * (1 + 1e-9):
        raise AssertionError("the quantile selection spends more than its budget")
    return selection, below_weight, above_weight


def below_and_above(counts: Mapping[float, int]) -> list[tuple[int, int]]:
    """For each candidate, how many values (clamped to 0..100) lie below it and above it."""
    clamped: dict[float, int] = defaultdict(int)
    for value, count in counts.items():
        clamped[min(100.0, max(0.0, float(value)))] += count
    values = sorted(clamped)
    at_most = list(accumulate(clamped[v] for v in values))  # at_most[i]: values <= values[i]
    total = at_most[-1] if at_most else 0
    pairs = []
    for candidate in CANDIDATES:
        lower = bisect.bisect_left(values, candidate)
        upper = bisect.bisect_right(values, candidate)
        pairs.append((at_most[lower - 1] if lower else 0, total - (at_most[upper - 1] if upper else 0)))
    return pairs


def counted_scores(counts: Mapping[float, int], below_weight: int, above_weight: int) -> list[int]:
    """OpenDP's quantile scores of every candidate, from counts of values (clamped to 0..100)
    instead of the values themselves: the same integers, in time independent of the group's size."""
    return [abs(below_weight * below - above_weight * above) for below, above in below_and_above(counts)]


def release_quantiles_counted(counts: Mapping[float, int], epsilon: float) -> list[int]:
    """``release_quantiles`` of a group given as value -> number of firms with that value.

    The same mechanism, the same privacy loss; what changes is the work: a group of a million
    firms costs what a group of a hundred does (a national platform's snapshot in seconds, not
    minutes), since the scores are computed from the counts and only the selection is drawn.
    """
    pairs = below_and_above(counts)
    drawn = {}
    for percent in RELEASED_PERCENTS:
        selection, below_weight, above_weight = _quantile_selection(percent / 100, epsilon)
        scores = [abs(below_weight * below - above_weight * above) for below, above in pairs]
        drawn[percent] = round(CANDIDATES[selection(scores)])
    return ordered_around_median(drawn)


def release_quantiles(values: Sequence[float], epsilon: float) -> list[int]:
    """The RELEASED_PERCENTS quantiles of ``values``, each released with privacy loss ``epsilon``,
    as whole points in increasing order.

    Each is drawn on its own; noise can leave them out of order, and the order is restored around
    the median (post-processing, which costs no privacy): the median stays as drawn, and each
    quantile further out is moved no further in than its inner neighbour. Sorting all five
    instead would pull the median towards the others and let them say more about it.
    """
    return release_quantiles_counted(Counter(values), epsilon)


def ordered_around_median(drawn: Mapping[int, int]) -> list[int]:
    """Released quantiles (percent -> value) put in order, the median as drawn: going outwards,
    each is moved no further in than its inner neighbour."""
    ordered = dict(drawn)
    below = sorted((p for p in RELEASED_PERCENTS if p < 50), reverse=True)  # 25, then 10
    above = sorted(p for p in RELEASED_PERCENTS if p > 50)  # 75, then 90
    for inner, outer in zip([50, *below], below, strict=False):
        ordered[outer] = min(drawn[outer], ordered[inner])
    for inner, outer in zip([50, *above], above, strict=False):
        ordered[outer] = max(drawn[outer], ordered[inner])
    return [int(ordered[percent]) for percent in RELEASED_PERCENTS]


def epsilon_per_release(epsilon: float, series: int, groups: int) -> float:
    """The most one firm's data can lose in one snapshot, by basic composition: each released
    figure spends ``epsilon``; a firm sits in ``groups`` nested groups with ``series`` scores."""
    return epsilon * len(RELEASED_PERCENTS) * series * groups


def percentile_from_released(released: Sequence[float], score: float) -> float:
    """Where ``score`` falls in a group described by its released quantiles, in percent.

    Interpolated between the released points; below the lowest it is half of that percent, above
    the highest half-way to 100 (the released figures say no more). On a run of equal released
    values the middle of the run is taken.
    """
    if len(released) != len(RELEASED_PERCENTS):
        raise ValueError(f"expected {len(RELEASED_PERCENTS)} released quantiles")
    percents = RELEASED_PERCENTS
    if score < released[0]:
        return percents[0] / 2
    if score > released[-1]:
        return (percents[-1] + 100) / 2
    low = bisect.bisect_left(released, score)
    high = bisect.bisect_right(released, score)
    if high > low:  # score equals one or more released values
        return (percents[low] + percents[high - 1]) / 2
    span = released[low] - released[low - 1]
    share = (score - released[low - 1]) / span
    return percents[low - 1] + share * (percents[low] - percents[low - 1])


def visible_count(n: int, *, viewer_contributes: bool) -> int:
    """The contributors a viewer's group counts for K: the viewer's own firm does not count."""
    return n - 1 if viewer_contributes else n


# A group: its scope and the profile values that define it, e.g.
# ("size_country", "small", "", "FR"); "" where the scope does not look at that field.
GroupKey = tuple[str, str, str, str]


def is_within(inner: GroupKey, outer: GroupKey) -> bool:
    """``inner`` is a strictly narrower group than ``outer`` and holds only firms of ``outer``."""
    if inner == outer:
        return False
    fixed_outer = [value for value in outer[1:] if value]
    fixed_inner = [value for value in inner[1:] if value]
    if len(fixed_inner) <= len(fixed_outer):
        return False
    return all(not o or o == i for o, i in zip(outer[1:], inner[1:], strict=True))


def publishable_groups(counts: Mapping[GroupKey, int], k: int) -> set[GroupKey]:
    """The groups whose figures may be published.

    Narrowest first, a group is published when it has at least ``k`` contributors and differs from
    every published group inside it by 0 or by at least ``k`` contributors. A wider group that fails
    is withheld (its members fall back to a still wider group, which is checked the same way), so
    no two published figures can be subtracted to describe fewer than ``k`` firms.
    """
    published: set[GroupKey] = set()
    by_narrowness = sorted(counts, key=lambda key: -sum(1 for value in key[1:] if value))
    for group in by_narrowness:
        n = counts[group]
        if n < k:
            continue
        inside = [other for other in published if is_within(other, group)]
        if all(n - counts[other] == 0 or n - counts[other] >= k for other in inside):
            published.add(group)
    return published


def counted_digest(counts: Mapping[float, int], *, epsilon: float, k: int) -> str:
    """``contributions_digest`` of a group given as value -> count: the same digest, hashed in runs
    of equal values rather than one formatted value at a time."""
    digest = hashlib.sha256(f"{epsilon}|{k}|".encode())
    separator = ""
    for value in sorted(counts):
        if counts[value] <= 0:
            continue
        text = f"{value:.6f}"
        digest.update((separator + text + ("," + text) * (counts[value] - 1)).encode())
        separator = ","
    return digest.hexdigest()


def contributions_digest(values: Iterable[float], *, epsilon: float, k: int) -> str:
    """Names a group's contributions and the rules they were released under: equal digests, the
    previous release stands (no fresh noise to average away)."""
    text = ",".join(f"{value:.6f}" for value in sorted(values))
    return hashlib.sha256(f"{epsilon}|{k}|{text}".encode()).hexdigest()
