"""The policy learns from its own best answers: expert iteration, or a policy-gradient step
(GRPO-style), against the reward model, round after round.

    webgpt train iterate --out runs/iterate --rounds 3 --method expert

Each round samples ``samples`` episodes per training question from the current ranking
policy (:mod:`agent.ranker_policy`) at ``temperature`` and scores each answer: the reward
model's score, plus ``outcome_weight`` when the question's gold answer is in the answer
with a citation (the outcome reward of Search-R1 and R1-Searcher). A ``hidden_share`` of
the questions is asked with its article hidden (:mod:`training.unanswerable`); there the
outcome reward goes to an honest abstention, so answering anyway never pays. Then:

- ``expert`` (expert iteration, Anthony et al. 2017): the best episode of each question
  is kept when its reward clears ``keep_above``; the head is cloned again on the teacher's
  demonstrations and every kept episode so far.
- ``grpo`` (group-relative policy optimisation, Shao et al. 2024): each episode's
  advantage is its reward standardised within its question's group; the head takes
  ``pg_epochs`` Adam steps on ``-advantage * log pi(action)`` summed over the episode,
  plus ``kl_weight`` times the KL divergence from the round's starting head (the
  behaviour-cloned one in round 1).

After each round the greedy policy answers held-out generated questions (and half as many
with their article hidden: how often it abstains there), and the table (``rounds.json``)
gets the reward model's mean score and the gold-answer rate side by side:
when the score rises while the gold rate falls, the round is flagged (reward hacking), and
so it is when abstaining where the article is hidden collapses (:func:`round_flags`).
Rounds resume: a finished round's head and numbers are read back, not redone.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from agent.episode import Episode, append_episode, read_episodes
from agent.loop import run_episode
from agent.ranker_policy import FEATURES, HEAD_FILE, SETTINGS_FILE, PolicyHead, RankerPolicy
from agent.reward import AnswerScorer
from browser.answer import ABSTAIN_ANSWER
from browser.env import BrowserEnv
from browser.models import Value
from browser.records import write_records
from training.iterate_config import IterateConfig
from training.metrics import contains_answer
from training.questions import GeneratedQuestion
from training.ranker import StepExample, fit_head, replay
from training.ranker_config import RankerConfig
from training.unanswerable import WithoutPages

logger = logging.getLogger(__name__)
ROUNDS_FILE = "rounds.json"


@dataclass(frozen=True)
class Sample:
    """One sampled episode, its reward and the head's view of each of its steps."""

    episode: Episode
    reward: float
    steps: tuple[StepExample, ...]


def iterate(
    config: IterateConfig,
    questions: Sequence[GeneratedQuestion],
    demonstrations: Sequence[Episode],
    browser: BrowserEnv,
    policy_factory: Callable[[PolicyHead, float], RankerPolicy],
    start: PolicyHead,
    reward: AnswerScorer,
) -> list[dict[str, float]]:
    """Run (or resume) the rounds; returns the table, one row per round (round 0: start)."""
    config.out.mkdir(parents=True, exist_ok=True)
    train = [q for q in questions if q.split == "train"]
    heldout = random.Random(f"{config.seed}:validation").sample(
        [q for q in questions if q.split == "heldout"], config.validation
    )
    teacher_steps, _ = replay(demonstrations, browser, policy_factory(start, 0.0))
    logger.info("replayed %d demonstrations", len(demonstrations))
    rows = _read_rows(config.out)
    if not rows:
        rows = [
            {"round": 0.0, **measure(policy_factory(start, 0.0), heldout, browser, reward, config)}
        ]
        _write_rows(config.out, rows)
    head = _head_of(config.out, len(rows) - 1) or start
    kept_file = config.out / "kept.jsonl"
    for number in range(len(rows), config.rounds + 1):
        rng = random.Random(f"{config.seed}:{number}")
        chosen = rng.sample(train, min(config.questions, len(train)))
        hidden = chosen[: int(len(chosen) * config.hidden_share)]
        samples = []
        for done, question in enumerate(chosen, 1):
            policy = policy_factory(head, config.temperature)
            where = _without(browser, question) if question in hidden else browser
            samples.append(sample(question, policy, where, reward, config, number))
            if done % 25 == 0 or done == len(chosen):
                logger.info("round %d: sampled %d/%d questions", number, done, len(chosen))
        if config.method == "expert":
            for group in samples:
                best = max(group, key=lambda s: s.reward)
                if best.reward > config.keep_above:
                    append_episode(kept_file, best.episode)
        _write_samples(config.out / f"round-{number}" / "samples.jsonl", samples, config)
        if config.method == "expert":
            kept = read_episodes(kept_file) if kept_file.is_file() else []
            kept_steps, _ = replay(kept, browser, policy_factory(head, 0.0))
            head, _ = fit_head(
                [*teacher_steps, *kept_steps], RankerConfig(out=config.out, seed=config.seed)
            )
        else:
            head = grpo_step(head, samples, config)
        _save_head(config.out, number, head)
        scores = [s.reward for group in samples for s in group]
        row = {
            "round": float(number),
            "sampled_reward": float(np.mean(scores)),
            **measure(policy_factory(head, 0.0), heldout, browser, reward, config),
        }
        row |= round_flags(rows[-1], row)
        for flag in (name for name, raised in row.items() if name.startswith("flag_") and raised):
            logger.warning("round %d: %s (see rounds.json)", number, flag)
        rows.append(row)
        _write_rows(config.out, rows)
        logger.info("round %d: %s", number, json.dumps(row))
    return rows


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


