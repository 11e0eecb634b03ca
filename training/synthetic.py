"""Synthetic comparisons: sample several episodes per question and let a judge label the pairs.

    sample = policy_sampler(lambda k: dataclasses.replace(lm_policy, seed=1000 * k), browser)
    counts = synthesize_comparisons(questions, sample, ReferenceJudge(), Path("pairs.jsonl"))

For each question ``sample_episodes(question, n)`` draws ``n`` episodes (for instance the BC
policy at temperature 0.8 with ``n`` different seeds, as :func:`policy_sampler` makes).
Episodes with the same answer and quotes count once; every pair of distinct episodes becomes
one comparison, labelled ``"A"``, ``"B"`` or ``"tie"`` by :func:`training.judge.judge_pair`,
with the judge's name in ``judge`` and both judgements (score and criteria) in ``ratings``.
Which episode is A is drawn from a generator seeded by ``seed`` and the question, so the
file has no position bias and a rerun makes the same file.

All pairs of one question are appended in one synced write. A rerun skips questions already
in the file, and questions that gave no pair (listed in the ``<out>.nopairs`` sidecar), so an
interrupted run resumes where it stopped.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from agent.episode import Episode
from agent.loop import run_episode
from agent.policy import Policy
from browser.env import BrowserEnv
from browser.records import DoneSet
from browser.text import collapse_spaces
from training.comparisons import (
    Comparison,
    append_comparisons,
    read_comparisons,
)
from training.judge import TIE_EPSILON, GoldQuestion, Judgement, judge_pair

logger = logging.getLogger(__name__)

Sampler = Callable[[str, int], list[Episode]]
"""``(question, n) -> n episodes`` of that question."""


class Judge(Protocol):
    """Scores one episode of a question (:class:`training.judge.ReferenceJudge` is one)."""

    @property
    def name(self) -> str: ...

    def __call__(self, question: GoldQuestion, episode: Episode) -> Judgement: ...


def policy_sampler(make_policy: Callable[[int], Policy], browser: BrowserEnv) -> Sampler:
    """A sampler whose k-th episode of every question is run by ``make_policy(k)``::

        lm = LMPolicy.from_pretrained(path, temperature=0.8)
        sample = policy_sampler(lambda k: dataclasses.replace(lm, seed=1000 * k), browser)

    (a fresh policy per episode, so each question's samples do not depend on the others).
    """

    def sample(question: str, n: int) -> list[Episode]:
        return [run_episode(question, make_policy(k), browser) for k in range(n)]

    return sample


def synthesize_comparisons(
    questions: Sequence[GoldQuestion],
    sample_episodes: Sampler,
    judge: Judge,
    out_path: Path,
    *,
    n_samples: int = 4,
    seed: int = 0,
    epsilon: float = TIE_EPSILON,
    keep_ties: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Sample, judge and append comparisons for every question not yet in ``out_path``.

    Args:
        questions: questions with gold answers (e.g. generated training-split questions).
        sample_episodes: draws ``n`` episodes of a question.
        judge: scores each episode; its ``name`` is recorded with every label.
        out_path: the comparisons JSONL, appended to.
        n_samples: episodes drawn per question (at least 2).
        seed: seeds the A/B order.
        epsilon: judge scores this close make a tie.
        keep_ties: write tied pairs (labelled ``"tie"``) too.
        on_progress: called with ``(questions handled, total)`` after each question.

    Returns: counts of questions ``skipped`` (done before) and ``run``, of comparisons
        ``preferred`` (A or B) and ``ties`` written, of ``dropped_ties``, and of sampled
        episodes that were ``duplicates`` of another.
    """
    if n_samples < 2:
        raise ValueError(f"n_samples {n_samples!r} must be at least 2 to make a pair")
    done = {c.question for c in read_comparisons(out_path)} if out_path.is_file() else set()
    no_pairs = DoneSet(out_path.with_name(out_path.name + ".nopairs"))
    counts = dict.fromkeys(("skipped", "run", "preferred", "ties", "dropped_ties", "duplicates"), 0)
    for number, question in enumerate(questions, 1):
        if question.question in done or question.question in no_pairs:
            counts["skipped"] += 1
        else:
            episodes = sample_episodes(question.question, n_samples)
            distinct = _distinct(question.question, episodes)
            counts["duplicates"] += len(episodes) - len(distinct)
            rng = random.Random(f"{seed}:{question.question}")
            pairs = pair_comparisons(question, distinct, judge, rng=rng, epsilon=epsilon)
            kept = [p for p in pairs if keep_ties or p.preference != "tie"]
            counts["run"] += 1
            counts["ties"] += sum(p.preference == "tie" for p in kept)
            counts["preferred"] += sum(p.preference != "tie" for p in kept)
            counts["dropped_ties"] += len(pairs) - len(kept)
            if append_comparisons(out_path, kept) == 0:
                no_pairs.add(question.question)
        if on_progress is not None:
            on_progress(number, len(questions))
    return counts


def pair_comparisons(
    question: GoldQuestion,
    episodes: Sequence[Episode],
    judge: Judge,
    *,
    rng: random.Random,
    epsilon: float = TIE_EPSILON,
) -> list[Comparison]:
    """One labelled comparison per pair of ``episodes``; ``rng`` decides which side is A."""
    judgements = [judge(question, episode) for episode in episodes]
    comparisons = []
    for i, j in itertools.combinations(range(len(episodes)), 2):
        if rng.random() < 0.5:
            i, j = j, i
        a, b = judgements[i], judgements[j]
        ratings = {"score_a": a.score, "score_b": b.score}
        ratings |= {f"a.{name}": value for name, value in a.criteria.items()}
        ratings |= {f"b.{name}": value for name, value in b.criteria.items()}
        comparisons.append(
            Comparison(
                question=question.question,
                answer_a=episodes[i].cited_answer,
                answer_b=episodes[j].cited_answer,
                preference=judge_pair(a, b, epsilon=epsilon),
                ratings=ratings,
                judge=judge.name,
            )
        )
    return comparisons


def _distinct(question: str, episodes: Sequence[Episode]) -> list[Episode]:
    """The episodes with distinct (answer, quotes), first of each kept; checks the question."""
    seen: dict[str, Episode] = {}
    for episode in episodes:
        if collapse_spaces(episode.question) != collapse_spaces(question):
            raise ValueError(
                f"the sampler returned an episode of {episode.question!r} for {question!r}"
            )
        seen.setdefault(episode.cited_answer.model_dump_json(), episode)
    return list(seen.values())

