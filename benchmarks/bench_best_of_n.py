"""Wall time of best-of-n against best-of-1 with the default models, on CPU.

    python benchmarks/bench_best_of_n.py [-n 30] [--best-of 8] [--patience 4]

Four ways to answer the same held-out questions: one sampled episode (best-of-1); best-of-n
as shipped (n episodes in lockstep, one batched generation per step, one shared page cache,
one batched reward pass, and stragglers dropped ``--patience`` actions after the first
sample ended); the same waiting for every sample; and the naive baseline (n episodes
one after another, each generating alone and fetching its own pages). Prints seconds per
question and each one's ratio to best-of-1 with a 95% bootstrap interval over questions.
Each way starts every question from the same seed, so they draw the same samples (up to
where the patient run drops its stragglers): which question happens to draw a wandering
sample moves a ratio on 10 questions by a whole point.
"""

from __future__ import annotations

import argparse
import time

import torch
from rich.progress import track

from agent.best_of_n import BEST_OF_TOP_P, DEFAULT_PATIENCE, best_of_n, pick_best
from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy
from agent.loop import run_episode
from agent.reward import episode_scorer
from agent.reward_model import DEFAULT_CHECKPOINT as DEFAULT_RM
from agent.reward_model import RewardModel
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.evaluation.stats import bootstrap_ratio
from training.questions import heldout_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="held-out questions")
    parser.add_argument("--best-of", type=int, default=8)
    parser.add_argument("--model", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("--reward-model", default=str(DEFAULT_RM))
    parser.add_argument("--top-p", type=float, default=BEST_OF_TOP_P, help="nucleus mass")
    parser.add_argument("--patience", type=int, default=DEFAULT_PATIENCE, help="of best-of-n")
    args = parser.parse_args()
    corpus = CorpusBackend.open_default()
    questions = [q.question for q in heldout_sample(corpus.pages(), args.n, seed=1)]
    policy = LMPolicy.from_pretrained(args.model, temperature=0.8, top_p=args.top_p)
    score = episode_scorer(RewardModel.from_pretrained(args.reward_model))
    env = BrowserEnv(corpus)
    best_of_n(questions[0], policy, env, score, 2)  # warm up: weights paged in, kernels chosen

    def one(question: str) -> None:
        pick_best([run_episode(question, policy, env)], score)

    def batched(question: str) -> None:
        best_of_n(question, policy, env, score, args.best_of, patience=args.patience)

    def waiting_for_all(question: str) -> None:
        best_of_n(question, policy, env, score, args.best_of, patience=None)

    def naive(question: str) -> None:
        pick_best([run_episode(question, policy, BrowserEnv(corpus), sample=i)
                   for i in range(args.best_of)], score)  # fmt: skip

    n = args.best_of
    runs = {"best-of-1": one, f"best-of-{n}, patience {args.patience}": batched,
            f"best-of-{n}, waiting for all": waiting_for_all,
            f"best-of-{n}, one at a time": naive}  # fmt: skip
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    ways = list(runs.items())
    for index, question in enumerate(track(questions, description="questions")):
        turn = index % len(ways)  # who goes first rotates: no way always meets a cold cache
        for name, run in ways[turn:] + ways[:turn]:
            start = time.perf_counter()
            run(question)
            seconds[name].append(time.perf_counter() - start)
    base = seconds["best-of-1"]
    print(f"{len(questions)} held-out questions, CPU, threads: {torch.get_num_threads()}")
    for name, values in seconds.items():
        ratio = bootstrap_ratio(values, base)
        print(f"{name:<32}{sum(values) / len(values):>6.2f} s/question{ratio.mean:>7.2f}x "
              f"best-of-1 [{ratio.low:.2f}, {ratio.high:.2f}]")  # fmt: skip
    _, _, waiting_name, naive_name = list(seconds)
    speed_up = bootstrap_ratio(seconds[naive_name], seconds[waiting_name])
    print(
        f"batched speed-up over one at a time, both waiting for all: {speed_up.mean:.2f}x "
        f"[{speed_up.low:.2f}, {speed_up.high:.2f}] (95% bootstrap over questions)"
    )


if __name__ == "__main__":
    main()
