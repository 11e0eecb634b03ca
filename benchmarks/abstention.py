"""Honest abstention on real questions the corpus can and cannot answer.

    webgpt eval ../shared/data/nq_open_dev_full.jsonl --out runs/full
    python benchmarks/abstention.py ../shared/data/nq_open_dev_full.jsonl runs/full

The full NQ-open dev subset marks the questions the embedded corpus supports
(``support_title``) and those it does not (``null``). From an evaluation run over it this
prints, with 95% bootstrap intervals: how often the agent abstained where the corpus
cannot answer, how often it abstained where it can, and the gold-answer rate on the
answerable ones (what abstaining cost there). "Abstained" counts every answer without a
citation, so an episode that ran out of actions counts too; how many did is printed
beside it (they are failures, not honest abstentions).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.evaluation import load_run
from training.evaluation.stats import bootstrap_mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="nq_open_dev_full.jsonl")
    parser.add_argument("run", type=Path, help="the folder of a webgpt eval run over it")
    args = parser.parse_args()
    supported = {}
    with args.dataset.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                supported[row["id"]] = row.get("support_title") is not None
    scores = {q.id: q for q in load_run(args.run).questions}
    groups = {
        "unanswerable": [q for i, q in scores.items() if not supported.get(i, True)],
        "answerable": [q for i, q in scores.items() if supported.get(i, False)],
    }
    for name, questions in groups.items():
        if not questions:
            continue
        abstained = bootstrap_mean([float(q.abstained) for q in questions])
        print(
            f"  {name:<13} {len(questions):>5} questions   abstained {abstained.mean:6.1%} "
            f"[{abstained.low:.1%}, {abstained.high:.1%}] "
            f"(ran out of actions {sum(q.truncated for q in questions) / len(questions):.1%})",
            end="",
        )
        if name == "answerable":
            right = bootstrap_mean([float(bool(q.contains)) for q in questions])
            print(
                f"   gold in answer {right.mean:6.1%} [{right.low:.1%}, {right.high:.1%}]", end=""
            )
        print()


if __name__ == "__main__":
    main()
