"""What every self-improvement round shares, whichever policy it improves: the question
draws, the rewards, the kept episodes, the held-out measures and the table with its flags.

The ranking policy's rounds (expert iteration or GRPO) are :mod:`training.iterate`; the
causal-LM policy's (expert iteration) are :mod:`training.iterate_lm`.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.episode import Episode
from agent.loop import run_episode
from agent.policy import Policy
from agent.reward import AnswerScorer
from browser.answer import ABSTAIN_ANSWER
from browser.env import BrowserEnv
from browser.models import Value
from browser.records import write_atomic, write_records
from training.iterate_config import IterateConfig
from training.metrics import cites_gold
from training.questions import GeneratedQuestion
from training.ranker import StepExample
from training.unanswerable import WithoutPages

logger = logging.getLogger(__name__)


ROUNDS_FILE = "rounds.json"


@dataclass(frozen=True)
class Sample:
    """One sampled episode, its reward and the ranking head's view of each of its steps
    (none for the LM policy, which clones the episode itself)."""

    episode: Episode
    reward: float
    steps: tuple[StepExample, ...] = ()


def split_questions(
    config: IterateConfig, questions: Sequence[GeneratedQuestion]
) -> tuple[list[GeneratedQuestion], list[GeneratedQuestion]]:
    """The training questions, and the ``validation`` held-out ones every round measures."""
    train = [q for q in questions if q.split == "train"]
    heldout = random.Random(f"{config.seed}:validation").sample(
        [q for q in questions if q.split == "heldout"], config.validation
    )
    return train, heldout


def round_questions(
    config: IterateConfig, train: Sequence[GeneratedQuestion], number: int
) -> list[tuple[GeneratedQuestion, bool]]:
    """A round's training questions, each with whether it is asked with its article hidden
    (the first ``hidden_share`` of them); the draw depends on the seed and round alone."""
    rng = random.Random(f"{config.seed}:{number}")
    chosen = rng.sample(list(train), min(config.questions, len(train)))
    hidden = int(len(chosen) * config.hidden_share)
    return [(question, index < hidden) for index, question in enumerate(chosen)]


def round_row(
    previous: dict[str, float], number: int, sampled_reward: float, measured: dict[str, float]
) -> dict[str, float]:
    """A round's row of the table with its flags; a raised flag is logged as a warning."""
    row = {"round": float(number), "sampled_reward": sampled_reward, **measured}
    row |= round_flags(previous, row)
    for flag in (name for name, raised in row.items() if name.startswith("flag_") and raised):
        logger.warning("round %d: %s (see rounds.json)", number, flag)
    logger.info("round %d: %s", number, json.dumps(row))
    return row


def round_flags(previous: dict[str, float], row: dict[str, float]) -> dict[str, float]:
    """The two known failures of optimising against a reward model, as 0/1 flags:

    - ``flag_reward_hacking``: the reward model's held-out score rose while the gold rate
      fell by more than 2 points;
    - ``flag_abstention_collapse``: abstaining where the article is hidden fell by 20
      points or more, to under half of what it was (the policy learnt that an answer,
      any answer, scores better than an honest "I could not find it").
    """
    was, now = previous.get("hidden_abstained"), row.get("hidden_abstained")
    collapsed = was is not None and now is not None and was - now >= 0.2 and now < was / 2
    return {
        "flag_reward_hacking": float(
            row["heldout_reward"] > previous["heldout_reward"]
            and row["heldout_gold"] < previous["heldout_gold"] - 0.02
        ),
        "flag_abstention_collapse": float(collapsed),
    }


def answer_rewards(
    question: GeneratedQuestion,
    episodes: Sequence[Episode],
    reward: AnswerScorer,
    config: IterateConfig,
    *,
    hidden: bool,
) -> list[float]:
    """Each episode's reward: the reward model's score of its answer, plus ``outcome_weight``
    when the gold answer is in it with a citation or, where the question's article is
    ``hidden``, when it abstains."""
    scores = reward([(e.question, e.cited_answer) for e in episodes])
    right = [is_honest(e) if hidden else is_right(e, question) for e in episodes]
    return [float(s) + config.outcome_weight * r for s, r in zip(scores, right, strict=True)]


def kept_index(group: Sequence[Sample], config: IterateConfig) -> int | None:
    """The sample of one question that expert iteration keeps: the highest-rewarded (the
    first of a tie), when its reward clears ``keep_above``; none under GRPO."""
    best = max(range(len(group)), key=lambda i: group[i].reward)
    keep = config.method == "expert" and group[best].reward > config.keep_above
    return best if keep else None


def kept_episodes(groups: Sequence[Sequence[Sample]], config: IterateConfig) -> list[Episode]:
    """The episode each question's group keeps (:func:`kept_index`), in order."""
    kept = [(group, kept_index(group, config)) for group in groups]
    return [group[index].episode for group, index in kept if index is not None]


