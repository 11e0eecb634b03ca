"""The episode loop: a policy drives a browser until it answers or its budget is spent."""

from __future__ import annotations

import time
from collections.abc import Callable

from agent.episode import Episode, Step
from agent.policy import Policy
from browser.env import BrowserEnv, StepResult

StepCallback = Callable[[Step, StepResult], None]


def run_episode(
    question: str, policy: Policy, browser: BrowserEnv, *, on_step: StepCallback | None = None
) -> Episode:
    """Run one episode and return its full record.

    Args:
        question: what to answer.
        policy: chooses each command from the observation.
        browser: the environment; it is reset here.
        on_step: called after every step as it happens (for live display or logging).
    """
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    clock = time.perf_counter()
    observation = browser.reset(question)
    steps: list[Step] = []
    while True:
        command = policy.act(observation)
        result = browser.step(command)
        step = Step(observation=observation.render(), action=result.action, error=result.error)
        steps.append(step)
        if on_step is not None:
            on_step(step, result)
        observation = result.observation
        if result.terminated or result.truncated:
            break
    return Episode(
        question=observation.question,
        answer=browser.answer,
        quotes=browser.quotes,
        steps=tuple(steps),
        final_observation=observation.render(),
        terminated=result.terminated,
        truncated=result.truncated,
        policy=policy.name,
        backend=browser.backend.name,
        started_at=started_at,
        seconds=round(time.perf_counter() - clock, 6),
    )
