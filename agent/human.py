"""A person at a prompt as the policy: ``webgpt browse`` and recorded demonstrations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.errors import InputClosed
from browser.observation import Observation


@dataclass
class HumanPolicy:
    """Shows each observation and reads the next command typed by a person.

    Args:
        show: displays the observation text (the CLI passes a rich console's print).
        read: reads one line; the built-in ``input`` (looked up at each call) by default.
    """

    show: Callable[[str], None]
    read: Callable[[str], str] | None = None
    name: str = "human"

    def reset(self, *, seed: int = 0) -> None:
        """Nothing to forget: the person remembers."""

    def act(self, observation: Observation) -> str:
        self.show(observation.render())
        while True:
            try:
                command = (self.read or input)("command> ").strip()
            except EOFError:
                raise InputClosed("input closed before an answer was given") from None
            if command:
                return command
