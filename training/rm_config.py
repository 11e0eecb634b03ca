"""Settings of a reward-model run; torch-free, so the CLI can build its flags cheaply."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from training.run_config import RunConfig


class RMConfig(RunConfig):
    """Settings of a reward-model run (each field's description is its CLI help)."""

    comparisons: list[Path] = Field(
        default_factory=list,
        description="comparison files: our JSONL, or the released WebGPT layout (JSON/JSONL); "
        "none: build the embedded default from the default policy's samples",
    )
    model: str | None = Field(
        None,
        description="a local path or hub id of an encoder; none: the packaged all-MiniLM-L6-v2",
    )
    learning_rate: float = Field(5e-5, gt=0, description="peak learning rate")
    max_length: int = Field(
        384, ge=32, description="tokens per answer: question, answer, then its quotes"
    )
    eval_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of questions (by hash) held out for evaluation"
    )
    eval_comparisons: list[Path] = Field(
        default_factory=list,
        description="held-out comparison files (e.g. from unseen articles); given, every "
        "training comparison trains and these alone are evaluated",
    )
    freeze_layers: int = Field(
        2, ge=-1, description="freeze the embeddings and this many lower layers (-1: train all)"
    )
