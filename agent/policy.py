"""The policy protocol: read an observation, write the next command."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from browser.observation import Observation


@runtime_checkable
class Policy(Protocol):
    """Anything that chooses browser commands.

    ``act`` receives the full observation of the current step and returns one command as
    text (see :func:`browser.commands.grammar_help`). A policy that keeps memory across steps
    starts afresh when it sees an observation with no past actions (a new episode).
    """

    name: str

    def act(self, observation: Observation) -> str: ...
