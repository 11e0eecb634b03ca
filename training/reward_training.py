"""Training the reward model on comparisons (the scorer itself is :mod:`agent.reward_model`).

    webgpt train rm --comparisons comparisons.jsonl --out runs/rm

Loss (WebGPT's convention): with ``d = r_A - r_B`` and target ``p = P(A better)``,
``loss = -(p·logσ(d) + (1-p)·logσ(-d))``, where ``p`` is 1 or 0 by the sign of the label
and 0.5 for a tie. For a strict preference this is the Bradley-Terry loss
``-logσ(r_chosen - r_rejected)``; for a tie it pulls the two rewards together. Training runs
on the Hugging Face ``Trainer`` (one overridden hook, ``compute_loss``), so bf16, gradient
accumulation and ``--resume`` work as usual. The held-out report uses only pairs with a
strict preference, on questions (split by hash) that training never saw. The head's bias
is fixed at 0 (a pairwise loss cannot see a constant offset).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
)

from agent.reward_model import (
    RM_SETTINGS,
    RewardModel,
    default_backbone_path,
    encode_answer,
    pad_encodings,
)
from training.comparisons import Comparison, load_comparisons, split_by_question
from training.reward_report import evaluate_pairs, plot_report
from training.rm_config import RMConfig
from training.trainer_common import LossHistory, save_bfloat16, training_arguments

logger = logging.getLogger(__name__)


def tokenize_comparisons(
    comparisons: Sequence[Comparison], tokenizer: PreTrainedTokenizerBase, *, max_length: int
) -> list[dict[str, Any]]:
    """``{"a": ids, "b": ids, "target": P(A better)}`` per labelled comparison."""
    examples = []
    for comparison in comparisons:
        if comparison.target is None:
            continue
        a, b = comparison.scored()
        examples.append({
            "a": encode_answer(a, tokenizer, max_length=max_length),
            "b": encode_answer(b, tokenizer, max_length=max_length),
            "target": comparison.target,
        })  # fmt: skip
    return examples


class PairCollator:
    """Stacks a batch of pairs as all A sides, then all B sides: (2B, T) inputs, (B,) targets."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, batch: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        sides = [example["a"] for example in batch] + [example["b"] for example in batch]
        inputs = pad_encodings(sides, self.pad_id)
        inputs["target"] = torch.tensor([float(example["target"]) for example in batch])
        return inputs


# -- training -----------------------------------------------------------------------------