class HeldoutOutcome(Value):
    """The greedy policy on one held-out question (its ``index`` among them): the gold
    answer cited, the reward model's score; asked again with its article hidden (even
    indexes only), whether it abstained."""

    index: int
    gold: bool
    reward: float
    abstained: bool | None = None


def heldout_outcomes(
    policy: Policy,
    questions: Sequence[tuple[int, GeneratedQuestion]],
    browser: BrowserEnv,
    reward: AnswerScorer,
    config: IterateConfig,
) -> list[HeldoutOutcome]:
    """One outcome per ``(index, question)``; a share of the held-out questions (one
    process's) is measured this way and the outcomes of all summed up by :func:`summarize`."""
    episodes = [run_episode(q.question, policy, browser, seed=config.seed) for _, q in questions]
    scores = reward([(e.question, e.cited_answer) for e in episodes])
    outcomes = []
    for (index, question), episode, score in zip(questions, episodes, scores, strict=True):
        abstained = None
        if index % 2 == 0:
            where = without_article(browser, question)
            abstained = is_honest(run_episode(question.question, policy, where, seed=config.seed))
        outcomes.append(HeldoutOutcome(index=index, gold=is_right(episode, question),
                                       reward=float(score), abstained=abstained))  # fmt: skip
    return outcomes


def summarize(outcomes: Sequence[HeldoutOutcome]) -> dict[str, float]:
    """The table's held-out columns from every question's outcome."""
    abstained = [o.abstained for o in outcomes if o.abstained is not None]
    return {
        "heldout_gold": float(np.mean([o.gold for o in outcomes])),
        "heldout_reward": float(np.mean([o.reward for o in outcomes])),
        "heldout_questions": float(len(outcomes)),
        "hidden_abstained": float(np.mean(abstained)) if abstained else 0.0,
    }


def is_right(episode: Episode, question: GeneratedQuestion) -> bool:
    """The gold answer is in the answer, which cites a quote."""
    return cites_gold(episode, question.answers)


def is_honest(episode: Episode) -> bool:
    """It said it could not find the answer (right where the answering article is hidden)."""
    return episode.answer == ABSTAIN_ANSWER


def without_article(browser: BrowserEnv, question: GeneratedQuestion) -> BrowserEnv:
    """The same browser settings over the corpus without the question's own article."""
    return BrowserEnv(WithoutPages(browser.backend, {question.url}), browser.config)


class SampleRecord(Value):
    """One sampled answer of a round, its reward, and whether expert iteration kept it."""

    question: str
    answer: str | None
    reward: float
    kept: bool


def write_samples(path: Path, groups: Sequence[Sequence[Sample]], config: IterateConfig) -> None:
    """A round's sampled answers with their rewards, each marked when it was kept."""
    records = []
    for group in groups:
        kept = kept_index(group, config)
        for index, one in enumerate(group):
            records.append(SampleRecord(question=one.episode.question, answer=one.episode.answer,
                                        reward=one.reward, kept=index == kept))  # fmt: skip
    write_records(path, records)


def read_rows(out: Path) -> list[dict[str, float]]:
    """The table of the rounds finished in ``out`` (empty before round 0 is measured)."""
    path = out / ROUNDS_FILE
    return list(json.loads(path.read_text())) if path.is_file() else []


def write_rows(out: Path, rows: list[dict[str, float]]) -> None:
    """The table, written whole and atomically."""
    write_atomic(out / ROUNDS_FILE, json.dumps(rows, indent=1) + "\n")


def plot_rounds(rows: Sequence[dict[str, float]], path: Path) -> None:
    """Gold-answer rate and reward-model score per round, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.6))
    rounds = [row["round"] for row in rows]
    axes.plot(
        rounds, [row["heldout_gold"] for row in rows], marker="o", label="gold answer (held out)"
    )
    if all("hidden_abstained" in row for row in rows):
        axes.plot(rounds, [row["hidden_abstained"] for row in rows], marker="^", linestyle="--",
                  color="tab:green", label="abstained, article hidden")  # fmt: skip
    axes.set_xlabel("round")
    axes.set_xticks(rounds)
    axes.set_ylim(0, 1)  # the whole scale: a few points' change should look like one
    axes.set_ylabel("rate, held-out questions")
    other = axes.twinx()
    other.plot(
        rounds,
        [row["heldout_reward"] for row in rows],
        marker="s",
        color="tab:orange",
        label="reward model score",
    )
    other.set_ylabel("mean reward")
    lines = axes.get_lines() + other.get_lines()
    axes.legend(lines, [str(line.get_label()) for line in lines], loc="center left", fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
