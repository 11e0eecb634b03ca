"""``webgpt eval``: run a policy over a QA dataset, resumably, and write a report.

webgpt eval ../shared/data/nq_open_corpus_dev.jsonl --policy teacher --out runs/teacher
webgpt eval DATA.jsonl --policy lm --best-of 4 --out runs/bc-bo4
webgpt eval --compare runs/teacher runs/bc-bo4 --out runs/compare
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from agent.cli_options import (
    UsageError,
    add_best_of_options,
    add_browser_options,
    add_policy_options,
    load_reward_model,
    make_browser,
    make_policy,
)
from browser.env import BrowserEnv


def add_eval_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    evaluate = commands.add_parser(
        "eval", help="answer every question of a dataset and report against the human answers"
    )
    evaluate.add_argument("dataset", nargs="?", type=Path, help="JSONL, NQ, TriviaQA, SQuAD, …")
    evaluate.add_argument("--out", type=Path, required=True, help="run folder (resumed if there)")
    evaluate.add_argument(
        "--format", help="jsonl, nq, triviaqa, squad, truthfulqa or eli5 (default: detected)"
    )
    evaluate.add_argument("--limit", type=int, help="only the first N questions")
    evaluate.add_argument("--workers", type=int, default=2, help="questions run concurrently")
    evaluate.add_argument("--retry-failures", action="store_true", help="rerun failed questions")
    evaluate.add_argument("--label", help="the run's name in reports (e.g. best-of-4)")
    evaluate.add_argument(
        "--compare", nargs=2, type=Path, metavar=("DIR_A", "DIR_B"),
        help="put two finished runs side by side with paired significance",
    )  # fmt: skip
    add_browser_options(evaluate)
    add_policy_options(evaluate)
    add_best_of_options(evaluate)  # the reward model also gives P(agent > human)
    evaluate.set_defaults(run=_eval)


def _eval(args: argparse.Namespace) -> int:
    from training.evaluation import compare_dirs, compare_table, load_dataset, run_eval
    from training.evaluation.progress import rich_progress

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if (args.compare is None) == (args.dataset is None):
        raise UsageError("give a DATASET, or --compare DIR_A DIR_B")
    if args.compare:
        Console(highlight=False).print(compare_table(compare_dirs(*args.compare, out_dir=args.out)))
        return 0
    if args.workers < 1 or args.best_of < 1:
        raise UsageError("--workers and --best-of must be at least 1")
    items = load_dataset(args.dataset, format=args.format)
    base = make_browser(args, err)
    reward = load_reward_model(args.reward_model, required=args.best_of > 1)
    best_of = _best_of(reward, args.best_of, args.patience) if args.best_of > 1 else None
    with rich_progress(err) as progress:
        run_eval(
            items,
            lambda: make_policy(args),
            lambda: BrowserEnv(base.backend, base.config),
            args.out,
            workers=args.workers,
            limit=args.limit,
            best_of=best_of,
            progress=progress,
            prefer=reward.score if reward is not None else None,
            retry_failures=args.retry_failures,
            label=args.label or (f"best-of-{args.best_of}" if args.best_of > 1 else None),
        )
    err.print(f"Report: {args.out / 'report.html'}")
    return 0


def _best_of(reward: Any, n: int, patience: int | None) -> Any:
    from agent.episode import Episode
    from training.best_of_n import best_of_n, episode_scorer

    score = episode_scorer(reward)

    def run(question: str, policy: Any, browser: BrowserEnv) -> Episode:
        return best_of_n(question, policy, browser, score, n, patience=patience)[0]

    return run