def pair_loss(r_a: torch.Tensor, r_b: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``-(p·logσ(r_a - r_b) + (1-p)·logσ(r_b - r_a))`` averaged; all (B,)."""
    return F.binary_cross_entropy_with_logits(r_a - r_b, target)


class RewardTrainer(Trainer):
    """The HF ``Trainer`` with the pairwise loss as its one overridden hook."""

    loss_is_scaled_for_ga = False  # a per-batch mean: the Trainer divides by accumulation

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        target = inputs.pop("target")  # (B,)
        outputs = model(**inputs)
        r_a, r_b = outputs.logits.squeeze(-1).float().chunk(2)  # (B,) each
        loss = pair_loss(r_a, r_b, target.float())
        return (loss, outputs) if return_outputs else loss


def load_model_and_tokenizer(config: RMConfig) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The encoder named by ``config.model`` (default: packaged MiniLM) with a fresh head."""
    source = config.model or str(default_backbone_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(config.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=1, dtype=torch.float32
    )
    model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def freeze_lower_layers(model: PreTrainedModel, layers: int) -> None:
    """Freeze the embeddings and the lowest ``layers`` layers (-1: freeze nothing)."""
    if layers < 0:
        return
    base = model.base_model
    stack = getattr(getattr(base, "encoder", None), "layer", None)
    if not hasattr(base, "embeddings") or stack is None or layers > len(stack):
        raise ValueError(
            f"freeze_layers {layers} needs a BERT-like encoder with at least that many layers; "
            f"{type(model).__name__} is not one (use -1 to train everything)"
        )
    for module in [base.embeddings, *stack[:layers]]:
        for parameter in module.parameters():
            parameter.requires_grad_(False)


def fix_head_bias(model: PreTrainedModel) -> None:
    """Zero and freeze the bias of the one-output head: the pairwise loss sees only reward
    differences, so that constant gets no gradient and would only drift with the optimiser."""
    heads = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.out_features == 1]
    for head in heads:
        if head.bias is not None:
            torch.nn.init.zeros_(head.bias)
            head.bias.requires_grad_(False)


def fit(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    examples: list[dict[str, Any]],
    config: RMConfig,
) -> tuple[dict[str, float], list[tuple[int, float]]]:
    """Run the reward trainer on tokenized pairs; returns a summary and the loss history."""
    if not examples:
        raise ValueError("no labelled training pairs (are all comparisons unlabelled or held out?)")
    fix_head_bias(model)
    history = LossHistory()
    args = training_arguments(
        config,
        lr_scheduler_type="linear",
        warmup_steps=0.1,
        save_total_limit=1,
        remove_unused_columns=False,  # the pairs are not the model's forward arguments
        disable_tqdm=True,
    )
    trainer = RewardTrainer(
        model=model,
        args=args,
        train_dataset=examples,
        data_collator=PairCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,
        callbacks=[history],
    )
    result = trainer.train(resume_from_checkpoint=config.resume or None)
    summary = {
        "train_pairs": float(len(examples)),
        "steps": float(trainer.state.global_step),
        "first_loss": history.points[0][1] if history.points else math.nan,
        "last_loss": history.points[-1][1] if history.points else math.nan,
        "train_seconds": float(result.metrics["train_runtime"]),
    }
    return summary, history.points


def train_reward_model(
    config: RMConfig, comparisons: Sequence[Comparison] | None = None
) -> dict[str, float]:
    """Train on ``comparisons`` (default: read ``config.comparisons``); save the model, a
    summary (``rm_summary.json``) and a loss/calibration/accuracy plot (``rm_report.png``).

    Returns: the summary, with ``eval_accuracy`` on held-out strict pairs when there are any.
    """
    if comparisons is None:
        comparisons = [c for path in config.comparisons for c in load_comparisons(path)]
    labelled = [c for c in comparisons if c.target is not None]
    if config.eval_comparisons:
        train = labelled
        held_out = [c for path in config.eval_comparisons for c in load_comparisons(path)
                    if c.target is not None]  # fmt: skip
    else:
        train, held_out = split_by_question(labelled, config.eval_fraction)
    model, tokenizer = load_model_and_tokenizer(config)
    freeze_lower_layers(model, config.freeze_layers)
    examples = tokenize_comparisons(train, tokenizer, max_length=config.max_length)
    summary, history = fit(model, tokenizer, examples, config)
    save_reward_model(model, tokenizer, config.out, max_length=config.max_length)
    # Evaluated with the weights as saved (bfloat16-rounded): the numbers are the shipped model's.
    report = evaluate_pairs(RewardModel(model, tokenizer, max_length=config.max_length), held_out)
    summary |= {"eval_pairs": float(report.pairs), "eval_accuracy": report.accuracy}
    plot_report(history, report, config.out / "rm_report.png")
    settings = config.model_dump(mode="json")
    (config.out / "rm_summary.json").write_text(
        json.dumps({"config": settings, **summary, "calibration": report.bins}, indent=2) + "\n"
    )
    return summary


def save_reward_model(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: Path, *, max_length: int
) -> None:
    """Save weights (bfloat16 safetensors: MiniLM is ~45 MB), tokenizer and input settings."""
    save_bfloat16(model, tokenizer, out)
    (out / RM_SETTINGS).write_text(json.dumps({"max_length": max_length}, indent=2) + "\n")


