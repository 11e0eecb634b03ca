"""The ``webgpt`` command line.

    webgpt ask "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
    webgpt ask --json "how tall is mount everest"
    webgpt browse                                   # drive the browser yourself
    webgpt corpus build notes/ pages.jsonl --out my.sqlite
    webgpt ask --corpus my.sqlite "…"
    webgpt ask --web live --searxng-url http://localhost:8888 "…"
    webgpt ask --zim wikipedia_en_all_nopic.zim "…"
    webgpt questions generate / demos generate / train bc / comparisons synthesize /
        compare / train rm / eval                 # the training and evaluation pipeline

Bad input (an empty question, a missing or unreadable corpus) prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from agent.cli_eval import add_eval_command
from agent.cli_options import (
    UsageError,
    add_best_of_options,
    add_browser_options,
    add_policy_options,
    load_reward_model,
    make_browser,
    make_policy,
)
from agent.cli_training import add_training_commands
from agent.episode import Episode, Step, append_episode
from agent.errors import AgentError, InputClosed
from agent.loop import StepCallback, run_episode
from browser.env import StepResult
from browser.errors import BrowserError

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return int(args.run(args))
    except (UsageError, BrowserError, AgentError, ValueError, OSError) as exc:
        err.print(f"webgpt: error: {escape(str(exc))}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("webgpt: interrupted")
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webgpt", description="A WebGPT-style browsing agent that answers with citations."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer a question by browsing, with citations")
    ask.add_argument("question", help="the question to answer")
    add_browser_options(ask)
    add_policy_options(ask)
    add_best_of_options(ask)
    ask.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    ask.add_argument(
        "--trace", type=Path, metavar="FILE", help="append the episode to FILE (JSONL)"
    )
    ask.set_defaults(run=_ask)

    browse = commands.add_parser("browse", help="drive the browser yourself at a prompt")
    browse.add_argument("--question", help="the question (asked at the prompt when omitted)")
    add_browser_options(browse)
    browse.add_argument("--record", type=Path, metavar="FILE", help="append the episode to FILE")
    browse.set_defaults(run=_browse)

    corpus = commands.add_parser("corpus", help="build an offline corpus index")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True)
    build = corpus_commands.add_parser(
        "build", help="index JSONL files of {title, url, text} and directories of .html/.md/.txt"
    )
    build.add_argument("inputs", nargs="+", type=Path, help="JSONL files and/or directories")
    build.add_argument("--out", type=Path, required=True, help="the index file to write")
    build.add_argument("--base-url", help="the web address of the directories' root, for urls")
    build.set_defaults(run=_corpus_build)

    add_training_commands(commands)
    add_eval_command(commands)
    return parser


def _ask(args: argparse.Namespace) -> int:
    if not args.question.strip():
        raise UsageError("the question is empty")
    out = Console(highlight=False, soft_wrap=True)
    if args.best_of < 1:
        raise UsageError("--best-of must be at least 1")
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    browser = make_browser(args, err)
    reward = load_reward_model(args.reward_model, required=True) if args.best_of > 1 else None
    policy = make_policy(args)
    scored: list[tuple[Episode, float]] = []
    if reward is None:
        show = None if args.json else _step_printer(out)
        episode = run_episode(args.question, policy, browser, on_step=show)
    else:
        from training.best_of_n import best_of_n, episode_scorer

        with err.status(f"Sampling {args.best_of} answers…"):
            episode, scored = best_of_n(
                args.question, policy, browser, episode_scorer(reward), args.best_of,
                patience=args.patience,
            )  # fmt: skip
    if args.trace is not None:
        append_episode(args.trace, episode)
    if args.json:
        summary = episode.summary()
        if scored:
            summary["best_of"] = [{"answer": e.answer, "reward": r} for e, r in scored]
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        if scored:
            _print_candidates(out, scored, episode)
        _print_answer(out, episode)
    return 0


def _browse(args: argparse.Namespace) -> int:
    from agent.human import HumanPolicy
    from browser.commands import grammar_help

    out, err = (
        Console(highlight=False, soft_wrap=True),
        Console(stderr=True, highlight=False, soft_wrap=True),
    )
    question = args.question
    if question is None:
        try:
            question = input("question> ")
        except EOFError:
            raise InputClosed("input closed before a question was given") from None
    if not question.strip():
        raise UsageError("the question is empty")
    browser = make_browser(args, err)
    out.print(escape(grammar_help()), "\n")
    policy = HumanPolicy(show=lambda text: out.print(escape(text), "\n"))
    episode = run_episode(question, policy, browser, on_step=_error_printer(out))
    if args.record is not None:
        append_episode(args.record, episode)
    _print_answer(out, episode)
    return 0


def _corpus_build(args: argparse.Namespace) -> int:
    from browser.corpus import build_index
    from browser.corpus_sources import read_inputs

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    source_id = "user:" + ",".join(str(path.resolve()) for path in args.inputs)
    with err.status("Reading the inputs…") as status:
        pages = build_index(
            read_inputs(args.inputs, base_url=args.base_url),
            args.out,
            source_id=source_id,
            on_progress=lambda stage, count: status.update(f"{stage}: {count} pages"),
        )
    if pages == 0:
        args.out.unlink(missing_ok=True)
        raise UsageError("the inputs hold no pages with text; nothing was written")
    err.print(f"Indexed {pages} pages into {args.out}")
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


def _print_answer(out: Console, episode: Episode) -> None:
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


if __name__ == "__main__":
    raise SystemExit(main())
