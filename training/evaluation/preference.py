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
from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from agent.reward import AnswerScorer
from browser.answer import CitedAnswer
from browser.models import Value
from browser.records import write_atomic
from training.evaluation.datasets import EvalItem
from training.evaluation.stats import Interval, bootstrap_mean
from training.evaluation.store import EvalRow

COMPARISONS_FILE = "comparisons_for_labelling.jsonl"



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


def _cited(row: EvalRow) -> CitedAnswer:
    return row.episode.cited_answer if row.episode is not None else CitedAnswer()


def preference_scores(
    items: Sequence[EvalItem], rows: dict[str, EvalRow], prefer: AnswerScorer
) -> dict[str, tuple[float, float]]:
    """``{id: (agent score, human score)}`` from one call of ``prefer`` on every answer.

    Raises:
        ValueError: the scorer returned a different number of scores than answers.
    """
    pairs = _pairs(items, rows)
    agent = [(item.question, _cited(row)) for item, row in pairs]
    human = [(item.question, CitedAnswer(text=item.long_answer or "")) for item, _ in pairs]
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
        record: dict[str, object] = {
            "question": item.question,
            "answer_a": _cited(row).model_dump(),
            "answer_b": CitedAnswer(text=item.long_answer or "").model_dump(),
            "preference": None,
            "judge": None,
            "source_id": item.id,
        }
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    write_atomic(path, "".join(lines))
    return len(lines)
