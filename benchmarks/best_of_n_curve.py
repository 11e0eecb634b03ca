"""Gold-answer rate of best-of-n rejection sampling as n grows, on held-out questions.

    python benchmarks/best_of_n_curve.py --out runs/best-of-n --policy lm [-n 200] [--samples 16]
    python benchmarks/best_of_n_curve.py --out runs/vote --questions q.jsonl --samples 8
    python benchmarks/best_of_n_curve.py --out runs/rms --questions q.jsonl --reward-model A B

Per question, ``--samples`` episodes are drawn from the policy (the BC LM, or the default
ranking policy; temperature 0.8, top-p 0.9, in lockstep) and scored by the reward model.
The questions are generated ones from held-out articles, or ``--questions`` (JSONL with
``question`` and ``answers``: the validation files). For every k in 1, 2, 4, …, two rules
keep one of the first k samples: the highest-scoring, as WebGPT measured it ("reward"),
and the highest-scoring of those giving the most frequent short answer ("vote",
:func:`agent.best_of_n.most_agreed`). "Any of k" (some sample holds the gold answer) is the
ceiling a perfect chooser would reach. With several ``--reward-model``s every sample is
scored by each, and a table is printed for each (the first one's is the plot): reward
models compared on the very same samples. Rows are appended to ``OUT/rows.jsonl`` as questions
finish, so a rerun resumes. Prints the table with 95% bootstrap intervals and the paired
differences (best-of-max against best-of-1, vote against reward), and draws
``OUT/best_of_n.png``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from rich.progress import Progress

from agent.best_of_n import BEST_OF_TOP_P, answer_key, most_agreed, sample_episodes
from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy
from agent.policy import Policy
from agent.ranker_policy import RankerPolicy
from agent.reader import Reader
from agent.reward import episode_scorer
from agent.reward_model import DEFAULT_CHECKPOINT as DEFAULT_RM
from agent.reward_model import RewardModel
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.evaluation import load_dataset
from training.evaluation.errors import DatasetFormatError
from training.evaluation.stats import bootstrap_mean, paired_bootstrap
from training.metrics import contains_answer
from training.questions import heldout_sample

Asked = tuple[str, tuple[str, ...]]  # a question and its gold answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--policy", choices=("ranker", "lm"), default="ranker",
                        help="the default ranking policy, or the BC LM (--model)")  # fmt: skip
    parser.add_argument("--model", default=str(DEFAULT_CHECKPOINT), help="lm: the checkpoint")
    parser.add_argument("--reader", type=Path, help="ranker: a reader directory (default: shipped)")
    parser.add_argument("--questions", type=Path, help="JSONL of question and answers "
                        "(default: generated questions from held-out articles)")  # fmt: skip
    parser.add_argument("--reward-model", nargs="+", default=[str(DEFAULT_RM)],
                        help="one or more reward models (each scores every sample)")  # fmt: skip
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
    try:
        questions = _questions(args.questions, corpus, args.n, args.seed)
    except DatasetFormatError as error:
        parser.error(str(error))
    policy = _policy(args)
    scorers = {p: episode_scorer(RewardModel.from_pretrained(p)) for p in args.reward_model}
    env = BrowserEnv(corpus)
    todo = [(q, golds) for q, golds in questions if q not in rows]
    with Progress() as progress, rows_file.open("a", encoding="utf-8") as handle:
        task = progress.add_task("best-of-n samples", total=len(questions), completed=len(rows))
        for question, golds in todo:
            episodes = sample_episodes(question, policy, env, args.samples)
            rewards = {path: score(episodes) for path, score in scorers.items()}
            row = {
                "question": question,
                "gold": [contains_answer(e.answer or "", golds) for e in episodes],
                "reward": rewards[args.reward_model[0]],
                "rewards": rewards,
                "answers": [e.answer for e in episodes],
                "keys": [answer_key(e) for e in episodes],
                "actions": [len(e.steps) for e in episodes],
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            rows[question] = row
            progress.advance(task)
    chosen = [rows[q] for q, _ in questions]
    for number, path in enumerate(args.reward_model):
        if len(args.reward_model) > 1:
            print(f"\nreward model {path}")
        scored = [row | {"reward": row.get("rewards", {}).get(path, row["reward"])}
                  for row in chosen]  # fmt: skip
        plot = args.out / ("best_of_n.png" if number == 0 else f"best_of_n-{number}.png")
        report(scored, args.samples, plot)


def _questions(path: Path | None, corpus: CorpusBackend, n: int, seed: int) -> list[Asked]:
    """The questions of ``path`` (all of them), else ``n`` generated held-out ones."""
    if path is None:
        return [(q.question, q.answers) for q in heldout_sample(corpus.pages(), n, seed=seed)]
    return [(item.question, item.answers) for item in load_dataset(path)]


def _policy(args: argparse.Namespace) -> Policy:
    if args.policy == "lm":
        return LMPolicy.from_pretrained(
            args.model, temperature=args.temperature, top_p=args.top_p, seed=args.seed
        )
    reader = Reader.load(args.reader) if args.reader else None
    return RankerPolicy.load(reader=reader, temperature=args.temperature, seed=args.seed)


def report(rows: list[dict], samples: int, plot_path: Path) -> None:
    """Print the best-of-k table and draw the curve."""
    ks = [k for k in (1, 2, 4, 8, 16, 32, 64) if k <= samples]
    best = {k: [float(_best_of(row, k)) for row in rows] for k in ks}
    voted = {k: [float(_voted(row, k)) for row in rows] for k in ks}
    ceiling = {k: [float(any(row["gold"][:k])) for row in rows] for k in ks}
    print(f"{len(rows)} questions, {samples} samples each")
    print(f"{'n':>4}{'reward: gold':>16}{'95% CI':>18}{'vote: gold':>14}{'95% CI':>18}"
          f"{'any of n':>12}")  # fmt: skip
    intervals, vote_intervals = {}, {}
    for k in ks:
        interval = intervals[k] = bootstrap_mean(best[k])
        vote = vote_intervals[k] = bootstrap_mean(voted[k])
        print(f"{k:>4}{interval.mean:>16.1%}   [{interval.low:.1%}, {interval.high:.1%}]"
              f"{vote.mean:>12.1%}   [{vote.low:.1%}, {vote.high:.1%}]"
              f"{sum(ceiling[k]) / len(rows):>12.1%}")  # fmt: skip
    top = ks[-1]
    for name, a, b in [(f"reward best-of-{top} minus best-of-1", best[top], best[1]),
                       (f"vote best-of-{top} minus best-of-1", voted[top], best[1]),
                       (f"vote minus reward, best-of-{top}", voted[top], best[top])]:  # fmt: skip
        test = paired_bootstrap(a, b)
        d = test.difference
        print(f"{name}: {d.mean:+.1%} [{d.low:+.1%}, {d.high:+.1%}], p = {test.p_value:.3g}")
    _plot(ks, intervals, vote_intervals, ceiling, plot_path)
    print(f"plot: {plot_path}")


def _best_of(row: dict, k: int) -> bool:
    """Whether the highest-reward answer of the first ``k`` holds the gold (first on ties)."""
    return _kept_holds_gold(row, range(k))


def _voted(row: dict, k: int) -> bool:
    """Whether the vote among the first ``k`` (rows written before votes were kept count as
    the reward rule) keeps an answer holding the gold."""
    if "keys" not in row:
        return _best_of(row, k)
    keys = [tuple(key) if key is not None else None for key in row["keys"][:k]]
    return _kept_holds_gold(row, most_agreed(keys, row["reward"][:k]))


def _kept_holds_gold(row: dict, pool: Sequence[int]) -> bool:
    """Whether the highest-reward sample of ``pool`` (the first on ties) holds the gold."""
    rewards = row["reward"]
    return bool(row["gold"][max(pool, key=lambda i: (rewards[i], -i))])


def _plot(ks: list[int], intervals: dict, vote_intervals: dict, ceiling: dict,
          path: Path) -> None:  # fmt: skip
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.8))
    means = [intervals[k].mean for k in ks]
    errors = [[intervals[k].mean - intervals[k].low for k in ks],
              [intervals[k].high - intervals[k].mean for k in ks]]  # fmt: skip
    axes.errorbar(ks, means, yerr=errors, marker="o", capsize=4, label="best-of-n (reward model)")
    voted = [vote_intervals[k].mean for k in ks]
    axes.plot(ks, voted, marker="s", label="best-of-n (vote, reward model breaks ties)")
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
