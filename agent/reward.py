"""What a reward is, torch-free: a score for an answer to a question, higher is better.

:class:`agent.reward_model.RewardModel` is one; any callable of this shape is another (a
test's, or a judge's). Best-of-n keeps the episode whose answer scores highest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agent.episode import Episode
from browser.answer import CitedAnswer

QuestionAnswer = tuple[str, CitedAnswer]
"""What a reward reads: a question and an answer with its quotes."""
AnswerScorer = Callable[[Sequence[QuestionAnswer]], list[float]]
"""Scores answers to questions, one score per input."""
EpisodeScorer = Callable[[Sequence[Episode]], list[float]]
"""Scores finished episodes, one score per episode."""


def episode_scorer(reward: AnswerScorer) -> EpisodeScorer:
    """The reward of each episode's final answer with its quotes (no answer scores as "")."""

    def score(episodes: Sequence[Episode]) -> list[float]:
        return list(reward([(e.question, e.cited_answer) for e in episodes]))

    return score
