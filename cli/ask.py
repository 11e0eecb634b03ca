"""``webgpt ask`` (a policy answers, with citations) and ``webgpt browse`` (you drive)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from rich.console import Console
from rich.markup import escape

from agent.episode import Episode, Step, append_episode
from agent.errors import InputClosed
from agent.loop import StepCallback, run_episode
from browser.env import BrowserConfig, StepResult
from browser.models import Value
from cli.options import (
    BestOfOptions,
    BrowserOptions,
    PolicyOptions,
    load_reward_model,
    make_browser,
    make_policy,
)

MAX_QUESTION_CHARS = BrowserConfig().max_question_chars


def _check_question(question: str) -> str:
    if not question.strip():
        raise ValueError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(
            f"the question is {len(question)} characters; at most {MAX_QUESTION_CHARS} are read"
        )
    return question


def _check_record_file(path: Path | None, flag: str) -> Path | None:
    if path is not None and path.is_dir():
        raise ValueError(f"{flag}: {path} is a directory; name a file to append to")
    return path


class AskConfig(Value):
    """``webgpt ask``: answer a question by browsing, with citations."""

    question: str = Field(
        description="the question to answer", json_schema_extra={"positional": True}
    )
    json_output: bool = Field(
        False, description="print one JSON object, nothing else",
        json_schema_extra={"flag": "json"},
    )  # fmt: skip
    trace: Path | None = Field(
        None,
        description="append the episode to FILE (JSONL)",
        json_schema_extra={"metavar": "FILE"},
    )
    browser: BrowserOptions = Field(default_factory=BrowserOptions)
    policy: PolicyOptions = Field(default_factory=PolicyOptions)
    sampling: BestOfOptions = Field(default_factory=BestOfOptions)

    @field_validator("question")
    @classmethod
    def _question_ok(cls, value: str) -> str:
        return _check_question(value)

    @field_validator("trace")
    @classmethod
    def _trace_is_a_file(cls, value: Path | None) -> Path | None:
        return _check_record_file(value, "--trace")

    @model_validator(mode="after")
    def _reward_model_needs_best_of(self) -> AskConfig:
        if self.sampling.reward_model is not None and self.sampling.best_of == 1:
            raise ValueError("--reward-model is used by --best-of N; add --best-of N (N > 1)")
        return self


class BrowseConfig(Value):
    """``webgpt browse``: drive the browser yourself at a prompt."""

    question: str | None = Field(
        None, description="the question (asked at the prompt when omitted)"
    )
    record: Path | None = Field(
        None, description="append your episode to FILE (a demonstration)",
        json_schema_extra={"metavar": "FILE"},
    )  # fmt: skip
    browser: BrowserOptions = Field(default_factory=BrowserOptions)

    @field_validator("question")
    @classmethod
    def _question_ok(cls, value: str | None) -> str | None:
        return None if value is None else _check_question(value)

    @field_validator("record")
    @classmethod
    def _record_is_a_file(cls, value: Path | None) -> Path | None:
        return _check_record_file(value, "--record")


def run_ask(config: AskConfig) -> int:
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    best_of = config.sampling.best_of
    browser = make_browser(config.browser, err)
    with err.status("Loading the models…"):
        reward = load_reward_model(config.sampling, required=True) if best_of > 1 else None
        policy = make_policy(config.policy, best_of=best_of)
    seed = config.policy.seed
    scored: list[tuple[Episode, float]] = []
    with browser:
        if reward is None:
            show = None if config.json_output else _step_printer(out)
            episode = run_episode(config.question, policy, browser, seed=seed, on_step=show)
        else:
            from agent.best_of_n import best_of_n
            from agent.reward import episode_scorer

            with err.status(f"Sampling {best_of} answers…"):
                episode, scored = best_of_n(
                    config.question, policy, browser, episode_scorer(reward),  # type: ignore[arg-type]
                    best_of, seed=seed, patience=config.sampling.patience,
                    select=config.sampling.select,
                )  # fmt: skip
    if config.trace is not None:
        append_episode(config.trace, episode)
    if config.json_output:
        summary = episode.summary()
        if scored:
            summary["best_of"] = [{"answer": e.answer, "reward": r} for e, r in scored]
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        if scored:
            _print_candidates(out, scored, episode)
        print_answer(out, episode)
    return 0


def run_browse(config: BrowseConfig) -> int:
    from agent.human import HumanPolicy
    from browser.commands import grammar_help

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    question = config.question
    if question is None:
        try:
            question = _check_question(input("question> "))
        except EOFError:
            raise InputClosed("input closed before a question was given") from None
    with make_browser(config.browser, err) as browser:
        out.print(escape(grammar_help()), "\n")
        policy = HumanPolicy(show=lambda text: out.print(escape(text), "\n"))
        episode = run_episode(question, policy, browser, on_step=_error_printer(out))
    if config.record is not None:
        append_episode(config.record, episode)
    print_answer(out, episode)
    return 0


def _step_printer(out: Console) -> StepCallback:
    def show(step: Step, result: StepResult) -> None:
        number = len(result.observation.past_actions)
        action = step.action if len(step.action) <= 100 else step.action[:99] + "…"
        line = f"[dim]{number:>2}[/dim] {escape(action)}"
        if step.error:
            line += f"  [red]✗ {escape(step.error)}[/red]"
        out.print(line)

    return show


def _error_printer(out: Console) -> StepCallback:
    def show(step: Step, result: StepResult) -> None:
        if step.error:
            out.print(f"[red]✗ {escape(step.error)}[/red]")

    return show


def _print_candidates(out: Console, scored: list[tuple[Episode, float]], best: Episode) -> None:
    """Every sampled answer with its reward, best first; the chosen one marked."""
    for episode, reward in sorted(scored, key=lambda pair: -pair[1]):
        mark = "[bold green]→[/bold green]" if episode is best else " "
        answer = episode.answer or "(no answer)"
        answer = answer if len(answer) <= 100 else answer[:99] + "…"
        out.print(f"{mark} [dim]{reward:+.2f}[/dim] {escape(answer)}")


def print_answer(out: Console, episode: Episode) -> None:
    """The answer and the quotes it cites (quotes it kept but never cited are left out)."""
    out.print()
    if episode.answer is None:
        out.print("[bold yellow]No answer:[/bold yellow] the action budget ran out.")
    else:
        out.print(f"[bold]Answer:[/bold] {escape(episode.answer)}")
    for reference in episode.references:
        out.print(
            f"  [bold][{reference.id}][/bold] {escape(reference.title)} — {escape(reference.url)}\n"
            f"      [italic]“{escape(reference.quote)}”[/italic]"
        )
