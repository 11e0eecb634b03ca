"""Wall time of best-of-n against best-of-1 with the default models, on CPU.

    python benchmarks/bench_best_of_n.py [-n 10] [--best-of 8]

Three ways to answer the same held-out questions: one sampled episode (best-of-1); best-of-n
as shipped (n episodes in lockstep, one batched generation per step, one shared page cache,
one batched reward pass); and the naive baseline (n episodes one after another, each
generating alone and fetching its own pages). Prints seconds per question and the ratios.
"""

from __future__ import annotations

import argparse
import time

from agent.cli_options import BEST_OF_TOP_P
from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy
from agent.loop import run_episode
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.best_of_n import best_of_n, episode_scorer, pick_best
from training.questions import heldout_sample
from training.reward_model import DEFAULT_CHECKPOINT as DEFAULT_RM
from training.reward_model import RewardModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="held-out questions")
    parser.add_argument("--best-of", type=int, default=8)
    parser.add_argument("--model", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("--reward-model", default=str(DEFAULT_RM))
    parser.add_argument("--top-p", type=float, default=BEST_OF_TOP_P, help="nucleus mass")
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
        best_of_n(question, policy, env, score, args.best_of)

    def naive(question: str) -> None:
        pick_best([run_episode(question, policy, BrowserEnv(corpus)) for _ in range(args.best_of)],
                  score)  # fmt: skip

    seconds = {}
    for name, run in (("best-of-1", one), (f"best-of-{args.best_of}", batched),
                      (f"best-of-{args.best_of}, one at a time", naive)):  # fmt: skip
        start = time.perf_counter()
        for question in questions:
            run(question)
        seconds[name] = (time.perf_counter() - start) / len(questions)
    base = seconds["best-of-1"]
    print(f"{len(questions)} held-out questions, CPU, threads: default")
    for name, value in seconds.items():
        print(f"{name:<32}{value:>8.2f} s/question{value / base:>8.2f}x best-of-1")
    batched_name, naive_name = list(seconds)[1:]
    print(
        f"batched speed-up over one at a time: {seconds[naive_name] / seconds[batched_name]:.2f}x"
    )


if __name__ == "__main__":
    main()
