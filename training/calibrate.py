"""The reading teacher's two thresholds, chosen on held-out generated questions.

    thresholds = calibrate_teacher(reader.read, questions, corpus)

Each held-out question is asked twice with the teacher reading every planned page (no
early stop, no abstention): as it is, and with its article hidden from the corpus
(:mod:`training.unanswerable`), where the corpus usually cannot answer. From the best
sentence score of each run:

- ``abstain_below``: the highest threshold that costs at most ``max_cost`` of the
  answerable questions answered right (they would abstain instead), so abstaining on the
  hidden ones is as frequent as that budget allows;
- ``sure_above``: the lowest score at which quoting the first page's best sentence at once
  (skipping the other pages) loses no more than ``max_cost / 2`` of the right answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.loop import run_episode
from agent.reading_teacher import ReadFunction, ReadingTeacher
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.metrics import contains_answer
from training.questions import GeneratedQuestion
from training.unanswerable import WithoutPages

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trial:
    """What one question's teacher run found: the best score on each page in the order
    read (each with whether that page's best sentence holds a gold answer)."""

    pages: tuple[tuple[float, bool], ...]
    answerable: bool

    @property
    def best(self) -> tuple[float, bool]:
        return max(self.pages, key=lambda page: page[0]) if self.pages else (float("-inf"), False)


def trial(
    teacher: ReadingTeacher, question: GeneratedQuestion, browser: BrowserEnv, answerable: bool
) -> Trial:
    """Run the teacher (which must not stop early nor abstain) and read off its pages."""
    run_episode(question.question, teacher, browser)
    pages = tuple((best.score, contains_answer(best.sentence, question.answers))
                  for best in teacher.page_bests)  # fmt: skip
    return Trial(pages, answerable)


def calibrate_teacher(
    read: ReadFunction,
    questions: Sequence[GeneratedQuestion],
    corpus: CorpusBackend,
    *,
    max_cost: float = 0.04,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, float]:
    """The thresholds (see the module doc) and what they do on these questions."""
    teacher = ReadingTeacher(read=read, sure_above=float("inf"), abstain_below=float("-inf"))
    trials = []
    for number, question in enumerate(questions, 1):
        trials.append(trial(teacher, question, BrowserEnv(corpus), answerable=True))
        hidden = BrowserEnv(WithoutPages(corpus, {question.url}))
        trials.append(trial(teacher, question, hidden, answerable=False))
        if on_progress is not None:
            on_progress(number, len(questions))
    return choose_thresholds(trials, max_cost=max_cost)


def choose_thresholds(trials: Sequence[Trial], *, max_cost: float) -> dict[str, float]:
    """Pick both thresholds from recorded trials (pure: the tests check it by hand)."""
    answerable = [t for t in trials if t.answerable]
    hidden = [t for t in trials if not t.answerable]
    right = [t.best[0] for t in answerable if t.best[1]]
    scores = sorted({t.best[0] for t in trials if t.pages})
    budget = max_cost * len(answerable)
    abstain_below = min(scores, default=0.0)
    for threshold in scores:
        if sum(score < threshold for score in right) <= budget:
            abstain_below = threshold
    sure_above = max(scores, default=0.0)
    for threshold in reversed(scores):
        lost = sum(_early(t, threshold)[1] < t.best[1] for t in answerable)
        if lost <= budget / 2:
            sure_above = threshold
    return {
        "abstain_below": abstain_below,
        "sure_above": sure_above,
        "answerable_right": len(right) / max(1, len(answerable)),
        "answerable_right_after_abstaining": sum(s >= abstain_below for s in right)
        / max(1, len(answerable)),
        "hidden_abstained": sum(t.best[0] < abstain_below for t in hidden) / max(1, len(hidden)),
    }


def _early(trial: Trial, sure_above: float) -> tuple[float, bool]:
    """The sentence the teacher would quote with early stopping at ``sure_above``."""
    for score, right in trial.pages:
        if score >= sure_above:
            return score, right
    return trial.best
