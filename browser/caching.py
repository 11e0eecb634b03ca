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
_K = TypeVar("_K")


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
        found = self._cached(self._searches, (query, limit),
                             lambda: self.backend.search(query, limit=limit))  # fmt: skip
        return list(found)

    def open(self, url: str) -> Document:
        return self._cached(self._pages, url, lambda: self.backend.open(url))

    def close(self) -> None:
        """Forget what was cached and close the backend underneath."""
        with self._lock:
            self._searches.clear()
            self._pages.clear()
        self.backend.close()

    def _cached(self, store: dict[_K, _T | BackendError], key: _K, fetch: Callable[[], _T]) -> _T:
        """The remembered answer (or error) for ``key``, fetching it the first time."""
        with self._lock:
            cached = store.get(key)
        if cached is None:
            self.misses += 1
            try:
                cached = fetch()
            except BackendError as exc:
                cached = exc
            with self._lock:
                store[key] = cached
        else:
            self.hits += 1
        if isinstance(cached, BackendError):
            raise cached
        return cached
