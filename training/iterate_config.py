"""Settings of self-improvement rounds; torch-free, for the CLI's flags.

The ranking policy improves by expert iteration or GRPO (:mod:`training.iterate`); the
causal-LM policy by expert iteration (:mod:`training.iterate_lm`), whose behaviour cloning
each round takes the ``bc_`` settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from browser.models import Value


class IterateConfig(Value):
    """Settings of self-improvement rounds (each field's description is its CLI help)."""

    out: Path = Field(description="folder of the rounds (resumed if there)")
    policy: Literal["ranker", "lm"] = Field(
        "ranker", description="the policy that improves: the ranking head or the causal LM"
    )
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
    bc_epochs: float = Field(1.0, gt=0, description="lm: epochs of behaviour cloning a round")
    bc_learning_rate: float = Field(1e-4, gt=0, description="lm: peak learning rate of cloning")
    bc_batch_size: int = Field(8, ge=1, description="lm: examples per device per step")
    bc_grad_accum: int = Field(1, ge=1, description="lm: gradient accumulation steps")
    bc_max_steps: int = Field(
        -1, ge=-1, description="lm: stop each round's cloning after this many steps (-1: epochs)"
    )
    bc_max_length: int = Field(1024, ge=16, description="lm: longer examples are dropped")
    bf16: bool = Field(False, description="lm: clone in bfloat16 mixed precision")

    @model_validator(mode="after")
    def _policy_and_method(self) -> IterateConfig:
        if self.policy == "lm" and self.method != "expert":
            raise ValueError(
                f"--method {self.method} goes with --policy ranker; --policy lm learns by "
                "--method expert"
            )
        if self.policy == "ranker":
            for name, field in IterateConfig.model_fields.items():
                lm_only = (field.description or "").startswith("lm:")  # as its help says
                if lm_only and getattr(self, name) != field.default:
                    raise ValueError(f"--{name.replace('_', '-')} goes with --policy lm")
        return self
