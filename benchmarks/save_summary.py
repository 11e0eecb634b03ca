"""Keep the numbers of an evaluation run in the repository, without its questions.

    python benchmarks/save_summary.py runs/teacher benchmarks/results/nq-dev-teacher.json

The shared evaluation files are public datasets under other licences (CC BY-SA for NQ):
their questions and answers are read in place and never copied here. A run's
``report.json`` holds every question, so what is committed under ``benchmarks/results/`` is
its summary alone (rates with their intervals, timings, the run's label and policies).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.evaluation import load_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="the folder of a webgpt eval run")
    parser.add_argument("out", type=Path, help="the summary JSON to write")
    args = parser.parse_args()
    run = load_run(args.run)
    summary = {
        "label": run.label,
        "policies": run.policies,
        "scored_at": run.scored_at,
        "summary": run.summary.model_dump(mode="json"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1) + "\n")
    contains = run.summary.contains
    print(
        f"{run.label}: {run.summary.questions} questions, gold in answer "
        f"{contains.mean if contains else float('nan'):.1%}, EM {run.summary.exact_match}"
    )


if __name__ == "__main__":
    main()
