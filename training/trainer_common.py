"""What behaviour cloning and the reward model share on the Hugging Face Trainer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import (
    PreTrainedModel,
    PreTrainedTokenizerBase,
    TrainerCallback,
    TrainingArguments,
)

from training.run_config import RunConfig


class LossHistory(TrainerCallback):
    """Keeps every logged ``(step, loss)`` for the loss-curve plot and the run summary."""

    def __init__(self) -> None:
        self.points: list[tuple[int, float]] = []

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **_: Any
    ) -> None:
        if logs and "loss" in logs:
            self.points.append((state.global_step, float(logs["loss"])))


def training_arguments(config: RunConfig, **overrides: Any) -> TrainingArguments:
    """Trainer arguments from a run config: checkpoints in ``out/checkpoints`` every 200
    steps, a log line every 10 steps (fewer for short runs), no external reporting."""
    settings: dict[str, Any] = {
        "output_dir": str(config.out / "checkpoints"),
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps,
        "per_device_train_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum,
        "learning_rate": config.learning_rate,
        "weight_decay": 0.01,
        "logging_steps": max(1, min(10, config.max_steps // 4)) if config.max_steps > 0 else 10,
        "save_strategy": "steps",
        "save_steps": 200,
        "bf16": config.bf16,
        "seed": config.seed,
        "report_to": "none",
        "dataloader_pin_memory": torch.cuda.is_available(),  # pinning is for accelerators
    }
    return TrainingArguments(**(settings | overrides))


def save_bfloat16(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: Path) -> None:
    """Save weights as bfloat16 safetensors (half the bytes) and the tokenizer; the model
    in memory stays float32."""
    out.mkdir(parents=True, exist_ok=True)
    weights: Any = model  # transformers types .to() oddly; it is torch.nn.Module.to
    weights.to(torch.bfloat16).save_pretrained(out, safe_serialization=True)
    weights.to(torch.float32)
    tokenizer.save_pretrained(out)
