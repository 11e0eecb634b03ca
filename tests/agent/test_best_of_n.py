from __future__ import annotations

from collections.abc import Sequence

import pytest

from agent.best_of_n import answer_key, best_of_n, most_agreed, pick_best
from agent.episode import Episode
from agent.teacher import TeacherPolicy
from browser.answer import ABSTAIN_ANSWER
from browser.caching import CachingBackend
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.observation import Observation


class AlternatingPolicy:
    """Batch policy: even episodes browse like the teacher, odd ones answer at once, wrongly."""

    name = "alternating"

    def __init__(self) -> None:
        self.alive: list[TeacherPolicy | None] = []  # one per active episode, in order
        self.batch_sizes: list[int] = []

    def reset(self, *, seed: int = 0) -> None:
        self.alive = []

    def act_batch(self, observations: Sequence[Observation]) -> list[str]:
        self.batch_sizes.append(len(observations))
        if not self.alive:
            self.alive = [TeacherPolicy() if i % 2 == 0 else None for i in range(len(observations))]
        commands = [
            teacher.act(observation) if teacher else "answer Claude Monet did."
            for teacher, observation in zip(self.alive, observations, strict=True)
        ]
        self.alive = [t for t, c in zip(self.alive, commands, strict=True)
                      if t and not c.startswith("answer")]  # fmt: skip
        return commands


def cites_quotes(episodes: Sequence[Episode]) -> list[float]:
    return [float(len(episode.cited_ids)) for episode in episodes]


def test_best_of_n_keeps_the_highest_scored_episode(tiny_corpus: CorpusBackend) -> None:
    policy = AlternatingPolicy()
    best, scored = best_of_n("who devised pointillism", policy, BrowserEnv(tiny_corpus),
                             cites_quotes, n=4, patience=None)  # fmt: skip
    assert len(scored) == 4
    assert [score for _, score in scored] == [1.0, 0.0, 1.0, 0.0]
    assert best is scored[0][0] and best.cited_ids == [1]
    assert policy.batch_sizes[0] == 4  # one batched call for all four at the first step


def test_the_n_episodes_share_one_cache(tiny_corpus: CorpusBackend) -> None:
    once = CachingBackend(tiny_corpus)
    best_of_n("who devised pointillism", TeacherPolicy(), BrowserEnv(once), cites_quotes, n=1)
    requests = once.misses + once.hits  # searches and pages one episode asks for
    cache = CachingBackend(tiny_corpus)
    best_of_n("who devised pointillism", TeacherPolicy(), BrowserEnv(cache), cites_quotes, n=5)
    assert cache.misses == once.misses  # five identical episodes fetch each thing once
    assert cache.hits + cache.misses == 5 * requests


def test_pick_best_checks_the_reward_and_breaks_ties_by_order(tiny_corpus: CorpusBackend) -> None:
    _, scored = best_of_n("who devised pointillism", TeacherPolicy(), BrowserEnv(tiny_corpus),
                          cites_quotes, n=2)  # fmt: skip
    episodes = [episode for episode, _ in scored]
    assert pick_best(episodes, lambda e: [0.5, 0.5])[0] is episodes[0]
    with pytest.raises(ValueError, match="gave 1 scores for 2 episodes"):
        pick_best(episodes, lambda e: [1.0])
    with pytest.raises(ValueError, match="n must be at least 1"):
        best_of_n("q", TeacherPolicy(), BrowserEnv(tiny_corpus), cites_quotes, n=0)


def test_a_vote_keeps_the_answer_most_samples_give(tiny_corpus: CorpusBackend) -> None:
    _, scored = best_of_n("who devised pointillism", AlternatingPolicy(), BrowserEnv(tiny_corpus),
                          cites_quotes, n=5, patience=None)  # fmt: skip
    episodes = [episode for episode, _ in scored]
    keys = [answer_key(episode) for episode in episodes]
    assert keys[1] == keys[3] == ("claude", "monet", "did") and keys[0] == keys[2] == keys[4]
    wrong_first = [0.0, 2.0, 0.5, 2.0, 0.1]  # the reward model prefers the wrong answer
    assert pick_best(episodes, lambda e: wrong_first)[0] is episodes[1]
    assert pick_best(episodes, lambda e: wrong_first, select="vote")[0] is episodes[2]
    # a tie in votes goes to the answer whose best sample scores highest
    assert most_agreed([("a",), ("b",), ("b",), ("a",)], [0.0, 0.2, 0.1, 0.3]) == [0, 3]
    # no answer does not vote; when nobody answered, every sample stays in the running
    assert most_agreed([None, ("a",), None], [9.0, 0.0, 9.0]) == [1]
    assert most_agreed([None, None], [0.0, 1.0]) == [0, 1]
    abstained = episodes[0].model_copy(update={"answer": ABSTAIN_ANSWER})
    assert answer_key(abstained) == ("<abstain>",)
    assert answer_key(episodes[0].model_copy(update={"answer": None})) is None
