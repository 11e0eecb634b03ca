"""Uncertainty: percentile bootstrap intervals, the paired bootstrap, exact McNemar.

    bootstrap_mean([1, 0, 1, 1])                 # Interval(mean=0.75, low=…, high=…)
    paired_bootstrap(a_scores, b_scores)         # mean of a - b, its interval, a p-value
    bootstrap_ratio(a_seconds, b_seconds)        # sum(a) / sum(b), its interval
    mcnemar_exact(a_only=3, b_only=11)           # two-sided p-value

Resampling is seeded, so a report's numbers are reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from pydantic import Field

from browser.models import Value

RESAMPLES = 10_000


class Interval(Value):
    """An estimate (a mean, or a ratio of means) with its bootstrap confidence interval."""

    mean: float
    low: float
    high: float
    n: int = Field(ge=0)
    confidence: float = Field(gt=0, lt=1)


class PairedTest(Value):
    """A paired comparison of two systems on the same questions: the mean of ``a - b``."""

    difference: Interval
    p_value: float = Field(ge=0, le=1, description="two-sided, paired bootstrap")


def bootstrap_mean(
    values: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """The mean of ``values`` and its percentile bootstrap interval.

    Raises:
        ValueError: ``values`` is empty, or ``resamples`` or ``confidence`` is out of range.
    """
    means = _resampled_means(values, resamples, confidence, seed)
    return _interval(sum(values) / len(values), means, len(values), confidence)


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedTest:
    """Resample questions (pairs) to test whether ``a`` and ``b`` differ on average.

    The p-value tests "no difference" two-sided, with the resampled means shifted to the
    null (Efron and Tibshirani 1993, section 16.4): the share of resamples whose mean
    strays from the observed mean difference ``d`` by at least ``|d|``.
    """
    _check_paired(a, b)
    differences = [x - y for x, y in zip(a, b, strict=True)]
    means = _resampled_means(differences, resamples, confidence, seed)
    interval = _interval(sum(differences) / len(differences), means, len(a), confidence)
    if all(d == 0 for d in differences):
        return PairedTest(difference=interval, p_value=1.0)
    observed = abs(interval.mean)
    extreme = sum(abs(m - interval.mean) >= observed - 1e-12 for m in means)
    return PairedTest(difference=interval, p_value=extreme / len(means))


def bootstrap_ratio(
    numerators: Sequence[float],
    denominators: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """``sum(numerators) / sum(denominators)`` (in ``mean``) with a percentile interval from
    resampling the pairs: e.g. two systems' seconds on the same questions, how many times
    slower the first is."""
    _check_paired(numerators, denominators)
    _check_resampling(numerators, resamples, confidence)
    rng = random.Random(seed)
    indices = range(len(numerators))
    ratios = []
    for _ in range(resamples):
        drawn = rng.choices(indices, k=len(numerators))
        ratios.append(sum(numerators[i] for i in drawn) / sum(denominators[i] for i in drawn))
    return _interval(sum(numerators) / sum(denominators), ratios, len(numerators), confidence)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Exact two-sided McNemar p-value from the discordant pairs.

    Args:
        a_only: questions system A got right and B got wrong.
        b_only: questions B got right and A got wrong.

    Under "no difference" each discordant pair goes either way with probability 1/2, so
    the p-value is the two-sided binomial tail: ``min(1, 2 * P(X <= min(a_only, b_only)))``
    with ``X ~ Binomial(a_only + b_only, 1/2)``.
    """
    if a_only < 0 or b_only < 0:
        raise ValueError(f"counts must be >= 0, got {a_only!r} and {b_only!r}")
    n = a_only + b_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(a_only, b_only) + 1))
    return min(1.0, 2 * tail / float(2**n))


def _resampled_means(
    values: Sequence[float], resamples: int, confidence: float, seed: int
) -> list[float]:
    _check_resampling(values, resamples, confidence)
    rng = random.Random(seed)
    n = len(values)
    data = list(values)
    return [float(sum(rng.choices(data, k=n))) / n for _ in range(resamples)]


def _check_resampling(values: Sequence[float], resamples: int, confidence: float) -> None:
    if not values:
        raise ValueError("cannot bootstrap an empty sample")
    if resamples < 1 or not 0 < confidence < 1:
        raise ValueError(
            f"resamples {resamples!r} must be >= 1 and confidence {confidence!r} in (0, 1)"
        )


def _check_paired(a: Sequence[float], b: Sequence[float]) -> None:
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} and {len(b)}")


def _interval(estimate: float, resampled: list[float], n: int, confidence: float) -> Interval:
    """``estimate`` with the percentile interval of its ``resampled`` values."""
    alpha = (1 - confidence) / 2
    return Interval(
        mean=estimate,
        low=_quantile(resampled, alpha),
        high=_quantile(resampled, 1 - alpha),
        n=n,
        confidence=confidence,
    )


def _quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile with linear interpolation (numpy's default)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
