"""A Hugging Face causal language model as the browsing policy.

    policy = LMPolicy.from_pretrained("agent/checkpoints/bc-default")
    episode = run_episode(question, policy, browser)

The prompt is built from the observation (:mod:`agent.prompt`); the reply's first line is
the command. A reply that does not parse is resampled (up to ``retries`` times, at a
temperature of at least 0.7); after that the last reply is returned as it is and the
browser reports its error, as it would for any policy. ``unparsable`` counts such replies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from agent.copy_bias import PromptCopyBias
from agent.decoding import Sampling, generate_replies
from agent.prompt import build_prompt, first_command
from agent.seeds import derive_seed
from agent.shipped import DEFAULT_POLICY
from browser.commands import is_command
from browser.observation import Observation

POLICY_CONFIG = "webgpt_policy.json"
DEFAULT_CHECKPOINT = DEFAULT_POLICY


@dataclass
class LMPolicy:
    """Choose commands by sampling from a causal LM.

    Args:
        model: a ``transformers`` causal LM.
        tokenizer: its tokenizer.
        with_grammar: prepend the command reference to each prompt.
        temperature: 0 for greedy decoding.
        top_p: nucleus sampling mass when sampling.
        max_new_tokens: longest reply.
        retries: resamples of an unparsable reply before giving it to the browser.
        seed: the sampling seed until the episode loop resets the policy with its own;
            each step then draws from ``derive_seed(seed, step, attempt)``.
        copy_bias: logit bonus for continuing a copy of the prompt inside ``search``,
            ``find`` and ``answer`` arguments (:mod:`agent.copy_bias`); 0 turns it off.
    """

    model: Any
    tokenizer: Any
    with_grammar: bool = False
    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 96
    retries: int = 2
    seed: int = 0
    copy_bias: float = 0.0
    name: str = "lm"
    steps: int = field(default=0, init=False)  # act_batch calls since the last reset
    unparsable: int = field(default=0, init=False)
    line_end_ids: tuple[int, ...] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.temperature < 0 or not 0 < self.top_p <= 1 or self.retries < 0:
            raise ValueError(
                f"temperature {self.temperature!r} must be >= 0, top_p {self.top_p!r} in (0, 1], "
                f"retries {self.retries!r} >= 0"
            )
        self.model.eval()

    @classmethod
    def from_pretrained(
        cls, path_or_id: str | Path = DEFAULT_CHECKPOINT, **options: Any
    ) -> LMPolicy:
        """Load a model and tokenizer (and saved prompt settings, when present)."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        settings_file = Path(path_or_id) / POLICY_CONFIG
        if settings_file.is_file():
            options = {**json.loads(settings_file.read_text()), **options}
        model = AutoModelForCausalLM.from_pretrained(str(path_or_id), dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(path_or_id))
        return cls(model=model, tokenizer=tokenizer, **options)

    def _line_ends(self) -> tuple[int, ...]:
        """The tokens holding a newline: a command is one line, so a reply ends at its
        first. A model that runs on past it (``search Tunes)\nabaolds…``) wrote the rest
        of its 96 tokens for nothing: in best-of-8 such rows held the whole batch."""
        if self.line_end_ids is None:
            vocabulary = range(len(self.tokenizer))
            self.line_end_ids = tuple(i for i in vocabulary if "\n" in self.tokenizer.decode([i]))
        return self.line_end_ids

    def reset(self, *, seed: int = 0) -> None:
        """Start an episode (or a lockstep batch of them): the same seed draws the same
        samples again."""
        self.seed, self.steps = seed, 0

    def act(self, observation: Observation) -> str:
        return self.act_batch([observation])[0]

    def act_batch(self, observations: Sequence[Observation]) -> list[str]:
        """Commands for several observations from one batched generation (one forward
        pass per token for all of them); unparsable replies are resampled together."""
        prompts = [build_prompt(o.render(), with_grammar=self.with_grammar) for o in observations]
        self.steps += 1
        replies = self._generate(prompts, self.temperature, 0)
        commands = [first_command(reply) for reply in replies]
        for attempt in range(1, self.retries + 1):
            bad = [i for i, command in enumerate(commands) if not is_command(command)]
            if not bad:
                break
            again = self._generate([prompts[i] for i in bad], max(self.temperature, 0.7), attempt)
            for i, reply in zip(bad, again, strict=True):
                commands[i] = first_command(reply)
        self.unparsable += sum(not is_command(command) for command in commands)
        return commands

    def _generate(self, prompts: list[str], temperature: float, attempt: int) -> list[str]:
        limit = self.model.config.max_position_embeddings - self.max_new_tokens
        self.tokenizer.padding_side = "left"  # generation continues every row at its end
        self.tokenizer.truncation_side = "left"  # keep the end, where the page window is
        batch = self.tokenizer(
            prompts, add_special_tokens=False, padding=True, truncation=True,
            max_length=limit, return_tensors="pt",
        )  # fmt: skip
        sampling = Sampling(
            temperature=temperature,
            top_p=self.top_p,
            max_new_tokens=self.max_new_tokens,
            eos_token_id=self.tokenizer.eos_token_id,
            seed=derive_seed(self.seed, self.steps, attempt),  # each retry draws anew
            stop_token_ids=self._line_ends(),
        )
        prior = None
        if self.copy_bias:
            prior = PromptCopyBias(
                batch["input_ids"], batch["attention_mask"], self.tokenizer, self.copy_bias
            )
        replies = generate_replies(
            self.model, batch["input_ids"], batch["attention_mask"], sampling, prior
        )
        return [
            str(text) for text in self.tokenizer.batch_decode(replies, skip_special_tokens=True)
        ]
