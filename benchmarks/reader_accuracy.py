"""Which sentence answers? The trained reader against untrained pickers, on real questions.

    python benchmarks/reader_accuracy.py ../shared/data/nq_open_corpus_dev.jsonl
    python benchmarks/reader_accuracy.py --generated heldout -n 300     # tuning questions

For every question, the candidates are the sentences of the top ``--pages`` pages of the
corpus search (as a browsing reader would meet them). Each picker chooses one sentence;
it is right when the sentence contains a gold answer (normalised, whole words). Printed
with 95% bootstrap intervals: the reader's relevance head; MiniLM's cosine between the
question and ``title: sentence`` (untrained); word overlap with the question; and the
ceiling (some candidate holds a gold answer). For the reader, also how often its short
answer in the chosen sentence matches a gold exactly (SQuAD normalisation).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from agent.reader import Reader, passage_text
from browser.corpus import CorpusBackend
from browser.dense import shared_encoder
from browser.text import content_words, split_sentences
from training.evaluation.metrics import exact_match
from training.evaluation.stats import bootstrap_mean
from training.metrics import contains_answer
from training.real_questions import generate_real_questions


def load(args: argparse.Namespace) -> list[tuple[str, tuple[str, ...]]]:
    if args.generated:
        questions = [
            q
            for q in generate_real_questions(CorpusBackend.open_default().pages())
            if q.split == args.generated
        ]
        pairs = [(q.question, q.answers) for q in questions]
    else:
        rows = [json.loads(line) for line in args.dataset.open(encoding="utf-8") if line.strip()]
        pairs = [(row["question"], tuple(row["answers"])) for row in rows]
    return pairs[: args.n] if args.n else pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", type=Path, help="a JSONL of question/answers")
    parser.add_argument("--generated", choices=("train", "heldout"), help="generated questions")
    parser.add_argument("--reader", type=Path, help="a reader directory (default: shipped)")
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("-n", type=int, default=0, help="only the first N questions")
    args = parser.parse_args()
    corpus = CorpusBackend.open_default()
    reader = Reader.load(args.reader) if args.reader else Reader.load()
    encoder = shared_encoder()
    picks: dict[str, list[float]] = {"reader": [], "MiniLM cosine": [], "word overlap": [],
                                     "ceiling": [], "reader short answer EM": []}  # fmt: skip
    start = time.perf_counter()
    for question, golds in load(args):
        candidates = []
        for position in corpus.ranked(question, args.pages):
            page = corpus.open_position(position)
            candidates += [(page.title, s) for s in split_sentences(page.text)]
        if not candidates:
            for name in picks:
                picks[name].append(0.0)
            continue
        right = [contains_answer(sentence, golds) for _, sentence in candidates]
        readings = reader.read(question, candidates)
        best = int(np.argmax([r.score for r in readings]))
        vectors = encoder.embed([question] + [passage_text(t, s) for t, s in candidates])
        cosine = int(np.argmax(vectors[1:] @ vectors[0]))
        wanted = set(content_words(question))
        overlap = max(range(len(candidates)),
                      key=lambda i: len(wanted & set(content_words(candidates[i][1]))))  # fmt: skip
        picks["reader"].append(float(right[best]))
        picks["MiniLM cosine"].append(float(right[cosine]))
        picks["word overlap"].append(float(right[overlap]))
        picks["ceiling"].append(float(any(right)))
        picks["reader short answer EM"].append(exact_match(readings[best].answer or "", golds))
    seconds = time.perf_counter() - start
    count = len(picks["reader"])
    print(f"{count} questions, sentences of the top {args.pages} pages ({seconds / count:.2f} s/q)")
    for name, values in picks.items():
        interval = bootstrap_mean(values)
        print(f"  {name:<24} {interval.mean:6.1%}  [{interval.low:.1%}, {interval.high:.1%}]")


if __name__ == "__main__":
    main()
