"""The offline corpus: pages and their BM25 search index in one SQLite file.

    backend = CorpusBackend.open_default()          # builds the default index on first use
    backend.search("pointillist painting", limit=5)
    backend.open("https://en.wikipedia.org/wiki/Georges_Seurat")

``build_index`` writes any iterable of :class:`~browser.corpus_sources.CorpusEntry` into
that format atomically (a temporary file renamed into place), so an interrupted build never
leaves a half-written index behind.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from browser.corpus_sources import CorpusEntry, default_source_path, read_wiki_summaries
from browser.dense import (
    DENSE_FLOOR,
    DenseIndex,
    embed_pages,
    page_passage,
    query_vector,
    shipped_vectors,
    vector_blobs,
    vectors_from_blobs,
)
from browser.encoder import Encoder
from browser.errors import CorpusError, PageNotFound
from browser.linker import TitleLinker
from browser.models import Document, Link, SearchResult
from browser.records import partial_path
from browser.search_index import (
    FUSION_DEPTH,
    FUSION_WEIGHTS,
    SearchIndex,
    build_blobs,
    fuse,
    query_terms,
)
from browser.text import fold, split_sentences

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "3"
DEFAULT_INDEX_NAME = "wiki-vital-en.sqlite"
SNIPPET_WORDS = 24

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    text TEXT NOT NULL,
    links TEXT NOT NULL
);
CREATE TABLE bm25 (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE dense (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""
SearchMode = Literal["bm25", "dense", "hybrid"]
SEARCH_MODES: tuple[SearchMode, ...] = ("bm25", "dense", "hybrid")


def cache_dir() -> Path:
    """Where built indexes live: ``$WEBGPT_CACHE_DIR`` or the user cache directory."""
    configured = os.environ.get("WEBGPT_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("webgpt"))


def build_index(
    entries: Iterable[CorpusEntry],
    out: Path,
    *,
    source_id: str,
    on_progress: Callable[[str, int], None] | None = None,
    search: SearchMode = "hybrid",
) -> int:
    """Index ``entries`` into a new SQLite file at ``out``; returns the page count.

    Args:
        entries: the pages; a url seen twice is an error, and so is having none.
        out: the index file, replaced atomically when the build succeeds.
        source_id: a fingerprint of the source, stored so a stale index can be detected.
        on_progress: called with a stage name and a count as the build advances.
        search: how the index is searched: BM25, dense vectors, or both fused. Dense and
            hybrid embed every page with MiniLM (the default corpus's vectors ship with
            the package; other corpora are encoded here, about 7 pages/s on two cores).
    """
    if search not in SEARCH_MODES:
        raise ValueError(f"search must be one of {SEARCH_MODES}, got {search!r}")
    report = on_progress or (lambda stage, count: None)
    pages: list[CorpusEntry] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.url in seen:
            raise CorpusError(f"two pages have the url {entry.url!r} (titles: {entry.title!r})")
        seen.add(entry.url)
        pages.append(entry)
        if len(pages) % 1000 == 0:
            report("read", len(pages))
    report("read", len(pages))
    if not pages:
        raise CorpusError("the inputs hold no pages with text; nothing was written")
    linker = TitleLinker((page.title, page.url) for page in pages)
    out.parent.mkdir(parents=True, exist_ok=True)
    check_output(out)
    remove_stale_partials(out)
    partial = partial_path(out)
    partial.unlink(missing_ok=True)
    try:
        with sqlite3.connect(partial) as db:
            db.executescript(_SCHEMA)
            rows = []
            for number, page in enumerate(pages, 1):
                links = linker.links(_page_text(page.description, page.text), self_url=page.url)
                encoded = json.dumps([[link.start, link.end, link.url] for link in links])
                rows.append((page.url, page.title, page.description, page.text, encoded))
                if number % 1000 == 0:
                    report("linked", number)
            db.executemany(
                "INSERT INTO pages (url, title, description, text, links) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            report("ranking", len(pages))
            blobs = build_blobs((p.title, p.description, p.text) for p in pages)
            db.executemany("INSERT INTO bm25 VALUES (?, ?)", blobs.items())
            if search != "bm25":
                vectors = _page_vectors(pages, report)
                db.executemany("INSERT INTO dense VALUES (?, ?)", vector_blobs(vectors).items())
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema_version", SCHEMA_VERSION),
                    ("source_id", source_id),
                    ("pages", str(len(pages))),
                    ("search", search),
                    ("built_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
                ],
            )
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    report("done", len(pages))
    return len(pages)


def check_output(out: Path) -> None:
    """Refuse to replace anything but a webgpt index (a typo in ``--out`` must not eat the
    user's JSONL), and anything that is not a regular file.

    Raises:
        CorpusError: naming ``out`` and what it is.
    """
    if not out.exists():
        return
    if not out.is_file():
        raise CorpusError(f"{out}: exists and is not a regular file; choose another --out")
    with out.open("rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        raise CorpusError(f"{out}: exists and is not a webgpt index; refusing to overwrite it")
    try:
        with closing(sqlite3.connect(f"{out.resolve().as_uri()}?mode=ro", uri=True)) as db:
            db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError:
        raise CorpusError(
            f"{out}: a SQLite file that is not a webgpt index; refusing to overwrite it"
        ) from None


def remove_stale_partials(out: Path) -> None:
    """Delete what builds of ``out`` killed before finishing left behind (their process is
    gone); a build still running elsewhere keeps its file."""
    for leftover in out.parent.glob(f".{out.name}.*.partial"):
        pid = leftover.name[len(out.name) + 2 : -len(".partial")]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _page_vectors(
    pages: list[CorpusEntry], report: Callable[[str, int], None]
) -> NDArray[np.float16]:
    """The pages' MiniLM vectors: the shipped ones when they fit, else encoded here."""
    shipped = shipped_vectors([page.url for page in pages])
    if shipped is not None:
        return shipped
    passages = [page_passage(p.title, p.description, p.text) for p in pages]
    return embed_pages(Encoder.load(), passages, on_progress=lambda n: report("embedded", n))


def _page_text(description: str, body: str) -> str:
    """The text a page shows: its one-line description (when it has one), then its body."""
    return f"{description}\n{body}" if description else body


def default_source_id(source: Path) -> str:
    stat = source.stat()
    return f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:schema{SCHEMA_VERSION}"


class CorpusBackend:
    """A :class:`~browser.backend.Backend` over an index built by :func:`build_index`."""

    name = "corpus"

    def __init__(self, path: Path) -> None:
        """Open an existing index read-only.

        Raises:
            CorpusError: the file is missing, unreadable, or not a webgpt corpus index.
        """
        self.path = Path(path)
        if not self.path.is_file():
            raise CorpusError(f"{self.path}: no such corpus file")
        try:
            self._db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self.meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise CorpusError(f"{self.path}: not a webgpt corpus index ({exc})") from None
        if self.meta.get("schema_version") != SCHEMA_VERSION:
            raise CorpusError(
                f"{self.path}: corpus schema {self.meta.get('schema_version')!r}, expected "
                f"{SCHEMA_VERSION!r}; rebuild it with `webgpt corpus build`"
            )
        self._lock = threading.Lock()  # one connection shared by threads: serialise use
        self._index: SearchIndex | None = None
        self._dense: DenseIndex | None = None
        self.search_mode: SearchMode = self._mode(self.meta.get("search", "bm25"))

    @classmethod
    def open_default(
        cls, *, on_progress: Callable[[str, int], None] | None = None
    ) -> CorpusBackend:
        """The embedded default corpus, building (or rebuilding) its index when needed."""
        source = default_source_path()
        source_id = default_source_id(source)
        path = cache_dir() / DEFAULT_INDEX_NAME
        if path.is_file():
            try:
                backend = cls(path)
            except CorpusError as exc:
                logger.info("rebuilding the default index: %s", exc)
            else:
                if backend.meta.get("source_id") == source_id:
                    return backend
                backend.close()
        logger.info("building the default corpus index at %s", path)
        build_index(read_wiki_summaries(source), path, source_id=source_id, on_progress=on_progress)
        return cls(path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CorpusBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM pages").fetchone()[0])

    def pages(self) -> Iterator[CorpusEntry]:
        """Every page of the corpus, in index order (for question generation and baselines)."""
        with self._lock:
            rows = self._db.execute("SELECT title, url, text, description FROM pages").fetchall()
        for title, url, text, description in rows:
            yield CorpusEntry(title=title, url=url, text=text, description=description)

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]:
        """The pages that best match ``query`` (BM25, dense, or both fused, as the index was
        built), each with a snippet around the match."""
        positions = self.ranked(query, limit)
        if not positions:
            return []
        ids = [position + 1 for position in positions]  # page ids count from 1, in index order
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, url, title, description, text FROM pages WHERE id IN ({marks})", ids
            ).fetchall()
        by_id = {row[0]: row[1:] for row in rows}
        found = set(query_terms(query))
        return [
            SearchResult(url=url, title=title, snippet=_snippet(about, body, found))
            for url, title, about, body in (by_id[i] for i in ids)
        ]

    def ranked(self, query: str, limit: int, *, mode: SearchMode | None = None) -> list[int]:
        """Positions (0-based, index order) of the best ``limit`` pages for ``query``."""
        mode = mode or self.search_mode
        if limit < 1 or not query.strip():
            return []
        lexical = [] if mode == "dense" else self._search_index().top(query, FUSION_DEPTH)
        words = [position for position, _ in lexical]
        if mode == "bm25":
            return words[:limit]
        close = self._dense_index().top(query_vector(query), FUSION_DEPTH)
        meaning = [position for position, cosine in close if cosine >= DENSE_FLOOR]
        if mode == "dense":
            return meaning[:limit]
        return fuse([words, meaning], weights=FUSION_WEIGHTS)[:limit]

    def _search_index(self) -> SearchIndex:
        if self._index is None:  # loaded on first search: opening a page never needs it
            with self._lock:
                blobs = dict(self._db.execute("SELECT name, value FROM bm25").fetchall())
            self._index = SearchIndex(blobs)
        return self._index

    def _dense_index(self) -> DenseIndex:
        if self._dense is None:
            with self._lock:
                blobs = dict(self._db.execute("SELECT name, value FROM dense").fetchall())
            if not blobs:
                raise CorpusError(f"{self.path}: built without vectors; rebuild with --search")
            self._dense = DenseIndex(vectors_from_blobs(blobs))
        return self._dense

    def _mode(self, value: str) -> SearchMode:
        for mode in SEARCH_MODES:
            if value == mode:
                return mode
        raise CorpusError(f"{self.path}: unknown search mode {value!r}")

    def open_position(self, position: int) -> Document:
        """The page at ``position`` (0-based, index order), as :meth:`ranked` numbers them."""
        with self._lock:
            row = self._db.execute("SELECT url FROM pages WHERE id = ?", (position + 1,)).fetchone()
        if row is None:
            raise PageNotFound(f"#{position}")
        return self.open(row[0])

    def open(self, url: str) -> Document:
        """The page at ``url``, with its links."""
        with self._lock:
            row = self._db.execute(
                "SELECT title, description, text, links FROM pages WHERE url = ?", (url,)
            ).fetchone()
        if row is None:
            raise PageNotFound(url)
        title, description, body, links = row
        return Document(
            url=url,
            title=title,
            text=_page_text(description, body),
            links=tuple(Link(start=s, end=e, url=u) for s, e, u in json.loads(links)),
        )

    def __repr__(self) -> str:
        return f"CorpusBackend({str(self.path)!r})"


def _snippet(description: str, body: str, terms: set[str]) -> str:
    """The description, then the body's sentence that holds most query words (trimmed)."""
    best, best_hits = "", 0
    for sentence in split_sentences(body):
        folded = fold(sentence)
        hits = sum(term in folded for term in terms)  # stems as substrings: cheap, close enough
        if hits > best_hits:
            best, best_hits = sentence, hits
    cut = (best or body).split()
    text = " ".join(cut[:SNIPPET_WORDS]) + (" …" if len(cut) > SNIPPET_WORDS else "")
    return f"{description} — {text}" if description else text
