"""Settings of a reader run; torch-free, so the CLI can build its flags cheaply."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from browser.models import ExistingFiles, Value


class ReaderConfig(Value):
    """Settings of a reader run (each field's description is its CLI help)."""

    out: Path = Field(description="directory for the reader")
    questions: int = Field(8000, ge=1, description="training questions used (at most)")
    negatives: int = Field(7, ge=1, description="wrong sentences per question")
    epochs: float = Field(1.0, gt=0, description="passes over the questions")
    group_batch: int = Field(4, ge=1, description="questions per step")
    learning_rate: float = Field(5e-5, gt=0, description="peak learning rate")
    train_layers: int = Field(2, ge=1, le=6, description="top encoder layers fine-tuned")
    max_length: int = Field(96, ge=32, description="tokens per question and sentence")
    seed: int = Field(0, description="seed of sampling and initialisation")
    written: ExistingFiles = Field(
        default_factory=list,
        description="files of questions written by people with the sentence that answers each "
        "(JSONL: question, answers, title, support); those of training articles join the "
        "generated ones",
        json_schema_extra={"metavar": "FILE"},
    )
    written_repeats: int = Field(1, ge=1, description="times each written question is trained on")
    init: Path | None = Field(
        None, description="continue training this reader (default: start from MiniLM)"
    )
    calibration_questions: int = Field(
        300, ge=0, description="held-out questions the teacher's thresholds are chosen on"
    )
    abstain_questions: ExistingFiles = Field(
        default_factory=list,
        description="files of questions written by people (JSONL: question, answers, title) "
        "that place the abstention threshold instead of the generated ones",
        json_schema_extra={"metavar": "FILE"},
    )

    @field_validator("init")
    @classmethod
    def _holds_a_reader(cls, value: Path | None) -> Path | None:
        if value is None:
            return value
        from agent.reader import no_reader_at  # NumPy only, imported when --init is given

        if why := no_reader_at(value):
            raise ValueError(f"--init: {why}")
        return value
