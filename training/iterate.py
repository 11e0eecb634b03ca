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
so it is when abstaining where the article is hidden collapses
(:func:`training.rounds.round_flags`). Rounds resume: a finished round's head and numbers
are read back, not redone.

The causal-LM policy runs the same rounds by expert iteration (:mod:`training.iterate_lm`);
what both share (question draws, rewards, kept episodes, held-out measures, the table) is
:mod:`training.rounds`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from agent.episode import Episode, read_episodes
from agent.loop import run_episode
from agent.policy import Policy
from agent.ranker_policy import FEATURES, HEAD_FILE, SETTINGS_FILE, PolicyHead, RankerPolicy
from agent.reward import AnswerScorer
from browser.env import BrowserEnv
from browser.records import append_records
from training.iterate_config import IterateConfig
from training.questions import GeneratedQuestion
from training.ranker import StepExample, fit_head, replay
from training.ranker_config import RankerConfig
from training.rounds import (
    Sample,
    answer_rewards,
    heldout_outcomes,
    kept_episodes,
    read_rows,
    round_questions,
    round_row,
    split_questions,
    summarize,
    without_article,
    write_rows,
    write_samples,
)

logger = logging.getLogger(__name__)


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
    train, heldout = split_questions(config, questions)
    teacher_steps, _ = replay(demonstrations, browser, policy_factory(start, 0.0))
    logger.info("replayed %d demonstrations", len(demonstrations))
    rows = read_rows(config.out)
    if not rows:
        rows = [
            {"round": 0.0, **measure(policy_factory(start, 0.0), heldout, browser, reward, config)}
        ]
        write_rows(config.out, rows)
    head = _head_of(config.out, len(rows) - 1) or start
    kept_file = config.out / "kept.jsonl"
    for number in range(len(rows), config.rounds + 1):
        drawn = round_questions(config, train, number)
        samples = []
        for done, (question, hidden) in enumerate(drawn, 1):
            policy = policy_factory(head, config.temperature)
            where = without_article(browser, question) if hidden else browser
            samples.append(sample(question, policy, where, reward, config, number, hidden=hidden))
            if done % 25 == 0 or done == len(drawn):
                logger.info("round %d: sampled %d/%d questions", number, done, len(drawn))
        append_records(kept_file, kept_episodes(samples, config))
        write_samples(config.out / f"round-{number}" / "samples.jsonl", samples, config)
        if config.method == "expert":
            kept = read_episodes(kept_file) if kept_file.is_file() else []
            kept_steps, _ = replay(kept, browser, policy_factory(head, 0.0))
            head, _ = fit_head(
                [*teacher_steps, *kept_steps], RankerConfig(out=config.out, seed=config.seed)
            )
        else:
            head = grpo_step(head, samples, config)
        _save_head(config.out, number, head)
        sampled = float(np.mean([s.reward for group in samples for s in group]))
        measured = measure(policy_factory(head, 0.0), heldout, browser, reward, config)
        rows.append(round_row(rows[-1], number, sampled, measured))
        write_rows(config.out, rows)
    return rows


def sample(
    question: GeneratedQuestion,
    policy: RankerPolicy,
    browser: BrowserEnv,
    reward: AnswerScorer,
    config: IterateConfig,
    round_number: int,
    *,
    hidden: bool,
) -> list[Sample]:
    """``config.samples`` episodes of one question, each with its reward and steps;
    ``hidden``: the browser lacks the question's article."""
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
    rewards = answer_rewards(question, episodes, reward, config, hidden=hidden)
    return [Sample(*found) for found in zip(episodes, rewards, traces, strict=True)]


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
    policy: Policy,
    questions: Sequence[GeneratedQuestion],
    browser: BrowserEnv,
    reward: AnswerScorer,
    config: IterateConfig,
) -> dict[str, float]:
    """The greedy policy on held-out questions: gold-answer rate and mean reward-model score;
    and with the article of every other question hidden, how often it abstains."""
    return summarize(heldout_outcomes(policy, list(enumerate(questions)), browser, reward, config))


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
