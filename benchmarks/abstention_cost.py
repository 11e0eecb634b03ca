"""What abstaining costs on answerable questions: the reading teacher with and without it.

    python benchmarks/abstention_cost.py ../shared/data/nq_open_corpus_dev.jsonl

Runs the shipped reading teacher twice over every question of a JSONL file
(``question``, ``answers``): with its calibrated ``abstain_below``, and with abstention
off (it then quotes its best sentence however weak). Prints each gold-answer rate (the
answer contains a gold answer and cites a quote) and their paired difference, with 95%
bootstrap intervals.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from agent.loop import run_episode
from agent.reader import Reader
from agent.reading_teacher import ReadingTeacher
from agent.shipped import DEFAULT_READER
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from training.evaluation.stats import bootstrap_mean, paired_bootstrap
from training.metrics import cites_gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="a JSONL of question/answers")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.dataset.open(encoding="utf-8") if line.strip()]
    corpus = CorpusBackend.open_default()
    calibrated = ReadingTeacher.from_reader(Reader.load(), DEFAULT_READER)
    teachers = {
        "abstaining": calibrated,
        "never abstaining": replace(calibrated, abstain_below=float("-inf")),
    }
    right: dict[str, list[float]] = {name: [] for name in teachers}
    for row in rows:
        for name, teacher in teachers.items():
            episode = run_episode(row["question"], teacher, BrowserEnv(corpus))
            right[name].append(float(cites_gold(episode, row["answers"])))
    print(f"{len(rows)} questions, abstain_below {calibrated.abstain_below:.3f}")
    for name, values in right.items():
        rate = bootstrap_mean(values)
        print(f"  {name:<17} gold in answer {rate.mean:6.1%} [{rate.low:.1%}, {rate.high:.1%}]")
    cost = paired_bootstrap(right["never abstaining"], right["abstaining"]).difference
    print(f"  cost of abstaining {cost.mean:+.1%} [{cost.low:+.1%}, {cost.high:+.1%}] points")


if __name__ == "__main__":
    main()
