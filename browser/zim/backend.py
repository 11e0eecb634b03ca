"""``ZimBackend``: search and read one Kiwix ZIM archive, such as an offline Wikipedia.

Search uses the archive's full-text index (Xapian, through libzim's ``Searcher``), or, in
an archive built without one, its titles (libzim's ``SuggestionSearcher``). libzim matches
every word of a query; when too few articles do, the search goes on with the articles
that match the rarest of the words, each word searched alone. python-libzim does not expose
libzim's result snippets (openzim/python-libzim#226), so a result's snippet is the
sentence of the article that holds most query words, or its lead sentence.

Opening follows redirects and cites the target article; links point at in-archive
articles only (see :mod:`browser.zim.extract` and :mod:`browser.zim.urls`).
"""

from __future__ import annotations

import logging
import math
import posixpath
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from libzim.reader import Archive
from libzim.search import Query, Searcher
from libzim.suggestion import SuggestionSearcher

from browser.errors import BackendError, BrowserError, CorpusError, PageNotFound
from browser.models import Document, SearchResult
from browser.text import STOPWORDS, collapse_spaces, split_sentences
from browser.zim.extract import ExtractedPage, Resolver, extract_page
from browser.zim.urls import UrlScheme, url_scheme

logger = logging.getLogger(__name__)

SNIPPET_WORDS = 30
RELAXED_DEPTH = 100  # results read per word when a search is relaxed
RELAXED_WORDS = 12  # words searched one by one, at most
LEAD_WORDS = 12  # a snippet without query words shows the lead sentences up to this many words
_PAGE_MIMETYPES = ("text/html", "text/plain")
_WEB_SCHEMES = frozenset({"http", "https", "ftp", "mailto", "javascript", "data", "tel", "geo"})
_QUERY_WORD_RE = re.compile(r"\w+")

Finder = Callable[[str, int], tuple[list[str], int]]  # (query, depth) -> (paths, matches)


class ZimBackend:
    """A :class:`~browser.backend.Backend` over one ZIM archive, read-only.

    Attributes:
        path: the archive file.
        metadata: its text metadata (``Name``, ``Title``, ``Language``, ``Source`` …).
        urls: how its article paths become the URLs results and documents carry.
        full_text: whether it has a full-text index (else search matches titles only).
    """

    name = "zim"

    def __init__(self, path: Path | str) -> None:
        """Open the archive at ``path``.

        Raises:
            CorpusError: the file is missing or is not a readable ZIM archive.
        """
        self.path = Path(path)
        if not self.path.is_file():
            raise CorpusError(f"{self.path}: no such ZIM file")
        with self._libzim("not a readable ZIM archive", error=CorpusError):
            self._archive = Archive(self.path)
            self.metadata = _text_metadata(self._archive)
            self.urls: UrlScheme = url_scheme(self.metadata, fallback_name=self.path.stem)
            self.full_text: bool = self._archive.has_fulltext_index
            self._searcher = Searcher(self._archive) if self.full_text else None
            self._suggester = SuggestionSearcher(self._archive)
        # libzim's searchers are not thread-safe (reading entries is): one lock serialises
        # each search from its query to its last result.
        self._lock = threading.Lock()
        logger.debug("opened %s (%s, full text: %s)", self.path, self.urls.base, self.full_text)

    @property
    def main_url(self) -> str | None:
        """The URL of the archive's main page, or None when it declares none."""
        if not self._archive.has_main_entry:
            return None
        return self.urls.url(self._archive.main_entry.get_item().path)

    @contextmanager
    def _libzim(self, what: str, *, error: type[BrowserError] = BackendError) -> Iterator[None]:
        """libzim reports a corrupt archive (a bad header, a broken cluster, a missing
        entry) as RuntimeError, and worse from deep inside; each becomes one line naming
        the file and what failed."""
        try:
            yield
        except BrowserError:
            raise
        except (RuntimeError, OSError, ValueError, MemoryError, UnicodeError) as exc:
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise error(f"{self.path}: {what} ({detail})") from None

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]:
        """Up to ``limit`` articles matching ``query``, best first, each article once.

        Only the words of ``query`` are searched: no character of it is read as syntax.

        Raises:
            BackendError: the archive is corrupt where the search read it.
        """
        with self._libzim(f"search for {query[:80]!r} failed, the archive may be corrupt"):
            return self._search(query, limit)

    def _search(self, query: str, limit: int) -> list[SearchResult]:
        terms = _QUERY_WORD_RE.findall(query.lower())
        if not terms or limit < 1:
            return []
        results: list[SearchResult] = []
        seen: set[str] = set()
        for path in self._ranked_paths(terms, 2 * limit):  # room for redirects folded away
            item = self._page_item(path)
            if item is None or item.path in seen:
                continue
            seen.add(item.path)
            text = _read(item, resolve=_no_links).text
            results.append(
                SearchResult(
                    url=self.urls.url(item.path),
                    title=item.title or item.path,
                    snippet=snippet(text, terms),
                )
            )
            if len(results) == limit:
                break
        return results

    def open(self, url: str) -> Document:
        """The article at ``url`` with its in-archive links; a redirect opens its target.

        Raises:
            PageNotFound: no article at ``url``.
            BackendError: the archive is corrupt where the article is stored.
        """
        with self._libzim(f"reading {url} failed, the archive may be corrupt"):
            return self._open(url)

    def _open(self, url: str) -> Document:
        path = self.urls.path(url)
        item = self._page_item(path) if path else None
        if item is None:
            raise PageNotFound(url)
        page = _read(item, resolve=partial(self._link_url, item.path))
        return Document(
            url=self.urls.url(item.path),
            title=item.title or item.path,
            text=page.text,
            links=page.links,
        )

    def _ranked_paths(self, terms: list[str], count: int) -> list[str]:
        searcher, suggester = self._searcher, self._suggester
        if suggester is None:
            raise BackendError(f"{self.path}: the archive is closed")

        def find(query: str, depth: int) -> tuple[list[str], int]:
            if searcher is not None:
                search = searcher.search(Query().set_query(query))
            else:
                search = suggester.suggest(query)
            return list(search.getResults(0, depth)), search.getEstimatedMatches()

        with self._lock:
            return relaxed_ranking(find, terms, count, total=self._archive.article_count)

    def _page_item(self, path: str) -> Any:
        """The item of the page at ``path`` (a redirect's target), or None."""
        try:
            item = self._archive.get_entry_by_path(path).get_item()  # follows redirects
        except KeyError:
            return None
        return item if item.mimetype.startswith(_PAGE_MIMETYPES) else None

    def _link_url(self, base: str, href: str) -> str | None:
        """The URL of the in-archive page ``href`` points at from the page at ``base``."""
        parts = urlsplit(href)
        if parts.netloc or parts.scheme in _WEB_SCHEMES:
            return None  # another site; "Category:Art" parses with a scheme, so not all are
        relative = href.split("#", 1)[0].split("?", 1)[0]
        if not relative:
            return None  # a place on this same page
        joined = posixpath.join(posixpath.dirname(base), unquote(relative))
        target = posixpath.normpath(joined).lstrip("/")
        if not target or target == ".." or target.startswith("../"):
            return None  # above the archive's root: another archive, as Kiwix serves them
        item = self._page_item(target)
        return None if item is None else self.urls.url(item.path)

    def close(self) -> None:
        """Drop the searchers and the archive (libzim closes the file when they go)."""
        with self._lock:
            self._searcher = None
            self._suggester = None

    def __repr__(self) -> str:
        return f"ZimBackend({str(self.path)!r})"


