"""Behaviour cloning of the ranking policy (:mod:`agent.ranker_policy`) on demonstrations.

    webgpt train ranker --out agent/checkpoints/ranker-default

Each demonstration is replayed in the browser. At every step the policy lists its
candidate commands, exactly as it would when acting; the demonstrator's command is the
target, and the head learns by cross-entropy over the step's candidates (a step whose
command is not among them is counted and skipped). The head is small, so training takes
seconds; reading the demonstrations' pages with the reader is most of the time.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray

from agent.episode import Episode
from agent.ranker_policy import FEATURES, HEAD_FILE, SETTINGS_FILE, PolicyHead, RankerPolicy
from browser.env import BrowserEnv
from training.ranker_config import RankerConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepExample:
    """One demonstrated step: its candidates' features (N, F) and the index chosen."""

    features: NDArray[np.float32]
    target: int


def replay(
    episodes: Sequence[Episode], browser: BrowserEnv, policy: RankerPolicy
) -> tuple[list[StepExample], int]:
    """The steps of ``episodes`` as examples, and how many steps had their command missing
    from the candidates."""
    examples: list[StepExample] = []
    missing = 0
    for episode in episodes:
        policy.reset(seed=0)
        observation = browser.reset(episode.question)
        for step in episode.steps:
            candidates = policy.candidates(observation)
            commands = [c.command for c in candidates]
            if step.action in commands:
                target = commands.index(step.action)
                examples.append(
                    StepExample(np.array([c.features for c in candidates], np.float32), target)
                )
                policy.commit(observation, candidates[target])
            else:
                missing += 1
            result = browser.step(step.action)
            observation = result.observation
            if result.terminated or result.truncated:
                break
    return examples, missing


def fit_head(
    examples: Sequence[StepExample], config: RankerConfig
) -> tuple[PolicyHead, list[float]]:
    """The head trained by cross-entropy over each step's candidates (full batch, Adam)."""
    torch.manual_seed(config.seed)
    width = len(FEATURES)
    w1 = torch.nn.Parameter(torch.randn(config.hidden, width) * (2 / width) ** 0.5)
    b1 = torch.nn.Parameter(torch.zeros(config.hidden))
    w2 = torch.nn.Parameter(torch.randn(config.hidden) * (1 / config.hidden) ** 0.5)
    b2 = torch.nn.Parameter(torch.zeros(()))
    optimizer = torch.optim.Adam(
        [w1, b1, w2, b2], lr=config.learning_rate, weight_decay=config.weight_decay
    )
    features = torch.tensor(np.concatenate([e.features for e in examples]))  # (N, F)
    sizes = [len(e.features) for e in examples]
    groups = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes))  # (N,)
    starts = torch.tensor(np.cumsum([0, *sizes[:-1]]))
    targets = starts + torch.tensor([e.target for e in examples])
    history = []
    for _ in range(config.epochs):
        scores = torch.relu(features @ w1.T + b1) @ w2 + b2  # (N,)
        # log-softmax within each step's group of candidates
        shifted = (
            scores
            - torch.zeros(len(sizes)).scatter_reduce(0, groups, scores, "amax", include_self=False)[
                groups
            ]
        )
        log_norm = torch.log(torch.zeros(len(sizes)).index_add(0, groups, shifted.exp()))
        loss = -(shifted[targets] - log_norm).mean()
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        history.append(float(loss.detach()))
    head = PolicyHead(
        w1.detach().numpy().astype(np.float32),
        b1.detach().numpy().astype(np.float32),
        w2.detach().numpy().astype(np.float32),
        float(b2.detach()),
    )
    return head, history


def step_accuracy(head: PolicyHead, examples: Sequence[StepExample]) -> float:
    """The share of steps where the head's best candidate is the demonstrated one."""
    hits = [int(np.argmax(head.scores(e.features)) == e.target) for e in examples]
    return sum(hits) / len(hits) if hits else float("nan")


def train_ranker(
    config: RankerConfig,
    episodes: Sequence[Episode],
    browser: BrowserEnv,
    policy_factory: Callable[[PolicyHead], RankerPolicy],
    *,
    heldout: Sequence[Episode] = (),
) -> dict[str, float]:
    """Replay, fit, save the head (``ranker_head.npz`` and its settings); returns a summary
    with step accuracy on the training and the held-out demonstrations."""
    start = time.perf_counter()
    blank = PolicyHead(np.zeros((1, len(FEATURES)), np.float32), np.zeros(1, np.float32),
                       np.zeros(1, np.float32), 0.0)  # fmt: skip
    examples, missing = replay(episodes, browser, policy_factory(blank))
    if not examples:
        raise ValueError("no demonstration step matched a candidate: nothing to learn from")
    head, history = fit_head(examples, config)
    held, held_missing = replay(heldout, browser, policy_factory(blank)) if heldout else ([], 0)
    config.out.mkdir(parents=True, exist_ok=True)
    head.save(config.out / HEAD_FILE)
    summary = {
        "steps": float(len(examples)),
        "steps_missing": float(missing),
        "first_loss": history[0],
        "last_loss": history[-1],
        "train_step_accuracy": step_accuracy(head, examples),
        "heldout_steps": float(len(held)),
        "heldout_steps_missing": float(held_missing),
        "heldout_step_accuracy": step_accuracy(head, held) if held else float("nan"),
        "seconds": time.perf_counter() - start,
    }
    settings = {
        "features": list(FEATURES),
        "config": config.model_dump(mode="json"),
        "summary": summary,
    }
    (config.out / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    return summary
