"""How often the scripted teacher's answer contains a gold answer, on two question sets.

    python benchmarks/teacher_accuracy.py [--show-failures]

Sets: the hand-written questions in tests/data, the NQ-open dev questions the corpus
supports, and the whole NQ-open dev half (1,833 questions, most not answerable offline).

Prints, per set: questions, gold-answer rate, answers citing a quote that is on the cited
page, abstentions, mean actions, and the failures when --show-failures is given.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv, find_span
from browser.render import render_document
from training.metrics import contains_answer

ROOT = Path(__file__).resolve().parents[1]


def evaluate(path: Path, env: BrowserEnv, show_failures: bool) -> dict[str, float]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    correct = cited_on_page = abstained = actions = 0
    for row in rows:
        episode = run_episode(row["question"], TeacherPolicy(), env)
        answer = episode.answer or ""
        ok = contains_answer(answer, row["answers"])
        correct += ok
        abstained += not episode.cited_ids
        actions += len(episode.steps)
        cited_on_page += any(
            find_span(
                render_document(env.backend.open(q.url), width=env.config.width).plain_text, q.text
            )
            == q.text
            for q in (episode.quotes[n - 1] for n in episode.cited_ids)
        )
        if show_failures and not ok:
            print(f"  MISS {row['question']!r} gold={row['answers'][:2]} -> {answer[:140]!r}")
    n = len(rows)
    return {
        "questions": n,
        "gold_rate": correct / n,
        "cites_quote_on_page": cited_on_page / n,
        "abstained": abstained / n,
        "mean_actions": actions / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "tests/data/questions.jsonl")
    parser.add_argument(
        "--nq", type=Path, default=ROOT.parent / "shared/data/nq_open_corpus_dev.jsonl"
    )
    parser.add_argument(
        "--nq-full", type=Path, default=ROOT.parent / "shared/data/nq_open_dev_full.jsonl"
    )
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()
    env = BrowserEnv(CorpusBackend.open_default())
    sets = (
        ("hand-written", args.questions),
        ("NQ-open dev (corpus)", args.nq),
        ("NQ-open dev half (all)", args.nq_full),
    )
    for name, path in sets:
        if not path.is_file():
            print(f"{name}: {path} not found, skipped")
            continue
        result = evaluate(path, env, args.show_failures)
        print(
            f"{name:22s} n={result['questions']:4.0f}  gold={result['gold_rate']:.1%}  "
            f"cited-on-page={result['cites_quote_on_page']:.1%}  "
            f"abstained={result['abstained']:.1%}  actions={result['mean_actions']:.1f}"
        )


if __name__ == "__main__":
    main()
