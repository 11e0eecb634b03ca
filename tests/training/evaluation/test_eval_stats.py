from __future__ import annotations

import math

import pytest

from training.evaluation.stats import (
    bootstrap_mean,
    bootstrap_ratio,
    mcnemar_exact,
    paired_bootstrap,
)


def test_bootstrap_interval_matches_the_normal_approximation() -> None:
    values = [1.0] * 60 + [0.0] * 40  # p = 0.6, n = 100: se = sqrt(.6 * .4 / 100) = 0.049
    interval = bootstrap_mean(values, resamples=4000)
    half_width = 1.96 * math.sqrt(0.6 * 0.4 / 100)
    assert interval.mean == pytest.approx(0.6)
    assert interval.low == pytest.approx(0.6 - half_width, abs=0.015)
    assert interval.high == pytest.approx(0.6 + half_width, abs=0.015)
    assert bootstrap_mean(values, resamples=4000) == interval  # seeded


def test_bootstrap_of_a_constant_has_no_width() -> None:
    interval = bootstrap_mean([0.25] * 7, resamples=200)
    assert (interval.low, interval.mean, interval.high) == (0.25, 0.25, 0.25)
    with pytest.raises(ValueError, match="empty"):
        bootstrap_mean([])


def test_mcnemar_exact_known_values() -> None:
    # statsmodels mcnemar(exact=True): [[_, 1], [6, _]] -> 0.125; [[_, 0], [5, _]] -> 0.0625
    assert mcnemar_exact(1, 6) == pytest.approx(0.125)
    assert mcnemar_exact(6, 1) == pytest.approx(0.125)
    assert mcnemar_exact(0, 5) == pytest.approx(0.0625)
    # 3 vs 11: 2 * sum_{k<=3} C(14, k) / 2**14 = 2 * 470 / 16384
    assert mcnemar_exact(3, 11) == pytest.approx(2 * 470 / 16384)
    assert mcnemar_exact(4, 4) == 1.0 and mcnemar_exact(0, 0) == 1.0


def test_paired_bootstrap_sees_a_clear_difference_and_no_difference() -> None:
    better = [1.0] * 80 + [0.0] * 20
    worse = [1.0] * 40 + [0.0] * 60
    test = paired_bootstrap(better, worse, resamples=2000)
    assert test.difference.mean == pytest.approx(0.4)
    assert test.difference.low > 0.25 and test.p_value < 0.001
    # ten questions only A gets right: close to exact McNemar's 2 / 2**10
    ten = paired_bootstrap([1.0] * 10 + [0.0] * 90, [0.0] * 100, resamples=4000)
    assert ten.p_value == pytest.approx(mcnemar_exact(10, 0), abs=0.004)
    same = paired_bootstrap(better, better, resamples=200)
    assert same.p_value == 1.0 and same.difference.mean == 0.0
    with pytest.raises(ValueError, match="differ in length"):
        paired_bootstrap([1.0], [1.0, 0.0])


def test_bootstrap_ratio_is_the_ratio_of_sums_and_narrows_with_more_pairs() -> None:
    slow, fast = [3.0, 1.0, 6.0, 2.0], [1.0, 0.5, 2.0, 1.0]
    small = bootstrap_ratio(slow, fast)
    assert small.mean == pytest.approx(12.0 / 4.5)
    assert small.low < small.mean < small.high
    large = bootstrap_ratio(slow * 25, fast * 25)
    assert large.mean == pytest.approx(small.mean)
    assert large.high - large.low < small.high - small.low
    assert bootstrap_ratio([2.0] * 5, [1.0] * 5).low == pytest.approx(2.0)  # no spread at all
    with pytest.raises(ValueError, match="differ in length"):
        bootstrap_ratio([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        bootstrap_ratio([], [])
