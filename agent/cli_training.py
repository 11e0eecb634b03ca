"""The CLI's data and training commands: questions, demonstrations, comparisons, BC, RM.

Each handler imports its heavy modules (torch, transformers) when it runs, so ``webgpt ask``
with the teacher never pays for them.
"""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

from rich.console import Console

from agent.cli_options import UsageError, add_browser_options, make_browser, make_chat_policy
from agent.policy import Policy
from browser.corpus import CorpusBackend
from training import bc_config, rm_config


def add_training_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``questions``, ``demos``, ``comparisons``, ``compare`` and ``train {bc,rm}``."""
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
    generate_d.add_argument(
        "--quote-style", choices=("text", "lines"), default="lines",
        help="how the scripted teacher quotes (the default build uses lines)",
    )  # fmt: skip
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
    bc_config.add_config_arguments(bc)
    bc.set_defaults(run=_train_bc)
    rm = train_commands.add_parser(
        "rm", help="a reward model on pairwise comparisons (Bradley-Terry, ties allowed)"
    )
    rm_config.add_config_arguments(rm)
    rm.set_defaults(run=_train_rm)

    comparisons = commands.add_parser("comparisons", help="comparisons for the reward model")
    comparisons_commands = comparisons.add_subparsers(dest="comparisons_command", required=True)
    synthesize = comparisons_commands.add_parser(
        "synthesize", help="sample answers from the LM policy, rank them with a reference judge"
    )
    synthesize.add_argument("--questions", type=Path, required=True, help="questions JSONL")
    synthesize.add_argument("--out", type=Path, required=True, help="comparisons JSONL (appended)")
    synthesize.add_argument("--split", choices=("train", "heldout", "all"), default="train")
    synthesize.add_argument("--limit", type=int, help="use only the first N questions")
    synthesize.add_argument("--model", help="the LM policy (default: the embedded checkpoint)")
    synthesize.add_argument("--temperature", type=float, default=0.8)
    synthesize.add_argument("--n-samples", type=int, default=4, help="answers per question")
    synthesize.add_argument("--seed", type=int, default=0)
    synthesize.add_argument("--no-ties", action="store_true", help="drop pairs the judge ties")
    add_browser_options(synthesize)
    synthesize.set_defaults(run=_comparisons_synthesize)

    compare = commands.add_parser("compare", help="label which of two answers is better")
    compare.add_argument("pairs", type=Path, help="comparisons JSONL to label")
    compare.add_argument("--out", type=Path, required=True, help="labels are appended here")
    compare.add_argument("--labeler", default=getpass.getuser(), help="who is labelling")
    compare.set_defaults(run=_compare)


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
    policy: Policy
    if args.teacher_url or args.teacher_model:
        if not (args.teacher_url and args.teacher_model):
            raise UsageError("--teacher-url and --teacher-model go together")
        policy = make_chat_policy(args.teacher_url, args.teacher_model, 0.0, 0)
    else:
        from agent.teacher import TeacherPolicy

        policy = TeacherPolicy(quote_style=args.quote_style)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    browser = make_browser(args, err)
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
    from agent.episode import read_episodes

    _log_to_stderr()
    config = bc_config.config_from_arguments(args)
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


def _train_rm(args: argparse.Namespace) -> int:
    from training.reward_model import train_reward_model

    _log_to_stderr()
    config = rm_config.config_from_arguments(args)
    summary = train_reward_model(config)
    Console(stderr=True).print(f"Saved the reward model to {config.out}: " + json.dumps(summary))
    return 0


def _comparisons_synthesize(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy
    from training.best_of_n import sample_episodes
    from training.judge import ReferenceJudge
    from training.questions import read_questions
    from training.synthetic import synthesize_comparisons

    questions = [q for q in read_questions(args.questions) if args.split in ("all", q.split)]
    questions = questions[: args.limit] if args.limit else questions
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    browser = make_browser(args, err)
    policy = LMPolicy.from_pretrained(
        args.model or DEFAULT_CHECKPOINT, temperature=args.temperature, seed=args.seed
    )
    with Progress(console=err) as progress:
        task = progress.add_task("comparisons", total=len(questions))
        counts = synthesize_comparisons(
            questions,
            lambda question, n: sample_episodes(question, policy, browser, n),
            ReferenceJudge(),
            args.out,
            n_samples=args.n_samples,
            seed=args.seed,
            keep_ties=not args.no_ties,
            on_progress=lambda done, total: progress.update(task, completed=done),
        )
    err.print(f"Comparisons in {args.out}: " + json.dumps(counts))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from training.compare_ui import run_compare_session

    counts = run_compare_session(
        args.pairs, args.out, console=Console(highlight=False), labeler=args.labeler
    )
    Console(stderr=True).print(f"Labels in {args.out}: " + json.dumps(counts))
    return 0


def _log_to_stderr() -> None:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
