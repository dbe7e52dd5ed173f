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

    def test_matches_the_usual_definition_on_an_odd_group(self) -> None:
        values = sorted([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0])
        # NumPy's default (linear): median 4.0, quartiles 2.5 and 5.0
        assert quantile(values, 0.5) == 4.0
        assert quantile(values, 0.25) == 2.5
        assert quantile(values, 0.75) == 5.0

    def test_refuses_nonsense(self) -> None:
        with pytest.raises(TooFewValues):
            quantile([], 0.5)
        with pytest.raises(ValueError):
            quantile([1.0], 1.5)


class TestSuppression:
    def test_no_table_from_fewer_than_k(self) -> None:
        with pytest.raises(TooFewValues):
            quantile_table([50.0] * 9, k=10)
        assert len(quantile_table([50.0] * 10, k=10)) == 101

    def test_no_quartiles_from_fewer_than_k(self) -> None:
        table = quantile_table([float(i) for i in range(20)], k=10)
        with pytest.raises(TooFewValues):
            quartiles_from_table(table, n=9, k=10)
        q = quartiles_from_table(table, n=20, k=10)
        assert (q.p25, q.median, q.p75) == (pytest.approx(4.75), pytest.approx(9.5), pytest.approx(14.25))


class TestPercentile:
    def test_mid_rank(self) -> None:
        values = [10.0, 20.0, 30.0, 40.0]
        assert percentile_rank(values, 5.0) == 0.0
        assert percentile_rank(values, 45.0) == 100.0
        assert percentile_rank(values, 20.0) == 37.5  # one below, one level: (1 + 0.5) / 4
        assert percentile_rank([50.0] * 10, 50.0) == 50.0

    def test_from_the_stored_table_agrees_with_the_exact_rank(self) -> None:
        values = [float(v) for v in range(0, 101)]  # 0..100, one firm each
        table = quantile_table(values, k=10)
        for score in (0.0, 12.5, 50.0, 73.2, 100.0):
            assert percentile_from_table(table, score) == pytest.approx(percentile_rank(values, score), abs=1.0)

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
