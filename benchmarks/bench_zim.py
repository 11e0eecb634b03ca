"""Speed of the ZIM backend, each number with its baseline from the same run.

    python benchmarks/bench_zim.py                 # 2,000 pages; --pages N, --rebuild

Builds (once, into the webgpt cache directory) a Wikipedia-like ZIM archive with a full-text
index from N pages of the offline corpus (the pages that answer the benchmark questions,
then the corpus's first pages), their links kept as relative hrefs, and a corpus index
(SQLite + bm25s) of the same N pages.

Prints how many questions find their answering page in the top 8 of each backend; search
queries/s of ``ZimBackend`` against that ``CorpusBackend`` and against bare libzim (the
question as a Kiwix user types it, Xapian's result paths only, nothing read); page opens +
renders/s of both backends on the same URLs (the archive's metadata says ``Source:
en.wikipedia.org``, so its URLs are the corpus's); and the ratios.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import posixpath
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote

from libzim.reader import Archive
from libzim.search import Query, Searcher
from libzim.writer import Creator, Hint, Item, StringProvider

from browser.corpus import CorpusBackend, build_index, cache_dir
from browser.corpus_sources import CorpusEntry
from browser.models import Document
from browser.render import render_document
from browser.zim import ZimBackend

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
NQ = ROOT.parent / "shared" / "data" / "nq_open_corpus_dev.jsonl"
WIKI = "https://en.wikipedia.org/wiki/"
LIMIT = 8


class _HtmlPage(Item):  # type: ignore[misc]  # libzim is untyped, so its Item is Any
    def __init__(self, path: str, title: str, content: str) -> None:
        super().__init__()
        self.path, self.title, self.content = path, title, content

    def get_path(self) -> str:
        return self.path

    def get_title(self) -> str:
        return self.title

    def get_mimetype(self) -> str:
        return "text/html"

    def get_contentprovider(self) -> StringProvider:
        return StringProvider(self.content)

    def get_hints(self) -> dict[Hint, int]:
        return {Hint.FRONT_ARTICLE: True}


def rate(label: str, work: Callable[[], int], seconds: float) -> float:
    """Items per second of ``work`` (which returns how many items it did), over ``seconds``."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += work()
    per_second = done / (time.perf_counter() - start)
    print(f"  {label:<48} {per_second:>10,.1f}/s")
    return per_second


def article_html(document: Document, path: str) -> str:
    """A page as mwoffliner would write it: a heading, paragraphs, relative links."""
    parts, position = [], 0
    for link in document.links:
        parts.append(html.escape(document.text[position : link.start]))
        href = _href(path, unquote(link.url.removeprefix(WIKI)))
        text = html.escape(document.text[link.start : link.end])
        parts.append(f'<a href="{html.escape(href)}">{text}</a>')
        position = link.end
    parts.append(html.escape(document.text[position:]))
    paragraphs = "".join(f"<p>{p}</p>\n" for p in "".join(parts).split("\n"))
    title = html.escape(document.title)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>p {{ margin: 0 }}</style></head><body><h1>{title}</h1>\n{paragraphs}</body></html>"
    )


def _href(source: str, target: str) -> str:
    relative = posixpath.relpath(target, posixpath.dirname(source) or ".")
    return "./" + quote(relative)  # "./" so that "Category:X" does not read as a scheme


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """libzim's writer prints its progress on file descriptor 1: send it to stderr, so this
    script's stdout holds only its results."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def build(pages: list[CorpusEntry], corpus: CorpusBackend, zim: Path, sqlite: Path) -> None:
    start = time.perf_counter()
    with stdout_to_stderr(), Creator(zim).config_indexing(True, "eng") as creator:
        for page in pages:
            path = unquote(page.url.removeprefix(WIKI))
            creator.add_item(_HtmlPage(path, page.title, article_html(corpus.open(page.url), path)))
        creator.set_mainpath(unquote(pages[0].url.removeprefix(WIKI)))
        for name, value in {"Name": "wikipedia_en_bench", "Title": "Benchmark Wikipedia",
                            "Language": "eng", "Source": "en.wikipedia.org"}.items():  # fmt: skip
            creator.add_metadata(name, value)
    seconds = time.perf_counter() - start
    print(f"  ZIM build with full-text index ({len(pages)} pages)   {seconds:>8.2f} s")
    start = time.perf_counter()
    build_index(iter(pages), sqlite, source_id=f"bench-{len(pages)}")
    print(
        f"  corpus index build (same pages)                  {time.perf_counter() - start:>8.2f} s"
    )


def load_questions() -> dict[str, str]:
    """Question -> the title of the page that answers it."""
    questions: dict[str, str] = {}
    for path in (QUESTIONS, NQ):
        if path.is_file():
            with path.open(encoding="utf-8") as handle:
                for record in (json.loads(line) for line in handle if line.strip()):
                    questions[record["question"]] = record.get("title") or record["support_title"]
    return questions


def choose_pages(corpus: CorpusBackend, questions: dict[str, str], count: int) -> list[CorpusEntry]:
    """The pages that answer the questions, then the corpus's first pages, ``count`` in all."""
    pages = list(corpus.pages())
    wanted = set(questions.values())
    chosen = [page for page in pages if page.title in wanted][:count]
    taken = {page.url for page in chosen}
    chosen += [page for page in pages if page.url not in taken][: count - len(chosen)]
    return chosen


