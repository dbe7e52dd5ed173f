"""The peer snapshot's per-firm change step: ``change_scores`` is ``yearly_change`` then
``change_as_score`` for each series, with the same arithmetic (it is inlined for speed)."""

from __future__ import annotations

import random

from assessments.models import PeerStatistic


def one_by_one(befores: list[float | None], afters: list[float | None], days: float) -> list[float | None]:
    scores: list[float | None] = []
    for before, after in zip(befores, afters, strict=True):
        yearly = None if before is None or after is None else PeerStatistic.yearly_change(before, after, days)
        scores.append(None if yearly is None else PeerStatistic.change_as_score(yearly))
    return scores


def test_a_firms_change_scores_are_its_yearly_changes_as_scores() -> None:
    rng = random.Random(19)
    pool: list[float | None] = [None, 0.0, 100.0, 50.0, 33.3, 66.7, 99.9, 0.1]
    for _ in range(5000):
        size = rng.randint(1, 11)
        befores = [rng.choice([*pool, round(rng.uniform(0, 100), 1)]) for _ in range(size)]
        afters = [rng.choice([*pool, round(rng.uniform(0, 100), 1)]) for _ in range(size)]
        days = rng.choice([89.99, 90.0, 90.5, 182.625, 365.25, rng.uniform(0, 2000), rng.uniform(90, 95)])
        assert PeerStatistic.change_scores(befores, afters, days) == one_by_one(befores, afters, days)


def test_changes_beyond_a_hundred_points_a_year_are_capped_and_short_periods_do_not_count() -> None:
    assert PeerStatistic.change_scores([0.0, 100.0, 40.0], [100.0, 0.0, 50.0], 91.3125) == [100.0, 0.0, 70.0]
    assert PeerStatistic.change_scores([40.0, None], [50.0, 60.0], 182.625) == [60.0, None]
    assert PeerStatistic.change_scores([40.0, 50.0], [50.0, 60.0], 89.9) == [None, None]
