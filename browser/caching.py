"""A backend wrapper that remembers searches and pages: N episodes of one question (best-of-n)
or repeated evaluation runs then search and fetch each thing once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from browser.backend import Backend
from browser.errors import BackendError
from browser.models import Document, SearchResult

_T = TypeVar("_T")


class CachingBackend:
    """Memoises ``search`` and ``open`` of another backend (errors too), thread-safely."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.name = backend.name
        self._searches: dict[tuple[str, int], list[SearchResult] | BackendError] = {}
        self._pages: dict[str, Document | BackendError] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def search(self, query: str, *, limit: int = 10) -> list[SearchResult]:
        key = (query, limit)
        with self._lock:
            cached = self._searches.get(key)
        if cached is None:
            cached = self._call(lambda: self.backend.search(query, limit=limit))
            with self._lock:
                self._searches[key] = cached
        else:
            self.hits += 1
        if isinstance(cached, BackendError):
            raise cached
        return list(cached)

    def open(self, url: str) -> Document:
        with self._lock:
            cached = self._pages.get(url)
        if cached is None:
            cached = self._call(lambda: self.backend.open(url))
            with self._lock:
                self._pages[url] = cached
        else:
            self.hits += 1
        if isinstance(cached, BackendError):
            raise cached
        return cached

    def _call(self, fetch: Callable[[], _T]) -> _T | BackendError:
        self.misses += 1
        try:
            return fetch()
        except BackendError as exc:
            return exc
