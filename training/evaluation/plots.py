"""Report charts as base64 PNG strings, drawn with matplotlib's object API (no pyplot
state, so safe from any thread)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from training.evaluation.scoring import RunResult

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
CITATION_BARS = (
    ("retrieval", "quote has gold"),
    ("cited_sentences", "sentences cited"),
    ("supported_citations", "citations supported"),
    ("quotes_on_page", "quotes on page"),
    ("abstention", "abstained"),
)


def _png(draw: Callable[[Any], None], size: tuple[float, float] = (6.4, 3.4)) -> str:
    figure = Figure(figsize=size, dpi=110, layout="constrained")
    draw(figure.subplots())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _grouped_bars(axes: Any, groups: Sequence[str], series: Mapping[str, Sequence[float]]) -> None:
    width = 0.8 / max(1, len(series))
    for k, (label, values) in enumerate(series.items()):
        positions = [g + (k - (len(series) - 1) / 2) * width for g in range(len(groups))]
        bars = axes.bar(positions, values, width, label=label, color=_COLOURS[k % len(_COLOURS)])
        axes.bar_label(bars, labels=[f"{v:.0%}" for v in values], fontsize=7, padding=1)
    axes.set_xticks(range(len(groups)), groups, fontsize=8)
    axes.set_ylim(0, 1.12)
    axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    if len(series) > 1:
        axes.legend(fontsize=8)


def f1_histogram(runs: Mapping[str, RunResult]) -> str:
    """Distribution of per-question token F1, one outline per run."""

    def draw(axes: Any) -> None:
        bins = [i / 10 for i in range(11)]
        for k, (label, run) in enumerate(runs.items()):
            values = [q.f1 for q in run.questions if q.f1 is not None]
            axes.hist(values, bins=bins, histtype="step" if len(runs) > 1 else "bar",
                      linewidth=1.8, label=label, color=_COLOURS[k % len(_COLOURS)])  # fmt: skip
        axes.set_xlabel("token F1 of the answer against the best gold")
        axes.set_ylabel("questions")
        axes.set_title("Score distribution", fontsize=10)
        if len(runs) > 1:
            axes.legend(fontsize=8)

    return _png(draw)


def contains_by_source(runs: Mapping[str, RunResult]) -> str:
    """Share of answers that contain a gold answer, per dataset source."""
    sources = sorted({s for run in runs.values() for s in run.summary.by_source})
    series = {
        label: [
            (run.summary.by_source[s].contains or 0.0) if s in run.summary.by_source else 0.0
            for s in sources
        ]
        for label, run in runs.items()
    }

    def draw(axes: Any) -> None:
        _grouped_bars(axes, [f"{s}" for s in sources], series)
        axes.set_title("Answer contains a gold answer, by source", fontsize=10)

    return _png(draw)


def citation_quality(runs: Mapping[str, RunResult]) -> str:
    """Retrieval, citation and abstention rates side by side."""
    series = {
        label: [float(getattr(run.summary, name) or 0.0) for name, _ in CITATION_BARS]
        for label, run in runs.items()
    }

    def draw(axes: Any) -> None:
        _grouped_bars(axes, [title for _, title in CITATION_BARS], series)
        axes.set_title("Evidence and citations", fontsize=10)

    return _png(draw)


def best_of_curve(points: Sequence[tuple[int, Mapping[str, float | None]]]) -> str:
    """Headline rates against n, for runs labelled best-of-n."""

    def draw(axes: Any) -> None:
        names = sorted(
            {name for _, values in points for name, v in values.items() if v is not None}
        )
        for k, name in enumerate(names):
            xs = [n for n, values in points if values.get(name) is not None]
            ys = [values[name] for n, values in points if values.get(name) is not None]
            axes.plot(xs, ys, marker="o", label=name, color=_COLOURS[k % len(_COLOURS)])
        axes.set_xscale("log", base=2)
        axes.set_xticks([n for n, _ in points], [str(n) for n, _ in points])
        axes.set_xlabel("n (answers sampled per question)")
        axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
        axes.set_title("Best-of-n", fontsize=10)
        axes.legend(fontsize=8)

    return _png(draw)
