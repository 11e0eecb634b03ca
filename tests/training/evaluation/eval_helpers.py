"""Shared pieces of the evaluation tests: questions the tiny corpus answers, and policies
that count their episodes or fail on purpose."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from agent.teacher import TeacherPolicy
from browser.observation import Observation
from training.evaluation.datasets import EvalItem

TINY_QUESTIONS = [
    ("q-devised", "who devised pointillism", ["Georges Seurat", "Seurat"], None),
    ("q-painted", "when was la grande jatte painted", ["1884 to 1886", "1884"], None),
    ("q-french", "what nationality was georges seurat", ["French"], "Seurat was French."),
    ("q-signac", "who developed pointillism with seurat", ["Paul Signac"], None),
    ("q-peru", "what is the capital of peru", ["Lima"], "Lima is the capital of Peru."),
    ("q-movement", "which art movement was seurat part of", ["post-Impressionism"], None),
]


def tiny_items(copies: int = 1) -> list[EvalItem]:
    """The tiny-corpus questions, each asked ``copies`` times under distinct ids."""
    return [
        EvalItem(id=f"{qid}-{n}", question=question if n == 0 else f"{question} ({n})",
                 answers=tuple(golds), long_answer=long_answer, source="tiny")
        for n in range(copies)
        for qid, question, golds, long_answer in TINY_QUESTIONS
    ]  # fmt: skip


@dataclass
class CountingTeacher:
    """The scripted teacher, counting the episodes it starts (shared across workers)."""

    starts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay: float = 0.0
    fail_on: str | None = None
    name: str = "counting-teacher"
    _teacher: TeacherPolicy = field(default_factory=TeacherPolicy)

    def reset(self, *, seed: int = 0) -> None:
        self._teacher.reset(seed=seed)

    def act(self, observation: Observation) -> str:
        if not observation.past_actions:
            with self.lock:
                self.starts[observation.question] += 1
        if self.fail_on is not None and self.fail_on in observation.question:
            raise RuntimeError(f"policy broke on {observation.question!r}")
        time.sleep(self.delay)
        return self._teacher.act(observation)

    def spawn(self) -> CountingTeacher:
        """A policy with its own teacher state that counts into the same tally."""
        return CountingTeacher(self.starts, self.lock, self.delay, self.fail_on)