def sample(
    question: GeneratedQuestion,
    policy: RankerPolicy,
    browser: BrowserEnv,
    reward: AnswerScorer,
    config: IterateConfig,
    round_number: int,
) -> list[Sample]:
    """``config.samples`` episodes of one question, each with its reward and steps."""
    episodes, traces = [], []
    for index in range(config.samples):
        episodes.append(
            run_episode(
                question.question,
                policy,
                browser,
                seed=config.seed + 1000 * round_number,
                sample=index,
            )
        )
        traces.append(tuple(StepExample(f, i) for f, i in policy.trace))
    scores = reward([(e.question, e.cited_answer) for e in episodes])
    hidden = isinstance(browser.backend, WithoutPages)
    found = []
    for episode, score, trace in zip(episodes, scores, traces, strict=True):
        right = _honest(episode) if hidden else _right(episode, question)
        found.append(Sample(episode, float(score) + config.outcome_weight * right, trace))
    return found


def grpo_step(
    head: PolicyHead, groups: Sequence[Sequence[Sample]], config: IterateConfig
) -> PolicyHead:
    """Policy-gradient steps with group-standardised advantages and a KL to ``head``."""
    params = [torch.tensor(a, requires_grad=True) for a in (head.w1, head.b1, head.w2)]
    bias = torch.tensor(head.b2, requires_grad=True)
    reference = [torch.tensor(a) for a in (head.w1, head.b1, head.w2)]
    steps: list[tuple[torch.Tensor, int, float]] = []
    for group in groups:
        rewards = np.array([s.reward for s in group])
        spread = rewards.std()
        if spread < 1e-6:
            continue  # every sample alike: nothing to prefer
        for one, advantage in zip(group, (rewards - rewards.mean()) / spread, strict=True):
            steps += [
                (torch.tensor(step.features), step.target, float(advantage)) for step in one.steps
            ]
    if not steps:
        return head
    optimizer = torch.optim.Adam([*params, bias], lr=config.pg_learning_rate)
    for _ in range(config.pg_epochs):
        loss = torch.zeros(())
        for features, target, advantage in steps:
            logits = torch.relu(features @ params[0].T + params[1]) @ params[2] + bias
            logp = torch.log_softmax(logits, dim=0)
            with torch.no_grad():
                ref = torch.log_softmax(
                    torch.relu(features @ reference[0].T + reference[1]) @ reference[2], dim=0
                )
            kl = torch.sum(logp.exp() * (logp - ref))
            loss = loss - advantage * logp[target] + config.kl_weight * kl
        optimizer.zero_grad()
        (loss / len(steps)).backward()  # type: ignore[no-untyped-call]
        optimizer.step()
    w1, b1, w2 = (p.detach().numpy().astype(np.float32) for p in params)
    return PolicyHead(w1, b1, w2, float(bias.detach()))


def measure(
    policy: RankerPolicy,
    questions: Sequence[GeneratedQuestion],
    browser: BrowserEnv,
    reward: AnswerScorer,
    config: IterateConfig,
) -> dict[str, float]:
    """The greedy policy on held-out questions: gold-answer rate and mean reward-model score;
    and with the article of every other question hidden, how often it abstains."""
    episodes = [run_episode(q.question, policy, browser, seed=config.seed) for q in questions]
    scores = reward([(e.question, e.cited_answer) for e in episodes])
    gold = [_right(e, q) for e, q in zip(episodes, questions, strict=True)]
    hidden = questions[::2]
    abstained = [
        _honest(run_episode(q.question, policy, _without(browser, q), seed=config.seed))
        for q in hidden
    ]
    return {
        "heldout_gold": float(np.mean(gold)),
        "heldout_reward": float(np.mean(scores)),
        "heldout_questions": float(len(questions)),
        "hidden_abstained": float(np.mean(abstained)) if abstained else 0.0,
    }


def _right(episode: Episode, question: GeneratedQuestion) -> bool:
    """The gold answer is in the answer, which cites a quote."""
    return bool(episode.cited_ids) and contains_answer(episode.answer or "", question.answers)


def _honest(episode: Episode) -> bool:
    """It said it could not find the answer (right where the answering article is hidden)."""
    return episode.answer == ABSTAIN_ANSWER


def _without(browser: BrowserEnv, question: GeneratedQuestion) -> BrowserEnv:
    """The same browser settings over the corpus without the question's own article."""
    return BrowserEnv(WithoutPages(browser.backend, {question.url}), browser.config)


class SampleRecord(Value):
    """One sampled answer of a round, its reward, and whether expert iteration kept it."""

    question: str
    answer: str | None
    reward: float
    kept: bool


def _write_samples(path: Path, groups: Sequence[Sequence[Sample]], config: IterateConfig) -> None:
    records = []
    for group in groups:
        best = max(range(len(group)), key=lambda i: group[i].reward)
        for index, one in enumerate(group):
            kept = config.method == "expert" and index == best and one.reward > config.keep_above
            records.append(SampleRecord(question=one.episode.question, answer=one.episode.answer,
                                        reward=one.reward, kept=kept))  # fmt: skip
    write_records(path, records)


def _head_path(out: Path, number: int) -> Path:
    return out / f"round-{number}" / HEAD_FILE


def _save_head(out: Path, number: int, head: PolicyHead) -> None:
    path = _head_path(out, number)
    path.parent.mkdir(parents=True, exist_ok=True)
    head.save(path)
    settings = {"features": list(FEATURES), "round": number}
    (path.parent / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")


def _head_of(out: Path, number: int) -> PolicyHead | None:
    path = _head_path(out, number)
    return PolicyHead.load(path) if number > 0 and path.is_file() else None


def _read_rows(out: Path) -> list[dict[str, float]]:
    path = out / ROUNDS_FILE
    return list(json.loads(path.read_text())) if path.is_file() else []


def _write_rows(out: Path, rows: list[dict[str, float]]) -> None:
    from browser.records import write_atomic

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
