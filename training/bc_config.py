"""Settings of a behaviour-cloning run; torch-free, so the CLI can build its flags cheaply."""

from __future__ import annotations

from pydantic import Field

from training.run_config import RunConfig

DEFAULT_COPY_BIAS = 12.0
"""The from-scratch model's copy prior: it chooses where copies start, the prior continues them."""


class BCConfig(RunConfig):
    """Settings of a behaviour-cloning run (each field's description is its CLI help)."""

    model: str | None = Field(
        None, description="a local path or hub id of a causal LM; none: a small Llama from scratch"
    )
    learning_rate: float = Field(1e-3, gt=0, description="peak learning rate")
    max_length: int = Field(1024, ge=16, description="longer examples are dropped")
    warmup_lm_epochs: float = Field(
        0.0, ge=0, description="epochs of plain language modelling on whole examples first"
    )
    with_grammar: bool | None = Field(
        None, description="prepend the command reference to prompts (default: only with --model)"
    )
    copy_bias: float | None = Field(
        None,
        description="the saved policy's copy prior while it writes search/find/answer arguments "
        f"(agent/copy_bias.py; default {DEFAULT_COPY_BIAS} from scratch, 0 with --model)",
    )

    @property
    def bias(self) -> float:
        if self.copy_bias is None:
            return DEFAULT_COPY_BIAS if self.model is None else 0.0
        return self.copy_bias

    @property
    def grammar(self) -> bool:
        return self.model is not None if self.with_grammar is None else self.with_grammar
