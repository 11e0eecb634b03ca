"""The one-command default reward model build, end to end on a few questions."""

from __future__ import annotations

import json
from pathlib import Path

from browser.corpus import CorpusBackend
from training.comparisons import read_comparisons
from training.default_reward_model import build_default_reward_model
from training.judge import JUDGE_NAME


def test_the_default_build_samples_the_policy_judges_and_trains_a_reward_model(
    corpus: CorpusBackend, tmp_path: Path
) -> None:
    out, work = tmp_path / "rm", tmp_path / "work"
    summary = build_default_reward_model(out, work, questions_per_split=(6, 4), max_steps=2)
    train = list(read_comparisons(work / "comparisons-train.jsonl"))
    held_out = list(read_comparisons(work / "comparisons-heldout.jsonl"))
    assert train and held_out
    assert {c.question for c in train}.isdisjoint(c.question for c in held_out)
    assert {c.judge for c in train + held_out} == {JUDGE_NAME}
    assert summary["steps"] == 2 and summary["train_pairs"] == len(train)
    assert json.loads((out / "rm_summary.json").read_text())["eval_pairs"] == summary["eval_pairs"]
