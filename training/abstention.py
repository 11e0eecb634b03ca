"""Where the ranking policy abstains, placed on questions kept apart from any report.

    confidences = measure_confidences(policy, items, corpus, out=Path("run/confidences.jsonl"))
    placed = place_abstain_bias(confidences, target=0.6)

A greedy ranking policy abstains at the first step where abstaining outscores every other
command. Adding a bias to abstaining's score (``RankerPolicy.abstain_bias``) changes no
other choice, so one run per question with abstaining switched off tells what every bias
would do: the question's *confidence* is the smallest lead the best other command had over
abstaining along that run, and with bias ``b`` the policy abstains exactly when ``b`` exceeds
it (and otherwise gives that run's answer). One pass therefore yields the whole trade-off:
abstaining on questions the corpus cannot answer against gold answers kept on those it can.

The bias placed is the smallest that abstains on ``target`` of the unanswered questions
(open questions whose writers found no answering sentence in the corpus,
``training/data/unanswered_*.jsonl``): the least cost on answerable questions for that
much honesty.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from pydantic import ConfigDict, Field

from agent.loop import run_episode
from agent.ranker_policy import ABSTAIN_COLUMN, SETTINGS_FILE, RankerPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.models import Value
from browser.records import append_records, read_records, write_atomic
from training.evaluation.datasets import EvalItem
from training.metrics import cites_gold

logger = logging.getLogger(__name__)


class Confidence(Value):
    """One question's run with abstaining switched off."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")
    id: str = Field(min_length=1)
    answerable: bool = Field(description="the question has gold answers")
    right: bool = Field(description="the answer holds a gold answer and cites a quote")
    confidence: float = Field(description="the smallest lead of another command over abstaining")


def run_confidence(policy: RankerPolicy, item: EvalItem, corpus: CorpusBackend) -> Confidence:
    """Run ``item`` greedily with abstaining switched off and read off its confidence."""
    blind = replace(policy, abstain_bias=-math.inf, temperature=0.0)
    episode = run_episode(item.question, blind, BrowserEnv(corpus))
    leads = []
    for features, _ in blind.trace:
        scores = policy.head.scores(features)
        abstaining = features[:, ABSTAIN_COLUMN] > 0
        if abstaining.any() and (~abstaining).any():
            leads.append(float(scores[~abstaining].max() - scores[abstaining].max()))
    return Confidence(
        id=item.id,
        answerable=bool(item.answers),
        right=cites_gold(episode, item.answers),
        confidence=min(leads, default=math.inf),
    )


def measure_confidences(
    policy: RankerPolicy,
    items: Sequence[EvalItem],
    corpus: CorpusBackend,
    *,
    out: Path,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Confidence]:
    """Every item's :class:`Confidence`, appended to ``out`` as it is measured; a run
    interrupted and started again skips the ids ``out`` already holds."""
    done = {c.id: c for c in read_records(out, Confidence)} if out.is_file() else {}
    for number, item in enumerate(items, 1):
        if item.id not in done:
            done[item.id] = run_confidence(policy, item, corpus)
            append_records(out, [done[item.id]])
        if on_progress is not None:
            on_progress(number, len(items))
    return [done[item.id] for item in items]


def outcome_at(confidences: Sequence[Confidence], bias: float) -> dict[str, float]:
    """What the policy does with ``bias``: the share of unanswered questions it abstains on,
    and the gold rate on answerable ones with and without abstaining."""
    unanswered = [c for c in confidences if not c.answerable]
    answerable = [c for c in confidences if c.answerable]
    return {
        "abstain_bias": bias,
        "unanswered_abstained": _share(c.confidence < bias for c in unanswered),
        "answerable_abstained": _share(c.confidence < bias for c in answerable),
        "answerable_right": _share(c.right and c.confidence >= bias for c in answerable),
        "answerable_right_never_abstaining": _share(c.right for c in answerable),
        "unanswered": float(len(unanswered)),
        "answerable": float(len(answerable)),
    }


def place_abstain_bias(confidences: Sequence[Confidence], *, target: float) -> dict[str, float]:
    """The smallest bias abstaining on at least ``target`` of the unanswered questions (the
    midpoint between the confidence that reaches it and the next), and its outcome.

    Raises:
        ValueError: no unanswered questions, or ``target`` outside (0, 1].
    """
    if not 0 < target <= 1:
        raise ValueError(f"target {target!r} must be in (0, 1]")
    ranked = sorted(c.confidence for c in confidences if not c.answerable)
    if not ranked:
        raise ValueError("no unanswered questions (questions without answers) to place on")
    needed = math.ceil(target * len(ranked))
    reached = ranked[needed - 1]
    following = ranked[needed] if needed < len(ranked) else reached + 1.0
    bias = (reached + following) / 2 if math.isfinite(following) else reached + 1.0
    return outcome_at(confidences, bias)


def tradeoff(confidences: Sequence[Confidence], targets: Sequence[float]) -> list[dict[str, float]]:
    """:func:`place_abstain_bias` at each target (the curve a plot or table shows)."""
    return [place_abstain_bias(confidences, target=t) | {"target": t} for t in targets]


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return float(np.mean(values)) if values else 0.0


def save_abstain_bias(
    policy_dir: Path, placed: dict[str, float], files: Sequence[Path] = ()
) -> None:
    """Store the placed bias, what it does, and the question ``files`` it was placed on in
    the ranking policy's settings."""
    settings_file = policy_dir / SETTINGS_FILE
    settings = json.loads(settings_file.read_text())
    settings["abstain_bias"] = placed["abstain_bias"]
    settings["abstention"] = placed | {"files": [str(path) for path in files]}
    write_atomic(settings_file, json.dumps(settings, indent=2) + "\n")


def plot_tradeoff(rows: Sequence[dict[str, float]], placed: dict[str, float], path: Path) -> None:
    """Gold answers kept on answerable questions against abstaining on unanswered ones."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5.5, 4))
    axes.plot([r["unanswered_abstained"] for r in rows], [r["answerable_right"] for r in rows],
              marker="o", label="bias placed at each target")  # fmt: skip
    axes.axhline(rows[0]["answerable_right_never_abstaining"], color="grey", linestyle=":",
                 label="never abstaining")  # fmt: skip
    axes.plot([placed["unanswered_abstained"]], [placed["answerable_right"]], marker="*",
              markersize=14, color="tab:red", linestyle="", label="placed")  # fmt: skip
    axes.set_xlabel("abstained, unanswered questions")
    axes.set_ylabel("gold in the cited answer, answerable questions")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
