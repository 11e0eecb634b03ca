"""The episode loop: a policy drives a browser until it answers or its budget is spent.

``run_episode`` runs one episode. ``run_episodes`` runs several browsers in lockstep on one
question, so a policy that can act on a batch (``act_batch``, e.g. :class:`LMPolicy`) makes
one forward pass for all of them per step: the engine of best-of-n.

Before an episode the loop resets the policy with a seed derived from the run's ``seed``,
the question and the sample's index (:func:`agent.seeds.derive_seed`), so the same run
seed gives the same episodes however the questions are scheduled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from agent.episode import Episode, Step
from agent.policy import Policy
from agent.seeds import derive_seed
from browser.env import BrowserEnv, StepResult
from browser.observation import Observation

StepCallback = Callable[[Step, StepResult], None]


@runtime_checkable
class BatchPolicy(Protocol):
    """A policy that chooses commands for several observations at once."""

    name: str

    def reset(self, *, seed: int = 0) -> None: ...

    def act_batch(self, observations: Sequence[Observation]) -> list[str]: ...


def run_episode(
    question: str,
    policy: Policy,
    browser: BrowserEnv,
    *,
    seed: int = 0,
    sample: int = 0,
    on_step: StepCallback | None = None,
) -> Episode:
    """Run one episode and return its full record.

    Args:
        question: what to answer.
        policy: chooses each command from the observation; reset here.
        browser: the environment; reset here.
        seed: the run's seed; the policy is reset with ``derive_seed(seed, question, sample)``.
        sample: which sample of this question the episode is (best-of-n draws several).
        on_step: called after every step as it happens (for live display or logging).
    """
    recorder = _Recorder(question, policy.name, browser)
    policy.reset(seed=derive_seed(seed, recorder.observation.question, sample))
    while not recorder.done:
        recorder.step(policy.act(recorder.observation), on_step)
    return recorder.episode()


def run_episodes(
    question: str,
    policy: Policy | BatchPolicy,
    browsers: Sequence[BrowserEnv],
    *,
    seed: int = 0,
    patience: int | None = None,
) -> list[Episode]:
    """One episode per browser. A batch policy steps them all in lockstep, one batch per
    step, after one reset with ``derive_seed(seed, question)``; any other policy (it may keep
    memory within an episode) runs them one by one, sample ``i`` seeded as in
    :func:`run_episode`.

    Args:
        seed: the run's seed.
        patience: lockstep only. Once one episode has ended, each one still running may
            take this many more actions; then it is cut off, truncated without an answer.
            None waits for every episode to end.
    """
    if patience is not None and patience < 0:
        raise ValueError(f"patience must be at least 0, got {patience!r}")
    if not isinstance(policy, BatchPolicy):
        return [
            run_episode(question, policy, browser, seed=seed, sample=i)
            for i, browser in enumerate(browsers)
        ]
    recorders = [_Recorder(question, policy.name, browser) for browser in browsers]
    policy.reset(seed=derive_seed(seed, recorders[0].observation.question) if recorders else 0)
    actions_left: int | None = None  # for the stragglers, once one episode has ended
    while active := [r for r in recorders if not r.done]:
        if patience is not None and actions_left is None and len(active) < len(recorders):
            actions_left = patience
        if actions_left == 0:
            for recorder in active:
                recorder.cut_off()
            break
        commands = policy.act_batch([r.observation for r in active])
        for recorder, command in zip(active, commands, strict=True):
            recorder.step(command, None)
        actions_left = None if actions_left is None else actions_left - 1
    return [recorder.episode() for recorder in recorders]


class _Recorder:
    """Steps one browser and keeps the episode record."""

    def __init__(self, question: str, policy_name: str, browser: BrowserEnv) -> None:
        self.started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.clock = time.perf_counter()
        self.policy_name = policy_name
        self.browser = browser
        self.observation: Observation = browser.reset(question)
        self.steps: list[Step] = []
        self.last: StepResult | None = None
        self.was_cut_off = False

    @property
    def done(self) -> bool:
        ended = self.last is not None and (self.last.terminated or self.last.truncated)
        return ended or self.was_cut_off

    def cut_off(self) -> None:
        """End the episode here, unanswered (its siblings stopped waiting for it)."""
        self.was_cut_off = True

    def step(self, command: str, on_step: StepCallback | None) -> None:
        result = self.browser.step(command)
        step = Step(observation=self.observation.render(), action=result.action, error=result.error)
        self.steps.append(step)
        if on_step is not None:
            on_step(step, result)
        self.observation, self.last = result.observation, result

    def episode(self) -> Episode:
        assert self.last is not None, "an episode has at least one step"
        return Episode(
            question=self.observation.question,
            answer=self.browser.answer,
            quotes=self.browser.quotes,
            steps=tuple(self.steps),
            final_observation=self.observation.render(),
            terminated=self.last.terminated,
            truncated=self.last.truncated or self.was_cut_off,
            policy=self.policy_name,
            backend=self.browser.backend.name,
            started_at=self.started_at,
            seconds=round(time.perf_counter() - self.clock, 6),
        )
