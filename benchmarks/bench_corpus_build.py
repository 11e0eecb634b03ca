"""Corpus build time per page as corpora grow: it must stay flat (linear overall).

    python benchmarks/bench_corpus_build.py [--sizes 10000 50000 100000]

Builds BM25 indexes (``--search bm25``; MiniLM vectors cost a fixed ~0.15 s a page on two
cores and are measured once, on 200 pages) from generated JSONL pages, twice per size:
with realistic titles (a few random words), and with titles that share their first words
("Page 1" … "Page N", "List of …"), the case that made title linking quadratic. Each page
mentions other titles, so the linker works on every page. Prints seconds per 1,000 pages
and the ratio to the smallest size (1.0 is linear).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from browser.corpus import build_index
from browser.corpus_sources import read_inputs

WORDS = (
    "river mountain treaty empire novel symphony theorem species volcano festival "
    "railway cathedral dynasty comet alloy monsoon harbour parliament glacier opera"
).split()


def titles(kind: str, count: int, rng: random.Random) -> list[str]:
    if kind == "shared":
        return [f"Page {n}" if n % 2 else f"List of {rng.choice(WORDS)}s {n}" for n in range(count)]
    return [" ".join(rng.choice(WORDS).title() for _ in range(3)) + f" {n}" for n in range(count)]


def write_pages(path: Path, names: list[str], rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for n, title in enumerate(names):
            others = " and ".join(rng.choice(names) for _ in range(3))
            text = f"{title} is a page about {rng.choice(WORDS)}. It mentions {others}. " * 3
            handle.write(
                json.dumps({"title": title, "url": f"https://x.test/{n}", "text": text}) + "\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        for kind in ("realistic", "shared"):
            first = None
            for size in args.sizes:
                source = root / f"{kind}-{size}.jsonl"
                write_pages(source, titles(kind, size, rng), rng)
                start = time.perf_counter()
                build_index(
                    read_inputs([source]),
                    root / f"{kind}-{size}.sqlite",
                    source_id=str(source),
                    search="bm25",
                )
                per_k = (time.perf_counter() - start) / size * 1000
                first = first or per_k
                print(
                    f"  {kind:<9} titles {size:>7,} pages  {per_k:6.3f} s per 1,000 pages  "
                    f"{per_k / first:5.2f}x the smallest"
                )
        source = root / "vectors.jsonl"
        write_pages(source, titles("realistic", 200, rng), rng)
        start = time.perf_counter()
        build_index(read_inputs([source]), root / "vectors.sqlite", source_id="v", search="hybrid")
        per_page = (time.perf_counter() - start) / 200
        print(f"  hybrid (MiniLM vectors), 200 pages  {per_page:.3f} s per page")


if __name__ == "__main__":
    main()