def recall(backend: ZimBackend | CorpusBackend, questions: dict[str, str]) -> int:
    """How many questions have the page that answers them among the top results."""
    return sum(
        title in {result.title for result in backend.search(question, limit=LIMIT)}
        for question, title in questions.items()
    )


def bench_search(
    zim: ZimBackend, corpus: CorpusBackend, answered_by: dict[str, str], seconds: float
) -> None:
    questions = list(answered_by)
    print(f"Search ({len(questions)} questions as queries, top {LIMIT})")
    searcher = Searcher(Archive(zim.path))
    bare = sum(
        bool(list(searcher.search(Query().set_query(q)).getResults(0, 1))) for q in questions
    )
    print(f"  questions with any result, bare libzim           {bare:>10} / {len(questions)}")
    for label, backend in (("ZimBackend", zim), ("CorpusBackend", corpus)):
        found = recall(backend, answered_by)
        print(f"  answering page in the top {LIMIT}, {label:<21}{found:>10} / {len(questions)}")

    def ours() -> int:
        for question in questions:
            zim.search(question, limit=LIMIT)
        return len(questions)

    def corpus_search() -> int:
        for question in questions:
            corpus.search(question, limit=LIMIT)
        return len(questions)

    def bare_libzim() -> int:
        for question in questions:
            list(searcher.search(Query().set_query(question)).getResults(0, LIMIT))
        return len(questions)

    zim_rate = rate("ZimBackend.search (relaxed AND, + snippets)", ours, seconds)
    corpus_rate = rate("CorpusBackend.search, same pages (baseline)", corpus_search, seconds)
    bare_rate = rate("bare libzim, question as typed, paths only (ref)", bare_libzim, seconds)
    print(f"  ZIM / corpus                                     {zim_rate / corpus_rate:>10.2f}x")
    print(f"  ZIM / bare libzim                                {zim_rate / bare_rate:>10.2f}x")


def bench_open(zim: ZimBackend, corpus: CorpusBackend, urls: list[str], seconds: float) -> None:
    print(f"Open + render ({len(urls)} pages, 80 columns)")
    links = sum(len(zim.open(url).links) for url in urls)
    print(f"  in-archive links kept by the ZIM extraction      {links:>10}")

    def open_all(backend: ZimBackend | CorpusBackend) -> Callable[[], int]:
        def work() -> int:
            for url in urls:
                render_document(backend.open(url), width=80)
            return len(urls)

        return work

    zim_rate = rate("ZimBackend open (HTML extraction) + render", open_all(zim), seconds)
    corpus_rate = rate("CorpusBackend open + render (baseline)", open_all(corpus), seconds)
    print(f"  ZIM / corpus                                     {zim_rate / corpus_rate:>10.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="pages in the test archive")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the archive and index")
    args = parser.parse_args()
    default = CorpusBackend.open_default()
    questions = load_questions()
    pages = choose_pages(default, questions, args.pages)
    zim_path = cache_dir() / f"bench-wikipedia-{len(pages)}.zim"
    sqlite_path = cache_dir() / f"bench-wikipedia-{len(pages)}.sqlite"
    print(f"Archive {zim_path}")
    if args.rebuild or not (zim_path.is_file() and sqlite_path.is_file()):
        zim_path.unlink(missing_ok=True)
        build(pages, default, zim_path, sqlite_path)
    zim, corpus = ZimBackend(zim_path), CorpusBackend(sqlite_path)
    bench_search(zim, corpus, questions, args.seconds)
    bench_open(zim, corpus, [page.url for page in pages[::10]], args.seconds)


if __name__ == "__main__":
    main()
