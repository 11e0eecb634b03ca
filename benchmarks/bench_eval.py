"""Evaluate the scripted teacher on a QA file with the evaluator, and show what it measured.

    python benchmarks/bench_eval.py --out out/eval-teacher-nq                  # NQ-open (corpus)
    python benchmarks/bench_eval.py --dataset ../shared/data/nq_open_dev_full.jsonl --out …
    python benchmarks/bench_eval.py --out out/x --slow 0.02     # slow enough to kill and resume

Prints the summary, then ``--show N`` questions with their golds, the answer and its
scores, so the numbers can be checked by hand. Rerunning into the same ``--out`` resumes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.observation import Observation
from training.evaluation import RunResult, load_dataset, run_eval
from training.evaluation.progress import rich_progress

ROOT = Path(__file__).resolve().parents[1]


class SlowTeacher(TeacherPolicy):
    """The teacher, pausing before each action (for kill-and-resume demonstrations)."""

    def __init__(self, pause: float) -> None:
        super().__init__()
        self.pause = pause

    def act(self, observation: Observation) -> str:
        time.sleep(self.pause)
        return super().act(observation)


def show(console: Console, result: RunResult, count: int) -> None:
    s = result.summary
    table = Table(title=f"{result.label}: {s.questions} questions")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in (
        ("contains gold", f"{s.contains.mean:.1%} [{s.contains.low:.1%}, {s.contains.high:.1%}]"
         if s.contains else "—"),
        ("exact match", f"{s.exact_match:.1%}" if s.exact_match is not None else "—"),
        ("token F1", f"{s.f1.mean:.1%}" if s.f1 else "—"),
        ("retrieval (quote has gold)", f"{s.retrieval:.1%}" if s.retrieval is not None else "—"),
        ("ROUGE-L vs human answer", f"{s.rouge_l:.1%}" if s.rouge_l is not None else "—"),
        ("abstained", f"{s.abstention:.1%}"),
        ("sentences citing a quote", f"{s.cited_sentences or 0:.1%}"),
        ("citations supported", f"{s.supported_citations or 0:.1%}"),
        ("quotes on their page", f"{s.quotes_on_page or 0:.1%}"),
        ("failures", str(s.failures)),
        ("actions / episode", f"{s.mean_steps:.2f}"),
        ("seconds / question", f"{s.mean_seconds:.3f}"),
    ):  # fmt: skip
        table.add_row(name, value)
    console.print(table)
    for q in result.questions[:count]:
        console.print(
            f"[bold]{escape(q.id)}[/bold] {escape(q.question)}\n"
            f"  gold:   {escape(' | '.join(q.golds))}\n"
            f"  answer: {escape(q.answer or q.error or '(none)')}\n"
            f"  EM={q.exact_match} F1={q.f1:.3f} contains={q.contains} retrieved={q.retrieved} "
            f"cited={q.cited_sentences}/{q.sentences} on_page={q.quotes_on_page}/{q.quotes}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", type=Path, default=ROOT.parent / "shared/data/nq_open_corpus_dev.jsonl"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--slow", type=float, default=0.0, help="seconds to pause per action")
    parser.add_argument("--show", type=int, default=10, help="questions to print in full")
    args = parser.parse_args()
    console = Console(highlight=False, soft_wrap=True)
    backend = CorpusBackend.open_default()
    items = load_dataset(args.dataset)
    with rich_progress(Console(stderr=True)) as progress:
        result = run_eval(
            items,
            lambda: SlowTeacher(args.slow),
            lambda: BrowserEnv(backend),
            args.out,
            workers=args.workers,
            limit=args.limit,
            progress=progress,
        )
    show(console, result, args.show)
    console.print(f"Report: {args.out / 'report.html'}")


if __name__ == "__main__":
    main()
