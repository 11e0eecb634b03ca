"""The episode record: every observation and command of one run, as one JSONL line.

This is the demonstration format: ``steps[i].observation`` is the exact text the policy
read before it issued ``steps[i].action``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from agent.errors import EpisodeFormatError
from browser.answer import CitedAnswer
from browser.models import Quote, Value
from browser.records import append_records, read_records

FORMAT_VERSION = 1


class Step(Value):
    """One turn: what the policy saw, what it did, and the error that action caused."""

    observation: str
    action: str
    error: str | None = None


class Reference(Value):
    """A numbered quote as shown under an answer."""

    id: int
    title: str
    url: str
    quote: str


class Episode(Value):
    """A finished episode."""

    format_version: int = FORMAT_VERSION
    question: str
    answer: str | None = Field(description="None when the action budget ran out first")
    quotes: tuple[Quote, ...] = ()
    steps: tuple[Step, ...] = ()
    final_observation: str = ""
    terminated: bool
    truncated: bool
    policy: str
    backend: str
    started_at: str
    seconds: float = Field(ge=0)

    @property
    def references(self) -> list[Reference]:
        """The quotes the answer cites, in order of first citation, each under the number the
        answer cites it by; quotes kept but never cited are not references."""
        return [
            Reference(id=n, title=q.title, url=q.url, quote=q.text)
            for n, q in zip(self.cited_ids, self.cited_answer.cited_quotes, strict=True)
        ]

    @property
    def cited_answer(self) -> CitedAnswer:
        """The answer ('' when the budget ran out first) with every quote it may cite."""
        return CitedAnswer(text=self.answer or "", quotes=self.quotes)

    @property
    def cited_ids(self) -> list[int]:
        """The quote numbers the answer cites, in order of first citation."""
        return self.cited_answer.cited_ids

    def summary(self) -> dict[str, object]:
        """The ``webgpt ask --json`` view: question, answer, references and steps."""
        return {
            "question": self.question,
            "answer": self.answer,
            "references": [r.model_dump() for r in self.references],
            "steps": [{"action": s.action, "observation": s.observation} for s in self.steps],
        }


def append_episode(path: Path, episode: Episode) -> None:
    """Append one episode as a JSON line; the write is flushed and synced before returning."""
    append_records(path, [episode])


def read_episodes(path: Path) -> list[Episode]:
    """Every episode of a JSONL file, validated.

    Raises:
        EpisodeFormatError: naming the file, line and field of the first bad record (or
            the file, when it is missing or unreadable).
    """
    return read_records(path, Episode, error=EpisodeFormatError)
