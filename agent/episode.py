"""The episode record: every observation and command of one run, as one JSONL line.

This is the demonstration format: ``steps[i].observation`` is the exact text the policy
read before it issued ``steps[i].action``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import Field, ValidationError

from agent.errors import EpisodeFormatError
from browser.env import CITATION_RE
from browser.models import Quote, Value

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
        """Every quote, numbered as the answer cites them ([1] is the first)."""
        return [
            Reference(id=n, title=q.title, url=q.url, quote=q.text)
            for n, q in enumerate(self.quotes, 1)
        ]

    @property
    def cited_ids(self) -> list[int]:
        """The quote numbers the answer cites, in order of first citation."""
        found = (int(n) for n in CITATION_RE.findall(self.answer or ""))
        return list(dict.fromkeys(n for n in found if 1 <= n <= len(self.quotes)))

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
    path.parent.mkdir(parents=True, exist_ok=True)
    line = episode.model_dump_json() + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_episodes(path: Path) -> Iterator[Episode]:
    """Episodes of a JSONL file, validated.

    Raises:
        EpisodeFormatError: naming the file, line and field of the first bad record.
    """
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield Episode.model_validate(json.loads(line))
            except json.JSONDecodeError as exc:
                raise EpisodeFormatError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            except ValidationError as exc:
                first = exc.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "(record)"
                raise EpisodeFormatError(
                    f"{path}:{number}: field {field!r}: {first['msg']}"
                ) from None
