"""Speed of the offline browser, each number with its baseline from the same run.

    python benchmarks/bench_browser.py            # needs the dev extra (rank-bm25)

Prints: search queries/s of our index (bm25s scores stored in the corpus SQLite file)
against a plain rank-bm25 index over the same pages and query words (target: 10x or more),
with SQLite FTS5 on the same queries as a second reference, page renders/s, teacher
episodes/s, the cold index build time (target: under 10 s) and the cold-process time of
`webgpt ask` with the teacher (target: under 2 s, torch never imported).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rank_bm25 import BM25Okapi

from agent.loop import run_episode
from agent.teacher import TeacherPolicy
from browser.corpus import CorpusBackend
from browser.env import BrowserEnv
from browser.render import render_document
from browser.search_index import index_tokens, query_terms
from browser.text import content_words

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
NQ = ROOT.parent / "shared" / "data" / "nq_open_corpus_dev.jsonl"
LIMIT = 8


def rate(label: str, work: Callable[[], int], seconds: float = 2.0) -> float:
    """Items per second of ``work`` (which returns how many items it did), over ``seconds``."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += work()
    per_second = done / (time.perf_counter() - start)
    print(f"  {label:<44} {per_second:>10,.1f}/s")
    return per_second


def load_questions() -> list[str]:
    questions = []
    for path in (QUESTIONS, NQ):
        if path.is_file():
            with path.open(encoding="utf-8") as handle:
                questions += [json.loads(line)["question"] for line in handle if line.strip()]
    return questions


def bench_search(corpus: CorpusBackend, questions: list[str]) -> None:
    print(f"Search ({len(questions)} questions as queries, top {LIMIT}, {len(corpus)} pages)")
    pages = list(corpus.pages())
    urls = [page.url for page in pages]
    texts = [index_tokens(f"{page.title} {page.description} {page.text}") for page in pages]
    start = time.perf_counter()
    bm25 = BM25Okapi(texts)
    print(f"  rank-bm25 index build                        {time.perf_counter() - start:>10.2f} s")
    queries = [query_terms(q) for q in questions]  # the same tokens our index sees

    def ours_search() -> int:
        for question in questions:
            corpus.search(question, limit=LIMIT)
        return len(questions)

    def baseline() -> int:
        for query in queries:
            scores = bm25.get_scores(query)
            top = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:LIMIT]
            [urls[i] for i in top]
        return len(queries)

    fts5 = sqlite3.connect(":memory:")
    fts5.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, description, text,"
        " tokenize='porter unicode61 remove_diacritics 2')"
    )
    fts5.executemany(
        "INSERT INTO f VALUES (?, ?, ?)", [(p.title, p.description, p.text) for p in pages]
    )
    matches = [" OR ".join(f'"{w}"' for w in content_words(q)) or '"a"' for q in questions]

    def sqlite_fts5() -> int:
        for match in matches:
            fts5.execute(
                "SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f, 10.0, 4.0, 1.0) LIMIT ?",
                (match, LIMIT),
            ).fetchall()
        return len(matches)

    ours = rate("webgpt search (bm25s in SQLite, + snippets)", ours_search)
    rate("SQLite FTS5 bm25, ids only (reference)", sqlite_fts5)
    theirs = rate("rank-bm25 BM25Okapi (baseline)", baseline)
    print(f"  speed-up over rank-bm25                  {ours / theirs:>10.1f}x  (target >= 10x)")


def bench_render_and_episodes(corpus: CorpusBackend, questions: list[str]) -> None:
    print("Browser")
    urls = [r.url for q in questions[:40] for r in corpus.search(q, limit=3)]
    documents = [corpus.open(url) for url in urls]

    def renders() -> int:
        for document in documents:
            render_document(document, width=80)
        return len(documents)

    def opens_and_renders() -> int:
        for url in urls:
            render_document(corpus.open(url), width=80)
        return len(urls)

    rate("page renders", renders)
    rate("page opens + renders", opens_and_renders)
    env = BrowserEnv(corpus)

    def episodes() -> int:
        for question in questions[:50]:
            run_episode(question, TeacherPolicy(), env)
        return 50

    rate("teacher episodes (search, read, quote, answer)", episodes, seconds=3.0)


def bench_cold() -> None:
    print("Cold start")
    with tempfile.TemporaryDirectory() as cache:
        env = os.environ | {"WEBGPT_CACHE_DIR": cache}
        build = (
            "import time; t = time.perf_counter(); from browser.corpus import CorpusBackend; "
            "CorpusBackend.open_default(); print(time.perf_counter() - t)"
        )
        seconds = float(subprocess.run([sys.executable, "-c", build], env=env, check=True,
                                       capture_output=True, text=True).stdout)  # fmt: skip
        print(f"  default index build, new process            {seconds:>10.2f} s  (target < 10 s)")
        ask = (
            "import sys; from cli.main import main; "
            "code = main(['ask', '--policy', 'teacher', 'who directed 2001 a space odyssey']); "
            "sys.exit(3 if 'torch' in sys.modules else code)"
        )
        times = []
        for _ in range(5):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", ask], env=env, capture_output=True)
            times.append(time.perf_counter() - start)
            if done.returncode == 3:
                raise SystemExit("torch was imported on the `webgpt ask` path")
            done.check_returncode()
        median = statistics.median(times)
        print(f"  `webgpt ask` whole process (median of 5)     {median:>10.2f} s  (target < 2 s)")
        print("  torch imported on that path                         no")


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    corpus = CorpusBackend.open_default()
    questions = load_questions()
    bench_search(corpus, questions)
    bench_render_and_episodes(corpus, questions)
    bench_cold()


if __name__ == "__main__":
    main()
