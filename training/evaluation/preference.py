"""The agent's answer against the human-written one.

A preference scorer (a reward model, later) scores ``(question, answer, quotes)`` triples;
the agent wins a question when its answer scores higher than the human answer, which is
scored with no quotes. Whatever the scorer, every pair is also written out for people to
label, in the comparison format::

    {"question": "…",
     "answer_a": {"text": "agent answer [1].", "quotes": [{"title": "…", "url": "…", "text": "…"}]},
     "answer_b": {"text": "human answer", "quotes": []},
     "preference": null, "judge": null, "source_id": "question id"}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import Field

from browser.models import Quote, Value
from training.evaluation.datasets import EvalItem
from training.evaluation.files import write_atomic
from training.evaluation.stats import Interval, bootstrap_mean
from training.evaluation.store import EvalRow

COMPARISONS_FILE = "comparisons_for_labelling.jsonl"

ScoredAnswer = tuple[str, str, tuple[Quote, ...]]
"""``(question, answer text, quotes)``; a human answer has no quotes."""
PreferenceScorer = Callable[[list[ScoredAnswer]], list[float]]
"""Scores answers (higher is better), one score per input, as a reward model does."""


class Preference(Value):
    """How often the agent's answer beats the human-written one (ties count one half)."""

    agent_better: Interval = Field(description="P(agent > human) with its bootstrap interval")
    ties: int = Field(ge=0)


def _pairs(items: Sequence[EvalItem], rows: dict[str, EvalRow]) -> list[tuple[EvalItem, EvalRow]]:
    """Questions with a human long answer and an agent answer."""
    return [
        (item, rows[item.id])
        for item in items
        if item.long_answer and item.id in rows and _answer(rows[item.id]) is not None
    ]


def _answer(row: EvalRow) -> str | None:
    return row.episode.answer if row.episode is not None else None


def preference_scores(
    items: Sequence[EvalItem], rows: dict[str, EvalRow], prefer: PreferenceScorer
) -> dict[str, tuple[float, float]]:
    """``{id: (agent score, human score)}`` from one call of ``prefer`` on every answer.

    Raises:
        ValueError: the scorer returned a different number of scores than answers.
    """
    pairs = _pairs(items, rows)
    agent: list[ScoredAnswer] = [
        (item.question, _answer(row) or "", row.episode.quotes if row.episode else ())
        for item, row in pairs
    ]
    human: list[ScoredAnswer] = [(item.question, item.long_answer or "", ()) for item, _ in pairs]
    scores = prefer(agent + human)
    if len(scores) != 2 * len(pairs):
        raise ValueError(
            f"the preference scorer returned {len(scores)} scores for {2 * len(pairs)} answers"
        )
    return {
        item.id: (float(scores[n]), float(scores[len(pairs) + n]))
        for n, (item, _) in enumerate(pairs)
    }


def summarize_preference(scores: dict[str, tuple[float, float]]) -> Preference | None:
    """P(agent > human) over the scored questions; None when there are none."""
    if not scores:
        return None
    wins = [1.0 if a > h else 0.5 if a == h else 0.0 for a, h in scores.values()]
    return Preference(agent_better=bootstrap_mean(wins), ties=wins.count(0.5))


def write_comparisons(path: Path, items: Sequence[EvalItem], rows: dict[str, EvalRow]) -> int:
    """Write (agent answer with quotes, human answer) pairs for labelling; returns the count."""
    lines = []
    for item, row in _pairs(items, rows):
        quotes = row.episode.quotes if row.episode else ()
        record: dict[str, object] = {
            "question": item.question,
            "answer_a": {
                "text": _answer(row),
                "quotes": [{"title": q.title, "url": q.url, "text": q.text} for q in quotes],
            },
            "answer_b": {"text": item.long_answer, "quotes": []},
            "preference": None,
            "judge": None,
            "source_id": item.id,
        }
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    write_atomic(path, "".join(lines))
    return len(lines)
