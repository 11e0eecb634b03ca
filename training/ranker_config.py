"""Settings of the ranking policy's training; torch-free, for the CLI's flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from browser.models import Value


class RankerConfig(Value):
    """Settings of the head's training (each field's description is its CLI help)."""

    out: Path = Field(description="directory for the policy's head")
    hidden: int = Field(32, ge=1, description="hidden units of the head")
    epochs: int = Field(300, ge=1, description="passes over the demonstration steps")
    learning_rate: float = Field(3e-3, gt=0, description="Adam's learning rate")
    weight_decay: float = Field(1e-4, ge=0, description="L2 penalty of the head")
    seed: int = Field(0, description="seed of the head's initialisation")
