"""How well a reward model ranks held-out comparisons: pairwise accuracy, calibration, a plot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.reward import AnswerScorer
from training.comparisons import Comparison

# -- evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PairReport:
    """Held-out pairwise accuracy and calibration bins ``(mean predicted, observed, count)``."""

    pairs: int
    accuracy: float
    bins: list[tuple[float, float, int]]


def pairwise_accuracy(
    r_a: Sequence[float], r_b: Sequence[float], targets: Sequence[float]
) -> float:
    """Share of strict pairs (target 0 or 1) whose preferred side got the higher reward;
    equal rewards count half. NaN when there is no strict pair."""
    hits = [
        0.5 if a == b else float((a > b) == (t == 1.0))
        for a, b, t in zip(r_a, r_b, targets, strict=True)
        if t in (0.0, 1.0)
    ]
    return sum(hits) / len(hits) if hits else math.nan


def calibration_bins(
    r_a: Sequence[float], r_b: Sequence[float], targets: Sequence[float], *, bins: int = 10
) -> list[tuple[float, float, int]]:
    """Predicted P(A>B) = σ(r_a - r_b) binned against the observed frequency of A winning.

    Each pair counts in both orientations, (p, y) and (1-p, 1-y), so the curve does not
    depend on which side a file calls A. Empty bins are left out.
    """
    sums = [[0.0, 0.0, 0] for _ in range(bins)]
    for a, b, target in zip(r_a, r_b, targets, strict=True):
        p = 1 / (1 + math.exp(-max(-50.0, min(50.0, a - b))))
        for prob, outcome in ((p, target), (1 - p, 1 - target)):
            row = sums[min(bins - 1, int(prob * bins))]
            row[0], row[1], row[2] = row[0] + prob, row[1] + outcome, int(row[2]) + 1
    return [(s / n, o / n, int(n)) for s, o, n in sums if n]


def evaluate_pairs(
    scorer: AnswerScorer, comparisons: Sequence[Comparison], *, bins: int = 10
) -> PairReport:
    """Accuracy and calibration of ``scorer`` on the strict pairs of ``comparisons``."""
    strict = [c for c in comparisons if c.target in (0.0, 1.0)]
    if not strict:
        return PairReport(pairs=0, accuracy=math.nan, bins=[])
    scores = scorer([side for c in strict for side in c.scored()])
    r_a, r_b = scores[0::2], scores[1::2]
    targets = [float(c.target or 0.0) for c in strict]
    return PairReport(
        pairs=len(strict),
        accuracy=pairwise_accuracy(r_a, r_b, targets),
        bins=calibration_bins(r_a, r_b, targets, bins=bins),
    )


def plot_report(history: Sequence[tuple[int, float]], report: PairReport, path: Path) -> None:
    """A PNG: training loss, calibration (predicted vs observed P(A>B)), held-out accuracy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (loss_axes, calibration, accuracy) = plt.subplots(1, 3, figsize=(13, 3.8))
    if history:
        steps, losses = zip(*history, strict=True)
        loss_axes.plot(steps, losses)
    loss_axes.set(xlabel="step", ylabel="pairwise loss", title="Training loss")
    calibration.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    if report.bins:
        predicted, observed, _ = zip(*report.bins, strict=True)
        calibration.plot(predicted, observed, marker="o", label="reward model")
        for x, y, n in report.bins:
            calibration.annotate(str(n), (x, y), fontsize=7, xytext=(3, -9),
                                 textcoords="offset points")  # fmt: skip
    calibration.set(xlabel="predicted P(A better)", ylabel="observed frequency",
                    title="Calibration (held out)", xlim=(0, 1), ylim=(0, 1))  # fmt: skip
    calibration.legend(loc="upper left", fontsize=8)
    value = 0.0 if math.isnan(report.accuracy) else report.accuracy
    accuracy.bar(["reward model", "chance"], [value, 0.5], color=["tab:blue", "lightgrey"])
    accuracy.set(ylim=(0, 1), ylabel="pairwise accuracy",
                 title=f"Held-out accuracy {value:.3f} ({report.pairs} pairs)")  # fmt: skip
    for axes in (loss_axes, calibration, accuracy):
        axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
