"""Rejection sampling with the shipped models: the BC policy answers n times, the reward
model keeps the best answer.

    python demos/best_of_n.py ["your question" ...] [-n 8]

Shows the second stage of WebGPT as a library: ``best_of_n`` runs the n episodes in
lockstep (one batched generation per step, one shared page cache) and returns the best
episode with every episode's reward.
"""

from __future__ import annotations

import argparse

from agent.best_of_n import best_of_n
from agent.lm_policy import LMPolicy
from agent.reward import episode_scorer
from agent.reward_model import RewardModel
from browser import BrowserEnv, CorpusBackend

QUESTIONS = ["Who painted A Sunday Afternoon on the Island of La Grande Jatte?"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="*", default=QUESTIONS)
    parser.add_argument("-n", type=int, default=8, help="answers sampled per question")
    args = parser.parse_args()
    browser = BrowserEnv(CorpusBackend.open_default())
    policy = LMPolicy.from_pretrained(temperature=0.8)  # the shipped BC checkpoint
    reward = episode_scorer(RewardModel.from_pretrained())  # the shipped reward model
    for question in args.questions:
        best, scored = best_of_n(question, policy, browser, reward, args.n)
        print(question)
        for episode, score in sorted(scored, key=lambda pair: -pair[1]):
            mark = "->" if episode is best else "  "
            print(f"  {mark} {score:+.2f}  {episode.answer}")


if __name__ == "__main__":
    main()
