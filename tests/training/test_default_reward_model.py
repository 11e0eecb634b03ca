"""The one-command default reward model build, end to end on a few questions, in seconds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from agent.ranker_policy import FEATURES, PolicyHead, RankerPolicy
from agent.reader import Reading
from agent.reward_model import default_backbone_path
from browser.corpus import CorpusBackend
from training.comparisons import read_comparisons
from training.default_reward_model import build_default_reward_model
from training.judge import JUDGE_NAME
from training.rm_config import RMConfig


def overlap_reader(question: str, passages: Sequence[tuple[str, str]]) -> list[Reading]:
    """A stand-in reader: question words in the sentence; the last word as the answer."""
    wanted = set(question.lower().split())
    return [
        Reading(float(len(wanted & set(s.lower().split()))), s.rstrip(".").split()[-1], 0.0)
        for _, s in passages
    ]


def tiny_backbone(path: Path) -> Path:
    tokenizer = AutoTokenizer.from_pretrained(default_backbone_path())
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, num_labels=1)  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_the_default_build_samples_the_policy_judges_and_trains_a_reward_model(
    corpus: CorpusBackend, tmp_path: Path
) -> None:
    out, work = tmp_path / "rm", tmp_path / "work"
    backbone = tiny_backbone(tmp_path / "tiny")
    config = RMConfig(out=out, model=str(backbone), max_steps=2, max_length=64, freeze_layers=-1)
    head = PolicyHead(np.ones((4, len(FEATURES)), np.float32), np.zeros(4, np.float32),
                      np.ones(4, np.float32), 0.0)  # fmt: skip
    policy = RankerPolicy(read=overlap_reader, head=head, temperature=3.0)  # samples widely
    summary = build_default_reward_model(config, work, policy, questions_per_split=(4, 3))
    train = read_comparisons(work / "comparisons-train.jsonl")
    held_out = read_comparisons(work / "comparisons-heldout.jsonl")
    assert train and held_out
    assert {c.question for c in train}.isdisjoint(c.question for c in held_out)
    assert {c.judge for c in train + held_out} == {JUDGE_NAME}
    assert summary["steps"] == 2 and summary["train_pairs"] == len(train)
    assert json.loads((out / "rm_summary.json").read_text())["eval_pairs"] == summary["eval_pairs"]


def test_the_build_can_sample_on_questions_people_wrote(
    corpus: CorpusBackend, tmp_path: Path
) -> None:
    asked = Path(__file__).resolve().parents[2] / "training/data/asked_training.jsonl"
    written = tmp_path / "written.jsonl"
    written.write_text("".join(asked.read_text().splitlines(keepends=True)[:3]))
    people = {json.loads(line)["question"] for line in written.read_text().splitlines()}
    config = RMConfig(out=tmp_path / "rm", model=str(tiny_backbone(tmp_path / "tiny")),
                      max_steps=1, max_length=64, freeze_layers=-1)  # fmt: skip
    head = PolicyHead(np.ones((4, len(FEATURES)), np.float32), np.zeros(4, np.float32),
                      np.ones(4, np.float32), 0.0)  # fmt: skip
    policy = RankerPolicy(read=overlap_reader, head=head, temperature=3.0)
    with pytest.raises(ValueError, match="3 questions of training articles, fewer than the 4"):
        build_default_reward_model(config, tmp_path / "w", policy, questions_per_split=(4, 2),
                                   written=[written])  # fmt: skip
    build_default_reward_model(config, tmp_path / "w", policy, questions_per_split=(3, 2),
                               written=[written])  # fmt: skip
    sampled = {c.question for c in read_comparisons(tmp_path / "w/comparisons-train.jsonl")}
    no_pairs = tmp_path / "w/comparisons-train.jsonl.nopairs"  # sampled, all answers alike
    if no_pairs.is_file():
        sampled |= {json.loads(line) for line in no_pairs.read_text().splitlines()}
    assert sampled == people
