"""The policy protocol: reset for an episode, then read an observation, write the next command."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from browser.observation import Observation


@runtime_checkable
class Policy(Protocol):
    """Anything that chooses browser commands.

    The episode loop calls ``reset(seed=…)`` before each episode: a policy forgets what it
    remembered and, if it samples, draws from a stream that ``seed`` alone determines
    (:func:`agent.seeds.derive_seed` of the run seed, the question and the sample index).
    ``act`` receives the full observation of the current step and returns one command as
    text (see :func:`browser.commands.grammar_help`).
    """

    name: str

    def reset(self, *, seed: int = 0) -> None: ...

    def act(self, observation: Observation) -> str: ...
