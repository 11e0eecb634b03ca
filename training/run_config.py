"""What every training run's config shares: output, length of the run, optimiser, seed.

Configs are validated models (each field's description is its command-line help), so a
bad value fails when the config is made, before any model loads.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from browser.models import Value


class RunConfig(Value):
    """The Trainer settings BC and the reward model share."""

    out: Path = Field(description="directory for checkpoints, the final model and reports")
    epochs: float = Field(1.0, gt=0, description="passes over the training data")
    learning_rate: float = Field(1e-3, gt=0, description="peak learning rate")
    batch_size: int = Field(8, ge=1, description="examples per device per step")
    grad_accum: int = Field(1, ge=1, description="gradient accumulation steps")
    bf16: bool = Field(False, description="train in bfloat16 mixed precision")
    seed: int = Field(0, description="seed of initialisation and data order")
    resume: bool = Field(False, description="resume from the last checkpoint in out")
    max_steps: int = Field(-1, ge=-1, description="stop after this many steps (-1: epochs)")
