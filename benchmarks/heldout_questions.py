"""Write a sample of the generated questions from held-out articles, in the evaluator's format.

    python benchmarks/heldout_questions.py --out runs/generated-heldout.jsonl --count 150
    webgpt eval runs/generated-heldout.jsonl --out runs/heldout-b1 --workers 1

No policy, reader or reward model was trained on these articles
(:func:`training.questions.article_split`), so they measure a policy's rounds
(``benchmarks/results/iterate/``) on questions of the kind it was trained on, beside the real
ones. The sample is fixed by ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from browser.corpus import CorpusBackend
from browser.records import write_atomic
from training.real_questions import generate_real_questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the questions JSONL to write")
    parser.add_argument("--count", type=int, default=150, help="questions to sample")
    parser.add_argument("--seed", default="issue-19-bestof", help="the sample's seed")
    args = parser.parse_args()
    corpus = CorpusBackend.open_default()
    heldout = [q for q in generate_real_questions(corpus.pages()) if q.split == "heldout"]
    sample = random.Random(args.seed).sample(heldout, min(args.count, len(heldout)))
    rows = [{"question": q.question, "answers": list(q.answers)} for q in sample]
    write_atomic(args.out, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    print(f"{len(sample)} of {len(heldout)} held-out questions -> {args.out}")


if __name__ == "__main__":
    main()
