"""Rejection sampling: draw n answers, keep the one the reward model scores highest.

    best, scored = best_of_n(question, policy, browser, reward, n=16)
    best, scored = best_of_n(question, policy, browser, reward, n=16, select="vote")

``select="vote"`` keeps the answer most samples agree on instead (self-consistency, Wang et
al. 2022), the reward model choosing among its samples and breaking ties: a policy that
has learnt what the reward model likes (GRPO) leaves it little to choose between, while
agreement between samples still says which answer the policy believes.

The n episodes run in lockstep (:func:`agent.loop.run_episodes`), so a policy with
``act_batch`` generates for all of them in one batch per step, and they share one
:class:`~browser.caching.CachingBackend`, so each search and page is fetched once. The
policy should sample (temperature > 0); with greedy decoding the n answers coincide.

Lockstep waits for the slowest episode, and a sampled policy sometimes wanders: repeating
one search, re-clicking one link, until the action budget ends it unanswered. Such
stragglers set best-of-n's wall time and almost never hold the answer the reward model
keeps, so once one episode has ended the rest get ``patience`` more actions and are then
dropped, unanswered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from agent.episode import Episode
from agent.loop import BatchPolicy, run_episodes
from agent.policy import Policy
from agent.reward import EpisodeScorer
from browser.answer import ABSTAIN_ANSWER
from browser.caching import CachingBackend
from browser.env import BrowserEnv
from browser.text import words

BEST_OF_TEMPERATURE = 0.8
"""Sampling temperature of best-of-n when none is given: n greedy answers would coincide."""
BEST_OF_TOP_P = 0.9
"""Nucleus mass of best-of-n when none is given: cutting the unlikely tail of each token's
distribution keeps samples from wandering (benchmarks/best_of_n_curve.py: better at every n,
and fewer samples that run to the action budget)."""
DEFAULT_PATIENCE = 4
"""Actions the stragglers get once one of best-of-n's episodes has ended. On 200 held-out
questions (benchmarks/best_of_n_curve.py, 16 samples each, the rule replayed on each
sample's length) patience 1 to 4 changed no gold-answer rate of best-of-4, 8 or 16, and
patience 4 cut best-of-8's lockstep actions per question from 5.80 to 4.50 (patience 1:
4.24). Patience 0 costs half a point."""

Selection = Literal["reward", "vote"]
"""How best-of-n keeps one of its samples: the reward model's highest, or the most agreed."""

_ARTICLES = frozenset({"a", "an", "the"})


def sample_episodes(
    question: str,
    policy: Policy | BatchPolicy,
    browser: BrowserEnv,
    n: int,
    *,
    seed: int = 0,
    patience: int | None = None,
) -> list[Episode]:
    """``n`` episodes of ``question``, in lockstep over one shared cache of the backend;
    ``seed`` and ``patience`` as in :func:`agent.loop.run_episodes`."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n!r}")
    backend = browser.backend
    shared = backend if isinstance(backend, CachingBackend) else CachingBackend(backend)
    browsers = [BrowserEnv(shared, browser.config) for _ in range(n)]
    return run_episodes(question, policy, browsers, seed=seed, patience=patience)


def best_of_n(
    question: str,
    policy: Policy | BatchPolicy,
    browser: BrowserEnv,
    reward: EpisodeScorer,
    n: int,
    *,
    seed: int = 0,
    patience: int | None = DEFAULT_PATIENCE,
    select: Selection = "reward",
) -> tuple[Episode, list[tuple[Episode, float]]]:
    """The best of ``n`` sampled episodes (see :func:`pick_best`), and every episode with its
    score. ``seed``: the run's seed (:func:`agent.loop.run_episodes`). ``patience``: once
    one episode has ended, how many more actions the rest may take before they are cut off
    unanswered (None: wait for all)."""
    episodes = sample_episodes(question, policy, browser, n, seed=seed, patience=patience)
    return pick_best(episodes, reward, select=select)


def pick_best(
    episodes: Sequence[Episode], reward: EpisodeScorer, *, select: Selection = "reward"
) -> tuple[Episode, list[tuple[Episode, float]]]:
    """Score ``episodes`` and return the best and all of them. ``reward``: the
    highest-scoring (the first one on ties); ``vote``: the highest-scoring of the samples
    that give the answer most samples give (:func:`answer_key`)."""
    scores = reward(episodes)
    if len(scores) != len(episodes):
        raise ValueError(f"the reward gave {len(scores)} scores for {len(episodes)} episodes")
    scored = list(zip(episodes, scores, strict=True))
    pool: Sequence[int] = range(len(scored))
    if select == "vote":
        pool = most_agreed([answer_key(episode) for episode in episodes], scores)
    best = max(pool, key=lambda i: (scored[i][1], -i))
    return scored[best][0], scored


def answer_key(episode: Episode) -> tuple[str, ...] | None:
    """What an episode answers, as votes count it: its short answer's words (folded, articles
    dropped), one key for every abstention, None when it gave no answer."""
    if not episode.answer:
        return None
    if episode.answer.strip() == ABSTAIN_ANSWER:
        return ("<abstain>",)
    key = tuple(w for w in words(episode.cited_answer.short_answer) if w not in _ARTICLES)
    return key or None


def most_agreed(keys: Sequence[tuple[str, ...] | None], scores: Sequence[float]) -> list[int]:
    """The indices of the samples whose answer (``keys``, :func:`answer_key`) is the most
    frequent (on a tie, the answer whose best sample scores highest); every index when no
    sample answered."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, key in enumerate(keys):
        if key is not None:
            groups.setdefault(key, []).append(index)
    if not groups:
        return list(range(len(keys)))
    return max(groups.values(), key=lambda group: (len(group), max(scores[i] for i in group)))
