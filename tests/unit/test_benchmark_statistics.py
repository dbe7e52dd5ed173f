"""Peer statistics as pure functions: quantiles, percentiles, the group fallback, suppression."""

from __future__ import annotations

import pytest

from assessments.benchmarks import (
    TooFewValues,
    narrowest_group,
    percentile_from_table,
    percentile_rank,
    quantile,
    quantile_table,
    quartiles_from_table,
)


class TestQuantile:
    def test_interpolates_between_order_statistics(self) -> None:
        values = [10.0, 20.0, 30.0, 40.0]
        assert quantile(values, 0.0) == 10.0
        assert quantile(values, 1.0) == 40.0
        assert quantile(values, 0.5) == 25.0  # between 20 and 30
        assert quantile(values, 0.25) == pytest.approx(17.5)  # position 0.75
        assert quantile(values, 0.9) == pytest.approx(37.0)  # position 2.7: up towards the top value

    def test_matches_the_usual_definition_on_an_odd_group(self) -> None:
        values = sorted([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0])
        # NumPy's default (linear): median 4.0, quartiles 2.5 and 5.0
        assert quantile(values, 0.5) == 4.0
        assert quantile(values, 0.25) == 2.5
        assert quantile(values, 0.75) == 5.0

    def test_refuses_nonsense(self) -> None:
        with pytest.raises(TooFewValues, match=r"^no values$"):
            quantile([], 0.5)
        with pytest.raises(ValueError, match=r"^q=1\.5 outside \[0, 1\]$"):
            quantile([1.0], 1.5)


class TestSuppression:
    def test_no_table_from_fewer_than_k(self) -> None:
        with pytest.raises(TooFewValues, match=r"^9 values, fewer than the minimum of 10$"):
            quantile_table([50.0] * 9, k=10)
        assert len(quantile_table([50.0] * 10, k=10)) == 101

    def test_no_quartiles_from_fewer_than_k(self) -> None:
        table = quantile_table([float(i) for i in range(20)], k=10)
        with pytest.raises(TooFewValues, match=r"^9 firms, fewer than the minimum of 10$"):
            quartiles_from_table(table, n=9, k=10)
        q = quartiles_from_table(table, n=20, k=10)
        assert (q.n, q.p25, q.median, q.p75) == (20, pytest.approx(4.75), pytest.approx(9.5), pytest.approx(14.25))

    def test_exactly_k_is_enough(self) -> None:
        table = quantile_table([float(i) for i in range(10)], k=10)
        assert quartiles_from_table(table, n=10, k=10).median == pytest.approx(4.5)
        counts = [("size_sector_country", 4), ("size_country", 12), ("size", 40), ("all", 300)]
        assert narrowest_group(counts, k=12) == "size_country"


class TestPercentile:
    def test_mid_rank(self) -> None:
        values = [10.0, 20.0, 30.0, 40.0]
        assert percentile_rank(values, 5.0) == 0.0
        assert percentile_rank(values, 45.0) == 100.0
        assert percentile_rank(values, 20.0) == 37.5  # one below, one level: (1 + 0.5) / 4
        assert percentile_rank([50.0] * 10, 50.0) == 50.0

    def test_nothing_to_rank_among_is_refused(self) -> None:
        with pytest.raises(TooFewValues, match=r"^no values$"):
            percentile_rank([], 50.0)
        for table in ([], [0.0] * 100, [0.0] * 102):
            with pytest.raises(ValueError, match=r"^a percentile table has 101 entries$"):
                percentile_from_table(table, 50.0)

    def test_from_the_stored_table_agrees_with_the_exact_rank(self) -> None:
        values = [float(v) for v in range(0, 101)]  # 0..100, one firm each
        table = quantile_table(values, k=10)
        for score in (0.0, 12.5, 50.0, 73.2, 100.0):
            assert percentile_from_table(table, score) == pytest.approx(percentile_rank(values, score), abs=1.0)

    def test_between_stored_percentiles_the_position_is_interpolated(self) -> None:
        table = quantile_table([2.0 * v for v in range(0, 101)], k=10)  # 0, 2, ..., 200: percentile i at 2i
        assert percentile_from_table(table, 146.4) == pytest.approx(73.2)  # a fifth of the way from 73 to 74
        assert percentile_from_table(table, 1.0) == pytest.approx(0.5)  # between the two lowest
        assert percentile_from_table(table, 199.0) == pytest.approx(99.5)  # between the two highest

    def test_ties_take_the_middle(self) -> None:
        table = quantile_table([40.0] * 30, k=10)
        assert percentile_from_table(table, 40.0) == 50.0
        assert percentile_from_table(table, 39.0) == 0.0
        assert percentile_from_table(table, 41.0) == 100.0


class TestFallback:
    def test_narrowest_group_with_enough_firms(self) -> None:
        counts = [("size_sector_country", 4), ("size_country", 12), ("size", 40), ("all", 300)]
        assert narrowest_group(counts, k=10) == "size_country"
        assert narrowest_group(counts, k=3) == "size_sector_country"
        assert narrowest_group(counts, k=301) is None
