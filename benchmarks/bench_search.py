"""Search quality and speed: BM25, dense (MiniLM) and hybrid (fused) on one corpus.

    python benchmarks/bench_search.py ../shared/data/nq_open_corpus_dev.jsonl
    python benchmarks/bench_search.py --generated heldout      # the questions fusion is tuned on

For each question, a ranking is right at k when one of its top k pages contains a gold
answer (normalised, whole words). Prints recall at 1, 3 and 10 with 95% bootstrap
intervals, and queries per second, for each way of searching, BM25 alone as the baseline.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from browser.corpus import SEARCH_MODES, CorpusBackend
from browser.dense import query_vector
from training.evaluation.stats import bootstrap_mean
from training.metrics import contains_answer
from training.real_questions import generate_real_questions

DEPTHS = (1, 3, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", type=Path, help="a JSONL of question/answers")
    parser.add_argument("--generated", choices=("train", "heldout"), help="generated questions")
    parser.add_argument("-n", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    if args.generated:
        found = [
            q
            for q in generate_real_questions(CorpusBackend.open_default().pages())
            if q.split == args.generated
        ]
        questions = [(q.question, q.answers) for q in found]
    else:
        rows = [json.loads(line) for line in args.dataset.open(encoding="utf-8") if line.strip()]
        questions = [(row["question"], tuple(row["answers"])) for row in rows]
    questions = questions[: args.n] if args.n else questions
    corpus = CorpusBackend.open_default()
    query_vector("warm up")  # load the encoder before timing
    texts: dict[int, str] = {}
    print(f"{len(questions)} questions, {len(corpus)} pages")
    for mode in SEARCH_MODES:
        hits = {k: [] for k in DEPTHS}  # type: ignore[var-annotated]
        start = time.perf_counter()
        rankings = [corpus.ranked(question, max(DEPTHS), mode=mode) for question, _ in questions]
        per_second = len(questions) / (time.perf_counter() - start)
        for (_, golds), ranking in zip(questions, rankings, strict=True):
            right = []
            for position in ranking:
                if position not in texts:
                    page = corpus.open_position(position)
                    texts[position] = f"{page.title}\n{page.text}"
                right.append(contains_answer(texts[position], golds))
            for k in DEPTHS:
                hits[k].append(float(any(right[:k])))
        row = "  ".join(_cell(bootstrap_mean(hits[k])) for k in DEPTHS)
        print(f"  {mode:<7} @1/@3/@10  {row}   {per_second:8.1f} queries/s")


def _cell(interval: object) -> str:
    mean, low, high = (getattr(interval, name) for name in ("mean", "low", "high"))
    return f"{mean:5.1%} [{low:.0%}, {high:.0%}]"


if __name__ == "__main__":
    main()
