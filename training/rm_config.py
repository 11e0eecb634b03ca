"""Settings of a reward-model run; torch-free, so the CLI can build its flags cheaply."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from training.config_cli import (
    add_dataclass_arguments,
    check_run_settings,
    dataclass_from_arguments,
)


@dataclass
class RMConfig:
    """Settings of a reward-model run (each field's ``help`` is its CLI text)."""

    comparisons: list[Path] = field(
        metadata={"help": "comparison files: our JSONL, or the released WebGPT layout (JSON/JSONL)"}
    )
    out: Path = field(metadata={"help": "directory for checkpoints, the final model and reports"})
    model: str | None = field(
        default=None,
        metadata={
            "help": "a local path or hub id of an encoder; none: the packaged all-MiniLM-L6-v2"
        },
    )
    epochs: float = field(default=1.0, metadata={"help": "passes over the training pairs"})
    learning_rate: float = field(default=5e-5, metadata={"help": "peak learning rate"})
    batch_size: int = field(default=8, metadata={"help": "pairs per device per step"})
    grad_accum: int = field(default=1, metadata={"help": "gradient accumulation steps"})
    max_length: int = field(
        default=384, metadata={"help": "tokens per answer: question, answer, then its quotes"}
    )
    eval_fraction: float = field(
        default=0.1, metadata={"help": "share of questions (by hash) held out for evaluation"}
    )
    eval_comparisons: list[Path] = field(
        default_factory=list,
        metadata={
            "help": "held-out comparison files (e.g. from unseen articles); given, every "
            "training comparison trains and these alone are evaluated"
        },
    )
    freeze_layers: int = field(
        default=2,
        metadata={"help": "freeze the embeddings and this many lower layers (-1: train all)"},
    )
    bf16: bool = field(default=False, metadata={"help": "train in bfloat16 mixed precision"})
    seed: int = field(default=0, metadata={"help": "seed of the head's initialisation and order"})
    resume: bool = field(default=False, metadata={"help": "resume from the last checkpoint in out"})
    max_steps: int = field(default=-1, metadata={"help": "stop after this many steps (-1: epochs)"})

    def __post_init__(self) -> None:
        check_run_settings(self)
        if self.max_length < 32:
            raise ValueError(f"max_length {self.max_length} is too short for a question and answer")
        if not 0 <= self.eval_fraction < 1:
            raise ValueError(f"eval_fraction {self.eval_fraction!r} must be in [0, 1)")
        if self.freeze_layers < -1:
            raise ValueError(f"freeze_layers {self.freeze_layers!r} must be -1 or more")
        if not self.comparisons:
            raise ValueError("no comparison files given")
        self.comparisons = [Path(path) for path in self.comparisons]
        self.eval_comparisons = [Path(path) for path in self.eval_comparisons]
        self.out = Path(self.out)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One ``--flag`` per :class:`RMConfig` field, its help from the field's metadata."""
    add_dataclass_arguments(parser, RMConfig)


def config_from_arguments(args: argparse.Namespace) -> RMConfig:
    """The :class:`RMConfig` named by parsed arguments."""
    return dataclass_from_arguments(args, RMConfig)