def snippet(text: str, terms: Sequence[str]) -> str:
    """The sentence of ``text`` that holds most of the query ``terms`` (lowercase words),
    else the lead sentences, trimmed to :data:`SNIPPET_WORDS` words.

    Only lines of five words or more are read: headings and menu entries are not prose.
    """
    lines = [line for line in text.split("\n") if len(line.split()) >= 5] or [text]
    sentences = [s for line in lines for s in split_sentences(line)]
    wanted = {term for term in terms if term not in STOPWORDS} or set(terms)
    best, best_hits = "", 0
    for sentence in sentences:
        hits = len(wanted.intersection(_QUERY_WORD_RE.findall(sentence.lower())))
        if hits > best_hits:
            best, best_hits = sentence, hits
    if not best:
        lead: list[str] = []
        for sentence in sentences:
            lead.append(sentence)
            if sum(len(s.split()) for s in lead) >= LEAD_WORDS:
                break
        best = " ".join(lead)
    cut = best.split()
    return " ".join(cut[:SNIPPET_WORDS]) + (" …" if len(cut) > SNIPPET_WORDS else "")


def relaxed_ranking(find: Finder, terms: list[str], count: int, *, total: int) -> list[str]:
    """Up to ``count`` paths: those ``find`` matches with every term, best first; then, when
    they are too few, those matching the rarest words, each word searched alone (libzim
    has no OR operator).

    A page's relaxed score is the sum of its words' weights, ``log(1 + total / matches)``
    (rarer words weigh more), ties going to the page ranked higher. Each word's list is read
    to a fixed depth, so a smaller ``count`` gives a prefix of the same ranking (up to
    ``count`` = :data:`RELAXED_DEPTH`).
    """
    paths, _ = find(" ".join(terms), count)
    unique = list(dict.fromkeys(terms))
    if len(paths) >= count or len(unique) == 1:
        return paths[:count]
    scores: dict[str, float] = {}
    best_rank: dict[str, int] = {}
    words = [term for term in unique if term not in STOPWORDS] or unique
    for word in words[:RELAXED_WORDS]:  # a pasted paragraph costs a bounded number of searches
        found, matches = find(word, max(count, RELAXED_DEPTH))
        weight = math.log(1 + total / max(matches, 1))
        for rank, path in enumerate(found):
            scores[path] = scores.get(path, 0.0) + weight
            best_rank[path] = min(rank, best_rank.get(path, rank))
    known = set(paths)
    more = sorted(scores, key=lambda path: (-scores[path], best_rank[path], path))
    return (paths + [path for path in more if path not in known])[:count]


def _read(item: Any, *, resolve: Resolver) -> ExtractedPage:
    content = bytes(item.content).decode("utf-8", errors="replace")
    if item.mimetype.startswith("text/html"):
        return extract_page(content, resolve=resolve)
    lines = (collapse_spaces(line) for line in content.splitlines())
    return ExtractedPage("\n".join(line for line in lines if line), ())


def _no_links(href: str) -> None:
    return None  # a snippet needs the text only: skip resolving every link


def _text_metadata(archive: Any) -> dict[str, str]:
    return {
        key: bytes(archive.get_metadata(key)).decode("utf-8", errors="replace")
        for key in archive.metadata_keys
        if not key.startswith("Illustration_")  # PNG icons, not text
    }
