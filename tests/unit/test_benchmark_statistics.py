"""Peer figures as pure functions: the group fallback and the disclosure rules (``assessments.disclosure``).

The attacks these rules defeat are played end to end in tests/security/test_singling_out.py.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter

import pytest

from assessments import disclosure
from assessments.benchmarks import narrowest_group
from assessments.disclosure import (
    RELEASED_PERCENTS,
    contributions_digest,
    counted_digest,
    epsilon_per_release,
    is_within,
    ordered_around_median,
    percentile_from_released,
    publishable_groups,
    release_quantiles,
    visible_count,
)


class TestFallback:
    def test_narrowest_group_with_enough_firms(self) -> None:
        counts = [("size_sector_country", 4), ("size_country", 12), ("size", 40), ("all", 300)]
        assert narrowest_group(counts, k=10) == "size_country"
        assert narrowest_group(counts, k=3) == "size_sector_country"
        assert narrowest_group(counts, k=301) is None


class TestReleasedQuantiles:
    def test_whole_points_in_order_within_0_to_100(self) -> None:
        rng = random.Random(1)
        for n in (10, 30, 100):
            values = [rng.uniform(-20, 130) for _ in range(n)]  # out-of-range values are clamped
            released = release_quantiles(values, 1.0)
            assert len(released) == len(RELEASED_PERCENTS)
            assert all(isinstance(v, int) and 0 <= v <= 100 for v in released)
            assert released == sorted(released)

    def test_accurate_on_large_groups_and_noisy_on_small_ones(self) -> None:
        """The expected errors the methodology page states (median, epsilon 1): a few points at 10
        firms, about one at 100."""
        rng = random.Random(2)

        def mean_error(n: int) -> float:
            errors = []
            for _ in range(60):
                values = [min(100.0, max(0.0, rng.gauss(50, 18))) for _ in range(n)]
                errors.append(abs(release_quantiles(values, 1.0)[2] - statistics.median(values)))
            return statistics.mean(errors)

        small, large = mean_error(10), mean_error(100)
        assert large < 2.5
        assert small > large  # the smaller the group, the more its figures are blurred
        assert small < 15

    def test_a_larger_epsilon_is_closer_to_the_exact_figure(self) -> None:
        values = [float(v) for v in range(20, 80, 3)]  # 20 values, median 48.5
        assert abs(release_quantiles(values, 1000.0)[2] - 48.5) <= 1.5

    def test_each_figure_spends_exactly_its_budget(self) -> None:
        for percent in RELEASED_PERCENTS:
            assert disclosure._quantile_mechanism(percent / 100, 0.5).map(1) == pytest.approx(0.5)

    def test_the_order_is_restored_around_the_median_as_drawn(self) -> None:
        assert ordered_around_median({10: 25, 25: 20, 50: 30, 75: 70, 90: 60}) == [20, 20, 30, 70, 70]
        assert ordered_around_median({10: 35, 25: 40, 50: 30, 75: 20, 90: 25}) == [30, 30, 30, 30, 30]
        assert ordered_around_median({10: 5, 25: 20, 50: 30, 75: 70, 90: 95}) == [5, 20, 30, 70, 95]  # in order: kept

    def test_the_budget_of_one_snapshot(self) -> None:
        assert epsilon_per_release(1.0, series=6, groups=4) == 120.0


class TestPercentileFromReleased:
    released = [20, 30, 50, 70, 80]

    def test_interpolated_between_released_points(self) -> None:
        assert percentile_from_released(self.released, 50) == 50.0
        assert percentile_from_released(self.released, 40) == pytest.approx(37.5)
        assert percentile_from_released(self.released, 75) == pytest.approx(82.5)
        assert percentile_from_released(self.released, 25) == pytest.approx(17.5)  # between the two lowest

    def test_outside_the_released_points_the_middle_of_what_is_left(self) -> None:
        assert percentile_from_released(self.released, 5) == 5.0
        assert percentile_from_released(self.released, 95) == 95.0
        assert percentile_from_released(self.released, 20) == 10.0  # on the lowest: its percent
        assert percentile_from_released(self.released, 80) == 90.0  # on the highest

    def test_equal_released_values_take_the_middle_of_the_run(self) -> None:
        assert percentile_from_released([40, 50, 50, 50, 60], 50) == 50.0
        assert percentile_from_released([50, 50, 50, 60, 70], 50) == pytest.approx(30.0)  # p10..p50

    def test_refuses_a_table_of_another_shape(self) -> None:
        with pytest.raises(ValueError, match="expected 5 released quantiles"):
            percentile_from_released(list(range(101)), 50)


class TestGroups:
    sector = ("size_sector_country", "small", "C", "IT")
    country = ("size_country", "small", "", "IT")
    size = ("size", "small", "", "")
    everyone = ("all", "", "", "")

    def test_which_groups_are_inside_which(self) -> None:
        assert is_within(self.sector, self.country) and is_within(self.sector, self.everyone)
        assert is_within(self.country, self.size) and is_within(self.size, self.everyone)
        assert not is_within(self.country, self.sector) and not is_within(self.sector, self.sector)
        assert is_within(("size_country", "small", "", "FR"), self.size)
        assert not is_within(("size_sector_country", "small", "C", "FR"), self.country)
        assert not is_within(("size", "medium", "", ""), ("size", "small", "", ""))

    def test_a_group_that_is_another_plus_fewer_than_k_firms_is_withheld(self) -> None:
        counts = {self.sector: 12, self.country: 13, self.size: 13, self.everyone: 40}
        published = publishable_groups(counts, k=10)
        assert self.sector in published
        assert self.country not in published and self.size not in published  # 1 firm more than the sector
        assert self.everyone in published  # 28 more than the published sector group

    def test_identical_groups_are_both_published(self) -> None:
        counts = {self.sector: 12, self.country: 12, self.size: 12, self.everyone: 12}
        assert publishable_groups(counts, k=10) == set(counts)

    def test_a_wider_group_differing_by_k_or_more_from_every_published_group_inside(self) -> None:
        other_sector = ("size_sector_country", "small", "G", "IT")
        counts = {self.sector: 10, other_sector: 4, self.country: 24}
        assert publishable_groups(counts, k=10) == {self.sector, self.country}
        counts[self.country] = 19  # 9 more than the published sector group
        assert publishable_groups(counts, k=10) == {self.sector}
        counts[self.country] = 20  # exactly K more: enough
        assert publishable_groups(counts, k=10) == {self.sector, self.country}

    def test_nothing_below_k(self) -> None:
        assert publishable_groups({self.sector: 9, self.everyone: 9}, k=10) == set()

    def test_the_viewers_own_firm_does_not_count(self) -> None:
        assert visible_count(10, viewer_contributes=True) == 9
        assert visible_count(10, viewer_contributes=False) == 10


def test_the_digest_names_the_values_not_their_order() -> None:
    assert contributions_digest([1.0, 2.0], epsilon=1.0, k=10) == contributions_digest([2.0, 1.0], epsilon=1.0, k=10)
    assert contributions_digest([1.0, 2.0], epsilon=1.0, k=10) != contributions_digest([1.0, 2.5], epsilon=1.0, k=10)
    assert contributions_digest([1.0], epsilon=1.0, k=10) != contributions_digest([1.0], epsilon=0.5, k=10)


class TestCountedRelease:
    """A group given as counts of values (a national platform's million firms) is released by the
    same mechanism as the values themselves: OpenDP's scores, OpenDP's selection, the same loss."""

    @pytest.mark.parametrize("percent", RELEASED_PERCENTS)
    def test_counted_scores_equal_opendps_scorer(self, percent: int) -> None:
        import opendp.prelude as dp

        domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
        scorer = dp.t.make_quantile_score_candidates(
            domain, dp.symmetric_distance(), list(disclosure.CANDIDATES), percent / 100
        )
        _selection, below_weight, above_weight = disclosure._quantile_selection(percent / 100, 1.0)
        rng = random.Random(percent)
        for n in (1, 2, 7, 60, 3000):
            # Values on candidates, between them, repeated, and out of range (clamped).
            values = [
                rng.choice([rng.uniform(-10, 110), float(rng.randrange(101)), round(rng.uniform(0, 100), 1)])
                for _ in range(n)
            ]
            clamped = [min(100.0, max(0.0, v)) for v in values]
            counted = disclosure.counted_scores(Counter(values), below_weight, above_weight)
            assert counted == scorer(clamped)

    @pytest.mark.parametrize("percent", RELEASED_PERCENTS)
    def test_the_counted_selection_spends_what_opendps_quantile_does(self, percent: int) -> None:
        import opendp.prelude as dp

        domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
        scorer = dp.t.make_quantile_score_candidates(
            domain, dp.symmetric_distance(), list(disclosure.CANDIDATES), percent / 100
        )
        selection, _below, _above = disclosure._quantile_selection(percent / 100, 0.5)
        assert (scorer >> selection).map(1) == pytest.approx(0.5)
        assert disclosure._quantile_mechanism(percent / 100, 0.5).map(1) == pytest.approx(0.5)

    def test_counted_digest_equals_the_digest_of_the_values(self) -> None:
        values = [3.25, 1.0, 3.25, 99.999999, 0.0, 1.0, 1.0]
        assert counted_digest(Counter(values), epsilon=1.0, k=10) == contributions_digest(values, epsilon=1.0, k=10)
        assert counted_digest({1.0: 2}, epsilon=1.0, k=10) != counted_digest({1.0: 3}, epsilon=1.0, k=10)

    def test_a_million_firms_release_like_a_hundred(self) -> None:
        """The median of a million values near 50, each counted rather than listed."""
        counts = Counter({float(v): 10_000 for v in range(40, 61)})  # 210,000 values, median 50
        counts[50.0] += 790_000
        assert disclosure.release_quantiles_counted(counts, 1.0)[2] == 50
