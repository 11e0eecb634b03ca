"""Demonstrations: episodes of a demonstrator policy on generated questions.

The scripted teacher (or a teacher model behind a chat endpoint) answers each question in
the browser; episodes whose answer contains the gold answer are appended to a JSONL file
as they finish. The file is append-only and a rerun skips questions already in it, so an
interrupted run resumes where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from agent.episode import append_episode, read_episodes
from agent.loop import run_episode
from agent.policy import Policy
from agent.prompt import build_prompt, completion_text
from browser.env import BrowserEnv
from browser.models import Value
from browser.records import DoneSet, write_records
from training.metrics import contains_answer
from training.questions import GeneratedQuestion

logger = logging.getLogger(__name__)


class PromptCompletion(Value):
    """One behaviour-cloning example in TRL's prompt-completion format."""

    prompt: str
    completion: str


def export_prompt_completions(
    episode_files: Sequence[Path], out: Path, *, with_grammar: bool
) -> int:
    """Every step of the episodes as a ``{prompt, completion}`` line of ``out`` (written
    atomically); returns the count."""
    examples = [
        PromptCompletion(
            prompt=build_prompt(step.observation, with_grammar=with_grammar),
            completion=completion_text(step.action),
        )
        for path in episode_files
        for episode in read_episodes(path)
        for step in episode.steps
    ]
    return write_records(out, examples)


def generate_demos(
    questions: Sequence[GeneratedQuestion],
    policy: Policy,
    browser: BrowserEnv,
    out: Path,
    *,
    keep_failures: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Run ``policy`` on every question not yet in ``out``; append the kept episodes.

    Returns: counts of questions ``done`` before, ``run`` now, ``kept`` and ``rejected``.
    """
    done = {episode.question for episode in read_episodes(out)} if out.is_file() else set()
    attempted = DoneSet(out.with_name(out.name + ".rejected"))
    counts = {"done": len(done) + len(attempted), "run": 0, "kept": 0, "rejected": 0}
    for number, question in enumerate(questions, 1):
        if question.question in done or question.question in attempted:
            continue
        episode = run_episode(question.question, policy, browser)
        correct = contains_answer(episode.answer or "", question.answers)
        counts["run"] += 1
        if correct or keep_failures:
            append_episode(out, episode)
            counts["kept"] += 1
        else:
            counts["rejected"] += 1
            attempted.add(question.question)
        if on_progress is not None:
            on_progress(number, len(questions))
    return counts

