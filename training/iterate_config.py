"""Settings of self-improvement rounds; torch-free, for the CLI's flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from browser.models import Value


class IterateConfig(Value):
    """Settings of self-improvement rounds (each field's description is its CLI help)."""

    out: Path = Field(description="folder of the rounds (resumed if there)")
    method: Literal["expert", "grpo"] = Field("expert", description="expert iteration or GRPO")
    rounds: int = Field(2, ge=1, description="rounds to run")
    questions: int = Field(200, ge=1, description="training questions sampled per round")
    samples: int = Field(4, ge=2, description="episodes per question")
    temperature: float = Field(1.0, gt=0, description="sampling temperature")
    outcome_weight: float = Field(
        1.0, ge=0, description="reward for the gold answer cited (or, hidden, for abstaining)"
    )
    hidden_share: float = Field(
        0.2, ge=0, lt=1, description="share of questions asked with their article hidden"
    )
    keep_above: float = Field(
        0.0, description="expert: keep the best episode when its reward clears this"
    )
    pg_epochs: int = Field(60, ge=1, description="grpo: Adam steps per round")
    pg_learning_rate: float = Field(1e-3, gt=0, description="grpo: learning rate")
    kl_weight: float = Field(0.05, ge=0, description="grpo: weight of the KL to the round's start")
    validation: int = Field(150, ge=1, description="held-out questions measured after each round")
    seed: int = Field(0, description="seed of the question draws and of sampling")
