"""The ``webgpt`` command line.

    webgpt ask "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
    webgpt ask --json "how tall is mount everest"
    webgpt browse                                   # drive the browser yourself
    webgpt corpus build notes/ pages.jsonl --out my.sqlite
    webgpt ask --corpus my.sqlite "…"

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

from agent.cli_options import (
    UsageError,
    add_browser_options,
    add_policy_options,
    make_browser,
    make_policy,
)
from agent.episode import Episode, Step, append_episode
from agent.errors import AgentError, InputClosed
from agent.loop import StepCallback, run_episode
from browser.corpus import CorpusBackend
from browser.env import StepResult
from browser.errors import BrowserError
from training.bc_config import add_config_arguments, config_from_arguments

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

    questions = commands.add_parser("questions", help="generate questions from the corpus")
    questions_commands = questions.add_subparsers(dest="questions_command", required=True)
    generate_q = questions_commands.add_parser(
        "generate", help="who/what/when/where questions with gold answers, split by article"
    )
    generate_q.add_argument("--out", type=Path, required=True, help="the questions JSONL to write")
    generate_q.add_argument("--corpus", type=Path, help="an index (default: embedded corpus)")
    generate_q.add_argument("--seed", type=int, default=0)
    generate_q.set_defaults(run=_questions_generate)

    demos = commands.add_parser("demos", help="demonstrations for behaviour cloning")
    demos_commands = demos.add_subparsers(dest="demos_command", required=True)
    generate_d = demos_commands.add_parser(
        "generate", help="a teacher answers generated questions; correct episodes are kept"
    )
    generate_d.add_argument("--questions", type=Path, required=True, help="questions JSONL")
    generate_d.add_argument("--out", type=Path, required=True, help="episodes JSONL (appended)")
    generate_d.add_argument("--split", choices=("train", "heldout", "all"), default="train")
    generate_d.add_argument("--limit", type=int, help="use only the first N questions")
    generate_d.add_argument("--teacher-url", help="an OpenAI-compatible API root (…/v1)")
    generate_d.add_argument("--teacher-model", help="the teacher model's name at that endpoint")
    generate_d.add_argument("--keep-failures", action="store_true", help="keep wrong episodes too")
    add_browser_options(generate_d)
    generate_d.set_defaults(run=_demos_generate)
    export = demos_commands.add_parser(
        "export", help="episodes -> {prompt, completion} JSONL for TRL / HF trainers"
    )
    export.add_argument("episodes", nargs="+", type=Path, help="episode JSONL files")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--with-grammar", action="store_true", help="prepend the command reference")
    export.set_defaults(run=_demos_export)

    train = commands.add_parser("train", help="train a policy")
    train_commands = train.add_subparsers(dest="train_command", required=True)
    bc = train_commands.add_parser(
        "bc", help="behaviour cloning; without --demos, build the embedded default from the corpus"
    )
    bc.add_argument("--demos", nargs="+", type=Path, metavar="FILE", help="episode JSONL files")
    bc.add_argument("--work", type=Path, help="questions and demos of a default build (OUT/work)")
    add_config_arguments(bc)
    bc.set_defaults(run=_train_bc)
    return parser


def _ask(args: argparse.Namespace) -> int:
    if not args.question.strip():
        raise UsageError("the question is empty")
    out = Console(highlight=False, soft_wrap=True)
    browser = make_browser(args, Console(stderr=True, highlight=False, soft_wrap=True))
    policy = make_policy(args)
    show = None if args.json else _step_printer(out)
    episode = run_episode(args.question, policy, browser, on_step=show)
    if args.trace is not None:
        append_episode(args.trace, episode)
    if args.json:
        sys.stdout.write(json.dumps(episode.summary(), ensure_ascii=False) + "\n")
    else:
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


def _questions_generate(args: argparse.Namespace) -> int:
    from training.questions import generate_questions, write_questions

    backend = CorpusBackend(args.corpus) if args.corpus else CorpusBackend.open_default()
    count = write_questions(args.out, generate_questions(backend.pages(), seed=args.seed))
    Console(stderr=True).print(f"Wrote {count} questions to {args.out}")
    return 0


def _demos_generate(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from training.demos import generate_demos
    from training.questions import read_questions

    questions = [q for q in read_questions(args.questions) if args.split in ("all", q.split)]
    questions = questions[: args.limit] if args.limit else questions
    if args.teacher_url or args.teacher_model:
        args.policy, args.chat_url, args.chat_model = "chat", args.teacher_url, args.teacher_model
        args.temperature, args.seed, args.model = 0.0, 0, None
    else:
        args.policy = "teacher"
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    browser, policy = make_browser(args, err), make_policy(args)
    with Progress(console=err) as progress:
        task = progress.add_task("demonstrations", total=len(questions))
        counts = generate_demos(
            questions, policy, browser, args.out, keep_failures=args.keep_failures,
            on_progress=lambda done, total: progress.update(task, completed=done),
        )  # fmt: skip
    err.print(f"Demonstrations in {args.out}: " + json.dumps(counts))
    return 0


def _demos_export(args: argparse.Namespace) -> int:
    from agent.episode import read_episodes
    from agent.prompt import build_prompt, completion_text

    rows = 0
    partial = args.out.with_name(f".{args.out.name}.partial")
    with partial.open("w", encoding="utf-8") as handle:
        for path in args.episodes:
            for episode in read_episodes(path):
                for step in episode.steps:
                    prompt = build_prompt(step.observation, with_grammar=args.with_grammar)
                    record = {"prompt": prompt, "completion": completion_text(step.action)}
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    rows += 1
    partial.replace(args.out)
    Console(stderr=True).print(f"Wrote {rows} prompt/completion pairs to {args.out}")
    return 0


def _train_bc(args: argparse.Namespace) -> int:
    import logging

    from agent.episode import read_episodes

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    config = config_from_arguments(args)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if args.demos:
        from training.bc import train_bc

        episodes = [episode for path in args.demos for episode in read_episodes(path)]
        summary = train_bc(config, episodes)
    else:
        if config.model is not None:
            raise UsageError("--model needs --demos (the default build trains from scratch)")
        from training.default_policy import build_default_policy

        summary = build_default_policy(config, args.work or config.out / "work")
    err.print(f"Saved the policy to {config.out}: " + json.dumps(summary))
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
