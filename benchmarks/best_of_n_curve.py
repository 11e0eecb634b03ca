"""Gold-answer rate of best-of-n rejection sampling as n grows, on held-out questions.

    python benchmarks/best_of_n_curve.py --out runs/best-of-n [-n 200] [--samples 16]

Per question, ``--samples`` episodes are drawn from the BC policy (temperature 0.8, top-p
0.9, one batched generation per step) and scored by the reward model. Best-of-k for every k in
1, 2, 4, … keeps the highest-scoring of the first k samples, as WebGPT measured it; "any of
k" (some sample holds the gold answer) is the ceiling a perfect reward model would reach.
Rows are appended to ``OUT/rows.jsonl`` as questions finish, so a rerun resumes. Prints the
table with 95% bootstrap intervals and the paired best-of-max minus best-of-1 difference,
and draws ``OUT/best_of_n.png``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.progress import Progress

from agent.best_of_n import BEST_OF_TOP_P, sample_episodes
from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy
from agent.reward import episode_scorer
from agent.reward_model import DEFAULT_CHECKPOINT as DEFAULT_RM
from agent.reward_model import RewardModel
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.evaluation.stats import bootstrap_mean, paired_bootstrap
from training.metrics import contains_answer
from training.questions import heldout_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("--reward-model", default=str(DEFAULT_RM))
    parser.add_argument("-n", type=int, default=200, help="held-out questions")
    parser.add_argument("--samples", type=int, default=16, help="episodes per question")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--top-p", type=float, default=BEST_OF_TOP_P, help="nucleus mass")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows_file = args.out / "rows.jsonl"
    rows = _read_rows(rows_file)
    corpus = CorpusBackend.open_default()
    questions = heldout_sample(corpus.pages(), args.n, seed=args.seed)
    policy = LMPolicy.from_pretrained(
        args.model, temperature=args.temperature, top_p=args.top_p, seed=args.seed
    )
    score = episode_scorer(RewardModel.from_pretrained(args.reward_model))
    env = BrowserEnv(corpus)
    todo = [q for q in questions if q.question not in rows]
    with Progress() as progress, rows_file.open("a", encoding="utf-8") as handle:
        task = progress.add_task("best-of-n samples", total=len(questions), completed=len(rows))
        for question in todo:
            episodes = sample_episodes(question.question, policy, env, args.samples)
            row = {
                "question": question.question,
                "gold": [contains_answer(e.answer or "", question.answers) for e in episodes],
                "reward": score(episodes),
                "answers": [e.answer for e in episodes],
                "actions": [len(e.steps) for e in episodes],
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            rows[question.question] = row
            progress.advance(task)
    chosen = [rows[q.question] for q in questions]
    report(chosen, args.samples, args.out / "best_of_n.png")


def report(rows: list[dict], samples: int, plot_path: Path) -> None:
    """Print the best-of-k table and draw the curve."""
    ks = [k for k in (1, 2, 4, 8, 16, 32, 64) if k <= samples]
    best = {k: [float(_best_of(row, k)) for row in rows] for k in ks}
    ceiling = {k: [float(any(row["gold"][:k])) for row in rows] for k in ks}
    print(f"{len(rows)} held-out generated questions, {samples} samples each")
    print(f"{'n':>4}{'best-of-n gold':>18}{'95% CI':>18}{'any of n (ceiling)':>22}")
    intervals = {}
    for k in ks:
        interval = intervals[k] = bootstrap_mean(best[k])
        print(f"{k:>4}{interval.mean:>18.1%}   [{interval.low:.1%}, {interval.high:.1%}]"
              f"{sum(ceiling[k]) / len(rows):>20.1%}")  # fmt: skip
    test = paired_bootstrap(best[ks[-1]], best[1])
    d = test.difference
    print(f"best-of-{ks[-1]} minus best-of-1: {d.mean:+.1%} [{d.low:+.1%}, {d.high:+.1%}], "
          f"p = {test.p_value:.3g}")  # fmt: skip
    _plot(ks, intervals, ceiling, plot_path)
    print(f"plot: {plot_path}")


def _best_of(row: dict, k: int) -> bool:
    """Whether the highest-reward answer of the first ``k`` holds the gold (first on ties)."""
    rewards = row["reward"][:k]
    return bool(row["gold"][max(range(len(rewards)), key=lambda i: (rewards[i], -i))])


def _plot(ks: list[int], intervals: dict, ceiling: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.8))
    means = [intervals[k].mean for k in ks]
    errors = [[intervals[k].mean - intervals[k].low for k in ks],
              [intervals[k].high - intervals[k].mean for k in ks]]  # fmt: skip
    axes.errorbar(ks, means, yerr=errors, marker="o", capsize=4, label="best-of-n (reward model)")
    axes.plot(ks, [sum(ceiling[k]) / len(ceiling[k]) for k in ks], "--", color="grey",
              label="any of n holds the gold (ceiling)")  # fmt: skip
    axes.set_xscale("log", base=2)
    axes.set_xticks(ks, [str(k) for k in ks])
    axes.set_xlabel("n (answers sampled)")
    axes.set_ylabel("answer contains the gold answer")
    axes.set_title("Rejection sampling on held-out questions (95% bootstrap CI)")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def _read_rows(path: Path) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by an interruption: that question runs again
            rows[row["question"]] = row
    return rows


if __name__ == "__main__":
    main()
