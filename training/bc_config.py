"""Settings of a behaviour-cloning run; torch-free, so the CLI can build its flags cheaply."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from training.config_cli import (
    add_dataclass_arguments,
    check_run_settings,
    dataclass_from_arguments,
)

DEFAULT_COPY_BIAS = 12.0
"""The from-scratch model's copy prior: it chooses where copies start, the prior continues them."""


@dataclass
class BCConfig:
    """Settings of a behaviour-cloning run (each field's ``help`` is its CLI text)."""

    out: Path = field(metadata={"help": "directory for checkpoints and the final model"})
    model: str | None = field(
        default=None,
        metadata={
            "help": "a local path or hub id of a causal LM; none: a small Llama from scratch"
        },
    )
    epochs: float = field(default=1.0, metadata={"help": "passes over the demonstrations"})
    learning_rate: float = field(default=1e-3, metadata={"help": "peak learning rate"})
    batch_size: int = field(default=8, metadata={"help": "examples per device per step"})
    grad_accum: int = field(default=1, metadata={"help": "gradient accumulation steps"})
    max_length: int = field(default=1024, metadata={"help": "longer examples are dropped"})
    warmup_lm_epochs: float = field(
        default=0.0,
        metadata={"help": "epochs of plain language modelling on whole examples before cloning"},
    )
    with_grammar: bool | None = field(
        default=None,
        metadata={"help": "prepend the command reference to prompts (default: only with --model)"},
    )
    copy_bias: float | None = field(
        default=None,
        metadata={
            "help": "the saved policy's copy prior while it writes search/find/answer "
            f"arguments (agent/copy_bias.py; default {DEFAULT_COPY_BIAS} from scratch, 0 with "
            "--model)"
        },
    )
    bf16: bool = field(default=False, metadata={"help": "train in bfloat16 mixed precision"})
    seed: int = field(default=0, metadata={"help": "seed of initialisation and data order"})
    resume: bool = field(default=False, metadata={"help": "resume from the last checkpoint in out"})
    max_steps: int = field(default=-1, metadata={"help": "stop after this many steps (-1: epochs)"})

    def __post_init__(self) -> None:
        check_run_settings(self)
        if self.max_length < 16:
            raise ValueError(f"max_length {self.max_length} is too short for any prompt")
        self.out = Path(self.out)

    @property
    def bias(self) -> float:
        if self.copy_bias is None:
            return DEFAULT_COPY_BIAS if self.model is None else 0.0
        return self.copy_bias

    @property
    def grammar(self) -> bool:
        return self.model is not None if self.with_grammar is None else self.with_grammar


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One ``--flag`` per :class:`BCConfig` field, its help from the field's metadata."""
    add_dataclass_arguments(parser, BCConfig)


def config_from_arguments(args: argparse.Namespace) -> BCConfig:
    """The :class:`BCConfig` named by parsed arguments."""
    return dataclass_from_arguments(args, BCConfig)
